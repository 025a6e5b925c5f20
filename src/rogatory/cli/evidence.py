"""``rogatory evidence sweep``: what killed uploads left behind, cleaned up and reported."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rogatory import settings
from rogatory.cli.common import JsonFlag, console, handles_errors, print_json

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rogatory.evidence.sweep import SweepReport

evidence_app = typer.Typer(help="Stored evidence files.", no_args_is_help=True)


def run_sweep(engine: Engine, evidence_dir: Path) -> SweepReport:
    """The sweep on a read-only session: it writes files, never rows."""
    from rogatory.db import engine as dbe
    from rogatory.evidence.sweep import sweep

    with dbe.sessions(engine, read_only=True)() as session:
        return sweep(session, evidence_dir)


def summary(report: SweepReport) -> str:
    return (
        f"evidence sweep of {report.evidence_dir}: {len(report.removed)} removed, "
        f"{len(report.restored)} moved into place, {report.kept} kept, "
        f"{report.in_flight} in flight, {len(report.missing)} missing"
    )


@evidence_app.command("sweep")
@handles_errors
def sweep_command(as_json: JsonFlag = False) -> None:
    """Remove spool files of uploads that never finished and files no evidence row names;
    move into place a file whose row was committed. Never removes a file a row names.
    Exit 1 if a row's file is missing."""
    from rogatory.db import engine as dbe

    config = settings.load()
    report = run_sweep(dbe.make_engine(config.database_url), config.evidence_dir)
    if as_json:
        print_json(report.as_json())
    else:
        console.print(summary(report), markup=False)
        for item in report.removed:
            console.print(f"  removed  {item['path']} ({item['reason']})", markup=False)
        for item in report.restored:
            console.print(f"  placed   {item['path']} (row {item['file']})", markup=False)
        for item in report.missing:
            console.print(f"  MISSING  {item['path']} (row {item['file']})", markup=False)
    if report.missing:
        raise typer.Exit(1)

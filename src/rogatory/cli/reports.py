"""``rogatory report transparency|safeguards|publish|verify``: reports from the case record,
protected by small-cell suppression, and the signed snapshots a published one is served as.

The database, DuckDB and the cryptography libraries are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rogatory import settings
from rogatory.cli.common import JsonFlag, console, handles_errors, print_json
from rogatory.errors import RogatoryError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rogatory.reports.period import Period

report_app = typer.Typer(
    help="Transparency and safeguards reports from the case record.", no_args_is_help=True
)

PeriodOption = Annotated[
    str | None, typer.Option("--period", help="A half-year: 2027-H1 or 2027-H2 (default: now's).")
]
FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")]
OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="The organisation (default: the only one in the database)."),
]
KOption = Annotated[
    int, typer.Option("--k", help="Counts below k are shown as bands (at least 3).")
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the report to this file.")]


def _k(k: int) -> int:
    if k < 3:
        raise RogatoryError(
            "report.invalid_k",
            f"--k: {k} is too small; k is at least 3, so that every band holds two values",
        )
    return k


def _organisation(session: Session, org: str | None) -> str:
    from sqlalchemy import select

    from rogatory.reports import publishing
    from rogatory.requests.models import Organisation

    if org is not None:
        return publishing.organisation(session, org).id
    found = list(session.execute(select(Organisation.id).order_by(Organisation.id)).scalars())
    if len(found) != 1:
        raise RogatoryError(
            "report.unknown_organisation",
            "--org: the database holds "
            + (f"{len(found)} organisations ({', '.join(found)})" if found else "none")
            + "; name the one to report on",
        )
    return found[0]


def _period(period: str | None, start: str | None, end: str | None) -> Period:
    from rogatory.reports.period import parse

    return parse(period, start, end)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"report written to {out}", markup=False)


MEASURES = {
    "preservation": "preserve",
    "stored_data": "stored",
    "traffic_disclosure": "traffic",
    "realtime_traffic": "realtime",
    "interception": "intercept",
    "emergency": "emergency",
}
SHORT = {
    "requesting_state": "state",
    "emergency": "urg",
    "requests": "req",
    "identifiers": "ids",
    "under_nondisclosure": "NDO",
    "disclosed_in_full": "full",
    "disclosed_in_part": "part",
    "data_preserved": "kept",
    "no_data_found": "none",
    "outside_scope": "scope",
    "withdrawn": "wdrn",
    "pending": "pend",
    "median_hours_to_answer": "med h",
    "within_deadline_share": "in time",
}


def _text(report: dict[str, Any]) -> None:
    """One line per row, the columns abbreviated (a legend follows)."""
    from rogatory.reports import render

    console.print(render.title(report), markup=False)
    grounds = [o for o in report["outcomes"] if o.startswith("refused:")]
    labels = {g: f"R{i}" for i, g in enumerate(grounds, start=1)}
    grid = Table(show_edge=False, header_style="bold", pad_edge=False, box=None)
    head, *body = list(render.table(report))
    names = [labels.get(n, SHORT.get(n, n)) for n in head]
    rows = [[MEASURES.get(c, c) if i == 1 else c for i, c in enumerate(line)] for line in body]
    for i, name in enumerate(names):
        grid.add_column(name, justify="left" if i < 2 else "right", no_wrap=True)
    for line in rows:
        grid.add_row(*line)
    widths = [max(len(x) for x in column) for column in zip(names, *rows, strict=True)]
    wide = Console(width=sum(widths) + 2 * len(widths), highlight=False)
    wide.print(grid)  # as wide as the numbers need: never cut one short
    legend = ", ".join(f"{SHORT[o]} {o}" for o in SHORT if o in report["outcomes"])
    refused = ", ".join(f"{labels[g]} refused on {g.split(':', 1)[1]}" for g in grounds)
    console.print(f"Outcomes: {legend}" + (f"; {refused}" if refused else "") + ".", markup=False)
    s = report["suppression"]
    console.print(f"Suppression, k = {s['k']} ({s['method_id']}): {s['method']}", markup=False)
    head_ = report["audit_head"]
    console.print(
        f"Read at event {head_['seq']} of the audit chain {head_['chain']}.", markup=False
    )


@report_app.command("transparency")
@handles_errors
def transparency_command(
    period: PeriodOption = None,
    start: FromOption = None,
    end: ToOption = None,
    org: OrgOption = None,
    k: KOption = 5,
    fmt: Annotated[str, typer.Option("--format", help="text, json, csv or html.")] = "text",
    out: OutOption = None,
) -> None:
    """Requests per requesting State and measure: identifiers, outcomes, non-disclosure
    orders, time to answer; counts below k shown as bands, with complementary suppression."""
    from rogatory.db import engine as dbe
    from rogatory.reports import render, transparency
    from rogatory.reports.store import FactStore

    if fmt not in render.FORMATS:
        raise RogatoryError(
            "report.invalid_format",
            f"--format: {fmt!r} is not one of {', '.join(render.FORMATS)}",
        )
    chosen = _period(period, start, end)
    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        report = transparency.report(
            FactStore(), session, _organisation(session, org), chosen, k=_k(k)
        )
    if fmt == "json":
        _write(json.dumps(report, indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "csv":
        _write(render.to_csv(report), out)
    elif fmt == "html":
        _write(render.to_html(report), out)
    elif out is not None:
        _write(render.to_csv(report), out)
    else:
        _text(report)


@report_app.command("safeguards")
@handles_errors
def safeguards_command(
    period: PeriodOption = None,
    start: FromOption = None,
    end: ToOption = None,
    org: OrgOption = None,
    k: KOption = 5,
    laws_dir: Annotated[
        Path | None,
        typer.Option(
            "--laws",
            help="A folder of national implementation records (default: the register "
            "imported into the database).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Per requesting State: human-rights flags, refusals by ground, outside scope, failed
    emergency verification, legal bases, the safeguards of its implementation (from the
    national register); and which screening rules fire."""
    from datetime import timedelta

    from rogatory.assessments.service import stored_register
    from rogatory.compliance import laws
    from rogatory.db import engine as dbe
    from rogatory.reports import safeguards, transparency
    from rogatory.reports.store import FactStore
    from rogatory.treaty import catalogue

    chosen = _period(period, start, end)
    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        bundle = catalogue.get()
        register = (
            laws.load(laws_dir, bundle)
            if laws_dir is not None
            else stored_register(session, bundle)
        )
        # the laws in force at the end of the period, or today while it runs
        on = min((chosen.until - timedelta(microseconds=1)).date(), transparency.today())
        report = safeguards.report(
            FactStore(),
            session,
            _organisation(session, org),
            chosen,
            k=_k(k),
            register=safeguards.Implementations(register, on),
        )
    if as_json:
        print_json(report)
        return
    console.print(
        f"Safeguards report of {report['organisation']}, {report['period']['label']}",
        markup=False,
    )
    grid = Table(show_edge=True, header_style="bold")
    for name in (
        "state",
        "requests",
        "HR flagged",
        "refused",
        "outside scope",
        "emergency",
        "failed verif.",
        "legal basis",
    ):
        grid.add_column(name, overflow="fold")
    for row in report["rows"]:
        refused = ", ".join(
            f"{g.split(':', 1)[1]}: {v}" for g, v in row["refused_by_ground"].items()
        )
        bases = ", ".join(f"{b}: {v}" for b, v in row["legal_basis"].items())
        grid.add_row(
            row["requesting_state"],
            str(row["requests"]),
            str(row["human_rights_flagged"]),
            refused,
            str(row["outside_scope"]),
            str(row["emergency"]),
            str(row["emergency_failed_verification"]),
            bases,
        )
    console.print(grid)
    console.print("Safeguards of each State's implementation:", markup=False)
    for row in report["rows"]:
        found = row["safeguards"]
        if isinstance(found, str):
            console.print(f"  {row['requesting_state']}: {found}", markup=False)
            continue
        console.print(f"  {row['requesting_state']}:", markup=False)
        for line in found:
            console.print(f"    {line}", markup=False)
    console.print("Screening rules that fired (latest screening of each request):", markup=False)
    for rule in report["screening"]["rules"]:
        results = ", ".join(f"{r} {n}" for r, n in rule["results"].items())
        console.print(f"  {rule['rule']}: {results}", markup=False)
    for note in report["limitations"]:
        console.print(f"note: {note}", markup=False)


@report_app.command("publish")
@handles_errors
def publish_command(
    by: Annotated[str, typer.Option("--as", help="The admin publishing it (their e-mail).")],
    period: PeriodOption = None,
    start: FromOption = None,
    end: ToOption = None,
    k: KOption = 5,
    as_json: JsonFlag = False,
) -> None:
    """Freeze the organisation's transparency report of the period as a signed snapshot,
    served without sign-in at /public/reports/ORG/ID; a period published again is a new
    version that supersedes the last."""
    from sqlalchemy import select

    from rogatory.accounts import service as accounts
    from rogatory.accounts.models import User
    from rogatory.db import engine as dbe
    from rogatory.reports import publishing
    from rogatory.reports.store import FactStore
    from rogatory.requests.flows import Actor

    chosen = _period(period, start, end)
    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        user = session.execute(select(User).where(User.email == by)).scalar_one_or_none()
        if user is None or not user.active:
            raise RogatoryError("auth.forbidden", f"--as: no active user {by!r}")
        actor = Actor(user.email, user.org_id, accounts.roles_of(user))
        row = publishing.publish(session, actor, FactStore(), chosen, k=_k(k))
        result = {
            "id": row.id,
            "organisation": row.org_id,
            "period": row.period_label,
            "version": row.version,
            "supersedes": row.supersedes,
            "url": publishing.public_path(row.org_id, row.id),
            "report_sha256": row.snapshot_sha256,
            "key_id": row.key_id,
        }
    if as_json:
        print_json(result)
        return
    replaces = f", superseding {result['supersedes']}" if result["supersedes"] else ""
    console.print(
        f"published {result['period']} version {result['version']} of {result['organisation']}"
        f"{replaces}: {result['url']} (signed with key {result['key_id']})",
        markup=False,
    )


@report_app.command("verify")
@handles_errors
def verify_command(
    path: Annotated[Path, typer.Argument(help="The published report (JSON).")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="The expected key (base64).")
    ] = None,
    keys_file: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            help="The organisation's published keys (JSON of GET /api/v1/organisation/public-key).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a published report: its hash, its signature, the organisation's key. Exit 0 if
    every check passes, 1 if any fails."""
    from rogatory.disclosure import keys, receipts
    from rogatory.reports import snapshot

    document = snapshot.load(path)
    expected = keys.parse_public(public_key) if public_key else None
    published = None
    if keys_file is not None:
        data = receipts.read_json(keys_file, code="receipt.invalid_key", what="key list")
        listed = data.get("keys") if isinstance(data, dict) else data
        published = receipts.validated(
            keys.PublishedKeys, listed, str(keys_file), code="receipt.invalid_key"
        ).root
    result = snapshot.verify(document, expected_key=expected, published=published)
    if as_json:
        print_json(
            {
                "valid": result.ok,
                "id": document.publication.id,
                "version": document.publication.version,
                "supersedes": document.publication.supersedes,
                "key_id": document.key_id,
                "checks": [{"check": n, "ok": ok, "message": m} for n, ok, m in result.checks],
            }
        )
    else:
        for name, ok, message in result.checks:
            mark = "[green]ok[/green]  " if ok else "[red]FAIL[/red]"
            console.print(f"{mark} {name}: {message}")
        console.print("[green]valid[/green]" if result.ok else "[bold red]INVALID[/bold red]")
    if not result.ok:
        raise typer.Exit(1)

"""``rogatory check --treaty all``: one request screened under every treaty that can screen it.

A central authority bound to two States by both the UN Convention and the Budapest Convention
asks which of them the request rests on and what each would decide. The request's offence
articles are written in one treaty's numbering (``--numbering``, default the UN Convention's);
for every other treaty they are translated through the shipped crosswalk (UN Art 7, illegal
access, is Budapest Art 2), and an article with no counterpart is dropped and said so. The party
files (--instruments, --declarations) belong to one treaty, so they are refused here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from rogatory.cli.check import OUTCOME_STYLE, RESULT_STYLE, side_by_side_ids
from rogatory.cli.common import console, print_json, requester_policy
from rogatory.errors import RogatoryError
from rogatory.law.decision import Outcome, Result
from rogatory.treaty import catalogue

if TYPE_CHECKING:
    from rogatory.safeguards.engine import Decision


def run(
    path: Path,
    when: date | None,
    *,
    numbering: str,
    domestic_law: list[Path] | None,
    signals: Path | None,
    agreements: Path | None,
    instruments: Path | None,
    declarations: Path | None,
    ignore_shipped: bool,
    as_json: bool,
) -> None:
    from rogatory.authorities import signed
    from rogatory.safeguards import engine, request, side_by_side

    if path.is_dir():
        raise RogatoryError(
            "input.invalid", f"{path}: --treaty all screens one request file, not a folder"
        )
    if instruments or declarations or ignore_shipped:
        raise RogatoryError(
            "input.invalid",
            "--treaty all: --instruments, --declarations and --ignore-shipped belong to one "
            "treaty; name it with --treaty",
        )
    data = request.read(path)
    if signed.is_signed(data):  # compared by its request document; the signature is checked
        data = signed.open_envelope(data).request  # by 'check' under one treaty
    screeners = [
        engine.load(
            bundle_id=treaty,
            domestic_law_files=domestic_law,
            signals_file=signals,
            agreements_file=agreements,
            requester_policy=requester_policy(),
        )
        for treaty in side_by_side_ids()
    ]
    family = engine.family(*screeners)
    columns: list[dict[str, Any]] = []
    for c in side_by_side.under_each(family, data, numbering, when):
        column: dict[str, Any] = {"treaty": c.treaty, "articles_translated": list(c.notes)}
        if c.decision is not None:
            column["decision"] = c.decision
        else:
            column["errors"] = [{"code": e.code, "message": e.message} for e in c.errors]
        columns.append(column)
    if as_json:
        print_json(
            {
                "file": str(path),
                "numbering": numbering,
                "treaties": [
                    {k: (v.to_json() if k == "decision" else v) for k, v in c.items()}
                    for c in columns
                ],
            }
        )
        return
    _print(path, columns)


def _print(path: Path, columns: list[dict[str, Any]]) -> None:
    decisions: dict[str, Decision] = {
        c["treaty"]: c["decision"] for c in columns if "decision" in c
    }
    table = Table(title=f"{path.name} screened under each treaty")
    table.add_column("Rule", overflow="fold")
    for c in columns:
        title = catalogue.get(c["treaty"]).manifest.instrument
        table.add_column(f"{c['treaty']} ({title})", overflow="fold")
    outcome_row = ["[bold]outcome[/bold]"]
    for c in columns:
        if "decision" in c:
            o: Outcome = c["decision"].outcome
            outcome_row.append(f"[{OUTCOME_STYLE[o]}]{o.value}[/{OUTCOME_STYLE[o]}]")
        else:
            outcome_row.append("[red]unusable[/red]")
    table.add_row(*outcome_row, end_section=True)
    rules: dict[str, None] = {}
    for d in decisions.values():
        rules.update(dict.fromkeys(f.rule for f in d.findings))
    for rule in rules:
        row = [rule]
        for c in columns:
            shown = decisions.get(c["treaty"])
            found = next((f for f in shown.findings if f.rule == rule), None) if shown else None
            if found is None:
                row.append("[dim]—[/dim]" if shown else "")
                continue
            st = RESULT_STYLE[found.result]
            cites = ", ".join(x.label.removeprefix(f"{x.instrument} ") for x in found.cites[:3])
            more = "" if found.result is Result.NOT_APPLICABLE else f" [dim]{escape(cites)}[/dim]"
            row.append(f"[{st}]{found.result.value}[/{st}]{more}")
        table.add_row(*row)
    console.print(table)
    console.print("[dim]— : the treaty has no such rule (no counterpart provision)[/dim]")
    for c in columns:
        name = catalogue.get(c["treaty"]).manifest.short_title
        for note in c["articles_translated"]:
            console.print(f"{escape(name)}: {escape(note)}", markup=True)
        if "errors" in c:
            for e in c["errors"]:
                console.print(f"[red]{escape(name)}: {escape(e['message'])}[/red]")
            continue
        d = c["decision"]
        bases = [
            b["instrument"] + (" (governs the request)" if b.get("governs") else "")
            for b in d.legal_bases
        ]
        console.print(
            f"{name}: legal bases in force between the States: "
            + ("; ".join(bases) or "none known"),
            markup=False,
        )

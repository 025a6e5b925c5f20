"""``rogatory basis A B``: every legal basis between two States on a date, and which to use."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rogatory.cli.common import (
    AgreementsOption,
    DeclarationsOption,
    IgnoreShipped,
    InstrumentsOption,
    JsonFlag,
    OnOption,
    console,
    handles_errors,
    parse_on,
    print_json,
)
from rogatory.errors import ProblemCollector, RogatoryError
from rogatory.parties import service, states
from rogatory.treaty import catalogue

TreatyOption = Annotated[
    str,
    typer.Option("--treaty", help="The treaty the --instruments and --declarations files are for."),
]


KINDS = {
    "mutual_legal_assistance": "requests for mutual legal assistance",
    "preservation": "preservation requests",
    "contact_point_24_7": "urgent requests through the 24/7 network",
}


def _state(code: str) -> str:
    found = states.find(code)
    if found is None:
        raise RogatoryError("input.unknown_state", states.unknown_state_message(code))
    return found.code


@handles_errors
def basis(
    state_a: Annotated[str, typer.Argument(help="One State (ISO alpha-3, EU, XAA-XZZ).")],
    state_b: Annotated[str, typer.Argument(help="The other State.")],
    on: OnOption = None,
    instruments: InstrumentsOption = None,
    ignore_shipped: IgnoreShipped = False,
    declarations: DeclarationsOption = None,
    treaty: TreatyOption = catalogue.DEFAULT,
    agreements_file: AgreementsOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Every instrument in force between two States on a date, each with its channels,
    reservations and preservation period, and which one a request should be sent under."""
    from rogatory.safeguards import agreements
    from rogatory.safeguards import basis as legal_basis

    a, b = _state(state_a), _state(state_b)
    if a == b:
        raise RogatoryError("input.same_state", "give two different States")
    when = parse_on(on)
    catalogue.get(treaty)  # an unknown --treaty is an error before anything is read
    registers = [
        service.load(
            bundle_id=bundle_id,
            instruments_file=instruments if bundle_id == treaty else None,
            declarations_file=declarations if bundle_id == treaty else None,
            ignore_shipped=ignore_shipped and bundle_id == treaty,
        )
        for bundle_id in catalogue.bundle_ids()
    ]
    problems = ProblemCollector()
    treaties = agreements.read(agreements_file, problems) if agreements_file else ()
    problems.raise_if_any("input.invalid", "the agreements file is invalid")
    report = legal_basis.between(registers, treaties, a, b, when)
    if as_json:
        print_json(report.to_json())
        return
    console.print(f"[bold]{a} and {b} on {when}[/bold]")
    for x in report.bases:
        mark = "[green]in force[/green]" if x.in_force else "[dim]not in force[/dim]"
        governs = " [bold](governs mutual legal assistance)[/bold]" if x.governs_mla else ""
        title = f"  ({escape(x.title)})" if x.title != x.instrument else ""
        console.print(f"  {escape(x.instrument)}: {mark}{governs}{title}")
        for why in x.why_not:
            console.print(f"      {why}", markup=False)
        for gap in x.gaps:
            console.print(f"      [yellow]data gap:[/yellow] {escape(gap)} (--instruments adds it)")
        for state, subjects in x.channels.items():
            for subject, text in subjects.items():
                console.print(f"      {state} {subject}: {text}", markup=False)
        for statement in x.statements:
            console.print(f"      {statement}", markup=False)
        if x.in_force and x.preservation_min_days:
            console.print(f"      preservation: at least {x.preservation_min_days} days")
    for kind, instrument in report.send_under.items():
        console.print(f"Send {KINDS.get(kind, kind)} under: [bold]{escape(instrument)}[/bold]")
    for reason in report.reasons:
        console.print(f"  because {reason}", markup=False)

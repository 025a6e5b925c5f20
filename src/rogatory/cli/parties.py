"""``rogatory parties``: status of states, entry into force, reservations, on any date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from rogatory.cli.common import (
    DeclarationsOption,
    IgnoreShipped,
    InstrumentsOption,
    JsonFlag,
    OnOption,
    TreatyOption,
    console,
    handles_errors,
    parse_on,
    print_json,
    verified_mark,
)
from rogatory.law.entry_into_force import EntryIntoForce
from rogatory.parties import service, states
from rogatory.parties.register import PartyStatus, Register, Status
from rogatory.treaty import catalogue

app = typer.Typer(
    help="Signatures, ratifications and entry into force, as of a date.", no_args_is_help=True
)

_COLOURS = {
    Status.BOUND: "green",
    Status.RATIFIED_NOT_YET_BOUND: "cyan",
    Status.SIGNATORY: "yellow",
    Status.DENOUNCED: "red",
    Status.NON_SIGNATORY: "dim",
}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def status_json(ps: PartyStatus) -> dict[str, Any]:
    return {
        "state": ps.state.code,
        "name": ps.state.name,
        "kind": ps.state.kind.value,
        "status": ps.status.value,
        "bound_from": _iso(ps.bound_from),
        "signed_on": _iso(ps.signature.on) if ps.signature else None,
        "consent": {
            "kind": ps.consent.kind.value,
            "deposited_on": ps.consent.on.isoformat(),
            "source": ps.consent.source,
            "verified": ps.consent.verified,
            "verification": ps.consent.verification.value,
        }
        if ps.consent
        else None,
        "recorded_bound_from": _iso(ps.consent.recorded_in_force) if ps.consent else None,
        "denunciation": {
            "notified_on": ps.denunciation.on.isoformat(),
            "effective_on": _iso(ps.denunciation_effective),
        }
        if ps.denunciation
        else None,
        "explanation": ps.explain(),
        "cites": [c.brief() for c in ps.cites],
        "unverified_provisions": [c.provision_id for c in ps.unverified],
    }


def eif_json(register: Register, result: EntryIntoForce) -> dict[str, Any]:
    recorded = register.bundle.manifest.final_clauses.recorded_entry_into_force
    return {
        "treaty": register.bundle.id,
        "as_of": result.as_of.isoformat(),
        "entry_into_force": _iso(result.date),
        "in_force": result.in_force_on(result.as_of),
        "instruments_counted": result.counted,
        "required": result.required,
        "including": {
            group: {"counted": have, "required": need}
            for group, (have, need) in result.group_counts.items()
        },
        "triggering_deposit": _iso(result.triggering_deposit),
        "recorded_entry_into_force": {
            "date": recorded.on.isoformat(),
            "source": recorded.cite.source,
            "verification": recorded.cite.verification.value,
        }
        if recorded
        else None,
        "bundle_revision": register.bundle.revision,
        "cites": [c.brief() for c in register.rule.citations()],
    }


def _group_title(register: Register, group: str) -> str:
    found = register.bundle.groups.get(group)
    return found.title if found else group


def summary_line(result: EntryIntoForce, register: Register | None = None) -> str:
    count = f"{result.counted} of {result.required} instruments counted towards entry into force"
    for group, (have, need) in result.group_counts.items():
        title = _group_title(register, group) if register else group
        count += f", {have} of them by {title} (at least {need} needed)"
    if result.date is None:
        return f"{count} (as of {result.as_of}): not yet reached."
    verb = "entered" if result.in_force_on(result.as_of) else "enters"
    return f"{count} (as of {result.as_of}): {verb} into force on {result.date}."


def _load(
    bundle_id: str, instruments: Any, ignore_shipped: bool, declarations: Any = None
) -> Register:
    return service.load(
        bundle_id=bundle_id,
        instruments_file=instruments,
        ignore_shipped=ignore_shipped,
        declarations_file=declarations,
    )


@app.command("status")
@handles_errors
def status(
    state: Annotated[
        str | None, typer.Argument(help="ISO alpha-3 code, EU, or a test state XAA-XZZ.")
    ] = None,
    on: OnOption = None,
    instruments: InstrumentsOption = None,
    ignore_shipped: IgnoreShipped = False,
    all_states: Annotated[
        bool, typer.Option("--all", help="List every ISO state, not only those with instruments.")
    ] = False,
    bundle_id: TreatyOption = catalogue.DEFAULT,
    as_json: JsonFlag = False,
) -> None:
    """The status of one state, or of every state with an instrument, on a date."""
    when = parse_on(on)
    if state is not None:
        states.lookup(state)
    register = _load(bundle_id, instruments, ignore_shipped)
    result = register.entry_into_force(when)
    if state is not None:
        ps = register.status(state, when)
        if as_json:
            print_json(
                status_json(ps)
                | {"as_of": when.isoformat(), "entry_into_force": eif_json(register, result)}
            )
            return
        colour = _COLOURS[ps.status]
        console.print(
            f"[bold]{ps.state.name}[/bold] ({ps.state.code}) on {when}: "
            f"[{colour}]{ps.status.value}[/{colour}]"
        )
        console.print(ps.explain(), markup=False)
        for cite in ps.unverified:
            console.print(
                f"  {verified_mark(cite.verification)} rests on {cite.label} ({cite.source})"
            )
        for inst in register.instruments_of(ps.state.code):
            mark = f" {verified_mark(inst.verification)}"
            console.print(f"  {inst.on}  {inst.kind.value:<20} source {inst.source}{mark}")
        console.print(summary_line(result, register))
        return
    codes = register.known_states()
    if all_states:
        codes = sorted(set(codes) | {s.code for s in states.all_iso_states()})
    rows = register.statuses(when, codes)
    if as_json:
        print_json(
            {
                **eif_json(register, result),
                "states": [status_json(r) for r in rows],
                "gaps": list(register.gaps),
            }
        )
        return
    table = Table(title=f"{register.bundle.manifest.short_title}: parties as of {when}")
    for col in ("State", "Name", "Status", "Signed", "Consent", "Bound from"):
        table.add_column(col)
    for r in rows:
        colour = _COLOURS[r.status]
        table.add_row(
            r.state.code,
            r.state.name,
            f"[{colour}]{r.status.value}[/{colour}]",
            _iso(r.signature.on) if r.signature else "",
            f"{r.consent.kind.value} {r.consent.on}" if r.consent else "",
            _iso(r.bound_from) or "",
        )
    console.print(table)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    console.print(summary_line(result, register))
    for gap in register.gaps:
        console.print(f"[yellow]gap:[/yellow] {gap}")


@app.command("eif")
@handles_errors
def entry_into_force(
    on: OnOption = None,
    instruments: InstrumentsOption = None,
    ignore_shipped: IgnoreShipped = False,
    bundle_id: TreatyOption = catalogue.DEFAULT,
    as_json: JsonFlag = False,
) -> None:
    """The treaty's entry-into-force date, and from when it binds each party."""
    when = parse_on(on)
    register = _load(bundle_id, instruments, ignore_shipped)
    result = register.entry_into_force(when)
    rows = register.statuses(when)
    if as_json:
        print_json(
            eif_json(register, result)
            | {
                "parties": {
                    r.state.code: {
                        "status": r.status.value,
                        "bound_from": _iso(r.bound_from),
                        "recorded_bound_from": _iso(r.consent.recorded_in_force)
                        if r.consent
                        else None,
                    }
                    for r in rows
                }
            }
        )
        return
    console.print(summary_line(result, register))
    rule = register.rule
    cited = ", ".join(
        c.label + ("" if c.verified else f" {c.verification.mark}") for c in rule.citations()
    )
    quotas = "".join(
        f", with at least {q.at_least} by {_group_title(register, q.group)}" for q in rule.including
    )
    console.print(
        f"Rule: {rule.delay.describe()} after the {rule.instruments_required}th instrument"
        f"{quotas} ({cited}); later parties: {rule.later_parties_delay.describe()} after deposit."
    )
    recorded = register.bundle.manifest.final_clauses.recorded_entry_into_force
    if recorded is not None:
        agrees = "agrees" if recorded.on == result.date else "DIFFERS"
        console.print(
            f"The depositary records entry into force on {recorded.on} "
            f"({recorded.cite.source}, {recorded.cite.verification.value}): "
            f"the computation {agrees}."
        )
    bound = [r for r in rows if r.bound_from is not None]
    for r in bound:
        line = f"  {r.state.code}  bound from {r.bound_from}  ({r.status.value})"
        if r.consent is not None and r.consent.recorded_in_force is not None:
            same = "=" if r.consent.recorded_in_force == r.bound_from else "DIFFERS from"
            line += f"  {same} depositary {r.consent.recorded_in_force}"
        console.print(line)


@app.command("declarations")
@handles_errors
def declarations(
    state: Annotated[str, typer.Argument(help="ISO alpha-3 code, EU, or a test state.")],
    on: OnOption = None,
    instruments: InstrumentsOption = None,
    ignore_shipped: IgnoreShipped = False,
    declarations_file: DeclarationsOption = None,
    bundle_id: TreatyOption = catalogue.DEFAULT,
    as_json: JsonFlag = False,
) -> None:
    """The reservations, declarations and notifications of a state in effect on a date."""
    when = parse_on(on)
    states.lookup(state)
    register = _load(bundle_id, instruments, ignore_shipped, declarations_file)
    statements = register.statements_in_effect(state, when)
    notes = register.notifications_in_effect(state, when)
    ps = register.status(state, when)
    data = {
        "state": ps.state.code,
        "as_of": when.isoformat(),
        "status": ps.status.value,
        "reservations": [
            s.model_dump(mode="json") for s in statements if s in register.reservations
        ],
        "declarations": [
            s.model_dump(mode="json") for s in statements if s in register.declarations
        ],
        "notifications": {k.value: n.model_dump(mode="json") for k, n in notes.items()},
    }
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{ps.state.name}[/bold] on {when}: {ps.status.value}")
    if not statements:
        console.print(
            "No reservation or declaration in effect"
            + ("" if ps.status is Status.BOUND else " (the state is not bound on that date)")
        )
    for s in statements:
        kind = "reservation" if s in register.reservations else "declaration"
        console.print(f"  {kind} on {s.concerns} made {s.made_on}: {s.text}", markup=False)
    for subject, n in notes.items():
        console.print(f"  {subject.value}: {n.details} (notified {n.made_on})", markup=False)

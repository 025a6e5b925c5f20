"""Contradictions between instruments, found before any date is computed.

Two ratifications by one state, a ratification after its denunciation, a denunciation by a
state that never consented, a signature outside the Art 64 window, formal confirmation by
something that is not an REIO, a signature by a State the instrument is not open to, an
accession before entry into force or by a State that may not accede: each would make the
computed status meaningless, so each is refused with the rows involved rather than silently
resolved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from rogatory.errors import ProblemCollector
from rogatory.law import entry_into_force as eif
from rogatory.law.bundle import FinalClauses
from rogatory.law.groups import Group
from rogatory.parties import states
from rogatory.parties.instruments import Instrument, Kind, deposits


def _report(problems: ProblemCollector, code: str, inst: Instrument, message: str) -> None:
    file, _, where = inst.origin.rpartition(" row ")
    if file:
        problems.add(code, message, file=file, location=f"row {where}")
    else:
        problems.add(code, message, location=inst.origin)


def check(
    instruments: Sequence[Instrument],
    clauses: FinalClauses,
    problems: ProblemCollector,
    groups: Mapping[str, Group] | None = None,
) -> None:
    """Record every contradiction among the instruments as a problem."""
    by_state: dict[str, list[Instrument]] = defaultdict(list)
    for inst in instruments:
        by_state[inst.state].append(inst)
    consent_kinds = set(clauses.consent_kinds)
    window = clauses.signature
    for state, items in by_state.items():
        if states.find(state) is None:
            for inst in items:
                _report(
                    problems,
                    "instrument.unknown_state",
                    inst,
                    f"field state: {states.unknown_state_message(state)}",
                )
            continue
        items = sorted(items, key=lambda i: i.on)
        firsts: dict[Kind, Instrument] = {}
        consent: Instrument | None = None
        denunciation: Instrument | None = None
        signature: Instrument | None = None
        for inst in items:
            if inst.kind is Kind.SIGNATURE:
                if not (
                    window.opens <= inst.on and (window.closes is None or inst.on <= window.closes)
                ):
                    _report(
                        problems,
                        "instrument.signature_outside_window",
                        inst,
                        f"field date: {state} signature on {inst.on} is outside the signature "
                        f"window {window.describe()} ({window.cite.label})",
                    )
            elif inst.kind.value in consent_kinds and inst.on < window.opens:
                _report(
                    problems,
                    "instrument.before_opening",
                    inst,
                    f"field date: {state} {inst.kind.value} on {inst.on} is before the "
                    f"instrument opened for signature on {window.opens} ({window.cite.label})",
                )
            if inst.kind.value not in consent_kinds and inst.kind not in (
                Kind.SIGNATURE,
                Kind.DENUNCIATION,
            ):
                _report(
                    problems,
                    "instrument.kind_not_provided",
                    inst,
                    f"field kind: {inst.kind.value} is not a form of consent under this "
                    f"instrument (accepted: {', '.join(sorted(consent_kinds))})",
                )
            if inst.kind is Kind.FORMAL_CONFIRMATION and not _is_reio(state):
                _report(
                    problems,
                    "instrument.formal_confirmation_not_reio",
                    inst,
                    f"field kind: formal confirmation is the instrument of a regional economic "
                    f"integration organization; {state} is not one",
                )
            if inst.kind in firsts:
                _report(
                    problems,
                    "instrument.duplicate",
                    inst,
                    f"field kind: {state} already has a {inst.kind.value} "
                    f"({firsts[inst.kind].describe()})",
                )
                continue
            firsts[inst.kind] = inst
            if denunciation is not None and inst.kind is not Kind.DENUNCIATION:
                _report(
                    problems,
                    "instrument.after_denunciation",
                    inst,
                    f"field kind: {state} {inst.kind.value} on {inst.on} comes after its "
                    f"denunciation ({denunciation.describe()})",
                )
            if inst.kind is Kind.SIGNATURE:
                signature = inst
                if consent is not None:
                    _report(
                        problems,
                        "instrument.signature_after_consent",
                        inst,
                        f"field date: {state} signs on {inst.on} after already consenting to be "
                        f"bound ({consent.describe()})",
                    )
            elif inst.kind.value in consent_kinds:
                if consent is not None:
                    _report(
                        problems,
                        "instrument.duplicate",
                        inst,
                        f"field kind: {state} already consented to be bound ({consent.describe()})",
                    )
                    continue
                consent = inst
                if inst.kind is Kind.ACCESSION and signature is not None:
                    _report(
                        problems,
                        "instrument.accession_by_signatory",
                        inst,
                        f"field kind: {state} signed ({signature.describe()}); a signatory "
                        "ratifies, accepts or approves rather than accedes",
                    )
            elif inst.kind is Kind.DENUNCIATION:
                denunciation = inst
                if consent is None:
                    _report(
                        problems,
                        "instrument.denunciation_without_consent",
                        inst,
                        f"field kind: {state} denounces on {inst.on} but has not consented to "
                        "be bound by then",
                    )
    check_reio_members(instruments, clauses, problems)
    check_groups(instruments, clauses, problems, groups or {})


def _member_of(groups: Mapping[str, Group], ids: Sequence[str], inst: Instrument) -> str | None:
    """The first of ``ids`` whose group ``inst``'s State belongs to on the instrument's date."""
    return next((g for g in ids if g in groups and groups[g].is_member(inst.state, inst.on)), None)


def check_groups(
    instruments: Sequence[Instrument],
    clauses: FinalClauses,
    problems: ProblemCollector,
    groups: Mapping[str, Group],
) -> None:
    """Signature and accession, where the clauses say who may do them (Budapest Arts 36(1)
    and 37(1)): a signature only by a State in one of the open groups on the day it signs; an
    accession only after entry into force, and never by a State in an excluded group."""
    window, accession = clauses.signature, clauses.accession
    open_to = window.open_to_groups
    for inst in instruments:
        if inst.kind is Kind.SIGNATURE and open_to and _member_of(groups, open_to, inst) is None:
            names = " or ".join(groups[g].title if g in groups else g for g in open_to)
            _report(
                problems,
                "instrument.signature_not_open",
                inst,
                f"field state: {inst.state} signs on {inst.on}, but the instrument is open for "
                f"signature only by {names} ({window.cite.label})",
            )
    if accession is None:
        return
    consents = deposits(instruments, clauses.consent_kinds)
    for inst in instruments:
        if inst.kind.value != accession.kind:
            continue
        excluded = _member_of(groups, accession.not_open_to, inst)
        if excluded is not None:
            _report(
                problems,
                "instrument.accession_not_open",
                inst,
                f"field state: {inst.state} accedes on {inst.on}, but it is one of the "
                f"{groups[excluded].title} on that day, and accession is open only to other "
                f"States ({accession.cite.label}); it signs and ratifies instead",
            )
        if accession.after_entry_into_force:
            result = eif.compute(clauses.entry_into_force, consents, inst.on, groups)
            if not result.in_force_on(inst.on):
                when = (
                    f"it enters into force on {result.date}"
                    if result.date
                    else "it has not received the instruments it needs to enter into force"
                )
                _report(
                    problems,
                    "instrument.accession_before_entry_into_force",
                    inst,
                    f"field date: {inst.state} accedes on {inst.on}, but accession is possible "
                    f"only after the instrument's entry into force ({accession.cite.label}); "
                    f"{when}",
                )


def check_reio_members(
    instruments: Sequence[Instrument], clauses: FinalClauses, problems: ProblemCollector
) -> None:
    """An REIO signs only once one of its member States has signed, and consents only once
    one has consented (S14 for the Convention's Art 64; the model UNTOC Art 36(2)-(4))."""
    consent_kinds = set(clauses.consent_kinds)

    def first(codes: frozenset[str], kinds: set[str]) -> Instrument | None:
        found = [i for i in instruments if i.state in codes and i.kind.value in kinds]
        return min(found, key=lambda i: i.on, default=None)

    for reio, members in states.REIO_MEMBERS.items():
        for kinds, what in (({Kind.SIGNATURE.value}, "signed"), (consent_kinds, "consented")):
            own = first(frozenset({reio}), kinds)
            if own is None:
                continue
            member = first(members, kinds)
            if member is None or member.on > own.on:
                after = (
                    f"its first member to have {what} did so on {member.on} ({member.state})"
                    if member
                    else f"none of its member States has {what}"
                )
                _report(
                    problems,
                    "instrument.reio_before_member",
                    own,
                    f"field date: {reio} {own.kind.value} on {own.on}: a regional economic "
                    f"integration organization may have {what} only once at least one of its "
                    f"member States has ({clauses.signature.cite.label}); {after}",
                )


def _is_reio(code: str) -> bool:
    state = states.find(code)
    return state is not None and state.is_reio

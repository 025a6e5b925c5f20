"""Every legal basis between two States on a date, and which one a request should go under.

A central authority's first question: what binds us with this State today? Each shipped treaty
answers through its own party register (both States bound on the date, or why not); the
agreements file adds bilateral and regional treaties. Where another mutual legal assistance
treaty binds the two States and they have not agreed to apply the Convention's paragraphs, that
treaty governs requests for mutual legal assistance (the UNTOC 18(7) model); preservation and
the 24/7 network keep their own articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rogatory.law.bundle import DeadlineKind
from rogatory.law.citation import Citation
from rogatory.parties.declarations import Subject
from rogatory.parties.register import Register, Status
from rogatory.safeguards import agreements
from rogatory.safeguards.agreements import Agreement


@dataclass(frozen=True)
class Basis:
    """One instrument and what it means for the pair on the date."""

    instrument: str
    title: str
    source: str  # "shipped" (a treaty bundle) or the agreements file's row
    in_force: bool
    why_not: tuple[str, ...] = ()
    channels: dict[str, dict[str, str]] = field(default_factory=dict)  # state -> subject -> text
    statements: tuple[str, ...] = ()
    preservation_min_days: int | None = None
    governs_mla: bool = False
    cites: tuple[Citation, ...] = ()
    gaps: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "title": self.title,
            "source": self.source,
            "in_force": self.in_force,
            "why_not": list(self.why_not),
            "channels": self.channels,
            "reservations_and_declarations": list(self.statements),
            "preservation_min_days": self.preservation_min_days,
            "governs_mla": self.governs_mla,
            "cites": [c.brief() | {"label": c.label} for c in self.cites],
            "data_gaps": list(self.gaps),
        }


@dataclass(frozen=True)
class Report:
    states: tuple[str, str]
    on: date
    bases: tuple[Basis, ...]
    send_under: dict[str, str]  # kind of request -> instrument
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "states": list(self.states),
            "as_of": self.on.isoformat(),
            "legal_bases": [b.to_json() for b in self.bases],
            "send_under": self.send_under,
            "reasons": list(self.reasons),
        }


def _treaty_basis(register: Register, a: str, b: str, on: date) -> Basis:
    bundle = register.bundle
    between = register.in_force_between(a, b, on)
    channels: dict[str, dict[str, str]] = {}
    statements: list[str] = []
    for state in (a, b):
        notes = register.notifications_in_effect(state, on)
        channels[state] = {
            subject.value: (n.details if isinstance(n.details, str) else ", ".join(n.details))
            for subject, n in notes.items()
            if subject in (Subject.CENTRAL_AUTHORITY, Subject.CONTACT_POINT_24_7, Subject.LANGUAGES)
        }
        statements += [
            f"{s.state} {s.concerns} (made {s.made_on}): {s.text}"
            for s in register.statements_in_effect(state, on)
        ]
    minimum = None
    at_least = bundle.measure_deadline("preservation", DeadlineKind.PRESERVE_AT_LEAST)
    if at_least is not None and at_least.constant is not None:
        found = bundle.constant(at_least.constant, on)
        minimum = found.value if found.known and isinstance(found.value, int) else None
    cites = tuple(c for p in between.parties for c in p.cites)
    unbound = [p for p in between.parties if p.status is not Status.BOUND]
    gaps = [] if register.instruments else ["no party data is shipped for this treaty"]
    gaps += [
        f"{p.state.code} is not in the shipped chart, which is incomplete"
        for p in unbound
        if p.unknown and register.instruments
    ]
    return Basis(
        bundle.instrument,
        bundle.manifest.short_title,
        "shipped",
        between.in_force,
        tuple(p.explain() for p in unbound if not (p.unknown and register.instruments)),
        channels,
        tuple(statements),
        minimum,
        cites=tuple(dict.fromkeys(cites)),
        gaps=tuple(gaps),
    )


def _agreement_basis(ag: Agreement, governing: Agreement | None) -> Basis:
    return Basis(
        ag.instrument,
        ag.instrument,
        ag.origin,
        True,
        governs_mla=ag is governing,
    )


def between(
    registers: list[Register],
    treaties: tuple[Agreement, ...],
    a: str,
    b: str,
    on: date,
    *,
    convention: str = "UNCC",
) -> Report:
    """What binds ``a`` and ``b`` on ``on``, and under which instrument to send what."""
    governing = agreements.governing(treaties, a, b, on)
    shipped = [_treaty_basis(r, a, b, on) for r in registers]
    found = agreements.between(treaties, a, b, on)
    bases = (*shipped, *(_agreement_basis(ag, governing) for ag in found))
    in_force = [x for x in shipped if x.in_force]
    main = next((x for x in in_force if x.instrument == convention), None) or (
        in_force[0] if in_force else None
    )
    send: dict[str, str] = {}
    reasons: list[str] = []
    if governing is not None:
        send["mutual_legal_assistance"] = governing.instrument
        reasons.append(
            f"{governing.instrument} binds {a} and {b} and does not apply the Convention's "
            "paragraphs: its provisions govern requests for mutual legal assistance (the "
            "model UNTOC Art 18(7))"
        )
    elif main is not None:
        send["mutual_legal_assistance"] = main.instrument
        reasons.append(f"{main.instrument} binds both States and no other treaty displaces it")
    elif found:
        send["mutual_legal_assistance"] = found[0].instrument
        reasons.append(f"only {found[0].instrument} binds both States on {on}")
    if main is not None:
        send["preservation"] = main.instrument
        send["contact_point_24_7"] = main.instrument
        reasons.append(
            f"preservation and the 24/7 network rest on {main.instrument}'s own articles, "
            "which another treaty does not displace"
        )
    if not send:
        reasons.append(
            f"no treaty known to bind {a} and {b} on {on}: assistance rests on domestic law "
            "or reciprocity (add treaties with --agreements, instruments with --instruments)"
        )
    return Report((a, b), on, bases, send, tuple(reasons))

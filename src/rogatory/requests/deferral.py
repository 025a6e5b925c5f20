"""Postponements and consultations, read back from a case's transitions.

A postponement (model UNTOC Art 18(25)) and a consultation of the requesting State (model
18(26)) are moves of the lifecycle; what they bring is stored on the transition that made
them (``Transition.details``), so their history is the case's own history and needs no table
of its own. This module answers: what was postponed or proposed, when it ended, whether a
refusal or postponement followed a consultation, and which postponements are due for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.law.citation import Citation
from rogatory.requests.flows import Actor
from rogatory.requests.models import Case, Transition
from rogatory.requests.transitions import Status
from rogatory.treaty import catalogue

DECIDED_AFTER_CONSULTING = frozenset({Status.REFUSED, Status.POSTPONED})


@dataclass(frozen=True)
class Ended:
    to: str
    by: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class Step:
    """One postponement or consultation, and how it ended (``None``: it still stands)."""

    kind: str  # postponement or consultation
    by: str
    at: datetime
    reason: str | None
    details: dict[str, str]
    ended: Ended | None


@dataclass(frozen=True)
class Deferrals:
    steps: tuple[Step, ...]
    decided: Status | None  # refused or postponed: the decision a consultation should precede
    consulted: bool | None  # for that decision: whether a consultation came before it

    @property
    def current(self) -> Step | None:
        last = self.steps[-1] if self.steps else None
        return last if last is not None and last.ended is None else None

    def notice(self, on: date, bundle_id: str) -> str | None:
        """What the case page and the API say of a refusal or postponement made without
        consulting the requesting State first: allowed, but not what the model asks."""
        if self.decided is None or self.consulted:
            return None
        cite = citation(CONSULT, on, bundle_id)
        where = f"{cite.label}, model {cite.model}" if cite and cite.model else "Art 40"
        return (
            f"{self.decided.value} without consulting the requesting State first ({where}, "
            f"{cite.verification.mark if cite else 'UNVERIFIED'}: consult before refusing "
            "or postponing)"
        )


CONSULT = "mla.consultation_before_refusal_or_postponement"
POSTPONE = "mla.postponement_for_ongoing_proceedings"


def citation(constant: str, on: date, bundle_id: str) -> Citation | None:
    """The citation, with its verification level, of the case's treaty's constant on ``on``
    (none where that treaty has no such constant: a Budapest case cites Art 27, never the UN
    Convention's model)."""
    bundle = catalogue.get(bundle_id)
    return bundle.constant(constant, on).cite if constant in bundle.constants else None


def read(transitions: Sequence[Transition], status: Status) -> Deferrals:
    """The postponements and consultations among a case's transitions (oldest first)."""
    steps: list[Step] = []
    for i, t in enumerate(transitions):
        kind = next(iter(t.details or {}), None)
        if kind not in ("postponement", "consultation"):
            continue
        after = transitions[i + 1] if i + 1 < len(transitions) else None
        ended = Ended(after.to_status, after.by, after.at, after.note) if after else None
        steps.append(Step(kind, t.by, t.at, t.note, dict((t.details or {})[kind]), ended))
    if status not in DECIDED_AFTER_CONSULTING:
        return Deferrals(tuple(steps), None, None)
    decided = max(i for i, t in enumerate(transitions) if t.to_status == status.value)
    consulted = any(t.to_status == Status.IN_CONSULTATION.value for t in transitions[:decided])
    return Deferrals(tuple(steps), status, consulted)


def of_case(session: Session, case: Case) -> Deferrals:
    rows = session.execute(
        select(Transition).where(Transition.case_id == case.id).order_by(Transition.id)
    ).scalars()
    return read(list(rows), Status(case.status))


def due_for_review(session: Session, actor: Actor, on: date) -> list[tuple[Case, date]]:
    """Postponed cases whose date to review the postponement has come."""
    cases = session.execute(
        select(Case)
        .where(Case.org_id == actor.org, Case.status == Status.POSTPONED.value)
        .order_by(Case.due_at)
    ).scalars()
    out: list[tuple[Case, date]] = []
    for case in cases:
        step = of_case(session, case).current
        if step is not None and step.kind == "postponement":
            review_on = date.fromisoformat(step.details["review_on"])
            if review_on <= on:
                out.append((case, review_on))
    return out

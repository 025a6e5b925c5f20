"""The follow-up request for mutual legal assistance of a preservation case.

Data is preserved so that the requesting State can ask for it through mutual legal
assistance. Once that follow-up request is received, the data stays preserved until it is
decided (Art 42; model: Budapest Art 29(7)): the case records when it was received (and its
reference, and the case in rogatory that handles it, if any), then when and how it was
decided. While it is pending, ``requests.holds`` keeps the case's holds from lapsing, if the
bundle's ``preservation.mla_continues_pending_decision`` says so on the day of receipt.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.errors import RogatoryError
from rogatory.law.bundle import DeadlineKind, MeasureKind
from rogatory.requests import holds, permissions
from rogatory.requests.flows import Actor, get_or_raise, record
from rogatory.requests.models import Case, FollowUpRow
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Status
from rogatory.treaty import catalogue

NOT_PRESERVING = frozenset({Status.REFUSED, Status.WITHDRAWN})
REFERENCE_MAX = 200


class Outcome(StrEnum):
    """How the follow-up request was decided."""

    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # by the requesting State


def is_preservation(case: Case) -> bool:
    """Whether the case's measure is preservation, by its treaty's measures table."""
    facts = catalogue.get(case.treaty).measures.get(case.measure)
    return facts is not None and facts.kind is MeasureKind.PRESERVATION


def require_preservation(case: Case, what: str) -> None:
    if not is_preservation(case):
        raise RogatoryError(
            "case.not_preservation",
            f"{what} belongs to a preservation case; this case is {case.measure}",
        )


def domain(row: FollowUpRow | None) -> holds.FollowUp | None:
    return holds.FollowUp(row.received_on, row.decided_on) if row is not None else None


def continues_constant(bundle_id: str, measure: str) -> str | None:
    """The constant saying whether preserved data stays preserved pending the decision on
    the follow-up request: the ``continue_pending`` deadline of the case's treaty's measures
    table (none: the treaty says nothing of it)."""
    found = catalogue.get(bundle_id).measure_deadline(measure, DeadlineKind.CONTINUE_PENDING)
    return found.constant if found else None


def by_law(follow_up: holds.FollowUp | None, bundle_id: str, measure: str) -> bool:
    """Whether the law of the case's treaty in force on the day the follow-up was received
    keeps the data preserved pending its decision (read from the bundle, never assumed)."""
    name = continues_constant(bundle_id, measure)
    if follow_up is None or name is None:
        return False
    value = catalogue.get(bundle_id).constant(name, follow_up.received_on)
    return value.known and value.value is True


def of_case(session: Session, case_id: str) -> FollowUpRow | None:
    return session.get(FollowUpRow, case_id)


def _may_write(actor: Actor) -> None:
    permissions.require(actor.roles, Action.WORK)


def _field_error(message: str) -> RogatoryError:
    return RogatoryError("case.invalid_follow_up", message)


def received(
    session: Session,
    actor: Actor,
    case_id: str,
    received_on: date,
    reference: str,
    follow_up_case_id: str | None,
    *,
    today: date,
) -> FollowUpRow:
    """Record that the follow-up request of a preservation case was received."""
    _may_write(actor)
    case = get_or_raise(session, actor, case_id)
    require_preservation(case, "a follow-up request for mutual legal assistance")
    if Status(case.status) in NOT_PRESERVING:
        raise RogatoryError("case.not_open", f"a {case.status} case preserves nothing")
    if of_case(session, case.id) is not None:
        raise RogatoryError(
            "case.follow_up_recorded",
            "this case's follow-up request is already recorded",
            help="record its decision instead",
        )
    reference = reference.strip()
    if not reference or len(reference) > REFERENCE_MAX:
        raise _field_error(f"field reference: 1 to {REFERENCE_MAX} characters")
    if received_on > today:
        raise _field_error(f"field received_on: {received_on} is after today ({today})")
    if follow_up_case_id:
        linked = session.execute(
            select(Case).where(Case.id == follow_up_case_id, Case.org_id == actor.org)
        ).scalar_one_or_none()
        if linked is None or linked.id == case.id:
            raise _field_error(
                f"field follow_up_case_id: no other case {follow_up_case_id!r} in your organisation"
            )
    row = FollowUpRow(
        case_id=case.id,
        received_on=received_on,
        reference=reference,
        follow_up_case_id=follow_up_case_id or None,
        recorded_by=actor.user,
        recorded_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    record(
        session,
        case,
        actor,
        "follow_up.received",
        {
            "received_on": received_on.isoformat(),
            "reference": reference,
            "follow_up_case_id": row.follow_up_case_id,
            "continues_pending_decision": by_law(domain(row), case.treaty, case.measure),
        },
    )
    return row


def decided(
    session: Session,
    actor: Actor,
    case_id: str,
    decided_on: date,
    outcome: str,
    *,
    today: date,
) -> FollowUpRow:
    """Record the decision on the follow-up request: from that day its holds may lapse."""
    _may_write(actor)
    case = get_or_raise(session, actor, case_id)
    require_preservation(case, "a follow-up request for mutual legal assistance")
    row = of_case(session, case.id)
    if row is None:
        raise RogatoryError(
            "case.follow_up_missing",
            "no follow-up request is recorded on this case",
            help="record that it was received first",
        )
    if row.decided_on is not None:
        raise RogatoryError(
            "case.follow_up_decided",
            f"the follow-up request was already decided on {row.decided_on} ({row.outcome})",
        )
    if outcome not in {o.value for o in Outcome}:
        raise _field_error(
            f"field outcome: {outcome!r} is not one of {', '.join(o.value for o in Outcome)}"
        )
    if decided_on < row.received_on or decided_on > today:
        raise _field_error(
            f"field decided_on: between the day it was received ({row.received_on}) and "
            f"today ({today}); not {decided_on}"
        )
    row.decided_on, row.outcome, row.decided_by = decided_on, outcome, actor.user
    session.flush()
    record(
        session,
        case,
        actor,
        "follow_up.decided",
        {"decided_on": decided_on.isoformat(), "outcome": outcome},
    )
    return row

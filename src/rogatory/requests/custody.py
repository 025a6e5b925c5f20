"""Stored preservation holds and non-disclosure orders, and the queries that keep them alive.

The rules are ``requests.holds`` and ``requests.confidentiality``; this module keeps their
state in the case's rows, audits every change, and answers "which holds need a reminder",
"which have lapsed", "which users must now be notified" and "which cases are at risk or
overdue". A hold's status is always its effective one: a hold whose case's follow-up request
is pending decision is ``continued``, not expired (``requests.follow_up``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.errors import RogatoryError
from rogatory.requests import deadlines, follow_up, holds, permissions
from rogatory.requests.confidentiality import Answer, NonDisclosure, Task, answer_of, task
from rogatory.requests.flows import Actor, get_or_raise, record
from rogatory.requests.models import (
    Case,
    ConfidentialityAnswerRow,
    FollowUpRow,
    HoldRow,
    NonDisclosureRow,
)
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import OPEN, Status


def _may_write(actor: Actor) -> None:
    permissions.require(actor.roles, Action.WORK)


def _domain(row: HoldRow) -> holds.Hold:
    return holds.Hold(
        tuple(row.identifiers),
        row.start,
        row.expiry,
        row.released_on,
        tuple(date.fromisoformat(d) for d in row.extensions),
    )


def _store(row: HoldRow, hold: holds.Hold) -> None:
    row.expiry, row.released_on = hold.expiry, hold.released_on
    row.extensions = [d.isoformat() for d in hold.extensions]


def status(session: Session, row: HoldRow, on: date) -> holds.HoldStatus:
    """The hold's effective status on ``on``, its case's follow-up request considered."""
    pending = follow_up.domain(follow_up.of_case(session, row.case_id))
    case = session.get(Case, row.case_id)
    assert case is not None  # a hold's case is a foreign key
    law = follow_up.by_law(pending, case.treaty, case.measure)
    return holds.effective_status(_domain(row), pending, on, by_law=law)


def _hold_of(session: Session, actor: Actor, case_id: str, hold_id: int) -> tuple[Case, HoldRow]:
    case = get_or_raise(session, actor, case_id)
    row = session.execute(
        select(HoldRow).where(HoldRow.id == hold_id, HoldRow.case_id == case.id)
    ).scalar_one_or_none()
    if row is None:
        raise RogatoryError("case.not_found", f"no hold {hold_id} on case {case_id!r}")
    return case, row


def place_hold(
    session: Session,
    actor: Actor,
    case_id: str,
    identifiers: list[str],
    start: date,
    days: int,
    *,
    minimum_days: int,
    minimum_basis: str = "the treaty's minimum period",
) -> HoldRow:
    _may_write(actor)
    case = get_or_raise(session, actor, case_id)
    if Status(case.status) not in OPEN:
        raise RogatoryError("case.not_open", f"a {case.status} case takes no new hold")
    hold = holds.place(
        identifiers, start, days, minimum_days=minimum_days, minimum_basis=minimum_basis
    )
    row = HoldRow(
        case_id=case.id,
        identifiers=list(hold.identifiers),
        start=hold.start,
        expiry=hold.expiry,
        released_on=None,
        extensions=[],
    )
    session.add(row)
    session.flush()
    record(
        session,
        case,
        actor,
        "hold.placed",
        {
            "hold": row.id,
            "identifiers": row.identifiers,
            "start": start.isoformat(),
            "expiry": row.expiry.isoformat(),
        },
    )
    return row


def extend_hold(
    session: Session, actor: Actor, case_id: str, hold_id: int, new_expiry: date, on: date
) -> HoldRow:
    _may_write(actor)
    case, row = _hold_of(session, actor, case_id, hold_id)
    before = row.expiry
    _store(row, holds.extend(_domain(row), new_expiry, on, status(session, row, on)))
    session.flush()
    record(
        session,
        case,
        actor,
        "hold.extended",
        {"hold": row.id, "from": before.isoformat(), "to": new_expiry.isoformat()},
    )
    return row


def release_hold(session: Session, actor: Actor, case_id: str, hold_id: int, on: date) -> HoldRow:
    _may_write(actor)
    case, row = _hold_of(session, actor, case_id, hold_id)
    _store(row, holds.release(_domain(row), on, status(session, row, on)))
    session.flush()
    record(session, case, actor, "hold.released", {"hold": row.id, "on": on.isoformat()})
    return row


def _unreleased(
    session: Session, actor: Actor
) -> list[tuple[Case, HoldRow, holds.FollowUp | None]]:
    rows = session.execute(
        select(Case, HoldRow, FollowUpRow)
        .join(HoldRow, HoldRow.case_id == Case.id)
        .outerjoin(FollowUpRow, FollowUpRow.case_id == Case.id)
        .where(Case.org_id == actor.org, HoldRow.released_on.is_(None))
        .order_by(HoldRow.expiry, HoldRow.id)
    ).all()
    return [(c, h, follow_up.domain(f)) for c, h, f in rows]


def reminders_due(
    session: Session, actor: Actor, on: date, days_before: int = 7
) -> list[tuple[Case, HoldRow]]:
    """Holds about to end, except those a pending follow-up request keeps past their end."""
    return [
        (c, h)
        for c, h, f in _unreleased(session, actor)
        if holds.effective_reminder_due(
            _domain(h),
            f,
            on,
            by_law=follow_up.by_law(f, c.treaty, c.measure),
            days_before=days_before,
        )
    ]


def by_status(
    session: Session, actor: Actor, on: date, wanted: holds.HoldStatus
) -> list[tuple[Case, HoldRow]]:
    """Unreleased holds with that effective status: ``expired`` lists the holds that lapsed
    (the data may be gone), ``continued`` those kept pending the follow-up's decision."""
    return [
        (c, h)
        for c, h, f in _unreleased(session, actor)
        if holds.effective_status(
            _domain(h), f, on, by_law=follow_up.by_law(f, c.treaty, c.measure)
        )
        is wanted
    ]


def order_non_disclosure(
    session: Session, actor: Actor, case_id: str, ordered_on: date, ends_on: date | None
) -> NonDisclosureRow:
    _may_write(actor)
    case = get_or_raise(session, actor, case_id)
    if ends_on is not None and ends_on <= ordered_on:
        raise RogatoryError("case.invalid_order", "field ends_on: must be after ordered_on")
    row = session.get(NonDisclosureRow, case.id)
    if row is None:
        row = NonDisclosureRow(case_id=case.id, ordered_on=ordered_on, ends_on=ends_on)
        session.add(row)
    else:
        row.ordered_on, row.ends_on, row.notified_on = ordered_on, ends_on, None
    session.flush()
    record(
        session,
        case,
        actor,
        "non_disclosure.ordered",
        {"ordered_on": ordered_on.isoformat(), "ends_on": ends_on.isoformat() if ends_on else None},
    )
    return row


def mark_notified(session: Session, actor: Actor, case_id: str, on: date) -> NonDisclosureRow:
    _may_write(actor)
    case = get_or_raise(session, actor, case_id)
    row = session.get(NonDisclosureRow, case.id)
    order = NonDisclosure(row.ordered_on, row.ends_on, row.notified_on) if row else None
    if row is None or order is None or not order.notification_due(on):
        raise RogatoryError(
            "case.notification_not_due",
            "no lapsed non-disclosure order awaits user notification on this case",
        )
    row.notified_on = on
    session.flush()
    record(session, case, actor, "user.notified", {"on": on.isoformat()})
    return row


def notifications_due(session: Session, actor: Actor, on: date) -> list[Case]:
    rows = session.execute(
        select(Case, NonDisclosureRow)
        .join(NonDisclosureRow, NonDisclosureRow.case_id == Case.id)
        .where(Case.org_id == actor.org)
    ).all()
    return [
        c
        for c, n in rows
        if NonDisclosure(n.ordered_on, n.ends_on, n.notified_on).notification_due(on)
    ]


def by_standing(
    session: Session, actor: Actor, now: datetime, policy: deadlines.Policy
) -> dict[deadlines.Standing, list[Case]]:
    """Open cases grouped as on time, at risk and overdue."""
    out: dict[deadlines.Standing, list[Case]] = {s: [] for s in deadlines.Standing}
    cases = session.execute(
        select(Case)
        .where(Case.org_id == actor.org, Case.status.in_([s.value for s in OPEN]))
        .order_by(Case.due_at)
    ).scalars()
    for case in cases:
        out[policy.standing(case.received_at, case.due_at, now)].append(case)
    return out


def confidentiality_task(
    session: Session, case: Case
) -> tuple[Task, ConfidentialityAnswerRow | None]:
    """Where the confidentiality the request asked for stands, and the answer recorded."""
    row = session.get(ConfidentialityAnswerRow, case.id)
    ordered = session.get(NonDisclosureRow, case.id) is not None
    requested = bool(case.request.get("confidentiality_requested"))
    return task(requested, Answer(row.answer) if row else None, ordered), row


def answer_confidentiality(
    session: Session,
    actor: Actor,
    case_id: str,
    answer: str,
    reason: str | None,
    told_on: date,
    *,
    today: date,
) -> ConfidentialityAnswerRow:
    """Record that the request is kept confidential, or that it cannot be and the requesting
    State was told so (on ``told_on``, with the reason); a later answer replaces an earlier
    one, and both stay in the audit log."""
    _may_write(actor)
    case = get_or_raise(session, actor, case_id)
    if not case.request.get("confidentiality_requested"):
        raise RogatoryError(
            "case.confidentiality_not_requested",
            "the request does not ask to be kept confidential; there is nothing to answer",
        )
    given, why = answer_of(answer, reason)
    if told_on > today:
        raise RogatoryError(
            "case.invalid_confidentiality", f"field told_on: {told_on} is after today ({today})"
        )
    row = session.get(ConfidentialityAnswerRow, case.id)
    if row is None:
        row = ConfidentialityAnswerRow(case_id=case.id)
        session.add(row)
    row.answer, row.reason, row.by, row.at = given.value, why, actor.user, datetime.now(UTC)
    row.told_on = told_on if given is Answer.CANNOT else None
    session.flush()
    record(
        session,
        case,
        actor,
        "confidentiality.answered",
        {"answer": given.value, "reason": why, "told_on": row.told_on and told_on.isoformat()},
    )
    return row


def confidentiality_pending(session: Session, actor: Actor) -> list[Case]:
    """Open cases whose request asked for confidentiality, with no answer and no order yet."""
    cases = session.execute(
        select(Case)
        .outerjoin(ConfidentialityAnswerRow, ConfidentialityAnswerRow.case_id == Case.id)
        .outerjoin(NonDisclosureRow, NonDisclosureRow.case_id == Case.id)
        .where(
            Case.org_id == actor.org,
            Case.status.in_([s.value for s in OPEN]),
            ConfidentialityAnswerRow.case_id.is_(None),
            NonDisclosureRow.case_id.is_(None),
        )
        .order_by(Case.due_at)
    ).scalars()
    return [c for c in cases if c.request.get("confidentiality_requested")]

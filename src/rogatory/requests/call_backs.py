"""Confirming a request by calling its authority back on a number from the registry.

Forged emergency requests arrive from real, compromised police mailboxes; the answer is a
call to the authority on a number the registry holds for it (never one the request gives).
The call is recorded on the case (who called, when, which number, with what outcome) and
audited; the case is screened again at once, so the emergency finding reads it, and an
emergency case is approved only once a call-back confirmed it (``transitions``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from rogatory.authorities import store
from rogatory.authorities.models import CallBackRow
from rogatory.authorities.registry import normalised_phone
from rogatory.errors import RogatoryError
from rogatory.requests import flows, permissions
from rogatory.requests.models import Screening
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import OPEN, Status
from rogatory.safeguards.engine import Screener
from rogatory.safeguards.requester import CallBackOutcome

NOTE_MAX = 2000


def record(
    session: Session,
    actor: flows.Actor,
    case_id: str,
    screener: Screener,
    *,
    number: str,
    outcome: str,
    called_at: datetime | None = None,
    note: str | None = None,
) -> tuple[CallBackRow, Screening]:
    """Record a call-back on a case and screen it again; the number must be one the
    registry gives for an authority of the requesting State, in effect on the request's
    date."""
    permissions.require(actor.roles, Action.RECORD_CALL_BACK, code="callback.forbidden")
    case = flows.get_or_raise(session, actor, case_id)
    if Status(case.status) not in OPEN:
        raise RogatoryError("case.not_open", f"a {case.status} case takes no call-back")
    if outcome not in {o.value for o in CallBackOutcome}:
        raise RogatoryError(
            "callback.invalid",
            f"field outcome: {outcome!r} is not one of "
            + ", ".join(o.value for o in CallBackOutcome),
        )
    dialled = normalised_phone(number)
    if dialled is None:
        raise RogatoryError(
            "callback.invalid",
            f"field number: {number!r} is not an international number (E.164: +CC...)",
        )
    when = (called_at or datetime.now(UTC)).astimezone(UTC)
    if when > datetime.now(UTC):
        raise RogatoryError("callback.invalid", "field called_at: the call is in the future")
    law = screener.under(case.treaty).law
    on = flows._parse(case.request, screener.under(case.treaty)).submitted_on
    registry = store.registry(session, actor.org, law.register.notifications)
    owner = registry.phone_owner(dialled, case.requesting_state, on)
    if owner is None:
        raise RogatoryError(
            "callback.invalid",
            f"field number: {dialled} is not a number the registry gives for an authority of "
            f"{case.requesting_state} on {on}",
            help="call back only on a number from the registry (rogatory authorities list "
            f"--state {case.requesting_state}), never on one the request gives",
        )
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise RogatoryError("callback.invalid", f"field note: at most {NOTE_MAX} characters")
    row = CallBackRow(
        case_id=case.id,
        authority_id=owner.id,
        authority_name=owner.name,
        number=dialled,
        outcome=outcome,
        note=text or None,
        called_by=actor.user,
        called_at=when,
    )
    session.add(row)
    session.flush()
    with flows.recorded_at_end(session):
        flows.record(
            session,
            case,
            actor,
            "case.call_back_recorded",
            {
                "authority": owner.id,
                "number": dialled,
                "outcome": outcome,
                "called_at": when.isoformat(),
                "note": text or None,
            },
        )
        screening = flows._screen(session, case, actor, screener, None, why="call-back recorded")
    return row, screening

"""What the case page and the queue show of a case's steps, from the same read models as the
API (``api.case_views``): holds with their effective status, the follow-up request, the
confidentiality task, postponements and consultations, the traffic-data disclosures, and the
stored screening outcome as today's rules name it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from rogatory.accounts.service import Principal
from rogatory.api import case_views
from rogatory.requests import custody, follow_up, permissions, traffic
from rogatory.requests.displayed import displayed
from rogatory.requests.flows import Actor
from rogatory.requests.holds import HoldStatus
from rogatory.requests.models import Case, HoldRow, Screening
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Role, Status

DECIDING = frozenset({Status.IN_REVIEW, Status.IN_CONSULTATION})
HOLD_WORDS = {
    HoldStatus.ACTIVE: "active",
    HoldStatus.CONTINUED: "continued pending the decision on the follow-up request",
    HoldStatus.EXPIRED: "expired",
    HoldStatus.RELEASED: "released",
}


def context(
    db: Session,
    case: Case,
    principal: Principal,
    holds: Sequence[HoldRow],
    history: Sequence[Screening],
    today: date,
) -> dict[str, Any]:
    roles, status = principal.roles, Status(case.status)
    deciders = bool({Role.REVIEWER, Role.APPROVER} & roles)
    hold_status = {h.id: custody.status(db, h, today) for h in holds}
    return {
        "steps": case_views.steps_of(db, case, today),
        "hold_status": hold_status,
        "hold_words": HOLD_WORDS,
        "any_continued": HoldStatus.CONTINUED in hold_status.values(),
        "shown": {h.seq: displayed(h.outcome, h.decision) for h in history},
        "is_preservation": follow_up.is_preservation(case),
        "follow_up_outcomes": [o.value for o in follow_up.Outcome],
        "can_defer": deciders and status in DECIDING,
        "can_consult": deciders and status is Status.IN_REVIEW,
        "can_prepare_step": permissions.allows(roles, Action.PREPARE_TRAFFIC_DISCLOSURE)
        and status in traffic.EXECUTING,
        "can_approve_step": permissions.allows(roles, Action.APPROVE_TRAFFIC_DISCLOSURE),
        "can_follow_up": permissions.allows(roles, Action.WORK)
        and status not in follow_up.NOT_PRESERVING,
    }


def queue_marks(db: Session, actor: Actor, today: date) -> dict[str, set[str]]:
    """Case ids the queue marks with a badge: holds continued pending the follow-up, and
    confidentiality asked for and not yet answered."""
    return {
        "continued": {c.id for c, _ in custody.by_status(db, actor, today, HoldStatus.CONTINUED)},
        "confidentiality": {c.id for c in custody.confidentiality_pending(db, actor)},
    }

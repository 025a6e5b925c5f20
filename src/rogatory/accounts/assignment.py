"""Assigning a case to a person of the organisation, so the queue can be worked by assignee.

It lives with the accounts because the assignee must be an active member of the case's own
organisation with a role that works cases; the change is audited like every other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts import service as accounts
from rogatory.accounts.models import User
from rogatory.errors import RogatoryError
from rogatory.requests import flows, permissions
from rogatory.requests.models import Case
from rogatory.requests.permissions import Action


def assign(session: Session, actor: flows.Actor, case_id: str, assignee: str | None) -> Case:
    """Give the case to ``assignee`` (an email), or to nobody with ``None``."""
    permissions.require(actor.roles, Action.ASSIGN)
    case = flows.get_or_raise(session, actor, case_id)
    email = assignee.strip().lower() if assignee else None
    if email:
        user = session.execute(
            select(User).where(User.email == email, User.org_id == actor.org)
        ).scalar_one_or_none()
        if (
            user is None
            or not user.active
            or not permissions.allows(accounts.roles_of(user), Action.WORK)
        ):
            raise RogatoryError(
                "case.invalid_assignee",
                f"field assignee: {assignee!r} is not an active intake officer, reviewer or "
                "approver of this organisation",
            )
    before, case.assigned_to = case.assigned_to, email or None
    session.flush()
    flows.record(session, case, actor, "case.assigned", {"from": before, "to": case.assigned_to})
    return case

"""The queue: an organisation's cases in deadline order, filtered as the people working it ask.

One query serves the API (cursor pages) and the web queue (numbered pages), so both filter
the same way. Search matches the requester's reference or any value of the request document
(its text and numbers, never its field names), which is where the identifiers (accounts,
addresses, numbers) are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, String, func, literal, or_, select

from rogatory.orm import folded, json_values
from rogatory.requests import flows
from rogatory.requests.flows import Actor
from rogatory.requests.models import Case
from rogatory.requests.transitions import OPEN, Status

UNASSIGNED = "-"  # the assignee filter's value for cases nobody holds


@dataclass(frozen=True)
class Filters:
    status: Status | None = None
    measure: str | None = None
    requesting_state: str | None = None
    due_before: datetime | None = None
    assignee: str | None = None  # an email, or UNASSIGNED
    text: str | None = None
    open_only: bool = False  # the work still to do: no closed, refused or fulfilled cases


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def select_cases(actor: Actor, filters: Filters) -> Select[Case]:
    """Cases of the actor's organisation matching every filter given, by deadline then id."""
    query = select(Case).where(flows.visible(actor))
    if filters.status is not None:
        query = query.where(Case.status == filters.status.value)
    if filters.open_only:
        query = query.where(Case.status.in_(sorted(s.value for s in OPEN)))
    if filters.measure:
        query = query.where(Case.measure == filters.measure)
    if filters.requesting_state:
        query = query.where(Case.requesting_state == filters.requesting_state.upper())
    if filters.due_before is not None:
        due = filters.due_before
        query = query.where(Case.due_at < (due if due.tzinfo else due.replace(tzinfo=UTC)))
    if filters.assignee == UNASSIGNED:
        query = query.where(Case.assigned_to.is_(None))
    elif filters.assignee:
        query = query.where(Case.assigned_to == filters.assignee.lower())
    if filters.text and filters.text.strip():
        # Both sides folded by the database, the same way, so that "MINISTÈRE" finds
        # "Ministère" and "ПОЛЬЗОВАТЕЛЬ" finds "пользователь" on SQLite and PostgreSQL.
        pattern = folded(literal(_like(filters.text.strip()), String))
        query = query.where(
            or_(
                folded(Case.reference).like(pattern, escape="\\"),
                folded(Case.id).like(pattern, escape="\\"),
                folded(json_values(Case.request)).like(pattern, escape="\\"),
            )
        )
    return query.order_by(Case.due_at, Case.id)


def count(query: Select[Case]) -> Select[int]:
    return select(func.count()).select_from(query.order_by(None).subquery())

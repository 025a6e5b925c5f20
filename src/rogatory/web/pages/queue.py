"""The queue: cases by deadline with badges, filters, search and numbered pages.

The filter form is a plain GET form (works without JavaScript); with HTMX it refreshes only
the results and keeps the address bar in step, so a filtered queue can be bookmarked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from rogatory.accounts import service as accounts
from rogatory.api.cases import POLICY
from rogatory.api.deps import Db
from rogatory.requests import flows, queue
from rogatory.requests.displayed import displayed
from rogatory.requests.models import Case
from rogatory.requests.transitions import OPEN, Status
from rogatory.safeguards.request import Measure
from rogatory.web import steps_view, templating
from rogatory.web.auth import Viewer, actor

router = APIRouter(include_in_schema=False)
PAGE = 25


def row(
    db: Session, case: Case, now: datetime, marks: dict[str, set[str]] | None = None
) -> dict[str, Any]:
    screening = flows.latest_screening(db, case)
    return {
        "case": case,
        "standing": POLICY.standing(case.received_at, case.due_at, now).value,
        "outcome": screening.outcome,
        "shown": displayed(screening.outcome, screening.decision),
        "marks": {name for name, ids in (marks or {}).items() if case.id in ids},
    }


def _status(value: str | None) -> Status | None:
    return Status(value) if value in {s.value for s in Status} else None


@router.get("/queue")
def queue_page(
    request: Request,
    who: Viewer,
    db: Db,
    status: Annotated[str | None, Query()] = None,
    measure: Annotated[str | None, Query()] = None,
    requesting_state: Annotated[str | None, Query(max_length=3)] = None,
    assignee: Annotated[str | None, Query(max_length=254)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    # By default the queue is the work still open; "all" shows closed cases too.
    filters = queue.Filters(
        status=_status(status),
        open_only=not status,
        measure=measure if measure in {m.value for m in Measure} else None,
        requesting_state=requesting_state or None,
        assignee=assignee or None,
        text=q or None,
    )
    query = queue.select_cases(actor(who), filters)
    total = db.execute(queue.count(query)).scalar_one()
    cases = db.execute(query.offset((page - 1) * PAGE).limit(PAGE)).scalars().all()
    now = datetime.now(UTC)
    marks = steps_view.queue_marks(db, actor(who), now.date())
    params = {
        k: v
        for k, v in {
            "status": status,
            "measure": measure,
            "requesting_state": requesting_state,
            "assignee": assignee,
            "q": q,
        }.items()
        if v
    }
    pages = max(1, -(-total // PAGE))

    def page_url(n: int) -> str | None:
        return f"/queue?{urlencode({**params, 'page': n})}" if 1 <= n <= pages else None

    context: dict[str, Any] = {
        "rows": [row(db, c, now, marks) for c in cases],
        "total": total,
        "page": page,
        "pages": pages,
        "prev_url": page_url(page - 1),
        "next_url": page_url(page + 1),
        "open_statuses": {s.value for s in OPEN},
        "params": params,
        "statuses": [s.value for s in Status],
        "measures": [m.value for m in Measure],
        "members": accounts.members(db, who.principal.org),
        "unassigned": queue.UNASSIGNED,
    }
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "results"
    )
    return templating.render(request, "queue_results.html" if partial else "queue.html", **context)

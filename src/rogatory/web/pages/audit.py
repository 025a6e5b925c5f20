"""The audit page: the state of the organisation's hash chain, for auditors and admins."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from rogatory.api.deps import Db
from rogatory.audit.models import AuditEvent
from rogatory.db import state as states
from rogatory.requests import permissions
from rogatory.requests.permissions import Action
from rogatory.signing import checkpoints
from rogatory.web import templating
from rogatory.web.auth import Viewer

router = APIRouter(include_in_schema=False)
RECENT = 50


@router.get("/audit")
def audit_page(request: Request, who: Viewer, db: Db, state: bool = False) -> Response:
    """The chain and its checkpoints; with ``?state=1``, the organisation's case and user rows
    against the states their events recorded too (on demand: it reads every case)."""
    permissions.require(who.principal.roles, Action.READ_AUDIT, code="auth.forbidden")
    org = who.principal.org
    checked = checkpoints.verify(db, chain=org)
    rows = states.verify(db, chain=org) if state else None
    recent = (
        db.execute(
            select(AuditEvent)
            .where(AuditEvent.chain == org)
            .order_by(AuditEvent.seq.desc())
            .limit(RECENT)
        )
        .scalars()
        .all()
    )
    head = db.execute(select(func.max(AuditEvent.seq)).where(AuditEvent.chain == org)).scalar_one()
    return templating.render(
        request,
        "audit.html",
        report=checked.chain,
        failed=[f for f in checked.findings if not f.ok],
        held=sum(1 for f in checked.findings if f.ok),
        recent=recent,
        head=head,
        rows=rows,
    )

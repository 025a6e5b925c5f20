"""``/api/v1/audit``: the state of the chain, for auditors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from rogatory.accounts.service import Scope
from rogatory.api.deps import ReadDb, needs
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.permissions import Action
from rogatory.signing import checkpoints

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class CheckpointOut(BaseModel):
    seq: int
    at: datetime
    ok: bool
    problem: str | None


class AuditReportOut(BaseModel):
    ok: bool
    events: int
    broken_seq: int | None
    reason: str | None
    checkpoints: list[CheckpointOut]
    warnings: list[str]


@router.get("/verify", operation_id="verifyAudit", response_model=AuditReportOut)
def verify(
    actor: Annotated[Actor, Depends(needs(Scope.AUDIT_READ))],
    db: ReadDb,
) -> dict[str, Any]:
    """Recompute the organisation's audit chain, name the first broken link, and hold the
    chain against its stored signed checkpoints (on a read-only session: a long chain never
    holds up the organisations that write)."""
    permissions.require(actor.roles, Action.READ_AUDIT, code="auth.forbidden")
    report = checkpoints.verify(db, chain=actor.org)
    return {
        "ok": report.ok,
        "events": report.chain.events,
        "broken_seq": report.chain.broken_seq,
        "reason": report.chain.reason,
        "checkpoints": [
            {"seq": f.claim.seq, "at": f.claim.at.isoformat(), "ok": f.ok, "problem": f.problem}
            for f in report.findings
        ],
        "warnings": report.warnings,
    }

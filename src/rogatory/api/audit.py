"""``/api/v1/audit``: the state of the chain, for auditors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from rogatory.accounts.service import Scope
from rogatory.api.deps import ReadDb, needs
from rogatory.db import state as rows
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


class StateDifferenceOut(BaseModel):
    subject: str
    shown: str
    problem: str


class StateOut(BaseModel):
    """The rows against the states their events recorded (``db.state``)."""

    ok: bool
    checked: dict[str, int]
    not_checked: dict[str, int]
    differences: list[StateDifferenceOut]
    warnings: list[str]


class AuditReportOut(BaseModel):
    ok: bool
    events: int
    broken_seq: int | None
    reason: str | None
    checkpoints: list[CheckpointOut]
    warnings: list[str]
    state: StateOut | None = None  # only with ?state=true


@router.get("/verify", operation_id="verifyAudit", response_model=AuditReportOut)
def verify(
    actor: Annotated[Actor, Depends(needs(Scope.AUDIT_READ))],
    db: ReadDb,
    state: Annotated[
        bool,
        Query(
            description="Also hold each case's and user's rows against the state its events "
            "recorded, naming the first row that differs (`ok` then covers both)"
        ),
    ] = False,
) -> dict[str, Any]:
    """Recompute the organisation's audit chain, name the first broken link, and hold the
    chain against its stored signed checkpoints (on a read-only session: a long chain never
    holds up the organisations that write); with ``state``, the rows too (``db.state``)."""
    permissions.require(actor.roles, Action.READ_AUDIT, code="auth.forbidden")
    report = checkpoints.verify(db, chain=actor.org)
    checked = rows.verify(db, chain=actor.org) if state else None
    return {
        "ok": report.ok and (checked is None or checked.ok),
        "events": report.chain.events,
        "broken_seq": report.chain.broken_seq,
        "reason": report.chain.reason,
        "checkpoints": [
            {"seq": f.claim.seq, "at": f.claim.at.isoformat(), "ok": f.ok, "problem": f.problem}
            for f in report.findings
        ],
        "warnings": report.warnings,
        **({"state": rows.as_json(checked)} if checked is not None else {}),
    }

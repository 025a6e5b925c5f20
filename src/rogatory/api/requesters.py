"""``/api/v1/my/requests``: a requesting authority's own requests; ``/api/v1/requesters``:
the admin's list of requester accounts, their approval and suspension.

A requester's token carries ``requests:own`` alone (``accounts.service.scopes_for``), so
every other route refuses it; here each read is scoped to the cases it submitted, and a case
it did not submit answers 404 like a case that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from rogatory.accounts.service import Scope
from rogatory.api.cases import EXAMPLE_REQUEST, POLICY
from rogatory.api.deps import Db, RowId, Svc, needs
from rogatory.disclosure.receipts import Receipt
from rogatory.requesters import service as requesters
from rogatory.requesters import submit, views
from rogatory.requests.flows import Actor

router = APIRouter(prefix="/api/v1", tags=["requesters"])
Own = Annotated[Actor, Depends(needs(Scope.REQUESTS_OWN))]
AdminActor = Annotated[Actor, Depends(needs(Scope.USERS_ADMIN))]


class OwnRequestOut(BaseModel):
    """What the requesting authority is told of its request: no screening, no notes."""

    id: str
    reference: str | None
    measure: str
    treaty: str
    requesting_state: str
    requested_state: str
    status: str
    received_at: datetime
    due_at: datetime = Field(description="when the provider's answer is due (its policy)")


class OwnRequestsOut(BaseModel):
    items: list[OwnRequestOut]


class StepOut(BaseModel):
    status: str
    at: datetime


class SentReplyOut(BaseModel):
    id: int
    kind: str
    language: str
    sent_at: datetime
    text: str


class HandedFileOut(BaseModel):
    name: str
    sha256: str
    size: int


class HandedOut(BaseModel):
    id: str
    handed_over_at: datetime
    files: list[HandedFileOut]
    receipt: dict[str, Any] = Field(description="the signed custody receipt, as stored")


class FollowedOut(OwnRequestOut):
    history: list[StepOut]
    replies: list[SentReplyOut] = Field(description="the replies sent to the authority")
    disclosures: list[HandedOut]


def _summary(s: views.Summary) -> dict[str, Any]:
    return OwnRequestOut.model_validate(s, from_attributes=True).model_dump()


@router.post(
    "/my/requests", operation_id="submitOwnRequest", status_code=201, response_model=OwnRequestOut
)
def submit_own(
    response: Response,
    actor: Own,
    db: Db,
    svc: Svc,
    document: Annotated[
        dict[str, Any],
        Body(
            description="The request document (see /api/v1/schema/request)",
            examples=[EXAMPLE_REQUEST],
        ),
    ],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Submit a request as the requesting authority the account is linked to; it is taken in
    and screened as any other. Its requesting State must be the authority's."""
    case, created = submit.submit(
        db, actor, document, svc.screener, policy=POLICY, idempotency_key=idempotency_key
    )
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/my/requests/{case.id}"
    return _summary(views.summary_of(case))


@router.get("/my/requests", operation_id="listOwnRequests", response_model=OwnRequestsOut)
def list_own(actor: Own, db: Db) -> dict[str, Any]:
    """The requests this account submitted, newest first; never anyone else's."""
    return {"items": [_summary(s) for s in views.mine(db, actor)]}


@router.get("/my/requests/{case_id}", operation_id="getOwnRequest", response_model=FollowedOut)
def get_own(case_id: str, actor: Own, db: Db) -> dict[str, Any]:
    """Status and its history, the answer's due date, the replies sent and the disclosures
    handed over with their receipts. Another's case: 404."""
    got = views.followed(db, actor, case_id)
    return {
        **_summary(got.summary),
        "history": [{"status": h.status, "at": h.at} for h in got.history],
        "replies": [r.__dict__ for r in got.replies],
        "disclosures": [
            {"id": d.id, "handed_over_at": d.handed_over_at, "files": d.files, "receipt": d.receipt}
            for d in got.disclosures
        ],
    }


@router.get(
    "/my/requests/{case_id}/disclosures/{disclosure_id}/receipt",
    operation_id="getOwnReceipt",
    response_model=Receipt,
)
def own_receipt(case_id: str, disclosure_id: str, actor: Own, db: Db) -> Response:
    """The custody receipt exactly as signed (``rogatory receipt verify`` checks it)."""
    return JSONResponse(views.disclosure(db, actor, case_id, disclosure_id).receipt)


@router.get(
    "/my/requests/{case_id}/disclosures/{disclosure_id}/files/{index}",
    operation_id="downloadOwnFile",
    response_class=Response,
    responses={
        200: {
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            "description": "the file's bytes, as handed over (its SHA-256 is in the receipt)",
        }
    },
)
def own_file(case_id: str, disclosure_id: str, index: RowId, actor: Own, db: Db) -> Response:
    """The ``index``-th file (from 1) the receipt lists, as handed over."""
    name, path = views.disclosed_file(db, actor, case_id, disclosure_id, index)
    return FileResponse(path, filename=name, media_type="application/octet-stream")


class RequesterOut(BaseModel):
    email: str
    name: str
    authority: str
    authority_name: str
    state: str
    status: requesters.Status
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None


class RequestersOut(BaseModel):
    items: list[RequesterOut]


def requester_json(found: requesters.Requester) -> dict[str, Any]:
    a = found.account
    return {
        "email": found.user.email,
        "name": found.user.name,
        "authority": a.authority_id,
        "authority_name": a.authority_name,
        "state": a.state,
        "status": a.status,
        "created_at": a.created_at,
        "approved_by": a.approved_by,
        "approved_at": a.approved_at,
    }


@router.get("/requesters", operation_id="listRequesters", response_model=RequestersOut)
def list_requesters(
    actor: AdminActor,
    db: Db,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    """The organisation's requester accounts, those awaiting approval first."""
    return {"items": [requester_json(r) for r in requesters.listed(db, actor, status)]}


@router.post(
    "/requesters/{email}/approve", operation_id="approveRequester", response_model=RequesterOut
)
def approve_requester(email: str, actor: AdminActor, db: Db) -> dict[str, Any]:
    """Let an enrolled (or suspended) requester in; audited."""
    return requester_json(requesters.approve(db, actor, email))


@router.post(
    "/requesters/{email}/suspend", operation_id="suspendRequester", response_model=RequesterOut
)
def suspend_requester(email: str, actor: AdminActor, db: Db) -> dict[str, Any]:
    """Cut an approved requester off: its sessions end and its tokens are revoked; audited."""
    return requester_json(requesters.suspend(db, actor, email))

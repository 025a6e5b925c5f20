"""``/api/v1/cases/{id}/replies`` and ``/case-file``: answering the requesting authority,
and the case file.

A reply is drafted from the case's decision (``POST``), edited (``PUT …/text``), approved by
a second person where four eyes apply (refusals, postponements, partial approvals), sent
(``POST …/sending``: the text is fixed and hashed) and fetched as the letter itself
(``GET …/letter.txt``). Delivery is a status of its own: ``pending`` once sent, until
``POST …/delivery`` records how it reached the authority; ``GET /api/v1/replies/pending``
lists what is waiting (what the exchange between nodes will pick up once it exists).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from rogatory.accounts.service import Scope
from rogatory.api.deps import Db, RowId, Svc, needs
from rogatory.api.problems import documented
from rogatory.casefile import issue
from rogatory.casefile.render import MEDIA, format_of
from rogatory.inputs import LongText, ShortText
from rogatory.replies import service as replies
from rogatory.replies.kinds import Channel, Delivery, Kind, ReplyStatus, needs_second_person
from rogatory.replies.models import ReplyRow
from rogatory.requests import flows
from rogatory.requests.models import Case, Screening

router = APIRouter(prefix="/api/v1", tags=["replies and case file"])
Reader = Annotated[flows.Actor, Depends(needs(Scope.CASES_READ))]
Writer = Annotated[flows.Actor, Depends(needs(Scope.CASES_WRITE))]


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    language: ShortText | None = Field(
        default=None, description="e.g. 'en', 'fr'; default: the request document's language"
    )


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: LongText = Field(min_length=1, description="the letter as it is to be sent")


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    via: Channel


class ReplyOut(BaseModel):
    id: int
    case_id: str
    kind: Kind
    language: str
    status: ReplyStatus
    four_eyes: bool = Field(description="a second person approves it before it is sent")
    text: str
    text_sha256: str = Field(description="SHA-256 of the text as it stands (UTF-8)")
    template: str
    screening: int = Field(description="the screening (seq) it was drafted from")
    basis: str = Field(description="the decision or step it answers, e.g. transition:12")
    current: bool = Field(description="it still answers the case as it stands")
    stale_reason: str | None
    checks: list[str] = Field(description="what to check before sending (not in the letter)")
    drafted_by: str
    drafted_at: datetime
    edited_by: str | None
    edited_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    sent_by: str | None
    sent_at: datetime | None
    sha256: str | None = Field(description="SHA-256 of the text sent; null until sent")
    delivery: Delivery | None = Field(description="null until sent; then pending, delivered")
    delivered_via: Channel | None
    delivered_at: datetime | None


class OfferOut(BaseModel):
    kind: Kind
    title: str
    languages: list[str]
    language: str = Field(description="the default: the request document's, where shipped")
    four_eyes: bool
    basis: str
    checks: list[str]


class RepliesOut(BaseModel):
    items: list[ReplyOut]
    available: list[OfferOut] = Field(description="the replies the case can be answered with now")


class PendingOut(BaseModel):
    items: list[ReplyOut]


def reply_json(db: Session, row: ReplyRow) -> dict[str, Any]:
    case = db.get(Case, row.case_id)
    assert case is not None
    why = replies.stale(db, case, row) if row.status in {s.value for s in replies.OPEN} else None
    screening = db.get(Screening, row.screening_id)
    return {
        "id": row.id,
        "case_id": row.case_id,
        "kind": row.kind,
        "language": row.language,
        "status": row.status,
        "four_eyes": needs_second_person(Kind(row.kind)),
        "text": row.text,
        "text_sha256": replies.sha256(row.text),
        "template": row.template,
        "screening": screening.seq if screening else 0,
        "basis": row.basis,
        "current": why is None,
        "stale_reason": why,
        "checks": row.checks,
        "drafted_by": row.drafted_by,
        "drafted_at": row.drafted_at,
        "edited_by": row.edited_by,
        "edited_at": row.edited_at,
        "approved_by": row.approved_by,
        "approved_at": row.approved_at,
        "sent_by": row.sent_by,
        "sent_at": row.sent_at,
        "sha256": row.sha256,
        "delivery": row.delivery,
        "delivered_via": row.delivered_via,
        "delivered_at": row.delivered_at,
    }


REPLY_ERRORS = ("reply.not_found", "reply.wrong_status", "reply.stale", "request.invalid")


@router.get(
    "/cases/{case_id}/replies",
    operation_id="listReplies",
    response_model=RepliesOut,
    responses=documented(),
)
def list_replies(case_id: str, actor: Reader, db: Db, svc: Svc) -> dict[str, Any]:
    """The case's replies, and the kinds it can be answered with now (with their languages,
    and whether a second person must approve)."""
    case = flows.get_or_raise(db, actor, case_id)
    return {
        "items": [reply_json(db, r) for r in replies.of_case(db, case)],
        "available": [
            {**o.__dict__, "checks": list(o.checks)}
            for o in replies.offers(db, case, svc.templates)
        ],
    }


@router.post(
    "/cases/{case_id}/replies",
    operation_id="draftReply",
    status_code=201,
    response_model=ReplyOut,
    responses=documented("reply.not_available", "reply.invalid_language", "request.invalid"),
)
def draft(case_id: str, body: DraftIn, actor: Writer, db: Db, svc: Svc) -> dict[str, Any]:
    """Draft a reply of ``kind`` from the case's decision, from the organisation's template
    (or the shipped one) in ``language``."""
    row = replies.draft(db, actor, case_id, body.kind.value, svc.templates, language=body.language)
    return reply_json(db, row)


@router.get(
    "/cases/{case_id}/replies/{reply_id}",
    operation_id="getReply",
    response_model=ReplyOut,
    responses=documented("reply.not_found"),
)
def get_reply(case_id: str, reply_id: RowId, actor: Reader, db: Db) -> dict[str, Any]:
    return reply_json(db, replies.get(db, actor, case_id, reply_id)[1])


@router.put(
    "/cases/{case_id}/replies/{reply_id}/text",
    operation_id="editReply",
    response_model=ReplyOut,
    responses=documented("reply.invalid_text", *REPLY_ERRORS),
)
def edit(case_id: str, reply_id: RowId, body: TextIn, actor: Writer, db: Db) -> dict[str, Any]:
    """Replace a draft's text; an approved reply returns to draft (the approval was of the
    text as it was)."""
    return reply_json(db, replies.edit(db, actor, case_id, reply_id, body.text))


@router.post(
    "/cases/{case_id}/replies/{reply_id}/approval",
    operation_id="approveReply",
    response_model=ReplyOut,
    responses=documented("reply.own_draft", *REPLY_ERRORS),
)
def approve(case_id: str, reply_id: RowId, actor: Writer, db: Db) -> dict[str, Any]:
    """The second person's approval: an approver who neither drafted nor edited it."""
    return reply_json(db, replies.approve(db, actor, case_id, reply_id))


@router.post(
    "/cases/{case_id}/replies/{reply_id}/sending",
    operation_id="sendReply",
    response_model=ReplyOut,
    responses=documented("reply.approval_needed", *REPLY_ERRORS),
)
def send(case_id: str, reply_id: RowId, actor: Writer, db: Db) -> dict[str, Any]:
    """Send the reply: refused (409 ``reply.stale``) once the case was screened again or its
    decision changed since it was drafted; the text sent is stored with its SHA-256."""
    return reply_json(db, replies.send(db, actor, case_id, reply_id))


@router.post(
    "/cases/{case_id}/replies/{reply_id}/discard",
    operation_id="discardReply",
    response_model=ReplyOut,
    responses=documented(*REPLY_ERRORS),
)
def discard(case_id: str, reply_id: RowId, actor: Writer, db: Db) -> dict[str, Any]:
    return reply_json(db, replies.discard(db, actor, case_id, reply_id))


@router.post(
    "/cases/{case_id}/replies/{reply_id}/delivery",
    operation_id="markReplyDelivered",
    response_model=ReplyOut,
    responses=documented("reply.invalid_channel", *REPLY_ERRORS),
)
def delivered(
    case_id: str, reply_id: RowId, body: DeliveryIn, actor: Writer, db: Db
) -> dict[str, Any]:
    """Record that a sent reply reached the requesting authority, and how."""
    return reply_json(db, replies.mark_delivered(db, actor, case_id, reply_id, body.via.value))


@router.get(
    "/cases/{case_id}/replies/{reply_id}/letter.txt",
    operation_id="downloadReply",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "the letter; X-Content-SHA256 is its SHA-256",
        },
        **documented("reply.not_found"),
    },
)
def letter(case_id: str, reply_id: RowId, actor: Reader, db: Db) -> Response:
    """The letter as plain text (UTF-8): the text sent, once sent."""
    _, row = replies.get(db, actor, case_id, reply_id)
    name = f"reply-{row.id}-{row.kind}-{row.language}.txt"
    return Response(
        row.text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={
            "X-Content-SHA256": replies.sha256(row.text),
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@router.get(
    "/replies/pending",
    operation_id="listPendingReplies",
    response_model=PendingOut,
    responses=documented(),
)
def pending(actor: Reader, db: Db) -> dict[str, Any]:
    """The organisation's sent replies not yet delivered, oldest first."""
    return {"items": [reply_json(db, r) for r in replies.pending_delivery(db, actor)]}


@router.post(
    "/cases/{case_id}/case-file",
    operation_id="issueCaseFile",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "the case file; X-Content-SHA256 is its SHA-256, recorded in the "
            "audit chain (case_file.issued)",
        },
        **documented("casefile.invalid_format"),
    },
)
def case_file(
    case_id: str,
    actor: Reader,
    svc: Svc,
    format: Annotated[str, Query(max_length=8, description="json, html or pdf")] = "json",
) -> Response:
    """Issue the case file: made from a read of the case, its SHA-256 recorded in the audit
    chain. ``rogatory cases verify-file`` checks it against the chain."""
    fmt = format_of(format)
    issued = issue.issue(svc.readers, svc.sessions, actor, case_id, fmt, svc.templates)
    return Response(
        issued.content,
        media_type=MEDIA[fmt],
        headers={
            "X-Content-SHA256": issued.sha256,
            "Content-Disposition": f'attachment; filename="{issued.filename}"',
        },
    )

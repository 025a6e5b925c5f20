"""Evidence upload (streamed), disclosure with a signed receipt, and the public key."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from rogatory.accounts.service import Scope
from rogatory.api.deps import Db, Services, Svc, needs
from rogatory.api.problems import problem, status_for
from rogatory.disclosure.keys import PublishedKey
from rogatory.disclosure.receipts import Receipt
from rogatory.evidence import service as evidence
from rogatory.evidence.models import EvidenceFile
from rogatory.evidence.spool import Spooled
from rogatory.inputs import ShortText
from rogatory.requests.flows import Actor
from rogatory.signing import keyring

router = APIRouter(prefix="/api/v1", tags=["evidence"])
Writer = Annotated[Actor, Depends(needs(Scope.CASES_WRITE))]
Reader = Annotated[Actor, Depends(needs(Scope.CASES_READ))]
CHUNK = 1 << 20
MAX_FILES = 10_000  # files handed over in one disclosure
UPLOAD = "/cases/{case_id}/evidence/{name}"
STREAMED = (("PUT", router.prefix + UPLOAD),)  # past the body limit: see api.guard


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ShortText = Field(min_length=1)
    authority: ShortText | None = None
    reference: ShortText | None = None


class DisclosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[ShortText] = Field(min_length=1, max_length=MAX_FILES)
    recipient: RecipientIn


class EvidenceFileOut(BaseModel):
    id: str
    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int
    uploaded_at: datetime


class PublicKeyOut(BaseModel):
    organisation: str
    algorithm: str = Field(examples=["Ed25519"])
    key_id: str
    public_key: str
    keys: list[PublishedKey]


async def received(request: Request, svc: Services) -> Spooled:
    """The request body received whole into the evidence spool (hashed, fsynced), under the
    size limit and the body read timeout, before any transaction begins: a slow or stalled
    sender holds no lock, only its own spool file, which is removed if it never finishes."""
    incoming = Spooled(svc.evidence_dir, svc.max_evidence_bytes)
    try:
        async for chunk in request.stream():
            incoming.write(chunk)
        await run_in_threadpool(incoming.finish)
    except BaseException:
        incoming.discard()
        raise
    return incoming


def _takes_evidence(svc: Services, actor: Actor, case_id: str) -> None:
    """Refuse an upload to a case that is not found or not open before its body is received
    (read only; ``evidence.store`` checks again under the write lock)."""
    with svc.readers.begin() as s:
        evidence.open_case(s, actor, case_id)


def record_upload(
    svc: Services, actor: Actor, case_id: str, name: str, incoming: Spooled
) -> EvidenceFile:
    """The row and its audit event in a transaction of their own (the only time the write
    lock is held); the file goes into place once it commits."""
    try:
        with svc.sessions.begin() as s:
            return evidence.store(s, actor, case_id, name, incoming, base_dir=svc.evidence_dir)
    finally:
        incoming.discard()  # nothing once it is in place or its row committed


def file_json(row: EvidenceFile) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "sha256": row.sha256,
        "size": row.size,
        "uploaded_at": row.uploaded_at.isoformat(),
    }


@router.put(
    UPLOAD,
    operation_id="uploadEvidence",
    status_code=201,
    response_model=EvidenceFileOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the file's bytes, as they are (at least one)",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def upload(
    case_id: str, name: str, request: Request, actor: Writer, svc: Svc
) -> dict[str, Any]:
    """Upload one evidence file as the raw request body; its SHA-256 and size are recorded."""
    evidence.check_upload(actor, name)
    await run_in_threadpool(_takes_evidence, svc, actor, case_id)
    incoming = await received(request, svc)
    return file_json(await run_in_threadpool(record_upload, svc, actor, case_id, name, incoming))


@router.post(
    "/cases/{case_id}/disclosures",
    operation_id="discloseEvidence",
    status_code=201,
    response_model=Receipt,
)
def disclose(case_id: str, body: DisclosureIn, actor: Writer, db: Db) -> Response:
    """Hand evidence of an approved case over; returns the signed custody receipt. A file
    that changed on disk since upload refuses the whole disclosure (409
    ``evidence.tampered``); the refused attempt is kept in the audit log."""
    try:
        with db.begin_nested():
            row = evidence.hand_over(db, actor, case_id, body.files, body.recipient.model_dump())
    except evidence.Tampered as exc:
        evidence.record_refused(db, actor, case_id, exc)  # answered, not raised: committed
        changed = [{"code": exc.code, "field": "files", **c} for c in exc.changed]
        return problem(status_for(exc.code), exc.code, exc.message, errors=changed, help=exc.help)
    # The receipt exactly as it was signed and stored, not re-serialized through the model.
    return JSONResponse(row.receipt, status_code=201)


@router.get("/organisation/public-key", operation_id="getPublicKey", response_model=PublicKeyOut)
def public_key(actor: Reader, db: Db) -> dict[str, Any]:
    """The organisation's signing keys, to verify its custody receipts and audit checkpoints:
    the current one (``public_key``, ``key_id``) and every key it ever signed with, each with
    its validity period. Save the answer and pass it to ``rogatory receipt verify --keys``."""
    current, _ = keyring.current(db, actor.org)
    return {
        "organisation": actor.org,
        "algorithm": "Ed25519",
        "key_id": current.id,
        "public_key": current.public_key,
        "keys": [
            keyring.published(k).model_dump(mode="json") for k in keyring.all_keys(db, actor.org)
        ],
    }

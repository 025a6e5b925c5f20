"""Evidence upload (streamed), disclosure with a signed receipt, and the public key."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from rogatory.accounts.service import Scope
from rogatory.api.deps import Db, Services, Svc, needs
from rogatory.api.problems import problem, status_for
from rogatory.errors import RogatoryError
from rogatory.evidence import service as evidence
from rogatory.evidence.models import EvidenceFile
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


def read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            yield block


@asynccontextmanager
async def spooled(request: Request, svc: Services) -> AsyncIterator[Path]:
    """The request body streamed to a temporary file under the size limit, removed after.

    Spooling first keeps the database transaction short: the row is written only once the
    whole file has arrived."""
    svc.evidence_dir.mkdir(parents=True, exist_ok=True)
    fd, spool = tempfile.mkstemp(dir=svc.evidence_dir, prefix=".incoming-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > svc.max_evidence_bytes:
                    raise RogatoryError(
                        "evidence.too_large",
                        f"the file exceeds the limit of {svc.max_evidence_bytes} bytes",
                    )
                out.write(chunk)
        yield Path(spool)
    finally:
        Path(spool).unlink(missing_ok=True)


def store_spooled(
    db: Session, actor: Actor, case_id: str, name: str, path: Path, svc: Services
) -> EvidenceFile:
    return evidence.store(
        db,
        actor,
        case_id,
        name,
        read_chunks(path),
        base_dir=svc.evidence_dir,
        max_bytes=svc.max_evidence_bytes,
    )


def file_json(row: EvidenceFile) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "sha256": row.sha256,
        "size": row.size,
        "uploaded_at": row.uploaded_at.isoformat(),
    }


@router.put(UPLOAD, operation_id="uploadEvidence", status_code=201)
async def upload(
    case_id: str, name: str, request: Request, actor: Writer, db: Db, svc: Svc
) -> dict[str, Any]:
    """Upload one evidence file as the raw request body; its SHA-256 and size are recorded."""
    async with spooled(request, svc) as path:
        return file_json(store_spooled(db, actor, case_id, name, path, svc))


@router.post(
    "/cases/{case_id}/disclosures",
    operation_id="discloseEvidence",
    status_code=201,
    response_model=None,
)
def disclose(case_id: str, body: DisclosureIn, actor: Writer, db: Db) -> dict[str, Any] | Response:
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
    return row.receipt


@router.get("/organisation/public-key", operation_id="getPublicKey")
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

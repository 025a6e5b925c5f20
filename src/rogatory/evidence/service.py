"""Storing evidence files and handing them over with a custody receipt signed by the
organisation's current key and carrying its audit chain head at the hand-over."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.disclosure import receipts
from rogatory.errors import RogatoryError
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.requests import custody
from rogatory.requests.flows import Actor, get_or_raise, record
from rogatory.requests.transitions import Status
from rogatory.signing import keyring

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,200}$")
DISCLOSABLE = frozenset({Status.APPROVED.value, Status.PARTIALLY_APPROVED.value})


def _staff(actor: Actor) -> None:
    if not (custody.STAFF & actor.roles):
        raise RogatoryError(
            "case.forbidden", "handling evidence needs the intake, reviewer or approver role"
        )


def store(
    session: Session,
    actor: Actor,
    case_id: str,
    name: str,
    chunks: Iterable[bytes],
    *,
    base_dir: Path,
    max_bytes: int,
) -> EvidenceFile:
    """Stream a file to disk while hashing it; refuse it past ``max_bytes``; never overwrite."""
    _staff(actor)
    case = get_or_raise(session, actor, case_id)
    if not SAFE_NAME.match(name) or name in (".", ".."):
        raise RogatoryError(
            "evidence.invalid_name",
            f"field name: {name!r} is not a plain file "
            "name (letters, digits, dot, dash, underscore, space)",
        )
    folder = base_dir / case.org_id / case.id
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise RogatoryError(
                        "evidence.too_large", f"the file exceeds the limit of {max_bytes} bytes"
                    )
                digest.update(chunk)
                out.write(chunk)
        file_id = str(uuid.uuid4())
        final = folder / f"{file_id}-{name}"
        os.chmod(tmp, 0o444)  # never modified after upload
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    row = EvidenceFile(
        id=file_id,
        case_id=case.id,
        name=name,
        sha256=digest.hexdigest(),
        size=size,
        stored_path=str(final),
        uploaded_by=actor.user,
        uploaded_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    record(
        session,
        case,
        actor,
        "evidence.uploaded",
        {"file": row.id, "name": name, "sha256": row.sha256, "size": size},
    )
    return row


def hand_over(
    session: Session, actor: Actor, case_id: str, file_ids: list[str], recipient: dict[str, Any]
) -> Disclosure:
    """Hand files of an approved case over, with a receipt signed by the organisation's key."""
    _staff(actor)
    case = get_or_raise(session, actor, case_id)
    if case.status not in DISCLOSABLE:
        raise RogatoryError(
            "case.not_approved",
            f"a {case.status} case cannot disclose evidence; it must be approved first",
        )
    files = (
        session.execute(
            select(EvidenceFile).where(
                EvidenceFile.case_id == case.id, EvidenceFile.id.in_(file_ids)
            )
        )
        .scalars()
        .all()
    )
    missing = sorted(set(file_ids) - {f.id for f in files})
    if missing or not file_ids:
        raise RogatoryError(
            "evidence.not_found", f"field files: unknown evidence {missing or '(none given)'}"
        )
    disclosure_id = str(uuid.uuid4())
    seq, head_hash = audit.head(session, case.org_id)  # the chain's lock, then the key's
    key_row, key = keyring.current(session, case.org_id)
    when = datetime.now(UTC)
    manifest = receipts.Manifest(
        receipt_id=disclosure_id,
        organisation=case.org_id,
        case_reference=case.reference or case.id,
        recipient=receipts.Recipient.model_validate(recipient),
        handed_over_at=when,
        legal_basis=[f"uncc:art-{a}" for a in _articles(case.measure)],
        files=[receipts.HandedOverFile(name=f.name, sha256=f.sha256, size=f.size) for f in files],
        audit_head=receipts.AuditHead(chain=case.org_id, seq=seq, hash=head_hash),
    )
    receipt = receipts.sign(manifest, key)
    row = Disclosure(
        id=disclosure_id,
        case_id=case.id,
        handed_over_at=when,
        receipt=receipt.model_dump(mode="json"),
        by=actor.user,
    )
    session.add(row)
    session.flush()
    record(
        session,
        case,
        actor,
        "evidence.disclosed",
        {
            "receipt": disclosure_id,
            "manifest_sha256": receipt.manifest_sha256,
            "key": key_row.id,
            "files": [f.sha256 for f in files],
            "recipient": manifest.recipient.name,
        },
    )
    return row


def _articles(measure: str) -> tuple[int, ...]:
    from rogatory.safeguards.context import MEASURE_ARTICLES
    from rogatory.safeguards.request import Measure

    return MEASURE_ARTICLES[Measure(measure)][:1]

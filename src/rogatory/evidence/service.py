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
from rogatory.requests.flows import Actor, approval_basis, get_or_raise, record
from rogatory.signing import keyring

# A plain file name: it becomes part of a path on disk and of a signed receipt, so no
# separators, no control characters (a trailing newline included), and nothing at the end
# that a file system would drop or show differently (a space, a dot).
SAFE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._ -]{0,198}[A-Za-z0-9_-])?")


class Tampered(RogatoryError):
    """A file on disk no longer matches the SHA-256 and size recorded at upload."""

    def __init__(self, changed: list[dict[str, Any]]) -> None:
        names = ", ".join(c["name"] for c in changed)
        super().__init__(
            "evidence.tampered",
            f"field files: {names} changed or went missing on disk since upload (the "
            "SHA-256 differs from the recorded one); nothing was disclosed",
            details={"files": changed},
            help="find out what changed the stored file; disclose only files that match",
        )
        self.changed = changed


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
    if not SAFE_NAME.fullmatch(name):
        shown = repr(name) if len(name) <= 240 else f"{name[:240]!r}..."
        raise RogatoryError(
            "evidence.invalid_name",
            f"field name: {shown} is not a plain file name: at most 200 letters, digits, "
            "dots, dashes, underscores and spaces, beginning with a letter or digit and not "
            "ending with a space or dot",
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
    """Hand files of an approved case over, with a receipt signed by the organisation's key.

    The receipt states the legal basis the approval recorded (the Convention article, or an
    override's basis). Each file is hashed again from disk first: a file that changed since
    upload is never handed over under a receipt claiming its recorded hash (``Tampered``,
    raised before anything is written)."""
    _staff(actor)
    case = get_or_raise(session, actor, case_id)
    legal_basis = approval_basis(session, case)
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
    changed = [c for c in (_rehashed(f) for f in files) if c is not None]
    if changed:
        raise Tampered(changed)
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
        legal_basis=legal_basis,
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


def _rehashed(row: EvidenceFile) -> dict[str, Any] | None:
    """What differs between a stored file and its upload record, or None if nothing does."""
    path = Path(row.stored_path)
    found: tuple[str, int] | None = receipts.sha256_file(path) if path.is_file() else None
    if found == (row.sha256, row.size):
        return None
    return {
        "file": row.id,
        "name": row.name,
        "recorded_sha256": row.sha256,
        "found_sha256": found[0] if found else None,
        "found_size": found[1] if found else None,
    }


def record_refused(session: Session, actor: Actor, case_id: str, error: Tampered) -> None:
    """Audit a disclosure refused because evidence changed on disk. The adapters call it
    after the refused attempt was rolled back, so the record is all that is kept."""
    case = get_or_raise(session, actor, case_id)
    record(session, case, actor, "evidence.disclosure_refused", {"changed": error.changed})

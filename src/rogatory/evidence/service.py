"""Storing evidence files and handing them over with a custody receipt signed by the
organisation's current key and carrying its audit chain head at the hand-over."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.disclosure import receipts
from rogatory.errors import RogatoryError
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.evidence.spool import Spooled
from rogatory.requests import permissions
from rogatory.requests.flows import Actor, approval_basis, get_or_raise, record
from rogatory.requests.models import Case
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import OPEN, Status
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
    permissions.require(actor.roles, Action.WORK)


def check_upload(actor: Actor, name: str) -> None:
    """What can be refused before a byte of the file is received."""
    _staff(actor)
    if not SAFE_NAME.fullmatch(name):
        shown = repr(name) if len(name) <= 240 else f"{name[:240]!r}..."
        raise RogatoryError(
            "evidence.invalid_name",
            f"field name: {shown} is not a plain file name: at most 200 letters, digits, "
            "dots, dashes, underscores and spaces, beginning with a letter or digit and not "
            "ending with a space or dot",
        )


def open_case(session: Session, actor: Actor, case_id: str) -> Case:
    """The case a file is uploaded to, if it still takes evidence: a closed, refused,
    withdrawn or fulfilled case is finished, and what it holds is what it was decided on."""
    case = get_or_raise(session, actor, case_id)
    if Status(case.status) not in OPEN:
        raise RogatoryError("case.not_open", f"a {case.status} case takes no new evidence")
    return case


def spool(chunks: Iterable[bytes], *, base_dir: Path, max_bytes: int) -> Spooled:
    """A file received whole into the spool (hashed and fsynced), outside any transaction."""
    incoming = Spooled(base_dir, max_bytes)
    try:
        for chunk in chunks:
            incoming.write(chunk)
        incoming.finish()
    except BaseException:
        incoming.discard()
        raise
    return incoming


def store(
    session: Session,
    actor: Actor,
    case_id: str,
    name: str,
    incoming: Spooled,
    *,
    base_dir: Path,
) -> EvidenceFile:
    """Record a spooled file as evidence of the case. The file is moved into place only once
    the session's transaction commits; if it rolls back (or the savepoint holding the row
    does), the spool file is removed. Never overwrites: the final name carries the file id."""
    check_upload(actor, name)
    case = open_case(session, actor, case_id)
    if incoming.size == 0:
        raise RogatoryError(
            "evidence.empty", "field body: the file is empty; evidence has at least one byte"
        )
    row = EvidenceFile(
        id=incoming.file_id,
        case_id=case.id,
        name=name,
        sha256=incoming.sha256,
        size=incoming.size,
        stored_path=str(base_dir / case.org_id / case.id / f"{incoming.file_id}-{name}"),
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
        {"file": row.id, "name": name, "sha256": row.sha256, "size": row.size},
    )
    _pending(session).append((row, incoming))
    return row


_PENDING = "rogatory_spooled_evidence"


def _pending(session: Session) -> list[tuple[EvidenceFile, Spooled]]:
    if not event.contains(session, "after_commit", _committed):
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_rollback", _rolled_back)
    found: list[tuple[EvidenceFile, Spooled]] = session.info.setdefault(_PENDING, [])
    return found


def _committed(session: Session) -> None:
    """After the outermost commit: the files whose rows were kept go into place; those whose
    savepoint rolled back are removed (SQLAlchemy makes such a row transient again: it has no
    identity, where a committed row keeps it, even once expunged)."""
    if session.in_nested_transaction():
        return
    pending: list[tuple[EvidenceFile, Spooled]] = session.info.pop(_PENDING, [])
    kept = [(row, incoming) for row, incoming in pending if inspect(row).has_identity]
    for row, incoming in pending:
        incoming.committed = (row, incoming) in kept  # never discarded once committed
        if not incoming.committed:
            incoming.discard()
    for row, incoming in kept:  # a failure here leaves the file in the spool for the sweep
        incoming.place(Path(row.stored_path))


def _rolled_back(session: Session) -> None:
    if session.in_nested_transaction():
        return  # the rows of a rolled-back savepoint are told apart at the commit
    for _, incoming in session.info.pop(_PENDING, []):
        incoming.discard()


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
    changed = [c for c in (_rehashed(session, f) for f in files) if c is not None]
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


def _on_disk(session: Session, row: EvidenceFile) -> Path:
    """Where the file is now: in place, or still in the spool when it was uploaded in this
    same transaction (it goes into place when the transaction commits)."""
    pending: list[tuple[EvidenceFile, Spooled]] = session.info.get(_PENDING, [])
    for uploaded, incoming in pending:
        if uploaded.id == row.id:
            return incoming.path
    return Path(row.stored_path)


def _rehashed(session: Session, row: EvidenceFile) -> dict[str, Any] | None:
    """What differs between a stored file and its upload record, or None if nothing does."""
    path = _on_disk(session, row)
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

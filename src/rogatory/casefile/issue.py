"""Issuing a case file: made from a read of the case, then its SHA-256 recorded in the chain.

The file is built and written (a PDF takes a moment) in a read-only session, so nobody's
writes wait on it; then one short transaction appends ``case_file.issued`` with the file's
format, SHA-256 and the chain head it was made at. The head the file states is the one its
events verify against; the issuing event comes after it in the chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from rogatory.casefile import document, render
from rogatory.casefile.render import Format
from rogatory.replies.templates import Templates
from rogatory.requests import flows, permissions
from rogatory.requests.flows import Actor
from rogatory.requests.permissions import Action

ACTION = "case_file.issued"


@dataclass(frozen=True)
class Issued:
    content: bytes
    format: Format
    sha256: str
    head_seq: int
    case_reference: str

    @property
    def media_type(self) -> str:
        return render.MEDIA[self.format]

    @property
    def filename(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.case_reference)
        return f"case-file-{safe}.{self.format.value}"


def make(
    session: Session, actor: Actor, case_id: str, fmt: Format, templates: Templates
) -> tuple[Issued, dict[str, object]]:
    """The file, from a read of the case (nothing written)."""
    permissions.require(actor.roles, Action.ISSUE_CASE_FILE)
    case = flows.get_or_raise(session, actor, case_id)
    built = document.build(session, case, issued_by=actor.user)
    content = render.write(built, fmt, templates)
    head = built["audit"]["head"]
    issued = Issued(
        content,
        fmt,
        hashlib.sha256(content).hexdigest(),
        int(head["seq"]),
        case.reference or case.id[:8],
    )
    return issued, dict(head)


def record(
    session: Session, actor: Actor, case_id: str, issued: Issued, head: dict[str, object]
) -> None:
    """Record the issued file's SHA-256 in the case's organisation chain."""
    case = flows.get_or_raise(session, actor, case_id)
    flows.record(
        session,
        case,
        actor,
        ACTION,
        {
            "format": issued.format.value,
            "sha256": issued.sha256,
            "bytes": len(issued.content),
            "head": head,
        },
    )


def issue(
    readers: sessionmaker[Session],
    writers: sessionmaker[Session],
    actor: Actor,
    case_id: str,
    fmt: Format,
    templates: Templates,
) -> Issued:
    """Make the file in a read, then record it in a write of its own."""
    with readers.begin() as s:
        issued, head = make(s, actor, case_id, fmt, templates)
    with writers.begin() as s:
        record(s, actor, case_id, issued, head)
    return issued

"""What a requesting authority's account sees of its own requests, and nothing more.

It sees what it would be told by letter: each request it submitted, with its status and the
history of the status (when it moved, not who moved it or why: the notes are the provider's
working papers), when it was received and when the provider's answer is due, the replies
sent to it (their text, as sent), and the disclosures handed over on it, with their signed
custody receipts and the files they list. It never sees the screening (findings,
acknowledgements, flags), approvals, assignees, holds, the provider's internal steps, nor
any other case: a case it did not submit is "not found" (``flows.visible``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.errors import RogatoryError
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.replies.models import ReplyRow
from rogatory.requests import flows, permissions
from rogatory.requests.flows import Actor
from rogatory.requests.models import Case, Transition
from rogatory.requests.permissions import Action


@dataclass(frozen=True)
class Step:
    status: str
    at: datetime


@dataclass(frozen=True)
class SentReply:
    id: int
    kind: str
    language: str
    sent_at: datetime
    text: str


@dataclass(frozen=True)
class Handed:
    id: str
    handed_over_at: datetime
    files: list[dict[str, Any]]  # name, sha256, size, as the receipt lists them
    receipt: dict[str, Any]


@dataclass(frozen=True)
class Summary:
    id: str
    reference: str | None
    measure: str
    treaty: str
    requesting_state: str
    requested_state: str
    status: str
    received_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Followed:
    summary: Summary
    history: list[Step]
    replies: list[SentReply]
    disclosures: list[Handed]


def summary_of(case: Case) -> Summary:
    return Summary(
        case.id,
        case.reference,
        case.measure,
        case.treaty,
        case.requesting_state,
        case.requested_state,
        case.status,
        case.received_at,
        case.due_at,
    )


def mine(session: Session, actor: Actor) -> list[Summary]:
    """The requests the account submitted, newest first."""
    permissions.require(actor.roles, Action.FOLLOW_OWN)
    rows = session.execute(
        select(Case).where(flows.visible(actor)).order_by(Case.received_at.desc(), Case.id)
    ).scalars()
    return [summary_of(c) for c in rows]


def _case(session: Session, actor: Actor, case_id: str) -> Case:
    permissions.require(actor.roles, Action.FOLLOW_OWN)
    return flows.get_or_raise(session, actor, case_id)


def followed(session: Session, actor: Actor, case_id: str) -> Followed:
    case = _case(session, actor, case_id)
    moves = session.execute(
        select(Transition).where(Transition.case_id == case.id).order_by(Transition.id)
    ).scalars()
    replies = session.execute(
        select(ReplyRow)
        .where(ReplyRow.case_id == case.id, ReplyRow.sent_at.is_not(None))
        .order_by(ReplyRow.sent_at, ReplyRow.id)
    ).scalars()
    return Followed(
        summary_of(case),
        [Step("received", case.received_at), *(Step(t.to_status, t.at) for t in moves)],
        [
            SentReply(r.id, r.kind, r.language, r.sent_at, r.text)
            for r in replies
            if r.sent_at is not None
        ],
        [_handed(d) for d in _disclosures(session, case)],
    )


def _disclosures(session: Session, case: Case) -> list[Disclosure]:
    return list(
        session.execute(
            select(Disclosure)
            .where(Disclosure.case_id == case.id)
            .order_by(Disclosure.handed_over_at, Disclosure.id)
        ).scalars()
    )


def _handed(row: Disclosure) -> Handed:
    files = list(row.receipt.get("manifest", {}).get("files", []))
    return Handed(row.id, row.handed_over_at, files, row.receipt)


def disclosure(session: Session, actor: Actor, case_id: str, disclosure_id: str) -> Handed:
    case = _case(session, actor, case_id)
    row = session.get(Disclosure, disclosure_id)
    if row is None or row.case_id != case.id:
        raise RogatoryError("case.not_found", f"no disclosure {disclosure_id!r} on this case")
    return _handed(row)


def disclosed_file(
    session: Session, actor: Actor, case_id: str, disclosure_id: str, index: int
) -> tuple[str, Path]:
    """The ``index``-th file (from 1) a disclosure handed over: its name and where it is
    stored (the file uploaded with that name and SHA-256 on the case)."""
    handed = disclosure(session, actor, case_id, disclosure_id)
    if not 1 <= index <= len(handed.files):
        raise RogatoryError("case.not_found", f"no file {index} in disclosure {disclosure_id!r}")
    listed = handed.files[index - 1]
    row = session.execute(
        select(EvidenceFile).where(
            EvidenceFile.case_id == case_id,
            EvidenceFile.name == listed["name"],
            EvidenceFile.sha256 == listed["sha256"],
        )
    ).scalar_one_or_none()
    if row is None or not Path(row.stored_path).is_file():
        raise RogatoryError("case.not_found", f"file {index} of {disclosure_id!r} is not stored")
    return str(listed["name"]), Path(row.stored_path)

"""The compliance feature's writes and reads, each in the caller's transaction.

- The national register: ``import_laws`` stores each State's records as validated and keeps
  every change (added, changed, removed, with who and when) in an append-only table;
  ``stored_register`` reads it back for the assessment; ``subscribe`` records who follows a
  State; ``pending_notices`` lists, per subscriber, the changes not yet sent, and ``deliver``
  hands them to the notification channel given (the outbox, from the ``laws.changed`` event
  ``import_laws`` appends in each following organisation; nothing here sends mail).
- Assessments: ``store`` keeps an organisation's assessment with one requirement per gap
  (non-compliant until shown otherwise) and per obligation that applies or may (open);
  ``set_requirement`` records a status, owner and due date with a note (the review history is
  append-only); ``attach`` keeps a file of evidence with its SHA-256; ``review`` records a
  review with the assessment as it stood that day, which ``since_review`` compares with now.

Every change to an organisation's assessment is audited in its chain in the same transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from rogatory.assessments.models import (
    AssessmentRow,
    EvidenceRow,
    LawChange,
    LawSubscription,
    NationalLaws,
    RequirementEvent,
    RequirementRow,
    ReviewRow,
)
from rogatory.audit import service as audit
from rogatory.compliance import diff, laws
from rogatory.compliance.changes import Change
from rogatory.compliance.laws import LawRegister
from rogatory.errors import RogatoryError
from rogatory.evidence.service import SAFE_NAME
from rogatory.law.bundle import Bundle
from rogatory.parties import states
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.permissions import Action

MAX_EVIDENCE = 1 << 20  # a compliance document: a policy, a procedure, a screenshot


class RequirementStatus(StrEnum):
    OPEN = "open"  # not yet assessed
    COMPLIANT = "compliant"
    PARTIAL = "partial"
    NON_COMPLIANT = "non_compliant"
    NOT_APPLICABLE = "not_applicable"


def _now() -> datetime:
    return datetime.now(UTC)


def _require(actor: Actor, action: Action) -> None:
    permissions.require(actor.roles, action, code="compliance.forbidden")


# ---- the national register ------------------------------------------------------------------


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


LAWS_CHANGED = "laws.changed"  # the audit event of an import, in each following organisation


def import_laws(session: Session, register: LawRegister, *, by: str) -> list[LawChange]:
    """Store each State's records as given, recording every added, changed or removed
    record; a State the import does not name keeps its records. Importing the same files
    twice records nothing the second time. Each organisation with someone following a
    changed State gets a ``laws.changed`` event in its chain, in this transaction: the
    notifications outbox hands its subscribers their notices from that event."""
    at = _now()
    out: list[LawChange] = []
    for state, law_file in sorted(register.files.items()):
        document = law_file.model_dump(mode="json", exclude_none=True)
        row = session.get(NationalLaws, state)
        old = {r["id"]: r for r in (row.document.get("records", []) if row else [])}
        new = {r["id"]: r for r in document.get("records", [])}
        for rid in sorted(set(old) | set(new)):
            before, after = old.get(rid), new.get(rid)
            if before == after:
                continue
            kind = "added" if before is None else "removed" if after is None else "changed"
            fields = _changed_fields(before or {}, after or {})
            change = LawChange(
                state=state,
                record_id=rid,
                change=kind,
                fields=fields,
                before=before,
                after=after,
                by=by,
                at=at,
            )
            session.add(change)
            out.append(change)
        if row is None:
            session.add(NationalLaws(state=state, document=document, updated_at=at, updated_by=by))
        elif row.document != document:
            row.document, row.updated_at, row.updated_by = document, at, by
    session.flush()
    _announce(session, out, by=by, at=at)
    return out


def _announce(session: Session, changes: list[LawChange], *, by: str, at: datetime) -> None:
    """Audit the import in every organisation following a State it changed."""
    changed = sorted({c.state for c in changes})
    if not changed:
        return
    following = session.execute(
        select(LawSubscription.org_id, LawSubscription.state)
        .where(LawSubscription.state.in_(changed))
        .distinct()
    ).all()
    per_org: dict[str, set[str]] = {}
    for org, state in following:
        per_org.setdefault(org, set()).add(state)
    for org, followed in sorted(per_org.items()):
        ids = [c.id for c in changes if c.state in followed]
        audit.append(
            session,
            chain=org,
            actor=by,
            action=LAWS_CHANGED,
            summary={"states": sorted(followed), "changes": len(ids), "through": max(ids)},
            at=at,
        )


def stored_register(session: Session, bundle: Bundle) -> LawRegister:
    rows = session.execute(select(NationalLaws).order_by(NationalLaws.state)).scalars()
    return laws.from_documents(((f"database:{r.state}", r.document) for r in rows), bundle)


def change_log(
    session: Session, *, state: str | None = None, after_id: int = 0, limit: int = 200
) -> list[LawChange]:
    """Changes newest first (``after_id``: only those recorded after that change)."""
    query = select(LawChange).where(LawChange.id > after_id)
    if state is not None:
        query = query.where(LawChange.state == state)
    return list(session.execute(query.order_by(LawChange.id.desc()).limit(limit)).scalars())


def as_change(row: LawChange) -> Change:
    """A stored change as the feed and the diff show it (dated when it was recorded)."""
    record = row.after or row.before or {}
    fields = f": {', '.join(row.fields)}" if row.change == "changed" else ""
    return Change(
        row.at.date(),
        row.state,
        row.record_id,
        row.change,
        str(record.get("title", row.record_id)),
        f"{record.get('title', row.record_id)}: {row.change} by {row.by}{fields}",
        bool(record.get("fictional", False)),
    )


def subscribe(session: Session, actor: Actor, state: str) -> LawSubscription:
    """Follow a State's implementation (idempotent): changes recorded from now on are due."""
    _require(actor, Action.MAINTAIN_LAWS)
    code = states.lookup(state).code
    found = session.execute(
        select(LawSubscription).where(
            LawSubscription.org_id == actor.org,
            LawSubscription.email == actor.user,
            LawSubscription.state == code,
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    latest = session.execute(
        select(LawChange.id).order_by(LawChange.id.desc()).limit(1)
    ).scalar_one_or_none()
    row = LawSubscription(
        org_id=actor.org,
        email=actor.user,
        state=code,
        created_at=_now(),
        notified_through=latest or 0,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        chain=actor.org,
        actor=actor.user,
        action="laws.subscribed",
        summary={"state": code, "email": actor.user},
    )
    return row


def subscriptions(session: Session, actor: Actor) -> list[LawSubscription]:
    return list(
        session.execute(
            select(LawSubscription)
            .where(LawSubscription.org_id == actor.org, LawSubscription.email == actor.user)
            .order_by(LawSubscription.state)
        ).scalars()
    )


@dataclass(frozen=True)
class Notice:
    """What one subscriber is due: the changes to one State recorded since the last notice."""

    subscription_id: int
    org_id: str
    email: str
    state: str
    changes: tuple[Change, ...]
    through: int  # the last change id it covers


def pending_notices(session: Session, org: str | None = None) -> list[Notice]:
    """Every subscriber's due notice (of ``org``'s subscribers only, if given): the changes
    not yet handed to the notification channel."""
    out = []
    query = select(LawSubscription).order_by(LawSubscription.id)
    if org is not None:
        query = query.where(LawSubscription.org_id == org)
    for sub in session.execute(query).scalars():
        rows = list(
            session.execute(
                select(LawChange)
                .where(LawChange.state == sub.state, LawChange.id > sub.notified_through)
                .order_by(LawChange.id)
            ).scalars()
        )
        if rows:
            out.append(
                Notice(
                    sub.id,
                    sub.org_id,
                    sub.email,
                    sub.state,
                    tuple(as_change(r) for r in rows),
                    rows[-1].id,
                )
            )
    return out


def deliver(session: Session, send: Callable[[Notice], None], org: str | None = None) -> int:
    """Hand each due notice to ``send`` and mark it handed over (the one bookkeeping of what
    a subscriber was told); a notice ``send`` raises on stays due. The notification channel
    (``notifications.outbox.law_notices``) is the ``send`` of the product: it writes the
    outbox in the caller's transaction, from the import's ``laws.changed`` event and from
    the worker's scan. Returns how many were handed over."""
    sent = 0
    for notice in pending_notices(session, org):
        send(notice)
        sub = session.get(LawSubscription, notice.subscription_id)
        if sub is not None:
            sub.notified_through = notice.through
            sent += 1
    session.flush()
    return sent


# ---- assessments ----------------------------------------------------------------------------


def _requirements(result: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for gap in result["gaps"]:
        yield {
            "key": f"gap:{gap['key']}",
            "kind": "gap",
            "state": gap["state"],
            "title": gap["finding"],
            "severity": gap["severity"],
            "status": RequirementStatus.NON_COMPLIANT,
        }
    for country in result["countries"]:
        for ob in country["obligations"]:
            if ob["applies"] is False:
                continue
            yield {
                "key": f"obligation:{ob['id']}:{country['state']}",
                "kind": "obligation",
                "state": country["state"],
                "title": f"{ob['title']} ({ob['reason']})",
                "severity": None,
                "status": RequirementStatus.OPEN,
            }


def store(session: Session, actor: Actor, result: dict[str, Any]) -> AssessmentRow:
    """Keep an assessment (``Assessment.json()``) for the organisation, with its requirements."""
    _require(actor, Action.ASSESS)
    at = _now()
    row = AssessmentRow(
        id=str(uuid.uuid4()),
        org_id=actor.org,
        company=result["company"],
        footprint=result["footprint"],
        as_of=date.fromisoformat(result["as_of"]),
        result=result,
        created_by=actor.user,
        created_at=at,
    )
    session.add(row)
    session.flush()
    for item in _requirements(result):
        req = RequirementRow(assessment_id=row.id, updated_by=actor.user, updated_at=at, **item)
        session.add(req)
        session.flush()
        session.add(
            RequirementEvent(
                requirement_id=req.id, status=req.status, note="assessed", by=actor.user, at=at
            )
        )
    audit.append(
        session,
        chain=actor.org,
        actor=actor.user,
        action="compliance.assessed",
        summary={
            "assessment": row.id,
            "company": row.company,
            "as_of": result["as_of"],
            "gaps": result["summary"]["gaps"],
        },
    )
    return row


def assessments(session: Session, actor: Actor) -> list[AssessmentRow]:
    _require(actor, Action.READ_COMPLIANCE)
    return list(
        session.execute(
            select(AssessmentRow)
            .where(AssessmentRow.org_id == actor.org)
            .order_by(AssessmentRow.created_at.desc())
        ).scalars()
    )


def get(session: Session, actor: Actor, assessment_id: str) -> AssessmentRow:
    """The organisation's assessment, or ``compliance.not_found`` (another organisation's
    assessment is not found, never forbidden)."""
    _require(actor, Action.READ_COMPLIANCE)
    row = session.get(AssessmentRow, assessment_id)
    if row is None or row.org_id != actor.org:
        raise RogatoryError("compliance.not_found", "no such assessment in your organisation")
    return row


def requirements(session: Session, row: AssessmentRow) -> list[RequirementRow]:
    return list(
        session.execute(
            select(RequirementRow)
            .where(RequirementRow.assessment_id == row.id)
            .order_by(RequirementRow.kind.desc(), RequirementRow.state, RequirementRow.key)
        ).scalars()
    )


def history(session: Session, requirement: RequirementRow) -> list[RequirementEvent]:
    return list(
        session.execute(
            select(RequirementEvent)
            .where(RequirementEvent.requirement_id == requirement.id)
            .order_by(RequirementEvent.id)
        ).scalars()
    )


def evidence(session: Session, requirement: RequirementRow) -> list[EvidenceRow]:
    return list(
        session.execute(
            select(EvidenceRow)
            .where(EvidenceRow.requirement_id == requirement.id)
            .order_by(EvidenceRow.uploaded_at)
        ).scalars()
    )


def requirement(session: Session, actor: Actor, requirement_id: int) -> RequirementRow:
    req = session.get(RequirementRow, requirement_id)
    if req is None:
        raise RogatoryError("compliance.not_found", "no such requirement in your organisation")
    get(session, actor, req.assessment_id)  # the organisation's, or not found
    return req


def set_requirement(
    session: Session,
    actor: Actor,
    requirement_id: int,
    *,
    status: str,
    owner: str | None,
    due_on: str | None,
    note: str,
) -> RequirementRow:
    """Record a requirement's status, owner and due date, with a note (its history keeps
    every earlier answer)."""
    _require(actor, Action.ASSESS)
    req = requirement(session, actor, requirement_id)
    try:
        chosen = RequirementStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in RequirementStatus)
        raise RogatoryError(
            "compliance.invalid_status", f"field status: {status!r} is not one of {allowed}"
        ) from None
    due: date | None = None
    if due_on:
        try:
            due = date.fromisoformat(due_on)
        except ValueError:
            raise RogatoryError(
                "compliance.invalid_date", f"field due_on: {due_on!r} is not a date (YYYY-MM-DD)"
            ) from None
    if not note.strip():
        raise RogatoryError("compliance.note_required", "field note: say why (a note is required)")
    if len(note) > 20_000 or (owner and len(owner) > 200):
        raise RogatoryError("compliance.invalid_value", "field note or owner: too long")
    at = _now()
    req.status, req.owner, req.due_on = chosen.value, (owner or None), due
    req.updated_by, req.updated_at = actor.user, at
    session.add(
        RequirementEvent(
            requirement_id=req.id,
            status=chosen.value,
            owner=req.owner,
            due_on=due,
            note=note,
            by=actor.user,
            at=at,
        )
    )
    session.flush()
    audit.append(
        session,
        chain=actor.org,
        actor=actor.user,
        action="compliance.requirement",
        summary={
            "assessment": req.assessment_id,
            "requirement": req.key,
            "status": chosen.value,
            "owner": req.owner,
            "due_on": due.isoformat() if due else None,
        },
    )
    return req


def attach(
    session: Session, actor: Actor, requirement_id: int, name: str, data: bytes, *, base_dir: Path
) -> EvidenceRow:
    """Keep a file of evidence for a requirement: written read-only under ``base_dir`` with
    its SHA-256, moved into place when the transaction commits and removed if it does not."""
    _require(actor, Action.ASSESS)
    req = requirement(session, actor, requirement_id)
    if not SAFE_NAME.fullmatch(name):
        raise RogatoryError(
            "evidence.invalid_name",
            f"field file: {name[:240]!r} is not a plain file name (letters, digits, dots, "
            "dashes, underscores and spaces)",
        )
    if not data:
        raise RogatoryError("evidence.empty", "field file: the file is empty")
    if len(data) > MAX_EVIDENCE:
        raise RogatoryError("evidence.too_large", f"field file: larger than {MAX_EVIDENCE} bytes")
    file_id = str(uuid.uuid4())
    folder = base_dir / "compliance" / actor.org / req.assessment_id
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{file_id}-{name}"
    pending = folder / f".{file_id}.part"
    pending.write_bytes(data)

    def placed(_: Session) -> None:
        pending.replace(final)
        final.chmod(0o444)

    def dropped(_: Session) -> None:
        pending.unlink(missing_ok=True)

    event.listen(session, "after_commit", placed, once=True)
    event.listen(session, "after_rollback", dropped, once=True)
    row = EvidenceRow(
        id=file_id,
        requirement_id=req.id,
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        stored_path=str(final),
        uploaded_by=actor.user,
        uploaded_at=_now(),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        chain=actor.org,
        actor=actor.user,
        action="compliance.evidence",
        summary={
            "assessment": req.assessment_id,
            "requirement": req.key,
            "file": name,
            "sha256": row.sha256,
            "size": row.size,
        },
    )
    return row


def reviews(session: Session, row: AssessmentRow) -> list[ReviewRow]:
    return list(
        session.execute(
            select(ReviewRow).where(ReviewRow.assessment_id == row.id).order_by(ReviewRow.id)
        ).scalars()
    )


def review(
    session: Session, actor: Actor, assessment_id: str, now: dict[str, Any], note: str
) -> ReviewRow:
    """Record a review of the assessment, keeping it as recomputed today (``now``)."""
    _require(actor, Action.ASSESS)
    row = get(session, actor, assessment_id)
    if not note.strip():
        raise RogatoryError("compliance.note_required", "field note: say what was reviewed")
    done = ReviewRow(assessment_id=row.id, result=now, note=note, by=actor.user, at=_now())
    session.add(done)
    session.flush()
    audit.append(
        session,
        chain=actor.org,
        actor=actor.user,
        action="compliance.reviewed",
        summary={"assessment": row.id, "as_of": now["as_of"], "gaps": now["summary"]["gaps"]},
    )
    return done


def since_review(session: Session, row: AssessmentRow, now: dict[str, Any]) -> dict[str, Any]:
    """What changed since the last review (or since the assessment, if never reviewed):
    new ratifications, laws in force, obligations and gaps."""
    done = reviews(session, row)
    before = done[-1].result if done else row.result
    return diff.compare(before, now)

"""The case file: everything the case holds, in one document a lawyer can file or hand over.

The request (and the versions it replaced), every screening with its findings grouped and its
bundle revision, the decisions with their reasons and who took them, the approvals, the
replies with their text and hashes, the holds, orders and steps, the evidence and the
disclosures with their signed receipts, and the case's audit events, each with the hashes
that link it into the organisation's chain, and the chain's head when the file was made.
``casefile.verify`` holds those events against the chain; the SHA-256 of each file issued is
itself recorded in the chain (``casefile.issue``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.audit.chain import GENESIS
from rogatory.audit.models import AuditEvent
from rogatory.casefile import reading, timeline
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.replies import facts as reply_facts
from rogatory.replies import service as replies
from rogatory.requests import custody, deferral, follow_up, traffic
from rogatory.requests.displayed import displayed
from rogatory.requests.models import (
    Acknowledgement,
    Approval,
    Case,
    HoldRow,
    NonDisclosureRow,
    Organisation,
    RequestVersion,
    Screening,
    Transition,
)
from rogatory.treaty import catalogue

FORMAT = "rogatory-case-file/1"


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def _rows(session: Session, model: Any, case_id: str, order: Any) -> list[Any]:
    return list(
        session.execute(select(model).where(model.case_id == case_id).order_by(order)).scalars()
    )


def _screening(s: Screening, bundle_title: str) -> dict[str, Any]:
    shown = displayed(s.outcome, s.decision)
    return {
        "seq": s.seq,
        "outcome": s.outcome,
        "displayed_outcome": shown.outcome,
        "outcome_note": shown.note,
        "treaty": s.treaty,
        "treaty_title": bundle_title,
        "as_of": s.as_of.isoformat(),
        "bundle_revision": s.bundle_revision,
        "screened_at": s.screened_at.isoformat(),
        "screened_by": s.screened_by,
        "legal_bases": s.decision.get("legal_bases", []),
        "groups": [
            {"id": g.id, "title": g.title, "findings": g.findings}
            for g in reading.groups(s.decision)
        ],
    }


def _grounds(grounds: list[dict[str, str]]) -> list[dict[str, Any]]:
    out = []
    for g in grounds:
        cite = reply_facts.Cites(catalogue.get()).provision(g["provision"])
        out.append(
            {
                "reason": g["reason"],
                "provision": g["provision"],
                "label": cite["label"],
                "verification": cite.get("verification"),
            }
        )
    return out


def _event(e: AuditEvent, names: dict[str, str]) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor": e.actor,
        "action": e.action,
        "case_id": e.case_id,
        "summary": e.summary,
        "state": e.state,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "words": timeline.sentence(e.action, e.actor, e.summary, names),
    }


def head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's last event as this transaction sees it, read without the chain's lock:
    the file is made in a read, and must not hold up the organisation's writers."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS)


def build(session: Session, case: Case, *, issued_by: str) -> dict[str, Any]:
    """The case file of ``case`` as it stands, with the chain head of its organisation."""
    org = session.get(Organisation, case.org_id)
    bundle = catalogue.get(case.treaty)
    names = reply_facts.names(session, case.org_id)
    screenings = _rows(session, Screening, case.id, Screening.seq)
    latest = screenings[-1]
    by_id = {s.id: s.seq for s in screenings}
    seq, head_hash = head(session, case.org_id)
    events = list(
        session.execute(
            select(AuditEvent)
            .where(
                AuditEvent.chain == case.org_id,
                AuditEvent.case_id == case.id,
                AuditEvent.seq <= seq,
            )
            .order_by(AuditEvent.seq)
        ).scalars()
    )
    today = datetime.now(UTC).date()
    _, confidentiality = custody.confidentiality_task(session, case)
    follow = follow_up.of_case(session, case.id)
    return {
        "format": FORMAT,
        "issued_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "issued_by": issued_by,
        "issued_by_name": names.get(issued_by, issued_by),
        "organisation": {"id": case.org_id, "name": org.name if org else case.org_id},
        "case": {
            "id": case.id,
            "reference": case.reference,
            "measure": case.measure,
            "treaty": case.treaty,
            "treaty_title": bundle.manifest.short_title,
            "requesting_state": case.requesting_state,
            "requested_state": case.requested_state,
            "status": case.status,
            "urgent": case.urgent,
            "intrusive": case.intrusive,
            "received_at": case.received_at.isoformat(),
            "due_at": case.due_at.isoformat(),
            "created_by": case.created_by,
            "prepared_by": case.prepared_by,
            "assigned_to": case.assigned_to,
        },
        "request": {
            "document": case.request,
            "summary": [
                {
                    "id": sec.id,
                    "title": sec.title,
                    "rows": [{"label": r.label, "value": r.value} for r in sec.rows],
                }
                for sec in reading.summary(
                    case.request, bundle, latest.decision.get("legal_bases", [])
                )
            ],
            "versions": [
                {
                    "seq": v.seq,
                    "superseded_at": v.superseded_at.isoformat(),
                    "superseded_by": v.superseded_by,
                    "note": v.note,
                    "document": v.document,
                }
                for v in _rows(session, RequestVersion, case.id, RequestVersion.seq)
            ],
        },
        "screenings": [_screening(s, bundle.manifest.short_title) for s in screenings],
        "acknowledgements": [
            {
                "screening": by_id.get(a.screening_id),
                "rule": a.rule,
                "note": a.note,
                "by": a.by,
                "by_name": names.get(a.by, a.by),
                "at": a.at.isoformat(),
            }
            for a in _rows(session, Acknowledgement, case.id, Acknowledgement.id)
        ],
        "decisions": [
            {
                "from": t.from_status,
                "to": t.to_status,
                "by": t.by,
                "by_name": names.get(t.by, t.by),
                "at": t.at.isoformat(),
                "note": t.note,
                "grounds": _grounds(t.grounds),
                "details": t.details,
            }
            for t in _rows(session, Transition, case.id, Transition.id)
        ],
        "approvals": [
            {
                "screening": by_id.get(a.screening_id),
                "by": a.by,
                "by_name": names.get(a.by, a.by),
                "at": a.at.isoformat(),
                "note": a.note,
                "basis": {"kind": a.basis_kind, "citation": a.basis_citation},
                "override_reason": a.override_reason,
            }
            for a in _rows(session, Approval, case.id, Approval.id)
        ],
        "deferral_notice": deferral.of_case(session, case).notice(today, case.treaty),
        "replies": [
            {
                "id": r.id,
                "kind": r.kind,
                "language": r.language,
                "status": r.status,
                "screening": by_id.get(r.screening_id),
                "basis": r.basis,
                "template": r.template,
                "drafted_by": r.drafted_by,
                "drafted_at": _iso(r.drafted_at),
                "approved_by": r.approved_by,
                "approved_at": _iso(r.approved_at),
                "sent_by": r.sent_by,
                "sent_at": _iso(r.sent_at),
                "sha256": r.sha256 or replies.sha256(r.text),
                "delivery": r.delivery,
                "delivered_via": r.delivered_via,
                "text": r.text,
            }
            for r in replies.of_case(session, case)
        ],
        "holds": [
            {
                "id": h.id,
                "identifiers": h.identifiers,
                "start": h.start.isoformat(),
                "expiry": h.expiry.isoformat(),
                "released_on": _iso(h.released_on),
                "extensions": h.extensions,
                "status": custody.status(session, h, today).value,
            }
            for h in _rows(session, HoldRow, case.id, HoldRow.id)
        ],
        "non_disclosure": (
            {"ordered_on": _iso(nda.ordered_on), "ends_on": _iso(nda.ends_on)}
            if (nda := session.get(NonDisclosureRow, case.id)) is not None
            else None
        ),
        "confidentiality": (
            {
                "answer": confidentiality.answer,
                "reason": confidentiality.reason,
                "told_on": _iso(confidentiality.told_on),
                "by": confidentiality.by,
            }
            if confidentiality is not None
            else None
        ),
        "follow_up": (
            {
                "received_on": follow.received_on.isoformat(),
                "reference": follow.reference,
                "decided_on": _iso(follow.decided_on),
                "outcome": follow.outcome,
            }
            if follow is not None
            else None
        ),
        "traffic_disclosures": [
            {
                "other_state": t.other_state,
                "provider": t.provider,
                "traffic_data": t.traffic_data,
                "withheld_on": t.withheld_on,
                "status": t.status,
                "prepared_by": t.prepared_by,
            }
            for t in traffic.of_case(session, case)
        ],
        "evidence": [
            {
                "name": f.name,
                "sha256": f.sha256,
                "size": f.size,
                "uploaded_by": f.uploaded_by,
                "uploaded_at": f.uploaded_at.isoformat(),
            }
            for f in _rows(session, EvidenceFile, case.id, EvidenceFile.uploaded_at)
        ],
        "disclosures": [
            {
                "id": d.id,
                "handed_over_at": d.handed_over_at.isoformat(),
                "by": d.by,
                "receipt": d.receipt,
            }
            for d in _rows(session, Disclosure, case.id, Disclosure.handed_over_at)
        ],
        "audit": {
            "chain": case.org_id,
            "head": {"seq": seq, "hash": head_hash},
            "events": [_event(e, names) for e in events],
        },
    }

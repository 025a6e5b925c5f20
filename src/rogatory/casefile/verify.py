"""Holding a case file against the audit chain it came from.

For the JSON file, every check a court or an auditor would ask for: each event's hash
recomputes from its content and the hash before it; the organisation's chain verifies
whole; each event is the chain's own at its place; no event of the case up to the file's
head is left out; the head is the chain's; and the file itself is one this service issued
(its SHA-256 is recorded in a ``case_file.issued`` event of the case). An HTML or PDF file
is checked by that last test alone: its SHA-256 names the issued file and the head it was
made at.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.audit import chain as chains
from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent, event_payload
from rogatory.casefile.document import FORMAT
from rogatory.casefile.issue import ACTION


@dataclass
class Checked:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, name: str, ok: bool, message: str) -> None:
        self.checks.append((name, ok, message))

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)


def _issued(session: Session, sha256: str) -> AuditEvent | None:
    for event in session.execute(
        select(AuditEvent).where(AuditEvent.action == ACTION).order_by(AuditEvent.id)
    ).scalars():
        if event.summary.get("sha256") == sha256:
            return event
    return None


def _document(content: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) and found.get("format") == FORMAT else None


def recomputed(chain: str, e: dict[str, Any]) -> str:
    """An event's hash from its content as the file holds it."""
    payload = event_payload(
        chain,
        int(e["seq"]),
        datetime.fromisoformat(e["at"]),
        e["actor"],
        e["action"],
        e["case_id"],
        e["summary"],
        e.get("state"),
    )
    return chains.link(e["prev_hash"], payload)


def _events(session: Session, checked: Checked, doc: dict[str, Any]) -> None:
    record = doc["audit"]
    chain, events = record["chain"], record["events"]
    head_seq, head_hash = int(record["head"]["seq"]), record["head"]["hash"]
    bad = [e["seq"] for e in events if recomputed(chain, e) != e["hash"]]
    checked.add(
        "event_hashes",
        not bad,
        f"each of the {len(events)} events' hash recomputes from its content"
        if not bad
        else f"events {bad} do not match their hashes: the file was altered",
    )
    report = audit.verify(session, chain=chain)
    checked.add("chain", report.ok, f"chain {chain!r}: {report.describe()}")
    stored = {
        e.seq: e
        for e in session.execute(
            select(AuditEvent).where(
                AuditEvent.chain == chain,
                AuditEvent.case_id == doc["case"]["id"],
                AuditEvent.seq <= head_seq,
            )
        ).scalars()
    }
    differ = [
        e["seq"] for e in events if (s := stored.get(int(e["seq"]))) is None or s.hash != e["hash"]
    ]
    checked.add(
        "events_in_chain",
        not differ,
        f"every event is the chain's own at its place ({len(events)} events)"
        if not differ
        else f"events {differ} are not the chain's at their place",
    )
    missing = sorted(set(stored) - {int(e["seq"]) for e in events})
    checked.add(
        "events_complete",
        not missing,
        f"no event of the case up to event {head_seq} is left out"
        if not missing
        else f"the chain has events {missing} of this case that the file leaves out",
    )
    at_head = session.execute(
        select(AuditEvent.hash).where(AuditEvent.chain == chain, AuditEvent.seq == head_seq)
    ).scalar_one_or_none()
    checked.add(
        "head",
        at_head == head_hash,
        f"the head the file states (event {head_seq}, {head_hash[:16]}...) is the chain's"
        if at_head == head_hash
        else f"the chain's event {head_seq} has another hash than the file's head",
    )


def verify(session: Session, content: bytes) -> Checked:
    """Every check of a case file (JSON), or of an issued HTML or PDF by its SHA-256."""
    checked = Checked()
    doc = _document(content)
    if doc is not None:
        try:
            _events(session, checked, doc)
        except (KeyError, TypeError, ValueError) as exc:
            checked.add("format", False, f"not a whole case file: {exc}")
    sha256 = hashlib.sha256(content).hexdigest()
    event = _issued(session, sha256)
    if event is None:
        checked.add("issued", False, f"no case file with SHA-256 {sha256[:16]}... was issued here")
    else:
        head = event.summary.get("head") or {}
        checked.add(
            "issued",
            True,
            f"issued as {event.summary.get('format')} by {event.actor} at "
            f"{event.at.isoformat(timespec='seconds')} (event {event.seq} of chain "
            f"{event.chain!r}, made at event {head.get('seq')})",
        )
    return checked

"""A generator of realistic cases for the report benchmark, written straight into the case
tables (bulk inserts; the flows would take hours for a million).

Each case has what a real one leaves behind for a report: its row (a requesting State drawn
from a long-tailed distribution over 60 States, a measure in the demo's proportions, the
identifiers of its request document), its latest screening (outcome and the findings a report
reads: rule, result, flags), the transitions that decide it (review, approval in full or in
part, refusal with its ground, fulfilment, withdrawal, closing), its approval's legal basis,
and where it applies a custody receipt, a preservation hold or a non-disclosure order. Real
decisions carry longer reasons and citations; only the fields a report reads are kept here.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from rogatory.audit.models import AuditEvent
from rogatory.evidence.models import Disclosure
from rogatory.requests import flows
from rogatory.requests.models import (
    Approval,
    Case,
    HoldRow,
    NonDisclosureRow,
    Screening,
    Transition,
)

ORG = "bench-org"
START = datetime(2027, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=181) - timedelta(seconds=1)  # the whole of 2027-H1
STATES = [f"X{a}{b}" for a in "ABC" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"][:60]
WEIGHTS = [1 / (i + 1) ** 1.1 for i in range(len(STATES))]  # a few States send most requests
MEASURES = (
    ("preservation", 40),
    ("stored_data", 20),
    ("traffic_disclosure", 10),
    ("emergency", 10),
    ("mla", 8),
    ("interception", 6),
    ("realtime_traffic", 6),
)
GROUNDS = ("uncc:art-40:para-21", "uncc:art-40:para-22", "uncc:art-65:para-1")
RULES = (
    "relation.in_force",
    "scope.by_measure",
    "completeness.preservation",
    "channel.requesting_authority",
    "refusal.essential_interests",
    "protection.authorisation",
)
BATCH = 20_000


def _decision(rnd: random.Random, outcome: str) -> dict[str, Any]:
    findings = []
    for rule in RULES:
        draw = rnd.random()
        result = "review" if draw < 0.15 else "fail" if draw < 0.18 else "pass"
        flags = ["human_rights"] if rule.startswith("refusal") and result != "pass" else []
        findings.append({"rule": rule, "result": result, "flags": flags})
    return {"outcome": outcome, "findings": findings}


def _case(rnd: random.Random, n: int) -> dict[str, list[dict[str, Any]]]:
    """One case and the rows it leaves, as dicts per table."""
    case_id = str(uuid.UUID(int=rnd.getrandbits(128)))
    measure = rnd.choices([m for m, _ in MEASURES], [w for _, w in MEASURES])[0]
    received = START + SPAN * rnd.random()
    urgent = measure == "emergency"
    due = received + (timedelta(hours=8) if urgent else timedelta(days=10))
    screening = rnd.choices(
        ["proceed", "review", "invalid", "outside_scope", "not_in_force"], [55, 30, 8, 5, 2]
    )[0]
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLES}
    ids = [f"user{n}@example.org"] + [f"203.0.113.{rnd.randint(1, 254)}"] * rnd.randint(0, 3)
    fate = rnd.random()
    moves: list[tuple[str, str, list[dict[str, str]]]] = [("received", "screening", [])]
    at = received
    status = "screening"

    def move(frm: str, to: str, grounds: list[dict[str, str]] | None = None) -> None:
        nonlocal at, status
        at += timedelta(hours=rnd.expovariate(1 / (2 if urgent else 40)))
        moves.append((frm, to, grounds or []))
        status = to

    if fate < 0.03:
        move("screening", "withdrawn")
    elif fate > 0.3:
        move("screening", "in_review")
        if screening in ("outside_scope", "not_in_force") and fate < 0.9:
            pass  # outside scope: left undecided, the report says so
        elif fate < 0.45:
            move("in_review", "refused", [{"reason": "ground", "provision": rnd.choice(GROUNDS)}])
            if rnd.random() < 0.5:
                move("refused", "closed")
        elif fate < 0.95:
            partial = rnd.random() < 0.1
            move("in_review", "partially_approved" if partial else "approved")
            out["approvals"].append(
                {
                    "case_id": case_id,
                    "by": "approver",
                    "at": at,
                    "round": 1,
                    "screening_id": n,
                    "basis_kind": rnd.choices(
                        ["convention", "instrument", "domestic_law"], [90, 7, 3]
                    )[0],
                    "basis_citation": "uncc:art-44",
                }
            )
            if fate < 0.9:
                if measure == "preservation":
                    out["holds"].append(
                        {
                            "case_id": case_id,
                            "identifiers": ids[:1],
                            "start": received.date(),
                            "expiry": received.date() + timedelta(days=90),
                            "extensions": [],
                        }
                    )
                elif rnd.random() < 0.9:
                    out["disclosures"].append(
                        {
                            "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                            "case_id": case_id,
                            "handed_over_at": at,
                            "receipt": {"format": "bench"},
                            "by": "intake",
                        }
                    )
                move(status, "fulfilled")
                if rnd.random() < 0.3:
                    move("fulfilled", "closed")
    if rnd.random() < 0.12:
        out["nondisclosure"].append(
            {"case_id": case_id, "ordered_on": received.date(), "ends_on": None}
        )
    out["cases"].append(
        {
            "id": case_id,
            "org_id": ORG,
            "reference": f"REF-{n}",
            "measure": measure,
            "treaty": "uncc",
            "requesting_state": rnd.choices(STATES, WEIGHTS)[0],
            "requested_state": "XZZ",
            "status": status,
            "urgent": urgent,
            "intrusive": measure in ("interception", "realtime_traffic"),
            "received_at": received,
            "due_at": due,
            "request": {"measure": measure, "data": {"identifiers": ids}},
            "created_by": "intake",
        }
    )
    out["screenings"].append(
        {
            "id": n,
            "case_id": case_id,
            "seq": 1,
            "outcome": screening,
            "treaty": "uncc",
            "as_of": received.date(),
            "bundle_revision": "sha256:bench",
            "decision": _decision(rnd, screening),
            "screened_at": received,
            "screened_by": "intake",
        }
    )
    when = received
    for frm, to, grounds in moves:
        when += timedelta(minutes=1)
        out["transitions"].append(
            {
                "case_id": case_id,
                "from_status": frm,
                "to_status": to,
                "by": "someone",
                "at": max(when, at if to == status else when),
                "grounds": grounds,
            }
        )
    return out


TABLES = {
    "cases": Case,
    "screenings": Screening,
    "transitions": Transition,
    "approvals": Approval,
    "holds": HoldRow,
    "disclosures": Disclosure,
    "nondisclosure": NonDisclosureRow,
}


def _batches(count: int, seed: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    rnd = random.Random(seed)
    batch: dict[str, list[dict[str, Any]]] = {k: [] for k in TABLES}
    for n in range(1, count + 1):
        for table, rows in _case(rnd, n).items():
            batch[table].extend(rows)
        if n % BATCH == 0 or n == count:
            yield batch
            batch = {k: [] for k in TABLES}


def generate(engine: Engine, count: int, *, seed: int = 14) -> None:
    """Write ``count`` cases of one organisation, with one audit event (the store reads the
    chain's head to know it is up to date)."""
    from rogatory.db import engine as dbe

    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, ORG, "Benchmark Provider")
    for batch in _batches(count, seed):
        with engine.begin() as conn:
            for table, model in TABLES.items():  # cases first: the others refer to them
                if batch[table]:
                    conn.execute(insert(model), batch[table])
    with engine.begin() as conn:
        conn.execute(
            insert(AuditEvent),
            [
                {
                    "chain": ORG,
                    "seq": 1,
                    "at": START,
                    "actor": "bench",
                    "action": "bench.generated",
                    "case_id": None,
                    "summary": {"cases": count},
                    "prev_hash": "0" * 64,
                    "hash": "1" * 64,
                }
            ],
        )

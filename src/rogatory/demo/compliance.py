"""The demo's compliance story: the fictional national records imported into the register,
a subscription, and a stored assessment of a fictional company's footprint with some of its
requirements worked (status, owner, due date, evidence) and a review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from rogatory.assessments import service as store
from rogatory.compliance import assessment, footprint, laws
from rogatory.requests.flows import Actor
from rogatory.requests.transitions import Role
from rogatory.safeguards.engine import Screener

HERE = Path(__file__).with_name("compliance")
LAWS = HERE / "laws"
FOOTPRINT = HERE / "footprint.yaml"
OFFICER = Actor("compliance@nimbus.example", "nimbus", frozenset({Role.COMPLIANCE}))


def seed(sessions: sessionmaker[Session], screener: Screener, evidence_dir: Path) -> str:
    """Import the register, follow XAA, assess the footprint and work three requirements;
    returns the assessment's id."""
    register = screener.law.register
    with sessions.begin() as s:
        store.import_laws(s, laws.load(LAWS, register.bundle), by="demo:seed")
        store.subscribe(s, OFFICER, "XAA")
    today = datetime.now(UTC).date()
    with sessions.begin() as s:
        result = assessment.assess(
            footprint.load(FOOTPRINT), register, store.stored_register(s, register.bundle), today
        ).json()
        row = store.store(s, OFFICER, result)
        reqs = store.requirements(s, row)
        due = (today + timedelta(days=30)).isoformat()
        confidentiality = next(
            r for r in reqs if r.key.startswith("gap:confidentiality.no_procedure:XAC")
        )
        store.set_requirement(
            s,
            OFFICER,
            confidentiality.id,
            status="partial",
            owner="legal@nimbus.example",
            due_on=due,
            note="Draft procedure for orders kept secret, in review with counsel",
        )
        store.attach(
            s,
            OFFICER,
            confidentiality.id,
            "confidentiality-procedure-draft.txt",
            b"Orders marked confidential: restricted queue, no user notice while in force.\n",
            base_dir=evidence_dir,
        )
        contact = next(r for r in reqs if r.key.startswith("gap:contact.no_24_7:XAA"))
        store.set_requirement(
            s,
            OFFICER,
            contact.id,
            status="non_compliant",
            owner="ops@nimbus.example",
            due_on=due,
            note="On-call rota for legal requests to be set up",
        )
        store.review(s, OFFICER, row.id, result, "First review with the general counsel")
        return row.id

"""Approval follows the screening, on SQLite and PostgreSQL: a screening that blocks is
approved only through an override by two approvers, approvals apply to the screening they
were given on, receipts state the approval's basis, and changed evidence is never handed over.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.errors import ProblemList, RogatoryError
from rogatory.evidence import service as evidence
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.law.decision import Outcome
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.basis import APPROVABLE, BasisKind, Override
from rogatory.requests.models import Approval
from rogatory.requests.transitions import CaseState, Lifecycle, Move, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
LIFE = Lifecycle(catalogue.get().has_provision)
INTAKE = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita", "org-a", frozenset({Role.REVIEWER}))
ALMA = flows.Actor("alma", "org-a", frozenset({Role.APPROVER}))
BO = flows.Actor("bo", "org-a", frozenset({Role.APPROVER}))
APPROVER_ROLES = frozenset({Role.APPROVER})
MLAT = Override(
    BasisKind.INSTRUMENT,
    "Treaty on Mutual Legal Assistance in Criminal Matters between XAA and XAB (2019), art. 5",
    "The bilateral treaty in force since 2019 obliges us to preserve on request.",
)
BLOCKING = [o for o in Outcome if o not in APPROVABLE]  # picks up any outcome added later


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _doc(name: str = "preservation-fraud.json", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


def _without_facts() -> dict[str, Any]:
    doc = _doc()
    del doc["facts"]
    return doc


# Real requests whose screening blocks approval, one for each reason the shipped rules give.
BLOCKED_DOCS = {
    "invalid": _without_facts,  # an item Art 42 requires is missing
    "not_in_force": lambda: _doc(submitted_on="2025-12-01"),  # before entry into force
    "outside_scope": lambda: _doc("mla-outside-scope.json"),  # refuse, or outside
}


def _in_review(engine: Engine, screener: screening.Screener, doc: dict[str, Any]) -> str:
    """A case taken in, prepared by the reviewer, every review finding acknowledged."""
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        case, _ = flows.intake(s, INTAKE, doc, screener)
        flows.transition(s, REVIEWER, case.id, Status.IN_REVIEW, LIFE)
        for rule in flows.state_of(s, case).review_findings:
            flows.acknowledge(s, REVIEWER, case.id, rule, "read against the request")
        return case.id


def _acknowledge_all(engine: Engine, case_id: str) -> None:
    with dbe.sessions(engine).begin() as s:
        state = flows.state_of(s, flows.get_or_raise(s, REVIEWER, case_id))
        for rule in sorted(state.review_findings - state.acknowledged):
            flows.acknowledge(s, REVIEWER, case_id, rule, "read again")


def _actions(engine: Engine) -> list[dict[str, Any]]:
    with dbe.sessions(engine)() as s:
        return [
            {"action": e.action, **e.summary}
            for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        ]


def _store(engine: Engine, case_id: str, folder: Path, content: bytes) -> EvidenceFile:
    with dbe.sessions(engine).begin() as s:
        incoming = evidence.spool(iter([content]), base_dir=folder, max_bytes=1 << 20)
        row = evidence.store(s, INTAKE, case_id, "records.csv", incoming, base_dir=folder)
        s.expunge(row)
        return row


# ---- the rule itself, for every screening outcome -------------------------------------------


@pytest.mark.parametrize("outcome", BLOCKING)
def test_a_blocking_screening_is_approved_only_through_an_override_by_two(
    outcome: Outcome,
) -> None:
    blocked = CaseState(
        Status.IN_REVIEW, intrusive=False, review_findings=frozenset(), outcome=outcome
    )
    with pytest.raises(ProblemList, match="needs an override citing another legal basis"):
        LIFE.check(blocked, Move(Status.APPROVED, "alma", APPROVER_ROLES))
    with pytest.raises(ProblemList, match="two different approvers") as one:
        LIFE.check(blocked, Move(Status.APPROVED, "alma", APPROVER_ROLES, override=MLAT))
    assert len(one.value.problems) == 1  # the override itself is in order
    first = CaseState(
        Status.IN_REVIEW,
        intrusive=False,
        review_findings=frozenset(),
        approvals=("alma",),
        prepared_by="rita",
        outcome=outcome,
        override=MLAT,
    )
    with pytest.raises(ProblemList, match="two different approvers"):
        LIFE.check(first, Move(Status.APPROVED, "alma", APPROVER_ROLES, override=MLAT))
    with pytest.raises(ProblemList, match="prepared"):
        LIFE.check(first, Move(Status.APPROVED, "rita", APPROVER_ROLES, override=MLAT))
    other = Override(BasisKind.DOMESTIC_LAW, "Criminal Procedure Act s. 12", "urgent")
    with pytest.raises(ProblemList, match="must cite the same basis"):
        LIFE.check(first, Move(Status.APPROVED, "bo", APPROVER_ROLES, override=other))
    mine = Override(MLAT.kind, MLAT.citation, "I read the treaty too.")  # own reason
    LIFE.check(first, Move(Status.APPROVED, "bo", APPROVER_ROLES, override=mine))


@pytest.mark.parametrize("outcome", sorted(APPROVABLE))
def test_a_screening_that_does_not_block_is_approved_on_the_convention(outcome: Outcome) -> None:
    state = CaseState(
        Status.IN_REVIEW, intrusive=False, review_findings=frozenset(), outcome=outcome
    )
    LIFE.check(state, Move(Status.APPROVED, "alma", APPROVER_ROLES))
    with pytest.raises(ProblemList, match="only for a screening that blocks"):
        LIFE.check(state, Move(Status.APPROVED, "alma", APPROVER_ROLES, override=MLAT))


def test_an_override_names_another_basis_and_a_reason() -> None:
    for kind, citation, reason, field in (
        ("convention", "uncc:art-42", "r", "override.kind"),
        ("treaty", "x", "r", "override.kind"),
        ("instrument", "  ", "r", "override.citation"),
        ("domestic_law", "s. 12", "", "override.reason"),
        ("domestic_law", "s. 12", "x" * 2001, "override.reason"),
        ("instrument", "y" * 501, "r", "override.citation"),
    ):
        with pytest.raises(RogatoryError) as info:
            Override.of(kind, citation, reason)
        assert info.value.code == "case.invalid_override"
        assert f"field {field}" in info.value.message
    convention = Override.of("instrument", "uncc:art-46", "the Convention again")
    state = CaseState(
        Status.IN_REVIEW, intrusive=False, review_findings=frozenset(), outcome=Outcome.REFUSE
    )
    with pytest.raises(ProblemList, match="is a provision of the Convention"):
        LIFE.check(state, Move(Status.APPROVED, "a", APPROVER_ROLES, override=convention))


# ---- stored cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("blocked", sorted(BLOCKED_DOCS))
def test_a_blocked_case_needs_an_override_by_two_approvers_and_the_receipt_states_it(
    engine: Engine, screener: screening.Screener, tmp_path: Path, blocked: str
) -> None:
    case_id = _in_review(engine, screener, BLOCKED_DOCS[blocked]())
    sessions = dbe.sessions(engine)
    with sessions() as s:
        outcome = flows.latest_screening(s, flows.get_or_raise(s, ALMA, case_id)).outcome
    assert Outcome(outcome) not in APPROVABLE
    with sessions.begin() as s, pytest.raises(ProblemList, match="needs an override"):
        flows.approve(s, ALMA, case_id, LIFE)  # one approver, no note, no override: refused
    with sessions.begin() as s:
        case = flows.approve(s, ALMA, case_id, LIFE, override=MLAT, note="treaty checked")
        assert case.status == "in_review"  # an override by one approver is not enough
    with sessions.begin() as s, pytest.raises(ProblemList, match="two different approvers"):
        flows.approve(s, ALMA, case_id, LIFE, override=MLAT)
    with sessions.begin() as s:
        confirm = Override(MLAT.kind, MLAT.citation, "The treaty applies; the Convention not.")
        assert flows.approve(s, BO, case_id, LIFE, override=confirm).status == "approved"
    overrides = [e for e in _actions(engine) if e["action"] == "case.override_approved"]
    assert [(e["approvals"], e["needed"], e["outcome"]) for e in overrides] == [
        (1, 2, outcome),
        (2, 2, outcome),
    ]
    assert overrides[0]["basis"] == {"kind": "instrument", "citation": MLAT.citation}
    assert overrides[0]["reason"] == MLAT.reason
    assert overrides[1]["reason"] == "The treaty applies; the Convention not."
    stored = _store(engine, case_id, tmp_path / "evidence", b"acct,holder\n1,A\n")
    with sessions.begin() as s:
        row = evidence.hand_over(s, INTAKE, case_id, [stored.id], {"name": "MoJ of XAA"})
        assert row.receipt["manifest"]["legal_basis"] == [f"instrument:{MLAT.citation}"]
    with sessions() as s:
        assert audit.verify(s).ok


def test_an_ordinary_approval_records_the_convention_article_for_the_receipt(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> None:
    case_id = _in_review(engine, screener, _doc())
    with dbe.sessions(engine).begin() as s:
        flows.approve(s, ALMA, case_id, LIFE)
        approval = s.execute(select(Approval)).scalar_one()
        assert (approval.basis_kind, approval.basis_citation) == ("convention", "uncc:art-42")
        case = flows.get_or_raise(s, ALMA, case_id)
        assert approval.screening_id == flows.latest_screening(s, case).id
    stored = _store(engine, case_id, tmp_path / "evidence", b"x")
    with dbe.sessions(engine).begin() as s:
        row = evidence.hand_over(s, INTAKE, case_id, [stored.id], {"name": "MoJ"})
        assert row.receipt["manifest"]["legal_basis"] == ["uncc:art-42"]


def test_screening_again_voids_earlier_approvals(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> None:
    case_id = _in_review(engine, screener, _doc("interception-authorised.json"))
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.approve(s, ALMA, case_id, LIFE, note="order checked")  # 1 of 2
        flows.rescreen(s, REVIEWER, case_id, screener)
    _acknowledge_all(engine, case_id)
    with sessions.begin() as s:
        assert flows.state_of(s, flows.get_or_raise(s, BO, case_id)).approvals == ()
        assert flows.approve(s, BO, case_id, LIFE).status == "in_review"  # alma's is void
    with sessions.begin() as s:
        assert flows.approve(s, ALMA, case_id, LIFE).status == "approved"
    voided = [e for e in _actions(engine) if e["action"] == "case.approvals_voided"]
    assert voided == [
        {
            "action": "case.approvals_voided",
            "screening": 1,
            "replaced_by": 2,
            "approvals": ["alma"],
            "why": "screened again",
        }
    ]
    # an approved case screened again returns to review; nothing is disclosed meanwhile
    stored = _store(engine, case_id, tmp_path / "evidence", b"intercept")
    with sessions.begin() as s:
        flows.rescreen(s, REVIEWER, case_id, screener)
        case = flows.get_or_raise(s, REVIEWER, case_id)
        assert case.status == "in_review" and case.prepared_by == "rita"
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        evidence.hand_over(s, INTAKE, case_id, [stored.id], {"name": "MoJ"})
    assert info.value.code == "case.not_approved"
    last = _actions(engine)[-3:]
    assert [e["action"] for e in last] == [
        "case.screened",
        "case.approvals_voided",
        "case.transition",
    ]
    assert (last[1]["approvals"], last[2]["from"], last[2]["to"]) == (
        ["bo", "alma"],
        "approved",
        "in_review",
    )


def test_amending_the_request_voids_earlier_approvals(
    engine: Engine, screener: screening.Screener
) -> None:
    doc = _doc("interception-authorised.json")
    case_id = _in_review(engine, screener, doc)
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.approve(s, ALMA, case_id, LIFE)  # 1 of 2
        flows.transition(s, REVIEWER, case_id, Status.INFO_REQUESTED, LIFE, note="which judge?")
    with sessions.begin() as s:
        flows.amend(s, INTAKE, case_id, {**doc, "facts": doc["facts"] + " More."}, screener, LIFE)
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
    _acknowledge_all(engine, case_id)
    with sessions.begin() as s:
        assert flows.state_of(s, flows.get_or_raise(s, BO, case_id)).approvals == ()
        assert flows.approve(s, BO, case_id, LIFE).status == "in_review"
    voided = [e for e in _actions(engine) if e["action"] == "case.approvals_voided"]
    assert [(e["approvals"], e["why"]) for e in voided] == [(["alma"], "request amended")]


def test_a_file_changed_on_disk_is_never_disclosed(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> None:
    case_id = _in_review(engine, screener, _doc())
    with dbe.sessions(engine).begin() as s:
        flows.approve(s, ALMA, case_id, LIFE)
    good = _store(engine, case_id, tmp_path / "evidence", b"acct,holder\n1,A\n")
    bad = _store(engine, case_id, tmp_path / "evidence", b"acct,holder\n2,B\n")
    path = Path(bad.stored_path)
    os.chmod(path, 0o644)
    path.write_bytes(b"acct,holder\n2,Someone else\n")
    with dbe.sessions(engine).begin() as s, pytest.raises(evidence.Tampered) as info:
        evidence.hand_over(s, INTAKE, case_id, [good.id, bad.id], {"name": "MoJ"})
    assert info.value.code == "evidence.tampered" and "records.csv" in info.value.message
    assert [c["file"] for c in info.value.changed] == [bad.id]
    assert info.value.changed[0]["recorded_sha256"] == bad.sha256
    path.unlink()
    with dbe.sessions(engine).begin() as s, pytest.raises(evidence.Tampered):
        evidence.hand_over(s, INTAKE, case_id, [bad.id], {"name": "MoJ"})  # missing: refused
    with dbe.sessions(engine)() as s:
        assert s.execute(select(Disclosure)).first() is None
    with dbe.sessions(engine).begin() as s:  # the file that did not change still goes
        assert evidence.hand_over(s, INTAKE, case_id, [good.id], {"name": "MoJ"}).receipt


# ---- migration 0009 on existing data ---------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database migrated only to 0008, the revision before approvals named screenings."""
    if request.param == "sqlite":
        eng = dbe.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        eng = dbe.make_engine(request.getfixturevalue("postgres_url"))
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate.upgrade(eng, "0008")
    yield eng
    eng.dispose()


def test_existing_approvals_are_tied_to_the_screening_they_were_given_on(at_0008: Engine) -> None:
    case = (
        "INSERT INTO cases (id, org_id, measure, requesting_state, requested_state, status, "
        "urgent, intrusive, received_at, due_at, request, created_by) VALUES (:id, 'org-a', "
        ":measure, 'XAA', 'XAB', 'approved', false, true, :t, :t, '{}', 'ivan')"
    )
    screened = (
        "INSERT INTO screenings (id, case_id, seq, outcome, as_of, bundle_revision, decision, "
        "screened_at, screened_by) VALUES (:id, :case, :seq, 'proceed', '2026-09-01', 'r', "
        "'{}', :t, 'ivan')"
    )
    approved = (
        'INSERT INTO approvals (case_id, "by", at, note, round) VALUES (:case, :by, :t, NULL, 1)'
    )
    with at_0008.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (id, name, created_at) VALUES ('org-a', 'a', :t)"),
            {"t": "2026-09-01T09:00:00+00:00"},
        )
        for cid, measure in (("c-1", "interception"), ("c-2", "stored_data")):
            conn.execute(text(case), {"id": cid, "measure": measure, "t": "2026-09-01T09:00:00Z"})
        for sid, cid, seq, at in (
            (1, "c-1", 1, "2026-09-01T09:00:00Z"),
            (2, "c-1", 2, "2026-09-02T09:00:00Z"),
            (3, "c-1", 3, "2026-09-04T09:00:00Z"),
            (4, "c-2", 1, "2026-09-01T09:00:00Z"),
        ):
            conn.execute(text(screened), {"id": sid, "case": cid, "seq": seq, "t": at})
        for cid, by, at in (
            ("c-1", "alma", "2026-09-03T09:00:00Z"),  # given on screening 2
            ("c-2", "bo", "2026-09-02T09:00:00Z"),
        ):
            conn.execute(text(approved), {"case": cid, "by": by, "t": at})
    migrate.upgrade(at_0008)
    with dbe.sessions(at_0008)() as s:
        rows = s.execute(select(Approval).order_by(Approval.id)).scalars().all()
        assert [(a.by, a.screening_id, a.basis_kind, a.basis_citation) for a in rows] == [
            ("alma", 2, "convention", "uncc:art-46"),
            ("bo", 4, "convention", "uncc:art-44"),
        ]

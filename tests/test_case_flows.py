"""Case flows on SQLite and PostgreSQL: intake with screening, review, four eyes, audit."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from rogatory.audit import models as audit_models
from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.db import models as all_models
from rogatory.errors import ProblemList, RogatoryError
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.models import Case, Screening
from rogatory.requests.transitions import Ground, Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
LIFE = Lifecycle(catalogue.get().has_provision)
INTAKE = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita", "org-a", frozenset({Role.REVIEWER}))
APPROVER_1 = flows.Actor("alma", "org-a", frozenset({Role.APPROVER}))
APPROVER_2 = flows.Actor("bo", "org-a", frozenset({Role.APPROVER}))
OTHER_ORG = flows.Actor("olga", "org-b", frozenset(Role))


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _doc(name: str, **changes: object) -> dict[str, object]:
    doc = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


def _intake(
    engine: Engine, screener: screening.Screener, doc: dict[str, object], key: str | None = None
) -> str:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "Example Hosting")
        flows.ensure_organisation(s, "org-b", "Another Provider")
        case, _ = flows.intake(s, INTAKE, doc, screener, idempotency_key=key)
        return case.id


def test_the_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), all_models.metadata) == []


def test_intake_screens_and_stores_the_whole_decision(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("preservation-fraud.json"))
    with dbe.sessions(engine)() as s:
        case = flows.get_or_raise(s, INTAKE, case_id)
        assert case.status == "screening" and not case.intrusive
        row = flows.latest_screening(s, case)
        assert row.outcome == "proceed" and row.as_of == date(2026, 9, 1)
        assert row.bundle_revision == catalogue.get().revision
        assert len(row.decision["findings"]) >= 20
        assert audit.verify(s).events == 3  # created, screened, transition to screening


def test_a_retried_intake_with_the_same_key_creates_one_case(
    engine: Engine, screener: screening.Screener
) -> None:
    first = _intake(engine, screener, _doc("preservation-fraud.json"), key="k-1")
    again = _intake(engine, screener, _doc("preservation-fraud.json"), key="k-1")
    assert first == again
    with dbe.sessions(engine)() as s:
        assert len(s.execute(select(Case)).scalars().all()) == 1


def test_a_bad_request_creates_nothing(engine: Engine, screener: screening.Screener) -> None:
    with pytest.raises(ProblemList) as info:
        _intake(engine, screener, _doc("preservation-fraud.json", requested_state="QQQ"))
    assert info.value.problems[0].code == "request.unknown_state"
    with dbe.sessions(engine)() as s:
        assert s.execute(select(Case)).first() is None and audit.verify(s).events == 0


def test_rescreening_keeps_the_history(engine: Engine, screener: screening.Screener) -> None:
    case_id = _intake(engine, screener, _doc("preservation-fraud.json"))
    with dbe.sessions(engine).begin() as s:
        row = flows.rescreen(s, REVIEWER, case_id, screener, on=date(2026, 5, 1))
        assert row.seq == 2 and row.outcome == "not_in_force"
    with dbe.sessions(engine)() as s:
        seqs = s.execute(select(Screening.seq, Screening.outcome).order_by(Screening.seq)).all()
        assert [tuple(r) for r in seqs] == [(1, "proceed"), (2, "not_in_force")]


def test_another_organisation_never_sees_the_case(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("preservation-fraud.json"))
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
        flows.transition(s, OTHER_ORG, case_id, Status.IN_REVIEW, LIFE)
    assert info.value.code == "case.not_found" and "org-a" not in info.value.message


def test_four_eyes_review_and_approval_of_an_interception(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("interception-authorised.json"))
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        reviews = sorted(
            flows.state_of(s, flows.get_or_raise(s, REVIEWER, case_id)).review_findings
        )
    assert "safeguards.domestic_law_measure" in reviews
    with sessions.begin() as s, pytest.raises(ProblemList, match="acknowledged"):
        flows.approve(s, APPROVER_1, case_id, LIFE)
    with sessions.begin() as s:
        for rule in reviews:
            flows.acknowledge(s, REVIEWER, case_id, rule, f"checked {rule} with the duty lawyer")
    with sessions.begin() as s:
        case = flows.approve(s, APPROVER_1, case_id, LIFE, note="lawful under s. 12")
        assert case.status == "in_review"  # one approval recorded, a second person is needed
    with sessions.begin() as s, pytest.raises(ProblemList, match="two different approvers"):
        flows.approve(s, APPROVER_1, case_id, LIFE)
    with sessions.begin() as s, pytest.raises(ProblemList, match="prepared"):
        flows.approve(s, flows.Actor("rita", "org-a", frozenset({Role.APPROVER})), case_id, LIFE)
    with sessions.begin() as s:
        assert flows.approve(s, APPROVER_2, case_id, LIFE).status == "approved"
        flows.transition(s, INTAKE, case_id, Status.FULFILLED, LIFE)
        flows.transition(s, REVIEWER, case_id, Status.CLOSED, LIFE)
    with sessions() as s:
        report = audit.verify(s)
        assert report.ok
        actions = [e.payload["action"] for e in audit.stream(s)]
    assert actions.count("case.finding_acknowledged") == len(reviews)
    assert actions.count("case.approval_recorded") == 1 and actions[-1] == "case.transition"


def test_a_refusal_needs_a_cited_ground_and_is_recorded(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("stored-data-speech.json"))
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        for rule in flows.state_of(s, flows.get_or_raise(s, REVIEWER, case_id)).review_findings:
            flows.acknowledge(s, REVIEWER, case_id, rule, "considered")
    with sessions.begin() as s, pytest.raises(ProblemList, match="at least one ground"):
        flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE)
    ground = Ground(
        "substantial grounds to believe the request targets political expression",
        "uncc:art-40:para-22",
    )
    with sessions.begin() as s:
        flows.transition(
            s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=[ground], note="refused"
        )
    with sessions() as s:
        last = list(audit.stream(s))[-1].payload
    assert last["summary"] == {
        "from": "in_review",
        "to": "refused",
        "note": "refused",
        "grounds": ["uncc:art-40:para-22"],
    }


def test_a_preservation_case_is_refused_only_on_the_grounds_its_closed_list_names(
    engine: Engine, screener: screening.Screener
) -> None:
    """Preservation "may only be refused" on a political offence or essential interests (the
    Budapest Art 29(5) model of UN Art 42): not as prohibited in a similar domestic case."""
    case_id = _intake(engine, screener, _doc("preservation-fraud.json"))
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        for rule in flows.state_of(s, flows.get_or_raise(s, REVIEWER, case_id)).review_findings:
            flows.acknowledge(s, REVIEWER, case_id, rule, "considered")
    domestic = Ground(
        "our law would prohibit this in a similar domestic case",
        "uncc:art-40:para-21",
        "refusal.domestic_prohibition",
    )
    dual = Ground("the conduct is not criminal here", "uncc:art-35")
    for bad, field in ((domestic, "grounds[0].ground"), (dual, "grounds[0].provision")):
        with sessions.begin() as s, pytest.raises(ProblemList) as info:
            flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=[bad])
        assert info.value.code == "case.ground_not_allowed"
        message = info.value.problems[0].message
        assert message.startswith(field) and "preservation may only be refused on" in message
        assert "UNCC Art. 42, model ETS185 Art. 29(5)" in message
    essential = Ground(
        "execution would prejudice our essential interests",
        "uncc:art-40:para-21",
        "refusal.essential_interests",
    )
    with sessions.begin() as s:
        case = flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=[essential])
        assert case.status == "refused"


def test_an_invalid_move_changes_nothing(engine: Engine, screener: screening.Screener) -> None:
    case_id = _intake(engine, screener, _doc("preservation-fraud.json"))
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
        flows.transition(s, REVIEWER, case_id, Status.FULFILLED, LIFE)
    assert info.value.code == "case.invalid_transition"
    with dbe.sessions(engine)() as s:
        assert flows.get_or_raise(s, REVIEWER, case_id).status == "screening"
        assert audit.verify(s).events == 3


def test_a_concurrent_retry_with_the_same_key_returns_the_first_case(
    engine: Engine, screener: screening.Screener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry's look-up ran before the first request committed: the unique constraint
    catches it, and the retry answers with the case the first request created."""
    first = _intake(engine, screener, _doc("preservation-fraud.json"), key="race")
    real = flows._by_key
    calls = []

    def stale_then_real(*args: object) -> object:
        calls.append(1)
        return None if len(calls) == 1 else real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(flows, "_by_key", stale_then_real)
    again = _intake(engine, screener, _doc("preservation-fraud.json"), key="race")
    assert again == first and len(calls) == 2
    with dbe.sessions(engine)() as s:
        assert len(s.execute(select(Case)).scalars().all()) == 1
        assert audit.verify(s).events == 3


def test_an_amendment_keeps_the_earlier_document_and_starts_the_review_over(
    engine: Engine, screener: screening.Screener
) -> None:
    from rogatory.requests.models import RequestVersion

    first = _doc("preservation-fraud.json")
    case_id = _intake(engine, screener, first)
    with dbe.sessions(engine).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        flows.transition(s, REVIEWER, case_id, Status.INFO_REQUESTED, LIFE, note="custodian?")
    amended = {
        **first,
        "data": {**first["data"], "custodian": "Another Host Ltd", "categories": ["content"]},
    }  # type: ignore[dict-item]
    with dbe.sessions(engine).begin() as s:
        with pytest.raises(RogatoryError) as other_org:
            flows.amend(s, OTHER_ORG, case_id, amended, screener, LIFE)
        assert other_org.value.code == "case.not_found"
        case = flows.amend(s, INTAKE, case_id, amended, screener, LIFE, note="custodian named")
        # preserving content discloses nothing: not intrusive (the measures table), no four eyes
        assert case.status == "screening" and not case.intrusive
    with dbe.sessions(engine)() as s:
        versions = s.execute(select(RequestVersion)).scalars().all()
        assert [(v.seq, v.superseded_by, v.note) for v in versions] == [
            (1, "ivan", "custodian named")
        ]
        assert versions[0].document["data"]["custodian"] == first["data"]["custodian"]  # type: ignore[index]
        assert s.get(Case, case_id).request["data"]["custodian"] == "Another Host Ltd"
        assert [r.seq for r in flows.screenings(s, REVIEWER, case_id)] == [1, 2]
        events = [
            e.action
            for e in s.execute(
                select(audit_models.AuditEvent).order_by(audit_models.AuditEvent.seq)
            ).scalars()
        ]
        assert events[-3:] == ["case.amended", "case.transition", "case.screened"]
        assert audit.verify(s).ok


def test_events_recorded_in_a_flow_are_appended_at_its_end_or_not_at_all(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("preservation-fraud.json"))
    sessions, readers = dbe.sessions(engine), dbe.sessions(engine, read_only=True)

    def count() -> int:  # a second, read-only session: it never waits for the writer
        with readers() as r:
            return len(r.execute(select(audit_models.AuditEvent)).scalars().all())

    before = count()
    with sessions.begin() as s:
        case = flows.get_or_raise(s, REVIEWER, case_id)
        with flows.recorded_at_end(s):
            flows.record(s, case, REVIEWER, "test.first", {})
            flows.record(s, case, REVIEWER, "test.second", {})
            queued = s.execute(select(audit_models.AuditEvent)).scalars().all()
            assert len(queued) == before  # nothing written yet: the chain is not locked
        rows = (
            s.execute(select(audit_models.AuditEvent).order_by(audit_models.AuditEvent.seq))
            .scalars()
            .all()
        )
        assert [r.action for r in rows[-2:]] == ["test.first", "test.second"]
        assert rows[-2].at <= rows[-1].at

    def failing_flow(s: Session) -> None:
        with flows.recorded_at_end(s):
            flows.record(s, flows.get_or_raise(s, REVIEWER, case_id), REVIEWER, "test.lost", {})
            raise RuntimeError("the flow failed")

    with sessions.begin() as s, pytest.raises(RuntimeError):
        failing_flow(s)
    assert count() == before + 2
    with sessions() as s:
        assert audit.verify(s).ok

"""A case's steps on SQLite and PostgreSQL: the follow-up request that keeps holds from
lapsing, postponement and consultation, the confidentiality answer, the disclosure of
preserved traffic data, and stored decisions read under today's rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.db import state as rows
from rogatory.errors import ProblemList, RogatoryError
from rogatory.parties import service
from rogatory.requests import custody, deferral, flows, follow_up, traffic
from rogatory.requests.basis import BasisKind, Override
from rogatory.requests.confidentiality import Task
from rogatory.requests.holds import HoldStatus
from rogatory.requests.models import Case, Transition
from rogatory.requests.transitions import (
    Consultation,
    Ground,
    Lifecycle,
    Postponement,
    Role,
    Status,
)
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
LIFE = Lifecycle(catalogue.get().has_provision)
INTAKE = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita", "org-a", frozenset({Role.REVIEWER}))
APPROVER_1 = flows.Actor("alma", "org-a", frozenset({Role.APPROVER}))
APPROVER_2 = flows.Actor("bo", "org-a", frozenset({Role.APPROVER}))
AUDITOR = flows.Actor("aud", "org-a", frozenset({Role.AUDITOR}))
GROUND = Ground("execution would prejudice ordre public", "uncc:art-40:para-21")


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _doc(name: str = "preservation-fraud.json", **changes: object) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


def _intake(engine: Engine, screener: screening.Screener, doc: dict[str, Any]) -> str:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        return flows.intake(s, INTAKE, doc, screener)[0].id


def _in_review(engine: Engine, screener: screening.Screener, doc: dict[str, Any]) -> str:
    case_id = _intake(engine, screener, doc)
    with dbe.sessions(engine).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        for rule in flows.state_of(s, s.get(Case, case_id)).review_findings:
            flows.acknowledge(s, REVIEWER, case_id, rule, "checked")
    return case_id


def _actions(engine: Engine) -> list[str]:
    with dbe.sessions(engine)() as s:
        assert audit.verify(s).ok
        return [e.payload["action"] for e in audit.stream(s)]


# ---- 1. the follow-up request keeps the holds (Art 42; model Budapest Art 29(7)) ------------


def test_a_hold_is_continued_while_the_follow_up_request_is_pending(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc())
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        hold = custody.place_hold(
            s, INTAKE, case_id, ["acct"], date(2026, 9, 1), 60, minimum_days=60
        )  # ends 2026-10-31
        hold_id = hold.id
    with sessions() as s:  # without a follow-up request it lapses at its end
        assert (
            custody.status(s, s.get(type(hold), hold_id), date(2026, 11, 5)) is HoldStatus.EXPIRED
        )
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        follow_up.decided(
            s, INTAKE, case_id, date(2026, 10, 20), "granted", today=date(2026, 10, 20)
        )
    assert info.value.code == "case.follow_up_missing"
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        follow_up.received(
            s, INTAKE, case_id, date(2026, 10, 21), "MLA-7", None, today=date(2026, 10, 20)
        )
    assert info.value.code == "case.invalid_follow_up" and "field received_on" in info.value.message
    with sessions.begin() as s, pytest.raises(RogatoryError, match="field follow_up_case_id"):
        follow_up.received(
            s, INTAKE, case_id, date(2026, 10, 20), "MLA-7", "nope", today=date(2026, 10, 20)
        )
    with sessions.begin() as s, pytest.raises(RogatoryError, match="needs the intake"):
        follow_up.received(
            s, AUDITOR, case_id, date(2026, 10, 20), "MLA-7", None, today=date(2026, 10, 20)
        )
    mla_case = _intake(engine, screener, _doc("stored-data-speech.json"))
    with sessions.begin() as s:
        row = follow_up.received(
            s, INTAKE, case_id, date(2026, 10, 20), "MLA-7", mla_case, today=date(2026, 10, 20)
        )
        assert row.follow_up_case_id == mla_case
    with sessions() as s:
        # a week before its end no reminder: the pending follow-up keeps it past the end
        assert custody.reminders_due(s, INTAKE, date(2026, 10, 25)) == []
        continued = custody.by_status(s, INTAKE, date(2026, 11, 15), HoldStatus.CONTINUED)
        assert [h.id for _, h in continued] == [hold_id]
        assert custody.by_status(s, INTAKE, date(2026, 11, 15), HoldStatus.EXPIRED) == []
    with sessions.begin() as s:  # still preserved: it can be extended past today
        custody.extend_hold(s, INTAKE, case_id, hold_id, date(2026, 12, 31), date(2026, 11, 15))
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        follow_up.decided(s, INTAKE, case_id, date(2026, 10, 1), "granted", today=date(2027, 1, 10))
    assert "field decided_on" in info.value.message
    with sessions.begin() as s:
        follow_up.decided(s, INTAKE, case_id, date(2027, 1, 10), "granted", today=date(2027, 1, 10))
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        follow_up.decided(s, INTAKE, case_id, date(2027, 1, 10), "refused", today=date(2027, 1, 10))
    assert info.value.code == "case.follow_up_decided"
    with sessions() as s:  # decided: the hold now lapses at its (extended) end
        lapsed = custody.by_status(s, INTAKE, date(2027, 1, 15), HoldStatus.EXPIRED)
        assert [h.id for _, h in lapsed] == [hold_id]
    ours = [e["action"] for e in _events(engine) if e["case_id"] == case_id]
    assert ours[-4:] == ["hold.placed", "follow_up.received", "hold.extended", "follow_up.decided"]
    assert audit_ok(engine)


def audit_ok(engine: Engine) -> bool:
    """The chain verifies, and so do the rows against the states its events recorded: every
    step's write path records the state it leaves (``db.state``)."""
    with dbe.sessions(engine)() as s:
        return audit.verify(s).ok and rows.verify(s).ok


def test_a_follow_up_request_belongs_to_a_preservation_case(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("stored-data-speech.json"))
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
        follow_up.received(
            s, INTAKE, case_id, date(2026, 10, 1), "MLA-1", None, today=date(2026, 10, 1)
        )
    assert info.value.code == "case.not_preservation"
    assert "preservation case" in info.value.message


# ---- 2. postponement and consultation (model UNTOC Art 18(25), 18(26)) ------------------------


def test_consulting_then_postponing_then_resuming_keeps_the_history(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc())
    sessions = dbe.sessions(engine)
    with sessions.begin() as s, pytest.raises(ProblemList, match="what was proposed"):
        flows.transition(s, REVIEWER, case_id, Status.IN_CONSULTATION, LIFE, note="why")
    proposal = Consultation.of("postponement", "execute after the hearing of 12 January")
    with sessions.begin() as s:
        flows.transition(
            s,
            APPROVER_1,
            case_id,
            Status.IN_CONSULTATION,
            LIFE,
            note="our prosecution of the same suspects is at a sensitive stage",
            consultation=proposal,
        )
    postponement = Postponement.of(
        "prosecution 12/2026", date(2027, 1, 15), today=date(2026, 12, 1)
    )
    with sessions.begin() as s:
        flows.transition(
            s,
            APPROVER_1,
            case_id,
            Status.POSTPONED,
            LIFE,
            note="XAA accepted the later date",
            postponement=postponement,
        )
    with sessions() as s:
        case = s.get(Case, case_id)
        found = deferral.of_case(s, case)
        assert [st.kind for st in found.steps] == ["consultation", "postponement"]
        assert found.steps[0].details == proposal.to_json()
        assert found.steps[0].ended is not None and found.steps[0].ended.to == "postponed"
        assert found.current is not None and found.current.details["review_on"] == "2027-01-15"
        assert found.consulted is True and found.notice(date(2026, 12, 1), "uncc") is None
        assert deferral.due_for_review(s, REVIEWER, date(2027, 1, 14)) == []
        assert [c.id for c, _ in deferral.due_for_review(s, REVIEWER, date(2027, 1, 15))] == [
            case_id
        ]
        stored = s.execute(
            select(Transition.details).where(Transition.to_status == "postponed")
        ).scalar_one()
        assert stored == {"postponement": postponement.to_json()}
    with sessions.begin() as s, pytest.raises(ProblemList, match="needs a note"):
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
    with sessions.begin() as s:
        flows.transition(s, APPROVER_1, case_id, Status.IN_REVIEW, LIFE, note="hearing held")
    with sessions() as s:
        case = s.get(Case, case_id)
        assert case.prepared_by == "rita"  # resuming does not make the approver the preparer
        assert deferral.of_case(s, case).current is None
    events = [e for e in _events(engine) if e["action"] == "case.transition"]
    assert events[-2]["summary"]["postponement"]["proceedings"] == "prosecution 12/2026"
    assert events[-3]["summary"]["consultation"]["considering"] == "postponement"
    assert audit_ok(engine)


def _events(engine: Engine) -> list[dict[str, Any]]:
    with dbe.sessions(engine)() as s:
        return [e.payload for e in audit.stream(s)]


def test_a_refusal_without_consultation_is_allowed_and_said(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc())
    with dbe.sessions(engine).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=[GROUND])
    with dbe.sessions(engine)() as s:
        found = deferral.of_case(s, s.get(Case, case_id))
        assert found.consulted is False
        notice = found.notice(date(2026, 12, 1), "uncc")
        assert notice is not None and notice.startswith("refused without consulting")
        assert "UNTOC Art. 18(26)" in notice and "UNVERIFIED (model)" in notice


# ---- 3. confidentiality asked for (model UNTOC Art 18(20)) ----------------------------------


def test_confidentiality_asked_for_is_pending_until_answered(
    engine: Engine, screener: screening.Screener
) -> None:
    asked = _intake(engine, screener, _doc(confidentiality_requested=True))
    ordered = _intake(engine, screener, _doc(confidentiality_requested=True))
    plain = _intake(engine, screener, _doc())
    sessions = dbe.sessions(engine)
    with sessions() as s:
        assert [c.id for c in custody.confidentiality_pending(s, INTAKE)] == [asked, ordered]
        assert custody.confidentiality_task(s, s.get(Case, plain))[0] is Task.NOT_REQUESTED
    with sessions.begin() as s:
        custody.order_non_disclosure(s, INTAKE, ordered, date(2026, 9, 2), None)
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        custody.answer_confidentiality(
            s, REVIEWER, asked, "cannot", "", date(2026, 9, 2), today=date(2026, 9, 2)
        )
    assert (
        info.value.code == "case.invalid_confidentiality" and "field reason" in info.value.message
    )
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        custody.answer_confidentiality(
            s, REVIEWER, plain, "keep", None, date(2026, 9, 2), today=date(2026, 9, 2)
        )
    assert info.value.code == "case.confidentiality_not_requested"
    with sessions.begin() as s:
        custody.answer_confidentiality(
            s,
            REVIEWER,
            asked,
            "cannot",
            "our law obliges the provider to tell its user",
            date(2026, 9, 2),
            today=date(2026, 9, 2),
        )
    with sessions() as s:
        assert custody.confidentiality_pending(s, INTAKE) == []
        state, row = custody.confidentiality_task(s, s.get(Case, asked))
        assert state is Task.CANNOT and row is not None and row.told_on == date(2026, 9, 2)
        assert custody.confidentiality_task(s, s.get(Case, ordered))[0] is Task.KEPT
    created = [e for e in _events(engine) if e["action"] == "case.created"]
    assert [e["summary"]["confidentiality_requested"] for e in created] == [True, True, False]
    answered = [e for e in _events(engine) if e["action"] == "confidentiality.answered"]
    assert answered[0]["summary"]["reason"] == "our law obliges the provider to tell its user"
    assert audit_ok(engine)


# ---- 4. the disclosure of preserved traffic data, a step of a preservation case (Art 43) -----


def _step(s: Any, actor: flows.Actor, case_id: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "other_state": "XAC",
        "provider": "Relay Networks Ltd",
        "traffic_data": "source address and time of the relayed connection, 2026-08-30",
        "grounds_note": "no political offence; no essential interest is engaged",
        **changes,
    }
    return traffic.prepare(s, actor, case_id, **fields)


def test_traffic_data_is_disclosed_as_a_step_of_an_approved_preservation(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc())
    sessions = dbe.sessions(engine)
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        _step(s, REVIEWER, case_id)
    assert info.value.code == "case.not_approved"
    with sessions.begin() as s:
        flows.approve(s, APPROVER_1, case_id, LIFE)
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        _step(s, REVIEWER, case_id, withheld_on=["refusal.dual_criminality"])
    message = info.value.message
    assert info.value.code == "case.invalid_traffic_disclosure" and "field withheld_on" in message
    allowed = catalogue.get().measures["traffic_disclosure"].grounds
    assert all(g in message for g in allowed) and "UNCC Art. 43" in message
    assert "ETS185 Art. 30(2)" in message
    with sessions.begin() as s, pytest.raises(RogatoryError, match="field other_state"):
        _step(s, REVIEWER, case_id, other_state="XAB")  # the requested State itself
    with sessions.begin() as s, pytest.raises(RogatoryError, match="needs the reviewer"):
        _step(s, INTAKE, case_id)
    with sessions.begin() as s:
        step_id = _step(s, REVIEWER, case_id).id
    with sessions.begin() as s, pytest.raises(RogatoryError, match="needs the approver"):
        traffic.approve(s, REVIEWER, case_id, step_id)
    with sessions.begin() as s:
        row = traffic.approve(s, APPROVER_2, case_id, step_id, "sufficient to identify XAC")
        assert row.status == "disclosed" and row.approved_at is not None
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        traffic.approve(s, APPROVER_1, case_id, step_id)
    assert info.value.code == "case.step_decided"
    assert _actions(engine)[-2:] == ["traffic_disclosure.prepared", "traffic_disclosure.disclosed"]
    assert audit_ok(engine)


def test_a_step_follows_the_cases_approval_rule_and_may_be_withheld_on_a_listed_ground(
    engine: Engine, screener: screening.Screener
) -> None:
    """A preservation approved through an override needs two approvers; so does its step."""
    petty = {"description": "Theft of a bicycle, arranged by text messages", "max_penalty_years": 2}
    outside = _doc("preservation-fraud.json", offence={**petty, "treaty_articles": []})
    case_id = _in_review(engine, screener, outside)
    override = Override(BasisKind.INSTRUMENT, "XAA-XAB Treaty (2019), art. 5", "it obliges us")
    sessions = dbe.sessions(engine)
    for approver in (APPROVER_1, APPROVER_2):
        with sessions.begin() as s:
            flows.approve(s, approver, case_id, LIFE, override=override)
    approver_3 = flows.Actor("cy", "org-a", frozenset({Role.APPROVER}))
    with sessions.begin() as s:
        step_id = _step(s, APPROVER_1, case_id, withheld_on=["refusal.essential_interests"]).id
        assert traffic.needed(s, s.get(Case, case_id)) == 2
    with sessions.begin() as s, pytest.raises(RogatoryError, match="prepared the disclosure"):
        traffic.approve(s, APPROVER_1, case_id, step_id)
    with sessions.begin() as s:
        assert traffic.approve(s, APPROVER_2, case_id, step_id).status == "pending"
    with sessions.begin() as s, pytest.raises(RogatoryError, match="different approver"):
        traffic.approve(s, APPROVER_2, case_id, step_id)
    with sessions.begin() as s:
        assert traffic.approve(s, approver_3, case_id, step_id).status == "withheld"
    assert _actions(engine)[-2:] == [
        "traffic_disclosure.approval_recorded",
        "traffic_disclosure.withheld",
    ]
    assert audit_ok(engine)


def test_the_step_is_only_on_preservation_cases(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _intake(engine, screener, _doc("stored-data-speech.json"))
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
        _step(s, REVIEWER, case_id)
    assert info.value.code == "case.not_preservation" and "Art 43" in info.value.message


def test_the_grounds_shown_are_the_measures_tables_with_their_levels() -> None:
    listed = traffic.grounds("uncc")
    assert [g.rule for g in listed] == catalogue.get().measures["traffic_disclosure"].grounds
    political = next(g for g in listed if g.rule == "refusal.political_offence")
    assert [c.label for c in political.cites] == ["UNCC Art. 42", "UNCC Art. 43"]
    levels = {c.label: c.verification for g in listed for c in g.cites}
    assert levels["UNCC Art. 43"] is catalogue.get().citation(43).verification  # recollection
    assert levels["UNCC Art. 6(2)"].verified  # read in the text

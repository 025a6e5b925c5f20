"""A case's steps over HTTP through the ASGI app, on SQLite and PostgreSQL: postponement and
consultation, the follow-up request and continued holds, the confidentiality answer, the
traffic-data disclosure step, and a legacy screening read under today's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from rogatory.requests.models import Case, Screening
from tests import test_api
from tests.test_api import _create, _doc, _h

# the API's fixtures: a client with one token per role, on each database
api = test_api.api
screener = test_api.screener

Api = tuple[TestClient, dict[str, str]]
BASE = "/api/v1/cases"


def _reviewing(
    client: TestClient, tokens: dict[str, str], doc: dict[str, Any] | None = None
) -> str:
    case_id: str = _create(client, tokens["intake"], doc).json()["id"]
    moved = client.post(
        f"{BASE}/{case_id}/transitions", json={"to": "in_review"}, headers=_h(tokens["reviewer"])
    )
    assert moved.status_code == 200, moved.text
    return case_id


def test_postponing_and_consulting_over_http(api: Api) -> None:
    client, tokens = api
    case_id = _reviewing(client, tokens)
    url = f"{BASE}/{case_id}"
    reviewer = _h(tokens["reviewer"])
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = client.post(
        f"{url}/postponement",
        json={"proceedings": "case 12/2026", "review_on": yesterday, "reason": "it would"},
        headers=reviewer,
    )
    assert past.status_code == 422 and past.json()["code"] == "case.invalid_postponement"
    assert "field review_on" in past.json()["detail"]
    empty = client.post(
        f"{url}/consultations", json={"considering": "approval", "proposal": ""}, headers=reviewer
    )
    assert empty.status_code == 422
    fields = {e["field"] for e in empty.json()["errors"]}
    assert fields == {"body.considering", "body.proposal", "body.reason"}
    bare = client.post(
        f"{url}/transitions", json={"to": "postponed", "note": "x"}, headers=reviewer
    )
    assert bare.status_code == 422 and "names the ongoing proceedings" in bare.text
    consulted = client.post(
        f"{url}/consultations",
        json={
            "considering": "refusal",
            "proposal": "execute on condition that the data is used only for this case",
            "reason": "execution would reveal a domestic operation",
        },
        headers=reviewer,
    )
    assert consulted.status_code == 200, consulted.text
    assert consulted.json()["status"] == "in_consultation"
    refused = client.post(
        f"{url}/transitions",
        json={
            "to": "refused",
            "grounds": [{"reason": "ordre public", "provision": "uncc:art-40:para-21"}],
        },
        headers=reviewer,
    )
    assert refused.status_code == 200, refused.text
    steps = client.get(url, headers=reviewer).json()["steps"]["deferrals"]
    assert steps["consulted_before_decision"] is True and steps["notice"] is None
    assert steps["steps"][0]["details"]["considering"] == "refusal"
    assert steps["steps"][0]["ended"]["to"] == "refused"
    assert steps["consultation_cite"]["model"] == "UNTOC Art. 18(26)"
    assert steps["consultation_cite"]["verification"] == "model"

    other = _reviewing(client, tokens)
    review_on = (date.today() + timedelta(days=30)).isoformat()
    postponed = client.post(
        f"{BASE}/{other}/postponement",
        json={"proceedings": "prosecution 12/2026", "review_on": review_on, "reason": "it would"},
        headers=_h(tokens["approver"]),
    )
    assert postponed.status_code == 200 and postponed.json()["status"] == "postponed"
    read = postponed.json()["steps"]["deferrals"]
    assert read["consulted_before_decision"] is False
    assert read["notice"].startswith("postponed without consulting the requesting State")
    forbidden = client.post(
        f"{BASE}/{other}/transitions",
        json={"to": "in_review", "note": "n"},
        headers=_h(tokens["intake"]),
    )
    assert forbidden.status_code == 403
    attention = client.get(
        "/api/v1/queue/attention", params={"on": review_on}, headers=_h(tokens["auditor"])
    ).json()
    assert attention["postponements_to_review"] == [{"case_id": other, "review_on": review_on}]
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/api/v1/cases/{case_id}/postponement"]["post"]["responses"]
    assert {"403", "404", "409", "422"} <= set(responses)
    assert "case.invalid_postponement" in responses["422"]["description"]


def test_a_follow_up_request_keeps_the_hold_over_http(api: Api) -> None:
    client, tokens = api
    case_id = _create(client, tokens["intake"]).json()["id"]
    url = f"{BASE}/{case_id}"
    intake = _h(tokens["intake"])
    hold = client.post(f"{url}/holds", json={"identifiers": ["acct 1"], "days": 60}, headers=intake)
    assert hold.status_code == 201 and hold.json()["status"] == "active"
    ended = (date.today() + timedelta(days=61)).isoformat()
    before = client.get(
        "/api/v1/queue/attention", params={"on": ended}, headers=_h(tokens["auditor"])
    ).json()
    assert [h["case_id"] for h in before["holds_lapsed"]] == [case_id]
    assert before["holds_continued"] == []
    early = client.post(
        f"{url}/follow-up/decision",
        json={"decided_on": date.today().isoformat(), "outcome": "granted"},
        headers=intake,
    )
    assert early.status_code == 409 and early.json()["code"] == "case.follow_up_missing"
    received = client.post(
        f"{url}/follow-up",
        json={"received_on": date.today().isoformat(), "reference": "MLA-2026-88"},
        headers=intake,
    )
    assert received.status_code == 201, received.text
    body = received.json()
    assert body["pending"] is True and body["continues_pending_decision"] is True
    assert body["cite"] == {
        "label": "UNCC Art. 42",
        "provision": "uncc:art-42",
        "verification": "model",
        "model": "ETS185 Art. 29(7)",
    }
    again = client.post(
        f"{url}/follow-up",
        json={"received_on": date.today().isoformat(), "reference": "MLA-2026-88"},
        headers=intake,
    )
    assert again.status_code == 409 and again.json()["code"] == "case.follow_up_recorded"
    after = client.get(
        "/api/v1/queue/attention", params={"on": ended}, headers=_h(tokens["auditor"])
    ).json()
    assert [h["case_id"] for h in after["holds_continued"]] == [case_id]
    assert after["holds_continued"][0]["status"] == "continued" and after["holds_lapsed"] == []
    bad = client.post(
        f"{url}/follow-up/decision",
        json={"decided_on": date.today().isoformat(), "outcome": "maybe"},
        headers=intake,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.outcome"
    decided = client.post(
        f"{url}/follow-up/decision",
        json={"decided_on": date.today().isoformat(), "outcome": "refused"},
        headers=intake,
    )
    assert decided.status_code == 200 and decided.json()["pending"] is False
    lapsed = client.get(
        "/api/v1/queue/attention", params={"on": ended}, headers=_h(tokens["auditor"])
    ).json()
    assert [h["case_id"] for h in lapsed["holds_lapsed"]] == [case_id]
    mla = _create(client, tokens["intake"], _doc("stored-data-speech.json")).json()["id"]
    wrong = client.post(
        f"{BASE}/{mla}/follow-up",
        json={"received_on": date.today().isoformat(), "reference": "x"},
        headers=intake,
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "case.not_preservation"
    audit = client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()
    assert audit["ok"] is True


def test_confidentiality_pending_then_answered_over_http(api: Api) -> None:
    client, tokens = api
    case = _create(client, tokens["intake"], _doc(confidentiality_requested=True)).json()
    url = f"{BASE}/{case['id']}"
    full = client.get(url, headers=_h(tokens["reviewer"])).json()
    shown = full["steps"]["confidentiality"]
    assert shown["task"] == "pending" and shown["cite"]["model"] == "UNTOC Art. 18(20)"
    attention = client.get("/api/v1/queue/attention", headers=_h(tokens["auditor"])).json()
    assert attention["confidentiality_pending"] == [case["id"]]
    missing = client.put(
        f"{url}/confidentiality", json={"answer": "cannot"}, headers=_h(tokens["reviewer"])
    )
    assert missing.status_code == 422 and "field reason" in missing.json()["detail"]
    answered = client.put(
        f"{url}/confidentiality",
        json={"answer": "cannot", "reason": "a court must be told of every preservation"},
        headers=_h(tokens["reviewer"]),
    )
    assert answered.status_code == 200, answered.text
    assert (
        answered.json()["task"] == "cannot"
        and answered.json()["told_on"] == date.today().isoformat()
    )
    attention = client.get("/api/v1/queue/attention", headers=_h(tokens["auditor"])).json()
    assert attention["confidentiality_pending"] == []
    plain = _create(client, tokens["intake"]).json()["id"]
    nothing = client.put(
        f"{BASE}/{plain}/confidentiality", json={"answer": "keep"}, headers=_h(tokens["reviewer"])
    )
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "case.confidentiality_not_requested"


def test_the_traffic_data_step_over_http(api: Api) -> None:
    client, tokens = api
    case_id = _reviewing(client, tokens)
    url = f"{BASE}/{case_id}/traffic-disclosures"
    listed = client.get(url, headers=_h(tokens["auditor"])).json()
    assert listed["items"] == [] and listed["grounds_closed"] is True
    assert [g["rule"] for g in listed["grounds"]] == [
        "refusal.political_offence",
        "refusal.essential_interests",
        "refusal.persecution",
    ]
    assert listed["grounds_cite"]["model"] == "ETS185 Art. 30(2)"
    assert all(c["verification"] for g in listed["grounds"] for c in g["cites"])
    step = {
        "other_state": "XAC",
        "provider": "Relay Networks Ltd",
        "traffic_data": "source address and time of the relayed connection",
        "grounds_note": "no political offence, no essential interest",
    }
    early = client.post(url, json=step, headers=_h(tokens["reviewer"]))
    assert early.status_code == 409 and early.json()["code"] == "case.not_approved"
    client.post(f"{BASE}/{case_id}/approvals", json={}, headers=_h(tokens["approver"]))
    bad = client.post(
        url, json={**step, "withheld_on": ["refusal.legal_system"]}, headers=_h(tokens["reviewer"])
    )
    assert bad.status_code == 422 and "field withheld_on" in bad.json()["detail"]
    made = client.post(url, json=step, headers=_h(tokens["reviewer"]))
    assert made.status_code == 201, made.text
    item = made.json()["items"][0]
    assert item["status"] == "pending" and item["needed"] == 1
    approved = client.post(
        f"{url}/{item['id']}/approvals",
        json={"note": "enough to identify XAC"},
        headers=_h(tokens["approver"]),
    )
    assert approved.status_code == 200 and approved.json()["items"][0]["status"] == "disclosed"
    full = client.get(f"{BASE}/{case_id}", headers=_h(tokens["auditor"])).json()
    assert full["steps"]["traffic_disclosures"]["items"][0]["provider"] == "Relay Networks Ltd"
    mla = _create(client, tokens["intake"], _doc("stored-data-speech.json")).json()["id"]
    assert (
        client.get(f"{BASE}/{mla}", headers=_h(tokens["auditor"])).json()["steps"][
            "traffic_disclosures"
        ]
        is None
    )
    other = client.get(f"{BASE}/{mla}/traffic-disclosures", headers=_h(tokens["auditor"]))
    assert other.status_code == 409 and other.json()["code"] == "case.not_preservation"


def store_legacy_refusal(api: Api) -> str:
    """A screening stored before outside_scope existed: refuse where the scope rule failed."""
    client, tokens = api
    case_id: str = _create(client, tokens["intake"], _doc("mla-outside-scope.json")).json()["id"]
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    with sessions.begin() as s:
        case = s.get(Case, case_id)
        current = s.query(Screening).filter_by(case_id=case_id).one()
        assert current.outcome == "outside_scope"
        decision = {**current.decision, "outcome": "refuse"}
        decision["findings"] = [
            {**f, "outcome": "refuse"} if f["rule"] == "scope.offence_or_serious_crime" else f
            for f in decision["findings"]
        ]
        s.add(
            Screening(
                case_id=case.id,
                seq=2,
                outcome="refuse",
                as_of=current.as_of,
                bundle_revision="legacy-" + current.bundle_revision[:20],
                decision=decision,
                screened_at=datetime.now(UTC),
                screened_by="earlier-rules",
            )
        )
    return case_id


def test_a_legacy_refusal_for_scope_reads_as_outside_scope(api: Api) -> None:
    client, tokens = api
    case_id = store_legacy_refusal(api)
    case = client.get(f"{BASE}/{case_id}", headers=_h(tokens["auditor"])).json()
    assert case["screening"]["outcome"] == "refuse"  # the stored row is not rewritten
    assert case["screening"]["displayed_outcome"] == "outside_scope"
    assert case["screening"]["outcome_note"] == "recorded as refuse under the earlier rules"
    history = client.get(f"{BASE}/{case_id}/screenings", headers=_h(tokens["auditor"])).json()
    assert [(h["outcome"], h["displayed_outcome"]) for h in history["items"]] == [
        ("outside_scope", "outside_scope"),
        ("refuse", "outside_scope"),
    ]


def test_a_legacy_invalid_with_a_human_rights_finding_reads_as_a_flagged_review(
    api: Api,
) -> None:
    """Before a human-rights review ranked above invalid, an incomplete request carrying a
    persecution signal was stored as invalid: the API shows it as review, with a note."""
    client, tokens = api
    doc = _doc("stored-data-speech.json", necessity=None)
    case_id = _create(client, tokens["intake"], doc).json()["id"]
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    with sessions.begin() as s:
        current = s.query(Screening).filter_by(case_id=case_id).one()
        assert current.outcome == "review"
        s.add(
            Screening(
                case_id=case_id,
                seq=2,
                outcome="invalid",
                as_of=current.as_of,
                bundle_revision="legacy-" + current.bundle_revision[:20],
                decision={**current.decision, "outcome": "invalid"},
                screened_at=datetime.now(UTC),
                screened_by="earlier-rules",
            )
        )
    case = client.get(f"{BASE}/{case_id}", headers=_h(tokens["auditor"])).json()
    assert case["screening"]["outcome"] == "invalid"  # the stored row is not rewritten
    assert case["screening"]["displayed_outcome"] == "review"
    assert case["screening"]["outcome_note"] == (
        "flagged for human rights; recorded as invalid under the earlier rules"
    )

"""A case's steps from the web over HTTP, on SQLite and PostgreSQL: the follow-up request and
the continued hold (case page and queue), consultation and postponement, the confidentiality
task and its answer, the traffic-data disclosure step, and a legacy screening's outcome."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from rogatory.audit import service as audit
from rogatory.requests import custody, flows
from rogatory.requests.models import Case, FollowUpRow, Screening, TrafficDisclosureRow
from rogatory.requests.transitions import Role
from tests import test_web_http
from tests.test_web_http import Web, _approvers, _case, _example, _reviewed_in_web, signed_in

# the web's fixtures: an app with people of two organisations, on each database
web = test_web_http.web
screener = test_web_http.screener
INTAKE = flows.Actor("intake@a.example", "org-a", frozenset({Role.INTAKE}))
APPROVER = flows.Actor("approver1@a.example", "org-a", frozenset({Role.APPROVER}))


def _text(page: str) -> str:
    """The page's words, without tags, in single spaces."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def test_a_follow_up_request_keeps_the_hold_shown_on_the_case_page_and_the_queue(
    web: Web,
) -> None:
    today = date.today()
    case_id = _case(web, requesting_authority={"name": "Unit", "reference": "FU-1"})
    with web.sessions.begin() as s:  # a hold that ended ten days ago
        custody.place_hold(
            s, INTAKE, case_id, ["acct 1"], today - timedelta(days=70), 60, minimum_days=60
        )
    client, csrf = signed_in(web, "intake@a.example")
    assert "expired" in _text(client.get(f"/cases/{case_id}").text)
    missing = client.post(
        f"/cases/{case_id}/follow-up",
        data={"csrf_token": csrf, "received_on": (today - timedelta(days=20)).isoformat()},
    )
    assert missing.status_code == 422 and "field reference" in missing.text
    with web.sessions() as s:
        assert s.execute(select(func.count()).select_from(FollowUpRow)).scalar_one() == 0
    received = client.post(
        f"/cases/{case_id}/follow-up",
        data={
            "csrf_token": csrf,
            "received_on": (today - timedelta(days=20)).isoformat(),
            "reference": "MLA-2026-88",
        },
    )
    assert received.status_code == 303
    page = _text(client.get(f"/cases/{case_id}").text)
    assert "continued pending the decision on the follow-up request" in page
    assert "hold continued pending the follow-up decision" in page  # the summary badge
    assert "UNCC Art. 42, model ETS185 Art. 29(7)" in page and "unverified (model)" in page
    queue = _text(client.get("/queue").text)
    assert "hold continued pending the follow-up decision" in queue
    decided = client.post(
        f"/cases/{case_id}/follow-up/decision",
        data={"csrf_token": csrf, "decided_on": today.isoformat(), "outcome": "granted"},
    )
    assert decided.status_code == 303
    page = _text(client.get(f"/cases/{case_id}").text)
    assert "continued pending" not in page and "Decided" in page
    assert "hold continued" not in _text(client.get("/queue").text)
    with web.sessions() as s:
        assert audit.verify(s).ok


def test_consulting_and_postponing_from_the_case_page(web: Web) -> None:
    _approvers(web)
    case_id = _reviewed_in_web(web, _example())
    client, csrf = signed_in(web, "reviewer@a.example")
    page = client.get(f"/cases/{case_id}").text
    assert 'action="/cases/' + case_id + '/consult"' in page and "UNTOC Art. 18(26)" in page
    empty = client.post(
        f"/cases/{case_id}/consult",
        data={"csrf_token": csrf, "considering": "refusal", "proposal": " ", "reason": "r"},
    )
    assert empty.status_code == 422 and "field proposal" in empty.text
    consulted = client.post(
        f"/cases/{case_id}/consult",
        data={
            "csrf_token": csrf,
            "considering": "postponement",
            "proposal": "execute after the hearing of 12 January",
            "reason": "our prosecution of the same suspects is at a sensitive stage",
        },
    )
    assert consulted.status_code == 303
    page = _text(client.get(f"/cases/{case_id}").text)
    assert "consulted the requesting State before a postponement" in page
    assert "End the consultation: back to review" in page
    past = client.post(
        f"/cases/{case_id}/postpone",
        data={
            "csrf_token": csrf,
            "proceedings": "prosecution 12/2026",
            "review_on": date.today().isoformat(),
            "reason": "it would",
        },
    )
    assert past.status_code == 422 and "field review_on" in past.text
    review_on = (date.today() + timedelta(days=40)).isoformat()
    postponed = client.post(
        f"/cases/{case_id}/postpone",
        data={
            "csrf_token": csrf,
            "proceedings": "prosecution 12/2026",
            "review_on": review_on,
            "reason": "XAA accepted the later date",
        },
    )
    assert postponed.status_code == 303
    page = _text(client.get(f"/cases/{case_id}").text)
    assert f"review on {review_on}" in page and "Resume: back to review" in page
    assert "without consulting" not in page
    resumed = client.post(
        f"/cases/{case_id}/transition", data={"csrf_token": csrf, "to": "in_review"}
    )
    assert resumed.status_code == 422 and "needs a note" in resumed.text
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "postponed"

    other = _reviewed_in_web(web, _example())
    refused = client.post(
        f"/cases/{other}/transition",
        data={
            "csrf_token": csrf,
            "to": "refused",
            "ground_reason": "ordre public",
            "ground_provision": "uncc:art-40:para-21",
        },
    )
    assert refused.status_code == 303
    page = _text(client.get(f"/cases/{other}").text)
    assert "refused without consulting the requesting State first" in page


def test_confidentiality_asked_for_is_a_pending_task_until_answered(web: Web) -> None:
    case_id = _case(
        web,
        confidentiality_requested=True,
        requesting_authority={"name": "Unit", "reference": "CONF-1"},
    )
    plain = _case(web)
    client, csrf = signed_in(web, "reviewer@a.example")
    page = _text(client.get(f"/cases/{case_id}").text)
    assert (
        "Keep it confidential, or tell the requesting State you cannot (UNTOC 18(20) model)" in page
    )
    assert "UNTOC Art. 18(20)" in page
    assert 'id="confidentiality"' not in client.get(f"/cases/{plain}").text
    assert "confidentiality: answer pending" in _text(client.get("/queue").text)
    bare = client.post(
        f"/cases/{case_id}/confidentiality", data={"csrf_token": csrf, "answer": "cannot"}
    )
    assert bare.status_code == 422 and "field reason" in bare.text
    answered = client.post(
        f"/cases/{case_id}/confidentiality",
        data={
            "csrf_token": csrf,
            "answer": "cannot",
            "reason": "a court must be told of every preservation",
        },
    )
    assert answered.status_code == 303
    page = _text(client.get(f"/cases/{case_id}").text)
    assert "Cannot be kept confidential" in page and "a court must be told" in page
    assert "confidentiality.answered" in page  # the audit timeline
    assert "confidentiality: answer pending" not in _text(client.get("/queue").text)


def test_the_traffic_data_step_from_the_case_page(web: Web) -> None:
    _approvers(web)
    case_id = _reviewed_in_web(web, _example())
    with web.sessions.begin() as s:
        flows.approve(s, APPROVER, case_id, web.services.lifecycle)
    client, csrf = signed_in(web, "reviewer@a.example")
    raw = client.get(f"/cases/{case_id}").text
    page = _text(raw)
    assert "Partial disclosure of traffic data" in page
    assert "UNCC Art. 43, model ETS185 Art. 30(2)" in page
    for rule in ("refusal.political_offence", "refusal.essential_interests", "refusal.persecution"):
        assert f'name="withheld_on" value="{rule}"' in raw
    assert "UNCC Art. 6(2) verified (text)" in page  # each ground's citations with their level
    step = {
        "csrf_token": csrf,
        "other_state": "XAC",
        "provider": "Relay Networks Ltd",
        "traffic_data": "source address and time of the relayed connection",
        "grounds_note": "no political offence, no essential interest",
    }
    forged = client.post(
        f"/cases/{case_id}/traffic-disclosures",
        data={**step, "withheld_on": "refusal.dual_criminality"},
    )
    assert forged.status_code == 422 and "field withheld_on" in forged.text
    with web.sessions() as s:
        assert s.execute(select(TrafficDisclosureRow)).first() is None
    assert client.post(f"/cases/{case_id}/traffic-disclosures", data=step).status_code == 303
    with web.sessions() as s:
        step_id = s.execute(select(TrafficDisclosureRow.id)).scalar_one()
    approver, csrf2 = signed_in(web, "approver2@a.example")
    approved = approver.post(
        f"/cases/{case_id}/traffic-disclosures/{step_id}/approve",
        data={"csrf_token": csrf2, "note": "enough to identify XAC"},
    )
    assert approved.status_code == 303
    page = _text(approver.get(f"/cases/{case_id}").text)
    assert "disclosed (1 of 1 approvals: approver2@a.example)" in page
    mla = _case(web, **_example("stored-data-speech.json"))
    assert 'id="traffic"' not in client.get(f"/cases/{mla}").text


def test_a_legacy_refusal_for_scope_shows_as_outside_scope(web: Web) -> None:
    case_id = _case(web, **_example("mla-outside-scope.json"))
    with web.sessions.begin() as s:
        current = s.execute(select(Screening).where(Screening.case_id == case_id)).scalar_one()
        s.add(
            Screening(
                case_id=case_id,
                seq=2,
                outcome="refuse",
                as_of=current.as_of,
                bundle_revision="earlier",
                decision={**current.decision, "outcome": "refuse"},
                screened_at=datetime.now(UTC),
                screened_by="earlier-rules",
            )
        )
    client, _ = signed_in(web, "reviewer@a.example")
    page = _text(client.get(f"/cases/{case_id}").text)
    assert "outside scope (recorded as refuse under the earlier rules)" in page
    with web.sessions() as s:
        assert s.execute(select(Screening.outcome).where(Screening.seq == 2)).scalar_one() == (
            "refuse"
        )


def test_a_legacy_invalid_with_a_human_rights_finding_shows_as_a_flagged_review(
    web: Web,
) -> None:
    """Stored before a human-rights review ranked above invalid: shown as review (flagged)."""
    case_id = _case(web, **_example("stored-data-speech.json", necessity=None))
    with web.sessions.begin() as s:
        current = s.execute(select(Screening).where(Screening.case_id == case_id)).scalar_one()
        assert current.outcome == "review"  # today's precedence
        s.add(
            Screening(
                case_id=case_id,
                seq=2,
                outcome="invalid",
                as_of=current.as_of,
                bundle_revision="earlier",
                decision={**current.decision, "outcome": "invalid"},
                screened_at=datetime.now(UTC),
                screened_by="earlier-rules",
            )
        )
    client, _ = signed_in(web, "reviewer@a.example")
    page = _text(client.get(f"/cases/{case_id}").text)
    assert "review (flagged for human rights; recorded as invalid under the earlier rules)" in page
    queue = _text(client.get("/queue").text)
    assert "recorded as invalid under the earlier rules" in queue

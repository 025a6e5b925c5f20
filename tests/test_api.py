"""The HTTP API through the ASGI app, on SQLite and PostgreSQL: auth, matrix, problems."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from rogatory.accounts import service as accounts
from rogatory.api.app import create_app
from rogatory.api.deps import Services
from rogatory.audit.models import AuditEvent
from rogatory.db import engine as dbe
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests import requester_accounts
from tests.conftest import ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
ROLES = ("intake", "reviewer", "approver", "auditor", "admin")
ALL_SCOPES = ["cases:read", "cases:write", "audit:read", "users:admin"]


def _doc(name: str = "preservation-fraud.json", **changes: Any) -> dict[str, Any]:
    doc = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


@pytest.fixture
def api(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client and one token per role in org-a, plus an admin token of org-b."""
    sessions = dbe.sessions(engine)
    tokens: dict[str, str] = {}
    with sessions.begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        for role in ROLES:
            user = accounts.add_user(
                s,
                org="org-a",
                email=f"{role}@a.example",
                name=role,
                password="correct horse battery",
                roles=[role],
            )
            tokens[role] = accounts.create_token(s, user, name="t", scopes=ALL_SCOPES)[1]
        other = accounts.add_user(
            s,
            org="org-b",
            email="admin@b.example",
            name="b",
            password="correct horse battery",
            roles=list(ROLES),
        )
        tokens["other-org"] = accounts.create_token(s, other, name="t", scopes=ALL_SCOPES)[1]
        reader = accounts.add_user(
            s,
            org="org-a",
            email="reader@a.example",
            name="r",
            password="correct horse battery",
            roles=["reviewer"],
        )
        tokens["read-only"] = accounts.create_token(s, reader, name="t", scopes=["cases:read"])[1]
        requester_accounts.authority(s, "org-a", "xaa-police", "XAA", "police.xaa.example")
        for email, key in (
            ("ana@police.xaa.example", "requester"),
            ("bo@police.xaa.example", "bo"),
        ):
            requester, _ = requester_accounts.approved(s, "org-a", email)
            tokens[key] = accounts.create_token(s, requester, name="t", scopes=["requests:own"])[1]
    app = create_app(
        Services(
            sessions,
            screener,
            Lifecycle(catalogue.get().has_provision),
            tmp_path / "evidence",
            max_evidence_bytes=64 * 1024,
        )
    )
    with TestClient(app) as client:
        yield client, tokens


def _h(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _create(
    client: TestClient, token: str, doc: dict[str, Any] | None = None, key: str | None = None
) -> Any:
    headers = _h(token, **({"Idempotency-Key": key} if key else {}))
    return client.post("/api/v1/cases", json=doc or _doc(), headers=headers)


def test_create_read_and_list(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    created = _create(client, tokens["intake"])
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["status"] == "screening" and case["screening"]["outcome"] == "proceed"
    assert created.headers["Location"] == f"/api/v1/cases/{case['id']}"
    full = client.get(f"/api/v1/cases/{case['id']}", headers=_h(tokens["reviewer"])).json()
    assert (
        full["request"]["measure"] == "preservation" and full["screening"]["decision"]["findings"]
    )
    listed = client.get("/api/v1/cases", headers=_h(tokens["auditor"])).json()
    assert [c["id"] for c in listed["items"]] == [case["id"]] and listed["next_cursor"] is None


def test_idempotency_key(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    first = _create(client, tokens["intake"], key="req-42")
    again = _create(client, tokens["intake"], key="req-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get("/api/v1/cases", headers=_h(tokens["intake"])).json()["items"]) == 1
    other = _create(client, tokens["intake"], _doc(measure="stored_data"), key="req-42")
    assert other.status_code == 409 and other.json()["code"] == "case.idempotency_conflict"


def test_problem_json_lists_every_bad_field(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    bad = _create(client, tokens["intake"], _doc(requested_state="QQQ", submitted_on="2026-02-30"))
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    body = bad.json()
    assert body["status"] == 422 and body["type"].endswith("request.invalid")
    assert {e["code"] for e in body["errors"]} == {"request.unknown_state", "request.invalid_date"}
    assert client.get("/api/v1/cases", headers=_h(tokens["intake"])).json()["items"] == []
    wrong = client.post(
        "/api/v1/cases/x/transitions", json={"to": "flying"}, headers=_h(tokens["reviewer"])
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "body.to"
    cursor = client.get("/api/v1/cases?cursor=!!", headers=_h(tokens["reviewer"]))
    assert cursor.status_code == 422 and cursor.json()["code"] == "request.invalid_cursor"


def test_authentication(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    assert client.get("/api/v1/cases").status_code == 401
    bad = client.get("/api/v1/cases", headers=_h("rgt_nope_nope"))
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"
    assert _create(client, tokens["read-only"]).status_code == 403


def test_another_organisations_case_answers_404_and_never_its_data(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    case_id = _create(client, tokens["intake"]).json()["id"]
    for method, path, body in (
        ("get", f"/api/v1/cases/{case_id}", None),
        ("post", f"/api/v1/cases/{case_id}/transitions", {"to": "in_review"}),
        ("post", f"/api/v1/cases/{case_id}/approvals", {}),
        ("post", f"/api/v1/cases/{case_id}/acknowledgements", {"rule": "x", "note": "y"}),
    ):
        answer = client.request(method, path, json=body, headers=_h(tokens["other-org"]))
        assert answer.status_code == 404, (path, answer.text)
        assert "XAA" not in answer.text and "preservation" not in answer.text
    assert client.get("/api/v1/cases", headers=_h(tokens["other-org"])).json()["items"] == []


# role x endpoint: the expected status for each role. Each call acts on cases made for it:
# a fresh case in 'screening', one in 'in_review', and one with a hold.
STAFF = {"intake": 0, "reviewer": 0, "approver": 0, "auditor": 403, "admin": 403}


def _staff(ok: int) -> dict[str, int]:
    return {role: status or ok for role, status in STAFF.items()}


DECIDERS = {"intake": 403, "reviewer": 200, "approver": 200, "auditor": 403, "admin": 403}

MATRIX = {
    "createCase": {"intake": 201, "reviewer": 201, "approver": 403, "auditor": 403, "admin": 403},
    "getCase": dict.fromkeys(ROLES, 200),
    "listCases": dict.fromkeys(ROLES, 200),
    "transitionCase": {
        "intake": 403,
        "reviewer": 200,
        "approver": 403,
        "auditor": 403,
        "admin": 403,
    },
    "acknowledgeFinding": {
        "intake": 403,
        "reviewer": 422,
        "approver": 422,
        "auditor": 403,
        "admin": 403,
    },
    "approveCase": {"intake": 403, "reviewer": 403, "approver": 200, "auditor": 403, "admin": 403},
    "assignCase": {"intake": 200, "reviewer": 200, "approver": 200, "auditor": 403, "admin": 200},
    "placeHold": _staff(201),
    "extendHold": _staff(200),
    "releaseHold": _staff(200),
    "orderNonDisclosure": _staff(200),
    "needsAttention": dict.fromkeys(ROLES, 200),
    "uploadEvidence": _staff(201),
    "discloseEvidence": _staff(409),  # staff may, but only once the case is approved
    "getPublicKey": dict.fromkeys(ROLES, 200),
    "rescreenCase": {"intake": 403, "reviewer": 201, "approver": 201, "auditor": 403, "admin": 403},
    "listScreenings": dict.fromkeys(ROLES, 200),
    "amendRequest": {"intake": 409, "reviewer": 409, "approver": 403, "auditor": 403, "admin": 403},
    "verifyAudit": {"intake": 403, "reviewer": 403, "approver": 403, "auditor": 200, "admin": 200},
    "listUsers": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "deactivateUser": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "setUserRoles": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "revokeToken": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "postponeCase": DECIDERS,
    "consultRequestingState": DECIDERS,
    "recordFollowUpReceived": _staff(201),
    "recordFollowUpDecision": _staff(200),
    "answerConfidentiality": _staff(200),
    "listTrafficDisclosures": dict.fromkeys(ROLES, 200),
    # reviewers and approvers may, but only once the preservation is approved
    "prepareTrafficDisclosure": {**DECIDERS, "reviewer": 409, "approver": 409},
    "approveTrafficDisclosure": {**dict.fromkeys(ROLES, 403), "approver": 200},
    # what the answers and the document link to: for everyone, token or not
    "getProblemType": dict.fromkeys(ROLES, 200),
    "getRequestSchema": dict.fromkeys(ROLES, 200),
    # the authority registry: read by everyone, changed by the admin; call-backs by deciders
    "listAuthorities": dict.fromkeys(ROLES, 200),
    "getAuthority": dict.fromkeys(ROLES, 200),
    "addAuthority": {**dict.fromkeys(ROLES, 403), "admin": 201},
    "addAuthorityKey": {**dict.fromkeys(ROLES, 403), "admin": 201},
    "revokeAuthorityKey": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "recordCallBack": {**DECIDERS, "reviewer": 201, "approver": 201},
    # replies: drafted and sent by reviewers and approvers, approved by a second approver
    "listReplies": dict.fromkeys(ROLES, 200),
    "draftReply": {**DECIDERS, "reviewer": 201, "approver": 201},
    "getReply": dict.fromkeys(ROLES, 200),
    "downloadReply": dict.fromkeys(ROLES, 200),
    "editReply": DECIDERS,
    "approveReply": {**dict.fromkeys(ROLES, 403), "approver": 200},
    "sendReply": DECIDERS,
    "discardReply": DECIDERS,
    "markReplyDelivered": DECIDERS,
    "listPendingReplies": dict.fromkeys(ROLES, 200),
    "issueCaseFile": {**dict.fromkeys(ROLES, 200), "intake": 403},
    # notification preferences: each person their own; an admin anyone's in the organisation
    "getMyNotificationPreferences": {**dict.fromkeys(ROLES, 200), "requester": 403},
    "setMyNotificationPreferences": {**dict.fromkeys(ROLES, 200), "requester": 403},
    "getUserNotificationPreferences": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "setUserNotificationPreferences": {**dict.fromkeys(ROLES, 403), "admin": 200},
    # a requesting authority's own requests: its token (requests:own) reaches nothing else
    "submitOwnRequest": {**dict.fromkeys(ROLES, 403), "requester": 201},
    "listOwnRequests": {**dict.fromkeys(ROLES, 403), "requester": 200},
    "getOwnRequest": {**dict.fromkeys(ROLES, 403), "requester": 200},
    "getOwnReceipt": {**dict.fromkeys(ROLES, 403), "requester": 200},
    "downloadOwnFile": {**dict.fromkeys(ROLES, 403), "requester": 200},
    # requester accounts: approved and suspended by the admin
    "listRequesters": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "approveRequester": {**dict.fromkeys(ROLES, 403), "admin": 200},
    "suspendRequester": {**dict.fromkeys(ROLES, 403), "admin": 200},
}
PUBLIC = {"getProblemType", "getRequestSchema"}
MATRIX_ROLES = (*ROLES, "requester")
for _operation, _expected in MATRIX.items():
    # every staff route refuses a requester's token for its scope; the public pages do not
    _expected.setdefault("requester", 200 if _operation in PUBLIC else 403)


def _authority(ident: str, kid: str) -> dict[str, Any]:
    from rogatory.disclosure import keys

    return {
        "id": ident,
        "state": "XAA",
        "name": f"Authority {ident}",
        "kind": "central_authority",
        "phones": ["+9991005550100"],
        "keys": [
            {
                "kid": kid,
                "public_key": keys.public_b64(keys.generate().public_key()),
                "valid_from": "2026-01-01T00:00:00+00:00",
            }
        ],
        "valid_from": "2026-01-01",
        "verified_by": "tests",
        "verified_how": "made up",
    }


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_authorisation_matrix(api: tuple[TestClient, dict[str, str]], role: str) -> None:
    """Every role on every endpoint: allowed, or 403; a 409/422 shows the role was let
    through to the next check (the case's state, the finding named)."""
    client, tokens = api
    token, staff = tokens[role], tokens["reviewer"]
    fresh = _create(client, tokens["intake"]).json()["id"]
    reviewing = _create(client, tokens["intake"]).json()["id"]
    client.post(
        f"/api/v1/cases/{reviewing}/transitions", json={"to": "in_review"}, headers=_h(staff)
    )
    held = _create(client, tokens["intake"]).json()["id"]
    hold = client.post(
        f"/api/v1/cases/{held}/holds",
        json={"identifiers": ["acct-1"], "days": 90},
        headers=_h(staff),
    ).json()["id"]
    later = (date.today() + timedelta(days=200)).isoformat()
    base = "/api/v1/cases"
    to_postpone, to_consult, approved = (
        _create(client, tokens["intake"]).json()["id"] for _ in "123"
    )
    for case_id in (to_postpone, to_consult, approved):
        client.post(f"{base}/{case_id}/transitions", json={"to": "in_review"}, headers=_h(staff))
    client.post(f"{base}/{approved}/approvals", json={}, headers=_h(tokens["approver"]))
    step = client.post(
        f"{base}/{approved}/traffic-disclosures",
        json={
            "other_state": "XAC",
            "provider": "Relay Networks",
            "traffic_data": "source IP and time of the relayed connection",
            "grounds_note": "neither a political offence nor essential interests",
        },
        headers=_h(staff),
    ).json()["items"][0]["id"]
    secret = _create(client, tokens["intake"], _doc(confidentiality_requested=True)).json()["id"]
    today = date.today().isoformat()
    registered = client.post(
        "/api/v1/authorities", json=_authority("mx", "mx-1"), headers=_h(tokens["admin"])
    )
    assert registered.status_code == 201, registered.text
    key = _authority("-", f"mx-{role}")["keys"][0]
    refused = _create(client, tokens["intake"]).json()["id"]
    client.post(f"{base}/{refused}/transitions", json={"to": "in_review"}, headers=_h(staff))
    ground = {"reason": "ordre public", "provision": "uncc:art-40:para-21"}
    client.post(
        f"{base}/{refused}/transitions",
        json={"to": "refused", "grounds": [ground]},
        headers=_h(staff),
    )
    replies = f"{base}/{refused}/replies"

    def drafted(*, approved: bool = False, sent: bool = False) -> int:
        rid = int(client.post(replies, json={"kind": "refusal"}, headers=_h(staff)).json()["id"])
        if approved:
            client.post(f"{replies}/{rid}/approval", headers=_h(tokens["approver"]))
        if sent:
            client.post(f"{replies}/{rid}/sending", headers=_h(staff))
        return rid

    r_edit, r_approve, r_discard = drafted(), drafted(), drafted()
    own = client.post("/api/v1/my/requests", json=_doc(), headers=_h(tokens["requester"]))
    assert own.status_code == 201, own.text
    mine = own.json()["id"]
    client.post(f"{base}/{mine}/transitions", json={"to": "in_review"}, headers=_h(staff))
    client.post(f"{base}/{mine}/approvals", json={}, headers=_h(tokens["approver"]))
    uploaded = client.put(
        f"{base}/{mine}/evidence/logs.txt", content=b"log lines", headers=_h(staff)
    ).json()["id"]
    handed = client.post(
        f"{base}/{mine}/disclosures",
        json={"files": [uploaded], "recipient": {"name": "Authority xaa-police"}},
        headers=_h(staff),
    )
    assert handed.status_code == 201, handed.text
    receipt = f"/api/v1/my/requests/{mine}/disclosures/{handed.json()['manifest']['receipt_id']}"
    r_send, r_deliver = drafted(approved=True), drafted(approved=True, sent=True)
    my_prefs = "/api/v1/me/notification-preferences"
    their_prefs = "/api/v1/users/reader@a.example/notification-preferences"
    calls = {
        "createCase": lambda: _create(client, token),
        "getCase": lambda: client.get(f"{base}/{fresh}", headers=_h(token)),
        "listCases": lambda: client.get(base, headers=_h(token)),
        "transitionCase": lambda: client.post(
            f"{base}/{fresh}/transitions", json={"to": "in_review"}, headers=_h(token)
        ),
        "acknowledgeFinding": lambda: client.post(
            f"{base}/{fresh}/acknowledgements",
            json={"rule": "no.such", "note": "n"},
            headers=_h(token),
        ),
        "approveCase": lambda: client.post(
            f"{base}/{reviewing}/approvals", json={}, headers=_h(token)
        ),
        "assignCase": lambda: client.put(
            f"{base}/{fresh}/assignment", json={"assignee": "reviewer@a.example"}, headers=_h(token)
        ),
        "placeHold": lambda: client.post(
            f"{base}/{fresh}/holds", json={"identifiers": ["acct-2"], "days": 90}, headers=_h(token)
        ),
        "extendHold": lambda: client.post(
            f"{base}/{held}/holds/{hold}/extension", json={"expiry": later}, headers=_h(token)
        ),
        "releaseHold": lambda: client.post(
            f"{base}/{held}/holds/{hold}/release", headers=_h(token)
        ),
        "orderNonDisclosure": lambda: client.put(
            f"{base}/{fresh}/non-disclosure",
            json={"ordered_on": date.today().isoformat()},
            headers=_h(token),
        ),
        "needsAttention": lambda: client.get("/api/v1/queue/attention", headers=_h(token)),
        "uploadEvidence": lambda: client.put(
            f"{base}/{fresh}/evidence/a.txt", content=b"x", headers=_h(token)
        ),
        "discloseEvidence": lambda: client.post(
            f"{base}/{fresh}/disclosures",
            json={"files": ["f"], "recipient": {"name": "r"}},
            headers=_h(token),
        ),
        "getPublicKey": lambda: client.get("/api/v1/organisation/public-key", headers=_h(token)),
        "rescreenCase": lambda: client.post(
            f"{base}/{fresh}/screenings", json={}, headers=_h(token)
        ),
        "listScreenings": lambda: client.get(f"{base}/{fresh}/screenings", headers=_h(token)),
        "amendRequest": lambda: client.put(
            f"{base}/{fresh}/request", json=_doc(), headers=_h(token)
        ),
        "verifyAudit": lambda: client.get("/api/v1/audit/verify", headers=_h(token)),
        "listUsers": lambda: client.get("/api/v1/users", headers=_h(token)),
        "revokeToken": lambda: client.post(
            f"/api/v1/tokens/{tokens['read-only'].split('_')[1]}/revoke", headers=_h(token)
        ),
        "setUserRoles": lambda: client.put(
            "/api/v1/users/reader@a.example/roles",
            json={"roles": ["reviewer", "intake"]},
            headers=_h(token),
        ),
        "deactivateUser": lambda: client.post(
            "/api/v1/users/reader@a.example/deactivate", headers=_h(token)
        ),
        "postponeCase": lambda: client.post(
            f"{base}/{to_postpone}/postponement",
            json={"proceedings": "our case 12/2026", "review_on": later, "reason": "it would"},
            headers=_h(token),
        ),
        "consultRequestingState": lambda: client.post(
            f"{base}/{to_consult}/consultations",
            json={"considering": "refusal", "proposal": "a narrower period", "reason": "r"},
            headers=_h(token),
        ),
        "recordFollowUpReceived": lambda: client.post(
            f"{base}/{held}/follow-up",
            json={"received_on": today, "reference": "MLA-1"},
            headers=_h(token),
        ),
        "recordFollowUpDecision": lambda: client.post(
            f"{base}/{held}/follow-up/decision",
            json={"decided_on": today, "outcome": "granted"},
            headers=_h(token),
        ),
        "answerConfidentiality": lambda: client.put(
            f"{base}/{secret}/confidentiality", json={"answer": "keep"}, headers=_h(token)
        ),
        "listTrafficDisclosures": lambda: client.get(
            f"{base}/{held}/traffic-disclosures", headers=_h(token)
        ),
        "prepareTrafficDisclosure": lambda: client.post(
            f"{base}/{fresh}/traffic-disclosures",
            json={"other_state": "XAC", "provider": "p", "traffic_data": "d", "grounds_note": "n"},
            headers=_h(token),
        ),
        "approveTrafficDisclosure": lambda: client.post(
            f"{base}/{approved}/traffic-disclosures/{step}/approvals", json={}, headers=_h(token)
        ),
        "getProblemType": lambda: client.get("/api/v1/problems/case.not_found", headers=_h(token)),
        "getRequestSchema": lambda: client.get("/api/v1/schema/request", headers=_h(token)),
        "listAuthorities": lambda: client.get("/api/v1/authorities", headers=_h(token)),
        "getAuthority": lambda: client.get("/api/v1/authorities/mx", headers=_h(token)),
        "addAuthority": lambda: client.post(
            "/api/v1/authorities", json=_authority(f"a-{role}", f"a-{role}-1"), headers=_h(token)
        ),
        "addAuthorityKey": lambda: client.post(
            "/api/v1/authorities/mx/keys", json=key, headers=_h(token)
        ),
        "revokeAuthorityKey": lambda: client.post(
            "/api/v1/authority-keys/mx-1/revoke", json={"reason": "r"}, headers=_h(token)
        ),
        "recordCallBack": lambda: client.post(
            f"{base}/{fresh}/call-backs",
            json={"number": "+9991005550100", "outcome": "confirmed"},
            headers=_h(token),
        ),
        "listReplies": lambda: client.get(replies, headers=_h(token)),
        "draftReply": lambda: client.post(replies, json={"kind": "refusal"}, headers=_h(token)),
        "getReply": lambda: client.get(f"{replies}/{r_edit}", headers=_h(token)),
        "downloadReply": lambda: client.get(f"{replies}/{r_edit}/letter.txt", headers=_h(token)),
        "editReply": lambda: client.put(
            f"{replies}/{r_edit}/text", json={"text": "Dear colleagues"}, headers=_h(token)
        ),
        "approveReply": lambda: client.post(f"{replies}/{r_approve}/approval", headers=_h(token)),
        "sendReply": lambda: client.post(f"{replies}/{r_send}/sending", headers=_h(token)),
        "discardReply": lambda: client.post(f"{replies}/{r_discard}/discard", headers=_h(token)),
        "markReplyDelivered": lambda: client.post(
            f"{replies}/{r_deliver}/delivery", json={"via": "post"}, headers=_h(token)
        ),
        "listPendingReplies": lambda: client.get("/api/v1/replies/pending", headers=_h(token)),
        "issueCaseFile": lambda: client.post(f"{base}/{fresh}/case-file", headers=_h(token)),
        "getMyNotificationPreferences": lambda: client.get(my_prefs, headers=_h(token)),
        "setMyNotificationPreferences": lambda: client.put(
            my_prefs, json={"preferences": {"hold_lapsing": {"email": False}}}, headers=_h(token)
        ),
        "getUserNotificationPreferences": lambda: client.get(their_prefs, headers=_h(token)),
        "setUserNotificationPreferences": lambda: client.put(
            their_prefs, json={"preferences": {"new_request": {"email": None}}}, headers=_h(token)
        ),
        "submitOwnRequest": lambda: client.post(
            "/api/v1/my/requests", json=_doc(), headers=_h(token)
        ),
        "listOwnRequests": lambda: client.get("/api/v1/my/requests", headers=_h(token)),
        "getOwnRequest": lambda: client.get(f"/api/v1/my/requests/{mine}", headers=_h(token)),
        "getOwnReceipt": lambda: client.get(f"{receipt}/receipt", headers=_h(token)),
        "downloadOwnFile": lambda: client.get(f"{receipt}/files/1", headers=_h(token)),
        "listRequesters": lambda: client.get("/api/v1/requesters", headers=_h(token)),
        "approveRequester": lambda: client.post(
            "/api/v1/requesters/ana@police.xaa.example/approve", headers=_h(token)
        ),
        "suspendRequester": lambda: client.post(
            "/api/v1/requesters/bo@police.xaa.example/suspend", headers=_h(token)
        ),
    }
    spec = client.get("/openapi.json").json()
    documented = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert set(calls) == set(MATRIX) == documented  # every endpoint is in the matrix
    got = {operation: call().status_code for operation, call in calls.items()}
    assert got == {operation: MATRIX[operation][role] for operation in calls}


def test_review_and_four_eyes_over_http(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    case = _create(client, tokens["intake"], _doc("interception-authorised.json")).json()
    url = f"/api/v1/cases/{case['id']}"
    assert (
        client.post(
            f"{url}/transitions", json={"to": "in_review"}, headers=_h(tokens["reviewer"])
        ).status_code
        == 200
    )
    early = client.post(f"{url}/approvals", json={}, headers=_h(tokens["approver"]))
    assert early.status_code == 422 and "acknowledged" in early.text
    decision = client.get(url, headers=_h(tokens["reviewer"])).json()["screening"]["decision"]
    for f in decision["findings"]:
        if f["result"] == "review":
            ack = client.post(
                f"{url}/acknowledgements",
                json={"rule": f["rule"], "note": "checked"},
                headers=_h(tokens["reviewer"]),
            )
            assert ack.status_code == 201, ack.text
    first = client.post(f"{url}/approvals", json={"note": "ok"}, headers=_h(tokens["approver"]))
    assert first.status_code == 200 and first.json()["status"] == "in_review"
    second = client.post(f"{url}/approvals", json={}, headers=_h(tokens["admin"]))
    assert second.status_code == 403  # admin is not an approver
    skip = client.post(f"{url}/transitions", json={"to": "closed"}, headers=_h(tokens["reviewer"]))
    assert skip.status_code == 409 and skip.json()["code"] == "case.invalid_transition"
    audit = client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()
    assert (
        audit["ok"]
        and audit["warnings"] == []
        and all(c["ok"] for c in audit["checkpoints"]) is True
        and audit["events"] >= 6
    )


def test_pagination_and_filters(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    ids = {_create(client, tokens["intake"]).json()["id"] for _ in range(5)}
    _create(client, tokens["intake"], _doc("stored-data-speech.json"))
    seen, cursor = [], None
    while True:
        page = client.get(
            "/api/v1/cases",
            params={
                "limit": 2,
                "measure": "preservation",
                **({"cursor": cursor} if cursor else {}),
            },
            headers=_h(tokens["reviewer"]),
        ).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert set(seen) == ids and len(seen) == 5
    stored = client.get(
        "/api/v1/cases",
        params={"measure": "stored_data", "requesting_state": "xaa"},
        headers=_h(tokens["reviewer"]),
    ).json()["items"]
    assert len(stored) == 1
    none_due = client.get(
        "/api/v1/cases",
        params={"due_before": "2000-01-01T00:00:00Z"},
        headers=_h(tokens["reviewer"]),
    ).json()["items"]
    assert none_due == []


def test_assignment_and_the_assignee_filter(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    first = _create(
        client,
        tokens["intake"],
        _doc(**{"requesting_authority": {"name": "PJ", "reference": "REF-ONE"}}),
    ).json()
    _create(client, tokens["intake"]).json()
    url = f"/api/v1/cases/{first['id']}/assignment"
    given = client.put(url, json={"assignee": "Reviewer@a.example"}, headers=_h(tokens["intake"]))
    assert given.status_code == 200 and given.json()["assigned_to"] == "reviewer@a.example"
    for bad in ("auditor@a.example", "admin@b.example", "nobody@a.example"):
        refused = client.put(url, json={"assignee": bad}, headers=_h(tokens["intake"]))
        assert refused.status_code == 422 and refused.json()["code"] == "case.invalid_assignee", bad
    assert (
        client.put(url, json={"assignee": None}, headers=_h(tokens["auditor"])).status_code == 403
    )

    def ids(**params: str) -> list[str]:
        page = client.get("/api/v1/cases", params=params, headers=_h(tokens["reviewer"])).json()
        return [c["id"] for c in page["items"]]

    assert ids(assignee="reviewer@a.example") == [first["id"]]
    assert first["id"] not in ids(assignee="-") and len(ids(assignee="-")) == 1
    assert ids(q="ref-one") == [first["id"]]
    assert ids(q="203.0.113.7") and ids(q="no-such-identifier") == []
    assert ids(q="100%") == []  # LIKE wildcards are searched for literally
    events = client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()
    assert events["ok"] is True


def test_screening_again_on_demand_keeps_the_history(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    case_id = _create(client, tokens["intake"]).json()["id"]
    url = f"/api/v1/cases/{case_id}/screenings"
    before = client.post(url, json={"on": "2025-12-01"}, headers=_h(tokens["reviewer"]))
    assert before.status_code == 201 and before.json()["seq"] == 2
    assert before.json()["outcome"] == "not_in_force"  # the 40th deposit came in January 2026
    bad = client.post(url, json={"on": "first of May"}, headers=_h(tokens["reviewer"]))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.on"
    history = client.get(url, headers=_h(tokens["auditor"])).json()["items"]
    assert [(h["seq"], h["as_of"]) for h in history] == [(1, "2026-09-01"), (2, "2025-12-01")]
    assert history[1]["screened_by"] == "reviewer@a.example"
    latest = client.get(f"/api/v1/cases/{case_id}", headers=_h(tokens["reviewer"])).json()
    assert latest["screening"]["seq"] == 2 and latest["screening"]["outcome"] == "not_in_force"
    client.post(
        f"/api/v1/cases/{case_id}/transitions",
        json={"to": "withdrawn", "note": "withdrawn"},
        headers=_h(tokens["reviewer"]),
    )
    closed = client.post(url, json={}, headers=_h(tokens["reviewer"]))
    assert closed.status_code == 409 and closed.json()["code"] == "case.not_open"


def test_a_case_waiting_for_information_is_amended_and_screened_again(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    incomplete = _doc()
    del incomplete["facts"]
    case = _create(client, tokens["intake"], incomplete).json()
    url = f"/api/v1/cases/{case['id']}"
    assert case["screening"]["outcome"] == "invalid"
    early = client.put(f"{url}/request", json=_doc(), headers=_h(tokens["intake"]))
    assert early.status_code == 409 and early.json()["code"] == "case.not_waiting"
    for to, note in (("in_review", None), ("info_requested", "Please give the facts.")):
        moved = client.post(
            f"{url}/transitions", json={"to": to, "note": note}, headers=_h(tokens["reviewer"])
        )
        assert moved.status_code == 200, moved.text
    other_measure = _doc("stored-data-speech.json")
    mismatch = client.put(f"{url}/request", json=other_measure, headers=_h(tokens["intake"]))
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "case.amend_mismatch"
    assert "field measure" in mismatch.json()["detail"]
    broken = client.put(f"{url}/request", json={**_doc(), "facts": 7}, headers=_h(tokens["intake"]))
    assert broken.status_code == 422
    amended = client.put(
        f"{url}/request",
        params={"note": "facts supplied"},
        json=_doc(),
        headers=_h(tokens["intake"]),
    )
    assert amended.status_code == 200, amended.text
    body = amended.json()
    assert body["status"] == "screening" and body["screening"]["seq"] == 2
    assert body["screening"]["outcome"] != "invalid" and "facts" in body["request"]
    history = client.get(f"{url}/screenings", headers=_h(tokens["reviewer"])).json()["items"]
    assert len(history) == 2 and history[0]["outcome"] == "invalid"
    audit = client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()
    assert (
        audit["ok"]
        and audit["warnings"] == []
        and all(c["ok"] for c in audit["checkpoints"]) is True
    )


def test_openapi_has_stable_operation_ids(api: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = api
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert ops == {
        "createCase",
        "listCases",
        "getCase",
        "transitionCase",
        "acknowledgeFinding",
        "approveCase",
        "verifyAudit",
        "placeHold",
        "extendHold",
        "releaseHold",
        "orderNonDisclosure",
        "needsAttention",
        "uploadEvidence",
        "discloseEvidence",
        "getPublicKey",
        "assignCase",
        "rescreenCase",
        "listScreenings",
        "amendRequest",
        "listUsers",
        "deactivateUser",
        "setUserRoles",
        "revokeToken",
        "postponeCase",
        "consultRequestingState",
        "recordFollowUpReceived",
        "recordFollowUpDecision",
        "answerConfidentiality",
        "listTrafficDisclosures",
        "prepareTrafficDisclosure",
        "approveTrafficDisclosure",
        "getProblemType",
        "getRequestSchema",
        "listAuthorities",
        "getAuthority",
        "addAuthority",
        "addAuthorityKey",
        "revokeAuthorityKey",
        "recordCallBack",
        "listReplies",
        "draftReply",
        "getReply",
        "downloadReply",
        "editReply",
        "approveReply",
        "sendReply",
        "discardReply",
        "markReplyDelivered",
        "listPendingReplies",
        "issueCaseFile",
        "getMyNotificationPreferences",
        "setMyNotificationPreferences",
        "getUserNotificationPreferences",
        "setUserNotificationPreferences",
        "submitOwnRequest",
        "listOwnRequests",
        "getOwnRequest",
        "getOwnReceipt",
        "downloadOwnFile",
        "listRequesters",
        "approveRequester",
        "suspendRequester",
    }


def test_notification_preferences_over_http(
    api: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    client, tokens = api
    mine = "/api/v1/me/notification-preferences"
    shown = client.get(mine, headers=_h(tokens["reviewer"])).json()
    assert shown["user"] == "reviewer@a.example" and shown["channels"] == ["email"]
    assert shown["preferences"]["deadline_at_risk"] == {"email": True, "chosen": False}
    assert shown["preferences"]["law_changed"] == {"email": True, "chosen": False}
    changed = client.put(
        mine,
        json={"preferences": {"deadline_at_risk": {"email": False}}},
        headers=_h(tokens["reviewer"]),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["preferences"]["deadline_at_risk"] == {"email": False, "chosen": True}
    for body, code, field in (
        (
            {"preferences": {"everything": {"email": True}}},
            "notification.invalid_kind",
            "preferences.everything",
        ),
        (
            {"preferences": {"new_request": {"sms": True}}},
            "notification.invalid_channel",
            "preferences.new_request.sms",
        ),
    ):
        bad = client.put(mine, json=body, headers=_h(tokens["reviewer"]))
        assert bad.status_code == 422 and bad.json()["code"] == code, bad.text
        assert f"field {field}:" in bad.json()["detail"]
    typed = client.put(
        mine,
        json={"preferences": {"new_request": {"email": "yes"}}},
        headers=_h(tokens["reviewer"]),
    )
    assert typed.status_code == 422 and "preferences.new_request.email" in typed.text
    # The admin sets another person's; a person of another organisation is not found.
    theirs = "/api/v1/users/reviewer@a.example/notification-preferences"
    reset = client.put(
        theirs,
        json={"preferences": {"deadline_at_risk": {"email": None}}},
        headers=_h(tokens["admin"]),
    )
    assert reset.json()["preferences"]["deadline_at_risk"] == {"email": True, "chosen": False}
    assert client.get(theirs, headers=_h(tokens["other-org"])).status_code == 404
    assert client.get(theirs, headers=_h(tokens["intake"])).status_code == 403  # not an admin
    with dbe.sessions(engine)() as s:
        events = [
            (e.actor, e.summary)
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.action == "notifications.preferences_changed")
            ).scalars()
        ]
    assert events == [
        (
            "reviewer@a.example",
            {"user": "reviewer@a.example", "email": {"deadline_at_risk": False}},
        ),
        ("admin@a.example", {"user": "reviewer@a.example", "email": {"deadline_at_risk": None}}),
    ]


def test_tokens_expire_and_can_be_revoked(engine: Engine) -> None:
    from datetime import UTC, datetime, timedelta

    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        user = accounts.add_user(
            s,
            org="org-a",
            email="x@a.example",
            name="x",
            password="correct horse battery",
            roles=["reviewer"],
        )
        row, raw = accounts.create_token(s, user, name="t", scopes=["cases:read"], days=1)
    with sessions.begin() as s:
        assert accounts.authenticate(s, raw).email == "x@a.example"
        with pytest.raises(Exception, match="unknown, expired or revoked"):
            accounts.authenticate(s, raw, now=datetime.now(UTC) + timedelta(days=2))
        accounts.revoke(s, row.id, "org-a")
    with sessions.begin() as s, pytest.raises(Exception, match="unknown, expired or revoked"):
        accounts.authenticate(s, raw)
    with sessions.begin() as s:
        assert accounts.check_password(s, "X@a.example", "correct horse battery").id == user.id
        with pytest.raises(Exception, match="wrong email or password"):
            accounts.check_password(s, "x@a.example", "wrong horse battery")


def test_holds_non_disclosure_and_the_attention_queue(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    today = date.today()
    case = _create(client, tokens["intake"]).json()
    url = f"/api/v1/cases/{case['id']}"
    short = client.post(
        f"{url}/holds", json={"identifiers": ["acct 1"], "days": 30}, headers=_h(tokens["intake"])
    )
    assert short.status_code == 422 and short.json()["code"] == "hold.too_short"
    assert "60" in short.json()["detail"]
    hold = client.post(
        f"{url}/holds",
        json={"identifiers": ["acct 1"], "days": 60, "start": today.isoformat()},
        headers=_h(tokens["intake"]),
    )
    assert (
        hold.status_code == 201
        and hold.json()["expiry"] == (today + timedelta(days=60)).isoformat()
    )
    order = client.put(
        f"{url}/non-disclosure",
        json={"ordered_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat()},
        headers=_h(tokens["reviewer"]),
    )
    assert order.status_code == 200
    attention = client.get(
        "/api/v1/queue/attention",
        params={"on": (today + timedelta(days=53)).isoformat()},
        headers=_h(tokens["auditor"]),
    ).json()
    assert [r["case_id"] for r in attention["hold_reminders"]] == [case["id"]]
    assert attention["notifications_due"] == [case["id"]]
    assert (
        client.post(
            f"{url}/holds", json={"identifiers": ["a"], "days": 60}, headers=_h(tokens["auditor"])
        ).status_code
        == 403
    )
    other = client.post(
        f"{url}/holds", json={"identifiers": ["a"], "days": 60}, headers=_h(tokens["other-org"])
    )
    assert other.status_code == 404
    released = client.post(
        f"{url}/holds/{hold.json()['id']}/release", headers=_h(tokens["reviewer"])
    )
    assert released.status_code == 200 and released.json()["released_on"] is not None
    again = client.post(f"{url}/holds/{hold.json()['id']}/release", headers=_h(tokens["reviewer"]))
    assert again.status_code == 409 and again.json()["code"] == "hold.not_active"


def test_evidence_upload_and_a_verifiable_disclosure(
    api: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    from rogatory.disclosure import keys, receipts

    client, tokens = api
    case = _create(client, tokens["intake"]).json()
    url = f"/api/v1/cases/{case['id']}"
    content = b"account,holder\n88123,A. Person\n" * 100
    up = client.put(f"{url}/evidence/subscriber.csv", content=content, headers=_h(tokens["intake"]))
    assert up.status_code == 201, up.text
    import hashlib

    assert up.json()["sha256"] == hashlib.sha256(content).hexdigest() and up.json()["size"] == len(
        content
    )
    big = client.put(
        f"{url}/evidence/huge.bin", content=b"x" * (64 * 1024 + 1), headers=_h(tokens["intake"])
    )
    assert big.status_code == 413 and big.json()["code"] == "evidence.too_large"
    sneaky = client.put(f"{url}/evidence/..%2Fetc", content=b"x", headers=_h(tokens["intake"]))
    assert sneaky.status_code in (404, 422)
    early = client.post(
        f"{url}/disclosures",
        json={"files": [up.json()["id"]], "recipient": {"name": "MoJ"}},
        headers=_h(tokens["reviewer"]),
    )
    assert early.status_code == 409 and early.json()["code"] == "case.not_approved"
    client.post(f"{url}/transitions", json={"to": "in_review"}, headers=_h(tokens["reviewer"]))
    decision = client.get(url, headers=_h(tokens["reviewer"])).json()["screening"]["decision"]
    for f in decision["findings"]:
        if f["result"] == "review":
            client.post(
                f"{url}/acknowledgements",
                json={"rule": f["rule"], "note": "ok"},
                headers=_h(tokens["reviewer"]),
            )
    assert (
        client.post(f"{url}/approvals", json={}, headers=_h(tokens["approver"])).json()["status"]
        == "approved"
    )
    receipt = client.post(
        f"{url}/disclosures",
        json={
            "files": [up.json()["id"]],
            "recipient": {"name": "Ministry of Justice of XAA", "reference": "MJ-1"},
        },
        headers=_h(tokens["reviewer"]),
    )
    assert receipt.status_code == 201, receipt.text
    published = client.get("/api/v1/organisation/public-key", headers=_h(tokens["auditor"])).json()
    public = published["public_key"]
    assert published["key_id"] == receipt.json()["key_id"]
    assert [(k["key_id"], k["valid_until"]) for k in published["keys"]] == [
        (published["key_id"], None)
    ]
    received = tmp_path / "received"
    received.mkdir()
    (received / "subscriber.csv").write_bytes(content)
    parsed = receipts.parse(receipt.json(), file="receipt")
    result = receipts.verify(parsed, expected_key=keys.parse_public(public), files_dir=received)
    assert result.ok, result.checks
    assert parsed.manifest.legal_basis == ["uncc:art-42"]
    stored = list((tmp_path / "evidence").rglob("*subscriber.csv"))
    assert len(stored) == 1 and stored[0].stat().st_mode & 0o222 == 0  # read-only once stored
    assert not list((tmp_path / "evidence").rglob(".incoming-*"))
    audit = client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()
    assert audit["ok"] and audit["warnings"] == [] and all(c["ok"] for c in audit["checkpoints"])


def _reviewed(client: TestClient, tokens: dict[str, str], doc: dict[str, Any]) -> str:
    """A case moved to in_review by the reviewer, every review finding acknowledged."""
    url = f"/api/v1/cases/{_create(client, tokens['intake'], doc).json()['id']}"
    client.post(f"{url}/transitions", json={"to": "in_review"}, headers=_h(tokens["reviewer"]))
    decision = client.get(url, headers=_h(tokens["reviewer"])).json()["screening"]["decision"]
    for f in decision["findings"]:
        if f["result"] == "review":
            client.post(
                f"{url}/acknowledgements",
                json={"rule": f["rule"], "note": "checked"},
                headers=_h(tokens["reviewer"]),
            )
    return url


def _second_approver(client: TestClient) -> str:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    with sessions.begin() as s:
        user = accounts.add_user(
            s,
            org="org-a",
            email="approver2@a.example",
            name="second",
            password="correct horse battery",
            roles=["approver"],
        )
        return accounts.create_token(s, user, name="t", scopes=ALL_SCOPES)[1]


def test_a_blocked_case_is_approved_over_http_only_by_an_override_of_two(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    second = _second_approver(client)
    url = _reviewed(client, tokens, _doc("mla-outside-scope.json"))
    outcome = client.get(url, headers=_h(tokens["reviewer"])).json()["screening"]["outcome"]
    assert outcome not in ("proceed", "review")
    plain = client.post(f"{url}/approvals", json={}, headers=_h(tokens["approver"]))
    assert plain.status_code == 422 and plain.json()["code"] == "case.guard_failed"
    assert "needs an override" in plain.json()["errors"][0]["detail"]
    basis = {"kind": "instrument", "citation": "XAA-XAB MLA Treaty (2019), art. 5"}
    for bad, field in (
        ({**basis, "kind": "convention", "reason": "r"}, "body.override.kind"),
        ({**basis, "reason": ""}, "body.override.reason"),
        ({**basis, "citation": "c" * 501, "reason": "r"}, "body.override.citation"),
    ):
        refused = client.post(
            f"{url}/approvals", json={"override": bad}, headers=_h(tokens["approver"])
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
    first = client.post(
        f"{url}/approvals",
        json={"override": {**basis, "reason": "The bilateral treaty applies."}},
        headers=_h(tokens["approver"]),
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "in_review" and body["approval"]["override_needed"] is True
    assert body["approval"]["needed"] == 2
    assert [(g["by"], g["basis"], g["override_reason"]) for g in body["approval"]["given"]] == [
        ("approver@a.example", basis, "The bilateral treaty applies.")
    ]
    again = client.post(
        f"{url}/approvals",
        json={"override": {**basis, "reason": "again"}},
        headers=_h(tokens["approver"]),
    )
    assert again.status_code == 422 and "two different approvers" in again.text
    other = client.post(
        f"{url}/approvals",
        json={"override": {"kind": "domestic_law", "citation": "CPA s. 12", "reason": "r"}},
        headers=_h(second),
    )
    assert other.status_code == 422 and "must cite the same basis" in other.text
    done = client.post(
        f"{url}/approvals",
        json={"override": {**basis, "reason": "Confirmed against the treaty text."}},
        headers=_h(second),
    )
    assert done.status_code == 200 and done.json()["status"] == "approved"
    shown = client.get(url, headers=_h(tokens["auditor"])).json()["approval"]
    assert [g["by"] for g in shown["given"]] == ["approver@a.example", "approver2@a.example"]
    up = client.put(f"{url}/evidence/records.csv", content=b"a,b\n", headers=_h(tokens["intake"]))
    receipt = client.post(
        f"{url}/disclosures",
        json={"files": [up.json()["id"]], "recipient": {"name": "MoJ"}},
        headers=_h(tokens["intake"]),
    )
    assert receipt.status_code == 201
    assert receipt.json()["manifest"]["legal_basis"] == [f"instrument:{basis['citation']}"]
    rescreened = client.post(f"{url}/screenings", json={}, headers=_h(tokens["reviewer"]))
    assert rescreened.status_code == 201
    after = client.get(url, headers=_h(tokens["reviewer"])).json()
    assert after["status"] == "in_review" and after["approval"]["given"] == []
    assert client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()["ok"]


def test_a_proceed_case_is_approved_without_an_override_and_refuses_one(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    url = _reviewed(client, tokens, _doc())
    needless = client.post(
        f"{url}/approvals",
        json={"override": {"kind": "domestic_law", "citation": "CPA s. 12", "reason": "r"}},
        headers=_h(tokens["approver"]),
    )
    assert needless.status_code == 422 and "only for a screening that blocks" in needless.text
    ok = client.post(f"{url}/approvals", json={}, headers=_h(tokens["approver"]))
    assert ok.json()["status"] == "approved"
    assert ok.json()["approval"]["given"][0]["basis"] == {
        "kind": "convention",
        "citation": "uncc:art-42",
    }


def test_disclosure_of_a_file_changed_on_disk_is_refused_and_audited(
    api: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    import os

    from sqlalchemy import select

    from rogatory.audit.models import AuditEvent
    from rogatory.evidence.models import Disclosure

    client, tokens = api
    url = _reviewed(client, tokens, _doc())
    client.post(f"{url}/approvals", json={}, headers=_h(tokens["approver"]))
    up = client.put(
        f"{url}/evidence/records.csv", content=b"a,b\n1,2\n", headers=_h(tokens["intake"])
    )
    stored = next((tmp_path / "evidence").rglob("*records.csv"))
    os.chmod(stored, 0o644)
    stored.write_bytes(b"a,b\n1,3\n")
    refused = client.post(
        f"{url}/disclosures",
        json={"files": [up.json()["id"]], "recipient": {"name": "MoJ"}},
        headers=_h(tokens["intake"]),
    )
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "evidence.tampered" and "records.csv" in problem["detail"]
    assert problem["errors"][0]["recorded_sha256"] == up.json()["sha256"]
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    with sessions() as s:
        assert s.execute(select(Disclosure)).first() is None
        kept = s.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.disclosure_refused")
        ).scalar_one()
        assert kept.summary["changed"][0]["file"] == up.json()["id"]
    assert client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"])).json()["ok"]


def test_an_admin_cuts_off_access_over_http(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    admin = _h(tokens["admin"])
    listed = client.get("/api/v1/users", headers=admin)
    assert listed.status_code == 200
    users = {u["email"]: u for u in listed.json()["items"]}
    assert "admin@b.example" not in users  # another organisation's people are not listed
    assert users["reviewer@a.example"]["roles"] == ["reviewer"]
    assert users["reviewer@a.example"]["active"] is True
    [token] = users["reviewer@a.example"]["tokens"]
    assert token["revoked_at"] is None and "secret" not in json.dumps(token)
    reviewer = _h(tokens["reviewer"])
    assert client.get("/api/v1/cases", headers=reviewer).status_code == 200
    roles = client.put(
        "/api/v1/users/reviewer@a.example/roles", json={"roles": ["auditor"]}, headers=admin
    )
    assert roles.status_code == 200 and roles.json()["roles"] == ["auditor"]
    assert _create(client, tokens["reviewer"]).status_code == 403  # the new roles, at once
    gone = client.post("/api/v1/users/reviewer@a.example/deactivate", headers=admin)
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert gone.json()["tokens"][0]["revoked_at"] is not None
    cut = client.get("/api/v1/cases", headers=reviewer)
    assert cut.status_code == 401 and cut.json()["code"] == "auth.invalid_token"
    revoked = client.post(f"/api/v1/tokens/{tokens['intake'].split('_')[1]}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["user"] == "intake@a.example"
    assert client.get("/api/v1/cases", headers=_h(tokens["intake"])).status_code == 401
    for method, path, body, status, code in (
        ("post", "/api/v1/users/admin@a.example/deactivate", None, 409, "user.last_admin"),
        (
            "put",
            "/api/v1/users/admin@a.example/roles",
            {"roles": ["auditor"]},
            409,
            "user.last_admin",
        ),
        ("post", "/api/v1/users/admin@b.example/deactivate", None, 404, "user.not_found"),
        (
            "put",
            "/api/v1/users/nobody@a.example/roles",
            {"roles": ["intake"]},
            404,
            "user.not_found",
        ),
        ("put", "/api/v1/users/auditor@a.example/roles", {"roles": []}, 422, "request.invalid"),
        (
            "put",
            "/api/v1/users/auditor@a.example/roles",
            {"roles": ["judge"]},
            422,
            "request.invalid",
        ),
        (
            "post",
            f"/api/v1/tokens/{tokens['other-org'].split('_')[1]}/revoke",
            None,
            404,
            "token.not_found",
        ),
    ):
        answer = client.request(method, path, json=body, headers=admin)
        assert (answer.status_code, answer.json()["code"]) == (status, code), (path, answer.text)
    assert (
        "last active admin"
        in client.post("/api/v1/users/admin@a.example/deactivate", headers=admin).json()["detail"]
    )
    assert client.get("/api/v1/cases", headers=_h(tokens["other-org"])).status_code == 200
    no_scope = client.get("/api/v1/users", headers=_h(tokens["read-only"]))
    assert no_scope.status_code == 403 and no_scope.json()["code"] == "auth.forbidden"
    assert client.get("/api/v1/audit/verify", headers=admin).json()["ok"]


def test_a_requester_reads_and_lists_its_own_requests_only(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = api
    ana, bo = _h(tokens["requester"]), _h(tokens["bo"])
    mine = client.post("/api/v1/my/requests", json=_doc(), headers=ana)
    assert mine.status_code == 201, mine.text
    assert mine.headers["Location"] == f"/api/v1/my/requests/{mine.json()['id']}"
    theirs = client.post("/api/v1/my/requests", json=_doc(), headers=bo).json()["id"]
    staff = _create(client, tokens["intake"]).json()["id"]
    listed = client.get("/api/v1/my/requests", headers=ana).json()["items"]
    assert [c["id"] for c in listed] == [mine.json()["id"]]
    for other in (theirs, staff, "no-such-case"):
        answer = client.get(f"/api/v1/my/requests/{other}", headers=ana)
        assert answer.status_code == 404 and answer.json()["code"] == "case.not_found"
        assert "XAA" not in answer.text and "preservation" not in answer.text
        assert client.get(f"/api/v1/cases/{other}", headers=ana).status_code == 403
    own = client.get(f"/api/v1/my/requests/{mine.json()['id']}", headers=ana).json()
    assert own["status"] == "screening" and own["due_at"]
    assert [h["status"] for h in own["history"]] == ["received", "screening"]
    assert "screening" not in own and "decision" not in json.dumps(own)  # no internals
    # cannot review, approve, or administer: its token has requests:own alone
    assert client.post(f"/api/v1/cases/{theirs}/approvals", json={}, headers=ana).status_code == 403
    assert client.get("/api/v1/requesters", headers=ana).status_code == 403
    refused = client.post("/api/v1/requesters/bo@police.xaa.example/suspend", headers=ana).json()
    assert refused["code"] == "auth.forbidden"
    wrong = client.post(
        "/api/v1/my/requests", json=_doc(requesting_state="XAC"), headers=ana
    ).json()
    assert wrong["code"] == "requester.wrong_state" and "requesting_state" in wrong["detail"]
    assert len(client.get("/api/v1/my/requests", headers=ana).json()["items"]) == 1

"""The API keeps what its document says, over HTTP through the ASGI app on SQLite and
PostgreSQL: the bearer scheme in any case, problem types and the request schema that resolve,
a 405 with its Allow, every operation with typed answers and problem+json errors, evidence
refused on a finished case, and a re-screening date the law data does not reach refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from rogatory.api import openapi
from tests import test_api
from tests.test_api import _create, _h

# the API's fixtures: a client with one token per role, on each database
api = test_api.api
screener = test_api.screener

Api = tuple[TestClient, dict[str, str]]
PROBLEM_JSON = "application/problem+json"


def _problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["status"] == status
    return body


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_name_is_matched_in_any_case(api: Api, scheme: str) -> None:
    client, tokens = api
    answer = client.get("/api/v1/cases", headers={"Authorization": f"{scheme} {tokens['auditor']}"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc", ""])
def test_anything_but_a_bearer_token_is_401_problem_json(api: Api, header: str) -> None:
    client, _ = api
    answer = client.get("/api/v1/cases", headers={"Authorization": header})
    _problem(answer, 401, "auth.missing_token")
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_405_keeps_its_allow_header_listing_every_method_of_the_path(api: Api) -> None:
    client, tokens = api
    answer = client.delete("/api/v1/cases", headers=_h(tokens["admin"]))
    _problem(answer, 405, "http.method_not_allowed")
    assert answer.headers["Allow"] == "GET, POST"
    case_id = _create(client, tokens["intake"]).json()["id"]
    screenings = client.patch(f"/api/v1/cases/{case_id}/screenings", headers=_h(tokens["admin"]))
    _problem(screenings, 405, "http.method_not_allowed")
    assert screenings.headers["Allow"] == "GET, POST"


def test_a_problems_type_resolves_on_the_api_itself(api: Api) -> None:
    client, tokens = api
    missing = client.get("/api/v1/cases/no-such-case", headers=_h(tokens["reviewer"]))
    body = _problem(missing, 404, "case.not_found")
    assert body["type"] == "/api/v1/problems/case.not_found"
    described = client.get(body["type"])  # no token: it describes the API, holds no data
    assert described.status_code == 200, described.text
    assert described.json() == {
        "type": body["type"],
        "code": "case.not_found",
        "status": 404,
        "about": "the rules of a case's workflow",
        "meaning": "no such case in the caller's organisation",
    }
    _problem(client.get("/api/v1/problems/nothing.known"), 404, "http.not_found")
    _problem(client.get("/api/v1/problems/Not%20a%20code"), 422, "request.invalid")


def test_the_request_schema_the_document_links_to_resolves(api: Api) -> None:
    client, _ = api
    document = client.get("/openapi.json").json()
    create = document["paths"]["/api/v1/cases"]["post"]["requestBody"]
    link = "/api/v1/schema/request"
    assert link in create["content"]["application/json"]["schema"]["description"]
    schema = client.get(link)
    assert schema.status_code == 200 and schema.headers["content-type"] == "application/json"
    assert {"measure", "requesting_state", "submitted_on"} <= set(schema.json()["required"])


# Operations that answer with a file rather than a JSON document, and its media types.
DOWNLOADS = {
    "downloadReply": {"text/plain"},
    "downloadOwnFile": {"application/octet-stream"},
    "issueCaseFile": {"application/json", "text/html", "application/pdf"},
}


def test_every_operation_is_typed_secured_and_documents_its_problems(api: Api) -> None:
    client, _ = api
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) >= 30
    for path, method, op in operations:
        label = f"{method.upper()} {path}"
        public = path in ("/api/v1/problems/{code}", "/api/v1/schema/request")
        assert op.get("security") == (None if public else [{"bearer": []}]), label
        success = [s for s in op["responses"] if s.startswith("2")]
        assert success, label
        for status in success:
            if op["operationId"] in DOWNLOADS:  # a file: each media type it answers with
                assert set(op["responses"][status]["content"]) == DOWNLOADS[op["operationId"]]
                continue
            content = op["responses"][status]["content"]["application/json"]["schema"]
            if path != "/api/v1/schema/request":  # a JSON Schema document: any object
                assert content.get("$ref", "").startswith("#/components/schemas/"), label
        wanted = {s for s in openapi.ERRORS if not (public and s in (401, 403))}
        assert {int(s) for s in op["responses"] if s >= "4"} == wanted, label
        for status in wanted:
            given = op["responses"][str(status)]["content"]
            assert given == {PROBLEM_JSON: {"schema": problem_ref}}, label


def test_evidence_is_refused_on_a_case_that_is_not_open(api: Api) -> None:
    client, tokens = api
    case_id = _create(client, tokens["intake"]).json()["id"]
    reviewer = _h(tokens["reviewer"])
    for to in ("in_review", "withdrawn"):
        moved = client.post(
            f"/api/v1/cases/{case_id}/transitions", json={"to": to, "note": "x"}, headers=reviewer
        )
        assert moved.status_code == 200, moved.text
    upload = client.put(
        f"/api/v1/cases/{case_id}/evidence/late.txt", content=b"too late", headers=reviewer
    )
    body = _problem(upload, 409, "case.not_open")
    assert "withdrawn case takes no new evidence" in body["detail"]
    audit = client.get("/api/v1/audit/verify", headers=_h(tokens["auditor"]))
    assert audit.status_code == 200 and audit.json()["ok"]


def test_a_rescreening_date_before_the_law_data_is_422_and_the_case_stays_workable(
    api: Api,
) -> None:
    client, tokens = api
    case_id = _create(client, tokens["intake"]).json()["id"]
    reviewer = _h(tokens["reviewer"])
    url = f"/api/v1/cases/{case_id}"
    for on in ("2000-01-01", "2024-12-23"):
        refused = client.post(f"{url}/screenings", json={"on": on}, headers=reviewer)
        body = _problem(refused, 422, "case.invalid_screening_date")
        assert body["detail"].startswith("field on:") and "2024-12-24" in body["detail"]
    listed = client.get(f"{url}/screenings", headers=reviewer).json()["items"]
    assert len(listed) == 1  # nothing stored
    hold = client.post(
        f"{url}/holds", json={"identifiers": ["acct-7"], "days": 90}, headers=reviewer
    )
    assert hold.status_code == 201, hold.text
    first_day = client.post(f"{url}/screenings", json={"on": "2024-12-24"}, headers=reviewer)
    assert first_day.status_code == 201, first_day.text
    for not_a_date in (0, "0", 1.5, "2026-01-01T00:00:00"):
        wrong = client.post(f"{url}/screenings", json={"on": not_a_date}, headers=reviewer)
        _problem(wrong, 422, "request.invalid")


def test_what_the_fuzzing_found_is_refused_with_a_problem(api: Api) -> None:
    client, tokens = api
    case_id = _create(client, tokens["intake"]).json()["id"]
    reviewer = _h(tokens["reviewer"])
    empty = client.put(f"/api/v1/cases/{case_id}/evidence/empty.txt", headers=reviewer)
    assert "field body" in _problem(empty, 422, "evidence.empty")["detail"]
    huge = client.post(
        f"/api/v1/cases/{case_id}/traffic-disclosures/16552575116317294591/approvals",
        json={},
        headers=_h(tokens["approver"]),
    )
    _problem(huge, 422, "request.invalid")
    again = client.post(
        "/api/v1/cases",
        json=test_api._doc(),
        headers=_h(tokens["intake"], **{"Idempotency-Key": "k-1"}),
    )
    retried = client.post(
        "/api/v1/cases",
        json=test_api._doc(),
        headers=_h(tokens["intake"], **{"Idempotency-Key": "k-1"}),
    )
    assert (again.status_code, retried.status_code) == (201, 200)
    documented = client.get("/openapi.json").json()["paths"]["/api/v1/cases"]["post"]
    assert {"200", "201"} <= set(documented["responses"])

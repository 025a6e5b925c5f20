"""Integrity under attack, over HTTP through the ASGI app on SQLite and PostgreSQL, and through
the real CLI: body and field limits, text no database can keep, and inputs that used to
answer 500 (dates past the calendar, crafted cursors, huge ids, unsafe file names)."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from rogatory import inputs
from rogatory.accounts import service as accounts
from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.demo import seed
from rogatory.requests import flows
from rogatory.requests.models import Case
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.settings import Settings
from rogatory.treaty import catalogue
from rogatory.web.app import create_app
from tests.conftest import CliResult

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"
PASSWORD = "correct horse battery"
MIB = 1 << 20


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    return screening.load(instruments_file=seed.INSTRUMENTS)


@dataclass
class Site:
    sessions: sessionmaker[Session]
    services: Services
    token: str

    def client(self, **changes: Any) -> TestClient:
        services = Services(**{**self.services.__dict__, **changes})
        return TestClient(create_app(services), follow_redirects=False)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cases(self) -> int:
        with self.sessions() as s:
            return int(s.execute(select(func.count()).select_from(Case)).scalar_one())


@pytest.fixture
def site(engine: Engine, screener: screening.Screener, tmp_path: Path) -> Site:
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        user = accounts.add_user(
            s,
            org="org-a",
            email="staff@a.example",
            name="staff",
            password=PASSWORD,
            roles=["intake", "reviewer", "approver", "auditor"],
        )
        token = accounts.create_token(s, user, name="t", scopes=["cases:read", "cases:write"])[1]
    services = Services(
        sessions,
        screener,
        Lifecycle(catalogue.get().has_provision),
        tmp_path / "evidence",
        max_evidence_bytes=4 * MIB,
    )
    return Site(sessions, services, token)


@pytest.fixture
def api(site: Site) -> Iterator[TestClient]:
    with site.client() as client:
        yield client


def _case(client: TestClient, site: Site) -> str:
    created = client.post("/api/v1/cases", json=_doc(), headers=site.auth)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _fields(answer: Any) -> set[str]:
    body = answer.json()
    return {e.get("field") or e.get("location") or e["detail"] for e in body.get("errors", [])}


# ---- 7. body size before authentication, field limits ----------------------------------------


def test_a_body_over_the_limit_is_refused_before_authentication(
    site: Site, api: TestClient
) -> None:
    too_big = b'{"facts": "' + b"x" * MIB + b'"}'
    for headers in ({}, site.auth, {"Authorization": "Bearer not-a-token"}):
        answer = api.post(
            "/api/v1/cases",
            content=too_big,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "request.too_large"
        assert "1048576 bytes" in answer.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(3):
            yield b" " * (MIB // 2)

    streamed = api.post(
        "/api/v1/cases", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and streamed.json()["code"] == "request.too_large"
    form = api.post("/login", data={"email": "x" * MIB, "password": "p"})
    assert form.status_code == 413 and "1048576 bytes" in form.text  # the web's own page
    assert site.cases() == 0


def test_evidence_keeps_its_own_larger_limit(site: Site, api: TestClient) -> None:
    case_id = _case(api, site)
    content = b"e" * (2 * MIB)  # over the body limit, under the evidence limit (4 MiB)
    up = api.put(f"/api/v1/cases/{case_id}/evidence/dump.bin", content=content, headers=site.auth)
    assert up.status_code == 201, up.text
    assert up.json()["size"] == len(content)
    big = api.put(
        f"/api/v1/cases/{case_id}/evidence/big.bin", content=b"e" * (5 * MIB), headers=site.auth
    )
    assert big.status_code == 413 and big.json()["code"] == "evidence.too_large"


def test_the_body_limit_is_a_setting(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().max_body_bytes == inputs.DEFAULT_MAX_BODY_BYTES == MIB
    monkeypatch.setenv("ROGATORY_MAX_BODY_BYTES", "2000")
    limit = Settings().max_body_bytes
    assert limit == 2000
    with site.client(max_body_bytes=limit) as client:
        answer = client.post("/api/v1/cases", json=_doc(facts="x" * 3000), headers=site.auth)
        assert answer.status_code == 413 and "2000 bytes" in answer.json()["detail"]
        assert client.post("/api/v1/cases", json=_doc(), headers=site.auth).status_code == 201


def test_field_limits_name_the_field(site: Site, api: TestClient) -> None:
    long_facts = api.post(
        "/api/v1/cases", json=_doc(facts="f" * (inputs.LONG_TEXT + 1)), headers=site.auth
    )
    assert long_facts.status_code == 422, long_facts.text
    assert [(e["code"], e["detail"].split(":")[0]) for e in long_facts.json()["errors"]] == [
        ("request.too_long", "field facts")
    ]
    many = api.post(
        "/api/v1/cases",
        json=_doc(data={"identifiers": ["i"] * 200_000}),  # 800 kB: under the body limit
        headers=site.auth,
    )
    assert many.status_code == 422, many.text
    assert [(e["code"], e["detail"].split(":")[0]) for e in many.json()["errors"]] == [
        ("request.too_many", "field data.identifiers")
    ]
    long_id = api.post(
        "/api/v1/cases", json=_doc(data={"identifiers": ["a" * 513]}), headers=site.auth
    )
    assert long_id.json()["errors"][0]["detail"].startswith("field data.identifiers[0]:")
    long_reference = api.post(
        "/api/v1/cases",
        json=_doc(requesting_authority={"reference": "r" * 201}),
        headers=site.auth,
    )
    assert long_reference.status_code == 422  # PostgreSQL's column holds 200: was a 500
    with site.client(max_body_bytes=64 * MIB) as roomy:  # past the body limit, the field's
        huge = roomy.post("/api/v1/cases", json=_doc(facts="f" * (20 * MIB)), headers=site.auth)
        assert huge.status_code == 422 and huge.json()["errors"][0]["code"] == "request.too_long"
    assert site.cases() == 0
    at_limit = _doc(facts="f" * inputs.LONG_TEXT, data={"identifiers": ["i" * 512] * 1000})
    assert api.post("/api/v1/cases", json=at_limit, headers=site.auth).status_code == 201


def test_the_cli_refuses_the_same_limits_naming_the_field(cli: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps(_doc(facts="f" * (20 * MIB))))
    many = tmp_path / "many.json"
    many.write_text(json.dumps(_doc(data={"identifiers": ["i"] * 200_000})))
    for path, code, message in (
        (big, "request.too_long", "field facts: String should have at most 20000 characters"),
        (many, "request.too_many", "field data.identifiers: List should have at most 1000 items"),
    ):
        result: CliResult = cli("check", str(path))
        assert result.code == 2, result.err
        assert result.err.startswith(f"error[{code}]: {path}: {message}"), result.err
        assert "Traceback" not in result.err


# ---- 8. text no database can keep ------------------------------------------------------------

BAD_TEXT = {"NUL": "a\x00b", "lone surrogate": "a\ud800b"}


def _raw(client: TestClient, method: str, url: str, body: Any, site: Site) -> Any:
    """Send JSON as Python writes it: NaN, Infinity and lone surrogates included."""
    return client.request(
        method,
        url,
        content=json.dumps(body),
        headers={**site.auth, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    ("field", "document"),
    [
        ("body.facts", _doc(facts=BAD_TEXT["NUL"])),
        ("body.facts", _doc(facts=BAD_TEXT["lone surrogate"])),
        ("body.data.identifiers.0", _doc(data={"identifiers": [BAD_TEXT["NUL"]]})),
        ("body.persons.0.name", _doc(persons=[{"name": BAD_TEXT["lone surrogate"]}])),
        ("body.requesting_authority.name", _doc(requesting_authority={"name": "\x00"})),
        ("body.offence.max_penalty_years", _doc(offence={"max_penalty_years": float("nan")})),
        ("body.offence.max_penalty_years", _doc(offence={"max_penalty_years": float("inf")})),
    ],
)
def test_a_request_document_with_unstorable_text_or_numbers_is_refused(
    site: Site, api: TestClient, field: str, document: dict[str, Any]
) -> None:
    answer = _raw(api, "POST", "/api/v1/cases", document, site)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] in ("request.invalid_text", "request.invalid_number")
    assert _fields(answer) == {field}
    assert site.cases() == 0
    case_id = _case(api, site)  # and every case stays readable
    assert api.get(f"/api/v1/cases/{case_id}", headers=site.auth).status_code == 200
    assert api.get("/api/v1/cases", headers=site.auth).status_code == 200


def test_notes_reasons_names_and_parameters_with_unstorable_text_are_refused(
    site: Site, api: TestClient
) -> None:
    case_id = _case(api, site)
    url = f"/api/v1/cases/{case_id}"
    before = api.get(url, headers=site.auth).json()
    for bad in BAD_TEXT.values():
        for method, path, body, field in (
            ("POST", "/transitions", {"to": "in_review", "note": bad}, "body.note"),
            (
                "POST",
                "/transitions",
                {"to": "refused", "grounds": [{"reason": bad, "provision": "uncc:art-40"}]},
                "body.grounds.0.reason",
            ),
            ("POST", "/acknowledgements", {"rule": "r", "note": bad}, "body.note"),
            ("POST", "/approvals", {"note": bad}, "body.note"),
            ("PUT", "/assignment", {"assignee": bad}, "body.assignee"),
            ("POST", "/holds", {"identifiers": [bad], "days": 90}, "body.identifiers.0"),
            (
                "POST",
                "/disclosures",
                {"files": ["f"], "recipient": {"name": bad}},
                "body.recipient.name",
            ),
            ("PUT", "/request", _doc(facts=bad), "body.facts"),
        ):
            answer = _raw(api, method, url + path, body, site)
            assert answer.status_code == 422, (path, answer.text)
            assert _fields(answer) == {field}, path
    for params, field in (({"q": "a\x00"}, "query.q"), ({"assignee": "\x00"}, "query.assignee")):
        answer = api.get("/api/v1/cases", params=params, headers=site.auth)
        assert answer.status_code == 422 and _fields(answer) == {field}
    note = api.put(f"{url}/request", params={"note": "\x00"}, json=_doc(), headers=site.auth)
    assert note.status_code == 422 and _fields(note) == {"query.note"}
    path = api.get("/api/v1/cases/a%00b", headers=site.auth)
    assert path.status_code == 422 and _fields(path) == {"path"}
    assert api.get(url, headers=site.auth).json() == before  # nothing was written


def test_web_forms_with_unstorable_text_are_refused_with_a_page(site: Site) -> None:
    client = site.client()
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token
    answer = client.post(
        "/login", data={"email": "a\x00@a.example", "password": "x", "csrf_token": token[1]}
    )
    assert answer.status_code == 422 and "field form.email" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_the_cli_refuses_unstorable_text_and_numbers(cli: Any, tmp_path: Path) -> None:
    for name, document, code, message in (
        ("nul", _doc(facts="\x00"), "request.invalid_text", "field facts: contains a NUL"),
        (
            "surrogate",
            _doc(data={"identifiers": ["\udc00"]}),
            "request.invalid_text",
            "field data.identifiers[0]: ",
        ),
        (
            "nan",
            _doc(offence={"max_penalty_years": float("nan")}),
            "request.invalid_number",
            "field offence.max_penalty_years: Input should be a finite number",
        ),
    ):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        result: CliResult = cli("check", str(path))
        assert result.code == 2, result.err
        assert result.err.startswith(f"error[{code}]: {path}: {message}"), result.err


# ---- 10. inputs that answered 500 ------------------------------------------------------------


def _cursor(raw: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def test_dates_past_the_calendar_and_crafted_cursors_answer_422(
    site: Site, api: TestClient
) -> None:
    _case(api, site)
    far = api.get(
        "/api/v1/cases", params={"due_before": "9999-12-31T23:59:59-12:00"}, headers=site.auth
    )
    assert far.status_code == 422 and _fields(far) == {"query.due_before"}
    early = api.get(
        "/api/v1/cases", params={"due_before": "0001-01-01T00:00:00+14:00"}, headers=site.auth
    )
    assert early.status_code == 422
    latest = api.get(
        "/api/v1/cases", params={"due_before": "9999-12-31T23:59:59"}, headers=site.auth
    )
    assert latest.status_code == 200 and len(latest.json()["items"]) == 1
    for crafted in (
        ["2026-01-01T00:00:00", "x"],  # no offset
        ["9999-12-31T23:59:59-12:00", "x"],  # past the calendar in UTC
        ["2026-01-01T00:00:00+00:00", {"id": 1}],  # not an id
        ["2026-01-01T00:00:00+00:00", "a\x00"],  # unstorable
        [1, 2],
        "just a string",
    ):
        answer = api.get("/api/v1/cases", params={"cursor": _cursor(crafted)}, headers=site.auth)
        assert answer.status_code == 422, (crafted, answer.text)
        assert answer.json()["code"] == "request.invalid_cursor"
    garbage = api.get("/api/v1/cases", params={"cursor": "%%%" * 500}, headers=site.auth)
    assert garbage.status_code == 422


def test_holds_that_would_end_past_the_calendar_and_huge_ids_answer_422(
    site: Site, api: TestClient
) -> None:
    case_id = _case(api, site)
    url = f"/api/v1/cases/{case_id}/holds"
    overflow = api.post(
        url, json={"identifiers": ["x"], "days": 3650, "start": "9999-01-01"}, headers=site.auth
    )
    assert overflow.status_code == 422 and overflow.json()["code"] == "hold.out_of_range"
    assert "field days" in overflow.json()["detail"]
    for hold_id in (2**31, 2**63, 10**23, 0, -1):
        for answer in (
            api.post(
                f"{url}/{hold_id}/extension", json={"expiry": "2030-01-01"}, headers=site.auth
            ),
            api.post(f"{url}/{hold_id}/release", headers=site.auth),
        ):
            assert answer.status_code == 422, (hold_id, answer.text)
            assert _fields(answer) == {"path.hold_id"}
    assert api.post(f"{url}/{2**31 - 1}/release", headers=site.auth).status_code == 404


def test_holds_from_the_web_past_the_calendar_and_huge_ids_answer_422(site: Site) -> None:
    client = site.client()
    case_id = _case(client, site)
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token
    signed = client.post(
        "/login",
        data={"email": "staff@a.example", "password": PASSWORD, "csrf_token": token[1]},
    )
    assert signed.status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/queue").text)
    assert csrf
    days = client.post(
        f"/cases/{case_id}/holds",
        data={"csrf_token": csrf[1], "identifiers": "acct-1", "days": "9" * 20},
    )
    assert days.status_code == 422 and "field days" in days.text
    huge = client.post(f"/cases/{case_id}/holds/{10**20}/release", data={"csrf_token": csrf[1]})
    assert huge.status_code == 422 and "hold_id" in huge.text


@pytest.mark.parametrize(
    "name",
    [
        "a.txt%0A",
        "a.txt%20",
        "a.txt.",
        "a%09b.txt",
        "a%7Fb",
        "a%5Cb",
        "%C3%A9t%C3%A9.txt",
        "-" * 201,
    ],
)
def test_evidence_file_names_outside_the_safe_set_are_refused(
    site: Site, api: TestClient, name: str
) -> None:
    case_id = _case(api, site)
    answer = api.put(f"/api/v1/cases/{case_id}/evidence/{name}", content=b"x", headers=site.auth)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "evidence.invalid_name"
    assert answer.json()["detail"].startswith("field name:")


def test_plain_evidence_file_names_are_kept(site: Site, api: TestClient) -> None:
    case_id = _case(api, site)
    for name in ("report v2.pdf", "subscriber_data-2026.csv", "a", "x" * 200):
        answer = api.put(
            f"/api/v1/cases/{case_id}/evidence/{name}", content=b"x", headers=site.auth
        )
        assert answer.status_code == 201 and answer.json()["name"] == name, answer.text


def test_the_limits_cover_what_is_stored_today(site: Site, api: TestClient) -> None:
    """The example requests and the demo's stay within the limits."""
    examples = sorted((EXAMPLE.parent).glob("*.json"))
    assert examples
    for path in examples:
        document = json.loads(path.read_text())
        document.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
        answer = api.post("/api/v1/cases", json=document, headers=site.auth)
        assert answer.status_code == 201, (path.name, answer.text)


def test_bodies_that_cannot_be_read_as_json_answer_422(site: Site, api: TestClient) -> None:
    document = json.dumps(_doc()).encode()
    for body, words in (
        (b"[" * 300_000, "nested too deeply"),  # past the decoder's own depth: was a 500
        (document[:-1] + b', "x": ' + b"[" * 40 + b"]" * 40 + b"}", "nested deeper than 32"),
        (b'{"facts": "\xff\xfe"}', "not UTF-8"),
        (document.replace(b'"2026-09-01"', b"9" * 5000), "cannot be read"),
    ):
        answer = api.post(
            "/api/v1/cases", content=body, headers={**site.auth, "Content-Type": "application/json"}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "request.invalid_json" and words in answer.json()["detail"]
    assert site.cases() == 0


def test_the_cli_refuses_json_nested_too_deeply(cli: Any, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result: CliResult = cli("check", str(deep))
    assert result.code == 2, result.err
    assert result.err.startswith(f"error[request.invalid_json]: {deep}: not readable JSON: nested")


def test_rogatory_serve_takes_the_body_limit_from_the_environment(tmp_path: Path) -> None:
    import httpx

    from tests.test_serve import _run, serving

    env = {
        **os.environ,
        "ROGATORY_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "ROGATORY_MAX_BODY_BYTES": "2000",
    }
    assert _run(env, "db", "upgrade").returncode == 0
    with serving(env) as served:
        answer = httpx.post(
            f"{served.base}/api/v1/cases",
            content=b"{" + b" " * 3000 + b"}",
            timeout=10,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 413 and "2000 bytes" in answer.json()["detail"]
        assert answer.headers["cache-control"] == "no-store"
        small = httpx.post(f"{served.base}/api/v1/cases", json={}, timeout=10)
        assert small.status_code == 401  # under the limit: on to authentication

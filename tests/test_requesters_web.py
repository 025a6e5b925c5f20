"""A requesting authority's account over HTTP through the web pages, on SQLite and
PostgreSQL: sign-up, the emailed link (once), TOTP enrolment, the admin's approval, password
and code at sign-in, its own requests only (another's is a 404, so are the staff pages)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from rogatory.accounts import service as accounts
from rogatory.accounts import totp
from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.demo import seed
from rogatory.notifications.models import OutboxRow
from rogatory.requests import flows
from rogatory.requests.transitions import Lifecycle, Role
from rogatory.safeguards import engine as screening
from rogatory.signing import envelope
from rogatory.treaty import catalogue
from rogatory.web.app import create_app
from tests import requester_accounts

PASSWORD = "correct horse battery"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    return screening.load(instruments_file=seed.INSTRUMENTS)


@pytest.fixture
def services(engine: Engine, screener: screening.Screener, tmp_path: Path) -> Services:
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.ensure_organisation(s, "org-a", "Provider A")
        for email, roles in (("admin@a.example", ["admin"]), ("intake@a.example", ["intake"])):
            accounts.add_user(
                s, org="org-a", email=email, name=email, password=PASSWORD, roles=roles
            )
        requester_accounts.authority(s, "org-a", "xaa-police", "XAA", "police.xaa.example")
    return Services(sessions, screener, Lifecycle(catalogue.get().has_provision), tmp_path / "e")


def _client(services: Services) -> TestClient:
    return TestClient(create_app(services), follow_redirects=False)


def _token(page: Any) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def _staff(services: Services, email: str) -> tuple[TestClient, str]:
    client = _client(services)
    login = _token(client.get("/login"))
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login})
    assert answer.status_code == 303, answer.text
    return client, _token(client.get("/queue"))


def _doc(**changes: Any) -> dict[str, Any]:
    doc = json.loads((EXAMPLES / "preservation-fraud.json").read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on=date.today().isoformat())
    return {**doc, **changes}


def _sign_in_with_code(client: TestClient, email: str, secret: bytes, at: datetime) -> Any:
    login = _token(client.get("/login"))
    first = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login})
    assert first.status_code == 303 and first.headers["location"].startswith("/login/code")
    page = client.get(first.headers["location"])
    return client.post(
        "/login/code",
        data={
            "code": totp.code_at(secret, at.timestamp()),
            "csrf_token": _token(page),
            "next": "/my",
        },
    )


def test_sign_up_verify_enrol_approve_sign_in_submit_and_follow(services: Services) -> None:
    client = _client(services)
    form = client.get("/requesters/sign-up")
    assert form.status_code == 200 and "Provider A" in form.text
    refused = client.post(
        "/requesters/sign-up",
        data={
            "organisation": "org-a",
            "name": "Eve",
            "email": "eve@elsewhere.example",
            "password": PASSWORD,
            "csrf_token": _token(form),
        },
    )
    assert refused.status_code == 422 and "not an official domain" in refused.text
    done = client.post(
        "/requesters/sign-up",
        data={
            "organisation": "org-a",
            "name": "Ana",
            "email": "ana@police.xaa.example",
            "password": PASSWORD,
            "csrf_token": _token(refused),
        },
    )
    assert done.status_code == 200 and "Authority xaa-police (XAA)" in done.text
    with services.sessions() as s:
        body = s.execute(
            select(OutboxRow.body).where(OutboxRow.recipient == "ana@police.xaa.example")
        ).scalar_one()
    link = urlsplit(re.search(r"(http\S+/requesters/verify\?token=\S+)", body).group(1))  # type: ignore[union-attr]
    page = client.get(f"{link.path}?{link.query}")
    assert page.status_code == 200 and "Confirm my address" in page.text
    token = unquote(link.query.split("token=")[1])
    verified = client.post("/requesters/verify", data={"token": token, "csrf_token": _token(page)})
    assert verified.status_code == 303 and verified.headers["location"] == "/requesters/enrol"
    again = client.post(
        "/requesters/verify",
        data={"token": token, "csrf_token": _token(client.get(f"{link.path}?{link.query}"))},
    )
    assert again.status_code == 409 and "already used" in again.text
    enrol = client.get("/requesters/enrol")
    assert enrol.status_code == 200 and "otpauth://totp/" in enrol.text
    secret = totp.from_base32(re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text).group(1))  # type: ignore[union-attr]
    now = datetime.now(UTC)
    confirmed = client.post(
        "/requesters/enrol",
        data={"code": totp.code_at(secret, now.timestamp()), "csrf_token": _token(enrol)},
    )
    assert confirmed.status_code == 200 and "Second factor enrolled" in confirmed.text
    assert "otpauth" not in client.get("/requesters/enrol").text  # never shown again

    # not approved yet: told so after a right password, and nothing more
    login = _token(client.get("/login"))
    waiting = client.post(
        "/login",
        data={"email": "ana@police.xaa.example", "password": PASSWORD, "csrf_token": login},
    )
    assert waiting.status_code == 403 and "not approved" in waiting.text

    admin, csrf = _staff(services, "admin@a.example")
    listed = admin.get("/requesters")
    assert "ana@police.xaa.example" in listed.text and "awaiting approval" in listed.text
    approved = admin.post(
        "/requesters/approve", data={"email": "ana@police.xaa.example", "csrf_token": csrf}
    )
    assert approved.status_code == 303

    later = now + timedelta(seconds=30)  # the enrolment's code is spent: the next step's
    signed = _sign_in_with_code(client, "ana@police.xaa.example", secret, later)
    if signed.status_code != 303:  # the step had not turned yet: the code after it
        later += timedelta(seconds=30)
        signed = _sign_in_with_code(client, "ana@police.xaa.example", secret, later)
    assert signed.status_code == 303 and signed.headers["location"] == "/my", signed.text
    mine = client.get("/my")
    assert mine.status_code == 200 and "Authority xaa-police" in mine.text
    assert 'href="/queue"' not in mine.text and 'href="/intake"' in mine.text
    intake = client.get("/intake")
    assert intake.status_code == 200
    sent = client.post(
        "/intake/document",
        data={"csrf_token": _token(intake), "idempotency_key": "k1"},
        files={"document": ("request.json", json.dumps(_doc()).encode(), "application/json")},
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/my/requests/")
    followed = client.get(sent.headers["location"])
    assert followed.status_code == 200 and 'id="request-status">screening<' in followed.text
    assert "finding" not in followed.text.lower()

    # the provider's pages and cases are not there for it
    staff_case = flows.intake
    with services.sessions.begin() as s:
        actor = flows.Actor("intake@a.example", "org-a", frozenset({Role.INTAKE}))
        other = staff_case(s, actor, _doc(), services.screener)[0].id
    for path in ("/queue", f"/cases/{other}", "/authorities", "/people", f"/my/requests/{other}"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "XAB" not in answer.text and "preservation" not in answer.text, path
    assert client.get("/requesters").status_code == 404
    # and a member of staff has no "My requests"
    assert admin.get("/my").status_code == 404


def test_another_requesters_request_is_a_not_found_page(services: Services) -> None:
    with services.sessions.begin() as s:
        kek = envelope.configured()  # the web application's, as it opens the secret
        _, ana_secret = requester_accounts.approved(s, "org-a", "ana@police.xaa.example", kek=kek)
        requester_accounts.approved(s, "org-a", "bo@police.xaa.example")
    from rogatory.requesters import submit

    with services.sessions.begin() as s:
        bo = flows.Actor("bo@police.xaa.example", "org-a", frozenset({Role.REQUESTER}))
        theirs = submit.submit(s, bo, _doc(), services.screener)[0].id
    client = _client(services)
    at = datetime.now(UTC) + timedelta(seconds=30)
    assert _sign_in_with_code(client, "ana@police.xaa.example", ana_secret, at).status_code == 303
    assert client.get(f"/my/requests/{theirs}").status_code == 404
    assert theirs not in client.get("/my").text

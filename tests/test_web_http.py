"""The web application over HTTP through the ASGI app, on SQLite and PostgreSQL: sessions,
CSRF, cookies, security headers, organisation scoping, guided intake and nothing written on
a refused form. The browser flows are in tests/web."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import service as accounts
from rogatory.accounts.models import BrowserSession, User
from rogatory.api.deps import Services
from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.db import engine as dbe
from rogatory.demo import seed
from rogatory.errors import RogatoryError
from rogatory.requests import flows
from rogatory.requests.models import Case, HoldRow
from rogatory.requests.transitions import Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    return screening.load(instruments_file=seed.INSTRUMENTS)


@dataclass
class Web:
    sessions: sessionmaker[Session]
    services: Services

    def client(self, base_url: str = "http://testserver") -> TestClient:
        return TestClient(create_app(self.services), base_url=base_url, follow_redirects=False)


@pytest.fixture
def web(engine: Engine, screener: screening.Screener, tmp_path: Path) -> Web:
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        for org, email, roles in (
            ("org-a", "intake@a.example", ["intake"]),
            ("org-a", "reviewer@a.example", ["reviewer"]),
            ("org-a", "auditor@a.example", ["auditor"]),
            ("org-b", "reviewer@b.example", ["reviewer"]),
        ):
            accounts.add_user(s, org=org, email=email, name=email, password=PASSWORD, roles=roles)
    services = Services(
        sessions, screener, Lifecycle(catalogue.get().has_provision), tmp_path / "evidence"
    )
    return Web(sessions, services)


def _login_token(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def signed_in(web: Web, email: str) -> tuple[TestClient, str]:
    """A client signed in as ``email``, and its session's CSRF token."""
    client = web.client()
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": _login_token(client)},
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/queue")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return client, match.group(1)


def _case(web: Web, **changes: Any) -> str:
    doc = {
        "measure": "preservation",
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "requesting_authority": {"name": "Unit", "reference": "SECRET-REF-77"},
        **changes,
    }
    with web.sessions.begin() as s:
        actor = flows.Actor("intake@a.example", "org-a", frozenset({Role.INTAKE}))
        return flows.intake(s, actor, doc, web.services.screener)[0].id


EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"


def _example(name: str = "preservation-fraud.json", **changes: Any) -> dict[str, Any]:
    """A shipped example request between XAA and XAB, made today (it screens ``proceed``
    for preservation-fraud.json)."""
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on=date.today().isoformat())
    return {**doc, **changes}


def _cases(web: Web) -> int:
    with web.sessions() as s:
        return int(s.execute(select(func.count()).select_from(Case)).scalar_one())


def test_sign_in_sets_a_secure_http_only_cookie_holding_a_secret_stored_only_hashed(
    web: Web,
) -> None:
    web.services = Services(**{**web.services.__dict__, "secure_cookies": True})
    client = web.client("https://testserver")  # a Secure cookie only comes back over https
    answer = client.post(
        "/login",
        data={
            "email": "reviewer@a.example",
            "password": PASSWORD,
            "csrf_token": _login_token(client),
        },
    )
    cookie = answer.headers["set-cookie"]
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    assert "rogatory_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower()
    secret = cookie.split("rogatory_session=", 1)[1].split(";", 1)[0]
    with web.sessions() as s:  # only a hash of the secret is stored
        stored = s.execute(select(BrowserSession.id)).scalars().all()
    assert stored and secret not in stored


def test_sign_out_ends_the_session_on_the_server(web: Web) -> None:
    client, csrf = signed_in(web, "reviewer@a.example")
    stolen = client.cookies.get("rogatory_session")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    replay = web.client()
    replay.cookies.set("rogatory_session", stolen or "")
    answer = replay.get("/queue")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_sign_in_refuses_wrong_passwords_and_forged_forms(web: Web) -> None:
    client = web.client()
    wrong = client.post(
        "/login",
        data={
            "email": "reviewer@a.example",
            "password": "nope",
            "csrf_token": _login_token(client),
        },
    )
    assert wrong.status_code == 401 and "wrong email or password" in wrong.text
    assert "rogatory_session" not in wrong.headers.get("set-cookie", "")
    forged = web.client().post(
        "/login", data={"email": "reviewer@a.example", "password": PASSWORD, "csrf_token": "x"}
    )
    assert forged.status_code == 400 and "rogatory_session" not in forged.headers.get(
        "set-cookie", ""
    )
    assert web.client().get("/login?next=//evil.example").text.count('value="/queue"') == 1


def test_every_form_needs_the_sessions_csrf_token(web: Web) -> None:
    case_id = _case(web)
    client, csrf = signed_in(web, "reviewer@a.example")
    for token in (None, "forged"):
        data = {"to": "in_review", **({"csrf_token": token} if token else {})}
        answer = client.post(f"/cases/{case_id}/transition", data=data)
        assert answer.status_code == 403 and "csrf_token" in answer.text
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "screening"  # nothing moved
    moved = client.post(
        f"/cases/{case_id}/transition", data={"to": "in_review", "csrf_token": csrf}
    )
    assert moved.status_code == 303
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "in_review"


def test_a_refused_move_changes_nothing_and_says_why_beside_the_panel(web: Web) -> None:
    case_id = _case(web)
    client, csrf = signed_in(web, "reviewer@a.example")
    client.post(f"/cases/{case_id}/transition", data={"to": "in_review", "csrf_token": csrf})
    refused = client.post(
        f"/cases/{case_id}/transition",
        data={"to": "refused", "csrf_token": csrf, "ground_reason": ""},
    )
    assert refused.status_code == 422
    assert "a refusal must name at least one ground" in refused.text
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "in_review"


def test_another_organisations_case_is_a_not_found_page_without_its_data(web: Web) -> None:
    case_id = _case(web)
    client, csrf = signed_in(web, "reviewer@b.example")
    for answer in (
        client.get(f"/cases/{case_id}"),
        client.post(f"/cases/{case_id}/transition", data={"to": "in_review", "csrf_token": csrf}),
        client.get(f"/cases/{case_id}/disclosures/x/receipt.json"),
    ):
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        assert "SECRET-REF-77" not in answer.text and "Not found" in answer.text
    assert "SECRET-REF-77" not in client.get("/queue?q=SECRET").text


def test_guided_intake_refuses_an_incomplete_request_and_stores_nothing(web: Web) -> None:
    client, csrf = signed_in(web, "intake@a.example")
    before = _cases(web)
    form = {
        "csrf_token": csrf,
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "offence.max_penalty_years": "five",
        "idempotency_key": "k1",
    }
    answer = client.post("/intake/preservation", data=form)
    assert answer.status_code == 422 and _cases(web) == before
    error = re.search(r'id="err-f-offence-max_penalty_years">(.*?)</div>', answer.text, re.S)
    assert error and "valid number" in error.group(1)
    form["offence.max_penalty_years"] = "5"
    answer = client.post("/intake/preservation", data=form)
    facts = re.search(r'id="err-f-facts">(.*?)</div>', answer.text, re.S)
    assert facts and "summary of the related facts" in facts.group(1)
    assert _cases(web) == before
    form.update(
        {
            "requesting_authority.name": "Unit",
            "offence.description": "Fraud",
            "facts": "Facts.",
            "data.identifiers": "acct-1\n\n acct-2 ",
            "data.categories": "subscriber",
            "data.relation_to_offence": "Used in it.",
            "necessity": "Deleted soon.",
            "mla_to_follow": "yes",
        }
    )
    created = client.post("/intake/preservation", data=form)
    again = client.post("/intake/preservation", data=form)  # a double click
    assert created.status_code == again.status_code == 303
    assert created.headers["location"] == again.headers["location"]
    assert _cases(web) == before + 1
    with web.sessions() as s:
        case = s.get(Case, created.headers["location"].rsplit("/", 1)[1])
        assert case is not None and case.request["data"]["identifiers"] == ["acct-1", "acct-2"]


def test_the_live_check_answers_with_the_checklist_and_messages_beside_fields(web: Web) -> None:
    client, csrf = signed_in(web, "intake@a.example")
    answer = client.post(
        "/intake/preservation/check",
        data={"requesting_state": "XAA", "requested_state": "XAB", "submitted_on": "2026-11-02"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.count('class="missing"') == 8  # Art 42 (a) to (f): eight items
    assert 'id="err-f-facts" hx-swap-oob="true"><p>required: (b) a brief summary' in answer.text
    forbidden = client.post("/intake/preservation/check", data={}, headers={"HX-Request": "true"})
    assert forbidden.status_code == 403


def test_roles_decide_the_screens(web: Web) -> None:
    client, _ = signed_in(web, "reviewer@a.example")
    assert client.get("/audit").status_code == 403
    auditor, _ = signed_in(web, "auditor@a.example")
    assert auditor.get("/audit").status_code == 200
    assert 'href="/audit?state=1"' in auditor.get("/audit").text
    assert "Rows as recorded:" in auditor.get("/audit?state=1").text
    assert auditor.get("/intake").status_code == 403
    assert 'href="/audit"' in auditor.get("/queue").text
    assert 'href="/audit"' not in client.get("/queue").text


def test_pages_request_nothing_from_elsewhere_and_send_security_headers(web: Web) -> None:
    case_id = _case(web)
    client, _ = signed_in(web, "reviewer@a.example")
    for path in (
        "/queue",
        f"/cases/{case_id}",
        "/intake/preservation",
        "/treaty/42",
        "/states",
        "/login",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        external = re.findall(r'(?:src|href|action)="(https?:)?//[^"]*"', answer.text)
        assert external == [], (path, external)
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
    for asset in ("/static/htmx.min.js", "/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200
    api = client.get("/api/v1/cases")
    assert api.status_code == 401 and api.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert "content-security-policy" not in api.headers
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    bad = client.get("/queue?page=first")
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert "field query.page" in bad.text


def test_queue_pages_and_filters(web: Web) -> None:
    for n in range(30):
        _case(web, requesting_authority={"name": "Unit", "reference": f"Q-{n:02d}"})
    client, _ = signed_in(web, "reviewer@a.example")
    first = client.get("/queue")
    assert first.text.count('class="case-link"') == 25 and "page 1 of 2" in first.text
    second = client.get("/queue?page=2")
    assert second.text.count('class="case-link"') == 5
    found = client.get("/queue?q=Q-07")
    assert found.text.count('class="case-link"') == 1
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', first.text)
    assert csrf
    closed = found.text.split('href="/cases/')[1].split('"')[0]
    client.post(
        f"/cases/{closed}/transition",
        data={"to": "withdrawn", "note": "withdrawn by the requester", "csrf_token": csrf.group(1)},
    )

    def listed(query: str) -> int:
        return client.get(f"/queue?{query}").text.count('class="case-link"')

    assert listed("q=Q-07") == 0  # the default queue is the open work
    assert listed("q=Q-07&status=all") == listed("q=Q-07&status=withdrawn") == 1
    assert listed("") == 25 and listed("status=all&page=2") == 5
    partial = client.get(
        "/queue?q=Q-07&status=all", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert "<html" not in partial.text and "Q-07" in partial.text


def test_a_write_is_committed_before_the_answer_and_a_failed_commit_is_an_error(web: Web) -> None:
    """The transaction ends before the response is sent: a client told "done" can read it
    at once, and a commit that fails is answered as an error, never as a success."""
    case_id = _case(web)
    client, csrf = signed_in(web, "reviewer@a.example")

    def refuse(session: Session) -> None:
        raise RuntimeError("the disk is full")

    client = TestClient(
        client.app, raise_server_exceptions=False, follow_redirects=False, cookies=client.cookies
    )
    event.listen(web.sessions, "before_commit", refuse)
    try:
        answer = client.post(
            f"/cases/{case_id}/transition", data={"to": "in_review", "csrf_token": csrf}
        )
    finally:
        event.remove(web.sessions, "before_commit", refuse)
    assert answer.status_code == 500 and "request id" in answer.text
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "screening"


def test_every_route_commits_before_it_answers(web: Web) -> None:
    """A transaction that ended after the response let a browser follow a redirect faster
    than the commit (signed in, yet the next page said "sign in"; moved, yet the page showed
    the old status). Every route's transaction must close before the answer is sent."""
    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute

    from rogatory.api import deps

    def scopes(d: Dependant) -> list[str | None]:
        own = [d.scope] if d.call is deps.session else []
        return own + [s for sub in d.dependencies for s in scopes(sub)]

    def routes(items: list[Any]) -> Iterator[APIRoute]:
        for item in items:
            if isinstance(item, APIRoute):
                yield item
            elif hasattr(item, "original_router"):  # an included router
                yield from routes(item.original_router.routes)

    found = {
        f"{sorted(r.methods)} {r.path}": scopes(r.dependant)
        for r in routes(create_app(web.services).routes)
    }
    with_db = {path: s for path, s in found.items() if s}
    assert len(with_db) > 30
    assert {path: s for path, s in with_db.items() if set(s) != {"function"}} == {}


def test_evidence_upload_without_javascript_and_the_receipt_download(web: Web) -> None:
    """The upload form works as a plain multipart form; the script's raw-body upload answers
    with the SHA-256 it recorded. A receipt is downloadable once the case is approved."""
    import hashlib

    from rogatory.disclosure import keys, receipts
    from rogatory.evidence.models import EvidenceFile
    from rogatory.signing import keyring

    case_id = _case(web, **_example())  # screened proceed: approvable without an override
    client, csrf = signed_in(web, "intake@a.example")
    content = b"subscriber,registered\nacct-1,2025-01-01\n"
    plain = client.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": csrf},
        files={"file": ("records.csv", content, "text/csv")},
    )
    assert plain.status_code == 303
    page = client.get(f"/cases/{case_id}").text
    assert hashlib.sha256(content).hexdigest() in page
    scripted = client.post(
        f"/cases/{case_id}/evidence?name=more.csv",
        content=b"x" * 10,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"},
    )
    assert (
        scripted.status_code == 201
        and scripted.json()["sha256"] == hashlib.sha256(b"x" * 10).hexdigest()
    )
    bad = client.post(
        f"/cases/{case_id}/evidence?name=../../etc/passwd",
        content=b"x",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"},
    )
    assert bad.status_code == 422 and "field name" in bad.json()["detail"]
    early = client.post(
        f"/cases/{case_id}/disclose",
        data={"csrf_token": csrf, "recipient_name": "Unit", "files": "x"},
    )
    assert early.status_code == 409 and "approved first" in early.text

    reviewer = flows.Actor("reviewer@a.example", "org-a", frozenset({Role.REVIEWER}))
    with web.sessions.begin() as s:
        flows.transition(s, reviewer, case_id, Status.IN_REVIEW, web.services.lifecycle)
        case = s.get(Case, case_id)
        state = flows.state_of(s, case)
        for rule in state.review_findings:
            flows.acknowledge(s, reviewer, case_id, rule, "checked")
    approver = flows.Actor("approver@a.example", "org-a", frozenset({Role.APPROVER}))
    with web.sessions.begin() as s:
        flows.approve(s, approver, case_id, web.services.lifecycle)
        files = [
            f.id
            for f in s.execute(
                select(EvidenceFile).where(EvidenceFile.case_id == case_id)
            ).scalars()
        ]
    handed = client.post(
        f"/cases/{case_id}/disclose",
        data={"csrf_token": csrf, "recipient_name": "Unit", "files": files},
    )
    assert handed.status_code == 303
    link = re.search(r'href="(/cases/[^"]+/receipt\.json)"', client.get(f"/cases/{case_id}").text)
    assert link
    download = client.get(link.group(1))
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["cache-control"] == "no-store"  # a receipt stays in no cache
    receipt = receipts.Receipt.model_validate(download.json())
    with web.sessions() as s:
        public = keyring.current(s, "org-a")[0].public_key
    assert receipts.verify(receipt, expected_key=keys.parse_public(public)).ok
    assert {f.name for f in receipt.manifest.files} == {"records.csv", "more.csv"}


def test_holds_from_the_case_page_never_shorter_than_the_minimum(web: Web) -> None:
    case_id = _case(web)
    client, csrf = signed_in(web, "intake@a.example")
    short = client.post(
        f"/cases/{case_id}/holds", data={"csrf_token": csrf, "identifiers": "acct-1", "days": "10"}
    )
    assert short.status_code == 422 and "60" in short.text  # Art 42: at least 60 days
    with web.sessions() as s:
        assert s.execute(select(func.count()).select_from(HoldRow)).scalar_one() == 0
    placed = client.post(
        f"/cases/{case_id}/holds",
        data={"csrf_token": csrf, "identifiers": "acct-1\nacct-2", "days": "90"},
    )
    assert placed.status_code == 303
    with web.sessions() as s:
        hold = s.execute(select(HoldRow)).scalar_one()
    later = (hold.expiry + timedelta(days=30)).isoformat()
    extended = client.post(
        f"/cases/{case_id}/holds/{hold.id}/extend", data={"csrf_token": csrf, "expiry": later}
    )
    assert extended.status_code == 303
    earlier = client.post(
        f"/cases/{case_id}/holds/{hold.id}/extend",
        data={"csrf_token": csrf, "expiry": "2000-01-01"},
    )
    assert earlier.status_code == 409
    garbage = client.post(
        f"/cases/{case_id}/holds/{hold.id}/extend", data={"csrf_token": csrf, "expiry": "soon"}
    )
    assert garbage.status_code == 422 and "field expiry" in garbage.text
    assert (
        client.post(
            f"/cases/{case_id}/holds/{hold.id}/release", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    page = client.get(f"/cases/{case_id}").text
    assert f"released {date.today().isoformat()}" in page and later in page
    with web.sessions() as s:
        assert audit.verify(s).ok


def test_an_unknown_email_costs_the_same_password_work_as_a_wrong_password(web: Web) -> None:
    """Timing must not tell which accounts exist: both paths run argon2 once."""
    from argon2 import PasswordHasher

    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str, password: str) -> bool:
        calls.append(hash[:10])
        return real(self, hash, password)

    with web.sessions() as s, pytest.MonkeyPatch.context() as m:
        m.setattr(PasswordHasher, "verify", counting)
        for email in ("reviewer@a.example", "nobody@a.example"):
            with pytest.raises(RogatoryError) as raised:
                accounts.check_password(s, email, "not the password")
            assert raised.value.code == "auth.invalid_credentials"
    assert len(calls) == 2 and all(c.startswith("$argon2") for c in calls)


def test_password_guessing_is_slowed_per_email_and_answered_429_with_retry_after(
    web: Web,
) -> None:
    from rogatory.accounts import sessions, throttle

    client = web.client()

    def attempt(password: str) -> int:
        data = {
            "email": "Reviewer@a.example",
            "password": password,
            "csrf_token": _login_token(client),
        }
        return client.post("/login", data=data).status_code

    free = throttle.ACCOUNT.free
    assert [attempt(f"guess {n}") for n in range(free)] == [401] * free
    blocked = client.post(
        "/login",
        data={
            "email": "reviewer@a.example",
            "password": PASSWORD,
            "csrf_token": _login_token(client),
        },
    )
    assert blocked.status_code == 429 and "too many failed sign-ins" in blocked.text
    wait = int(blocked.headers["retry-after"])
    assert 1 <= wait <= throttle.MAX_DELAY.total_seconds()
    assert "rogatory_session" not in blocked.headers.get("set-cookie", "")
    signed_in(web, "intake@a.example")  # another account is not affected
    # a delay, not a lock-out: once Retry-After has passed, the right password works
    later = datetime.now(UTC) + timedelta(seconds=wait + 1)
    user, _ = sessions.sign_in(
        web.sessions, "reviewer@a.example", PASSWORD, address="testclient", now=later
    )
    assert user.email == "reviewer@a.example"


def test_screening_again_from_the_case_page(web: Web) -> None:
    case_id = _case(web)
    client, csrf = signed_in(web, "reviewer@a.example")
    again = client.post(f"/cases/{case_id}/rescreen", data={"csrf_token": csrf, "on": "2025-12-01"})
    assert again.status_code == 303
    page = client.get(f"/cases/{case_id}").text
    assert "2 screenings of this case" in page and "as of 2025-12-01" in page
    bad = client.post(f"/cases/{case_id}/rescreen", data={"csrf_token": csrf, "on": "soon"})
    assert bad.status_code == 422 and "field on" in bad.text
    intake, intake_csrf = signed_in(web, "intake@a.example")
    assert (
        intake.post(f"/cases/{case_id}/rescreen", data={"csrf_token": intake_csrf}).status_code
        == 403
    )


def test_supplying_the_requested_information_from_the_web(web: Web) -> None:
    case_id = _case(
        web,
        requesting_authority={"name": "Unit", "reference": "AMEND-1"},
        offence={"description": "Fraud"},
        data={
            "identifiers": ["acct-9"],
            "categories": ["subscriber"],
            "relation_to_offence": "Used.",
        },
        necessity="Deleted soon.",
        mla_to_follow=True,
        persons=[{"name": "A. Suspect", "nationality": "XAA"}],  # not asked by the form
    )  # no facts: invalid
    reviewer = flows.Actor("reviewer@a.example", "org-a", frozenset({Role.REVIEWER}))
    with web.sessions.begin() as s:
        flows.transition(s, reviewer, case_id, Status.IN_REVIEW, web.services.lifecycle)
        flows.transition(
            s,
            reviewer,
            case_id,
            Status.INFO_REQUESTED,
            web.services.lifecycle,
            note="Please state the facts.",
        )
    client, csrf = signed_in(web, "intake@a.example")
    page = client.get(f"/cases/{case_id}").text
    assert "Please state the facts." in page and f'href="/cases/{case_id}/amend"' in page
    form = client.get(f"/cases/{case_id}/amend")
    assert form.status_code == 200 and ">acct-9</textarea>" in form.text  # starts from the case
    fields = {
        "csrf_token": csrf,
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "requesting_authority.name": "Unit",
        "requesting_authority.reference": "AMEND-1",
        "offence.description": "Fraud",
        "data.identifiers": "acct-9",
        "data.categories": "subscriber",
        "data.relation_to_offence": "Used.",
        "necessity": "Deleted soon.",
        "mla_to_follow": "yes",
    }
    still = client.post(f"/cases/{case_id}/amend", data=fields)
    assert still.status_code == 422 and "summary of the related facts" in still.text
    moved = client.post(
        f"/cases/{case_id}/amend", data={**fields, "requested_state": "XAC", "facts": "F."}
    )
    assert moved.status_code == 422 and "cannot change requested_state" in moved.text
    done = client.post(
        f"/cases/{case_id}/amend", data={**fields, "facts": "The facts.", "amend_note": "facts"}
    )
    assert done.status_code == 303
    with web.sessions() as s:
        case = s.get(Case, case_id)
        assert case.status == "screening" and case.request["facts"] == "The facts."
        assert case.request["persons"] == [{"name": "A. Suspect", "nationality": "XAA"}]
        assert flows.latest_screening(s, case).seq == 2
    assert client.get(f"/cases/{case_id}/amend").status_code == 409  # no longer waiting


def test_treaty_pages_show_each_verification_level(web: Web) -> None:
    client, _ = signed_in(web, "reviewer@a.example")
    art42 = client.get("/treaty/42").text
    # Number and title recollected; the content rests on the Budapest model.
    assert "unverified (recollection)" in art42
    assert "unverified (model)" in art42 and "ETS185 Art. 29" in art42
    art28 = client.get("/treaty/28").text
    # A title named by a secondary source never lends its level to the recollected summary.
    assert "unverified (secondary)" in art28 and "unverified (recollection)" in art28
    assert "verified (text)" in client.get("/treaty/2").text
    assert "verified (depositary)" in client.get("/treaty/65").text


def _approvers(web: Web) -> None:
    with web.sessions.begin() as s:
        for email in ("approver1@a.example", "approver2@a.example"):
            accounts.add_user(
                s, org="org-a", email=email, name=email, password=PASSWORD, roles=["approver"]
            )


def _reviewed_in_web(web: Web, doc: dict[str, Any]) -> str:
    case_id = _case(web, **doc)
    reviewer = flows.Actor("reviewer@a.example", "org-a", frozenset({Role.REVIEWER}))
    with web.sessions.begin() as s:
        flows.transition(s, reviewer, case_id, Status.IN_REVIEW, web.services.lifecycle)
        for rule in flows.state_of(s, s.get(Case, case_id)).review_findings:
            flows.acknowledge(s, reviewer, case_id, rule, "checked")
    return case_id


def test_a_blocked_case_is_approved_from_the_case_page_only_through_an_override(web: Web) -> None:
    _approvers(web)
    case_id = _reviewed_in_web(web, _example("mla-outside-scope.json"))
    first, csrf = signed_in(web, "approver1@a.example")
    page = first.get(f"/cases/{case_id}").text
    assert 'class="stack decision-form override-form"' in page and 'name="override_kind"' in page
    assert "Approve with override" in page and ">Approve</button>" not in page
    plain = first.post(f"/cases/{case_id}/approve", data={"csrf_token": csrf})
    assert plain.status_code == 422 and "needs an override" in plain.text
    empty = first.post(
        f"/cases/{case_id}/approve",
        data={"csrf_token": csrf, "override_kind": "instrument", "override_citation": "T, art 5"},
    )
    assert empty.status_code == 422 and "field override.reason" in empty.text
    citation = "Treaty between XAA and XAB on mutual legal assistance (2019), art. 5"
    given = first.post(
        f"/cases/{case_id}/approve",
        data={
            "csrf_token": csrf,
            "override_kind": "instrument",
            "override_citation": citation,
            "override_reason": "The bilateral treaty obliges us.",
        },
    )
    assert given.status_code == 303
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "in_review"  # one approver is not enough
    second, csrf2 = signed_in(web, "approver2@a.example")
    page = second.get(f"/cases/{case_id}").text
    assert "Override approved by approver1@a.example" in page and "Confirm the override" in page
    assert f'name="override_citation" maxlength="500" required value="{citation}"' in page
    confirmed = second.post(
        f"/cases/{case_id}/approve",
        data={
            "csrf_token": csrf2,
            "override_kind": "instrument",
            "override_citation": citation,
            "override_reason": "Checked the treaty text.",
        },
    )
    assert confirmed.status_code == 303
    with web.sessions() as s:
        assert s.get(Case, case_id).status == "approved"
    assert "case.override_approved" in second.get(f"/cases/{case_id}").text


def test_a_changed_file_is_refused_at_disclosure_from_the_case_page(web: Web) -> None:
    import os

    from rogatory.evidence.models import Disclosure, EvidenceFile

    _approvers(web)
    case_id = _reviewed_in_web(web, _example())
    approver, csrf = signed_in(web, "approver1@a.example")
    assert approver.post(f"/cases/{case_id}/approve", data={"csrf_token": csrf}).status_code == 303
    intake, csrf = signed_in(web, "intake@a.example")
    intake.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": csrf},
        files={"file": ("records.csv", b"a,b\n1,2\n", "text/csv")},
    )
    with web.sessions() as s:
        row = s.execute(select(EvidenceFile)).scalar_one()
    os.chmod(row.stored_path, 0o644)
    Path(row.stored_path).write_bytes(b"a,b\n1,9\n")
    refused = intake.post(
        f"/cases/{case_id}/disclose",
        data={"csrf_token": csrf, "recipient_name": "Unit", "files": row.id},
    )
    assert refused.status_code == 409 and "changed or went missing on disk" in refused.text
    with web.sessions() as s:
        assert s.execute(select(Disclosure)).first() is None
        actions = s.execute(select(AuditEvent.action)).scalars().all()
        assert actions[-1] == "evidence.disclosure_refused"
        assert audit.verify(s).ok


def test_an_admin_cuts_off_access_from_the_people_page(web: Web) -> None:
    with web.sessions.begin() as s:
        accounts.add_user(
            s, org="org-a", email="admin@a.example", name="Ada", password=PASSWORD, roles=["admin"]
        )
        reviewer = s.execute(select(User).where(User.email == "reviewer@a.example")).scalar_one()
        raw = accounts.create_token(s, reviewer, name="portal", scopes=["cases:read"])[1]
    token_id = raw.split("_")[1]
    victim, _ = signed_in(web, "reviewer@a.example")
    assert victim.get("/queue").status_code == 200
    api = web.client()
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert victim.get("/people").status_code == 403
    assert 'href="/people"' not in victim.get("/queue").text
    admin, csrf = signed_in(web, "admin@a.example")
    page = admin.get("/people")
    assert page.status_code == 200 and 'href="/people"' in page.text
    assert "reviewer@a.example" in page.text and f"<code>{token_id}</code>" in page.text
    assert "reviewer@b.example" not in page.text  # only this organisation's people
    forged = admin.post("/people/deactivate", data={"email": "reviewer@a.example"})
    assert forged.status_code == 403
    last = admin.post("/people/deactivate", data={"email": "admin@a.example", "csrf_token": csrf})
    assert last.status_code == 409 and "last active admin" in last.text
    demote = admin.post(
        "/people/roles", data={"email": "admin@a.example", "roles": "auditor", "csrf_token": csrf}
    )
    assert demote.status_code == 409
    roles = admin.post(
        "/people/roles",
        data={"email": "intake@a.example", "roles": ["intake", "reviewer"], "csrf_token": csrf},
    )
    assert roles.status_code == 303
    revoked = admin.post(f"/people/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    gone = admin.post(
        "/people/deactivate", data={"email": "reviewer@a.example", "csrf_token": csrf}
    )
    assert gone.status_code == 303
    cut = victim.get("/queue")  # the same browser, the very next request
    assert cut.status_code == 303 and cut.headers["location"].startswith("/login")
    page = admin.get("/people").text
    assert "deactivated" in page and "revoked" in page
    with web.sessions() as s:
        actions = set(s.execute(select(AuditEvent.action)).scalars())
        assert {"user.deactivated", "user.roles_changed", "token.revoked"} <= actions
        intake = s.execute(select(User).where(User.email == "intake@a.example")).scalar_one()
        assert intake.roles == ["intake", "reviewer"]
        assert audit.verify(s).ok


def test_case_data_and_api_answers_are_never_cached(web: Web) -> None:
    case_id = _case(web)
    client, _ = signed_in(web, "reviewer@a.example")
    for path in (f"/cases/{case_id}", "/queue", "/login", "/no-such-page", "/api/v1/cases"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    token = client.post("/api/v1/cases", json={})  # refused (no token): still not cached
    assert token.status_code == 401 and token.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_the_api_reference_is_served_from_the_package_under_the_sites_policy(web: Web) -> None:
    client = web.client()
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
    urls = re.findall(r'(?:src|href|data-openapi)="([^"]*)"', page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        served = client.get(url)
        assert served.status_code == 200 and served.content, url
    assert "SwaggerUIBundle" in client.get("/static/swagger-ui/swagger-ui-bundle.js").text
    assert "Apache License" in client.get("/static/swagger-ui/LICENSE").text
    assert client.get("/redoc").status_code == 404  # FastAPI's CDN page is gone too


def test_treaty_browser_picks_the_treaty_and_shows_the_crosswalk(web: Web) -> None:
    client, _ = signed_in(web, "reviewer@a.example")
    listing = client.get("/treaty?treaty=budapest")
    assert listing.status_code == 200
    assert "Council of Europe Convention on Cybercrime" in listing.text
    assert len(re.findall(r'href="/treaty/\d+\?treaty=budapest"', listing.text)) == 48
    assert '<option value="budapest" selected>' in listing.text
    art29 = client.get("/treaty/29?treaty=budapest").text
    assert "not less than sixty days" in art29 and "verified (text)" in art29
    assert "Section 2 (Specific provisions)" in art29
    # the crosswalk links to the UN Convention's article, with the UN side's level
    assert 'href="/treaty/42">Art 42</a>' in art29 and "unverified (model)" in art29
    # Budapest's own screening rules cite its Art 29, with Budapest's statements; no rule of
    # the UN Convention (Art 36 data protection has no counterpart) is listed
    assert "No screening rule cites this article." not in art29
    assert "completeness.preservation" in art29 and "preservation.period" in art29
    assert "data_protection.transfer" not in art29
    assert "No screening rule cites this article." in client.get("/treaty/32?treaty=budapest").text
    art42 = client.get("/treaty/42").text
    assert 'href="/treaty/29?treaty=budapest">Art 29</a>' in art42
    art32 = client.get("/treaty/32?treaty=budapest").text
    assert "only in this treaty" in art32 and "A Party may, without the authorisation" in art32
    found = client.get("/treaty", params={"treaty": "budapest", "q": "sixty days"}).text
    assert 'href="/treaty/29?treaty=budapest#p-7"' in found
    assert client.get("/treaty?treaty=nope").status_code == 404
    assert client.get("/treaty/49?treaty=budapest").status_code == 404


def test_the_legal_bases_page_answers_what_binds_two_states(web: Web) -> None:
    client, _ = signed_in(web, "reviewer@a.example")
    empty = client.get("/basis")
    assert empty.status_code == 200 and 'id="send-under"' not in empty.text
    page = client.get("/basis", params={"a": "FRA", "b": "DEU", "on": "2026-12-01"})
    assert page.status_code == 200, page.text
    text = page.text
    send = text[text.index('id="send-under"') : text.index('id="instruments"')]
    assert "Preservation requests" in send and "<strong>ETS185</strong>" in send
    assert "FRA signed on 2025-10-25 but has not consented to be bound" in text  # UNCC
    assert text.count('class="basis in-force"') >= 1
    # A State that does not exist is refused naming the field, and nothing else is shown.
    bad = client.get("/basis", params={"a": "FRA", "b": "ZZZ9"})
    assert bad.status_code == 422 and "field b" in bad.text and "ETS185" not in bad.text
    same = client.get("/basis", params={"a": "FRA", "b": "fra"})
    assert same.status_code == 422 and "two different States" in same.text
    assert "Legal bases" in client.get("/queue").text  # in everyone's navigation


def test_the_case_page_shows_the_request_under_each_treaty(web: Web) -> None:
    """A case taken in under the UN Convention between two European States: the page shows
    what Budapest would decide too, and says that only the case's own treaty decides."""
    import dataclasses

    family = screening.load_family(instruments_file=seed.INSTRUMENTS)
    both = Web(web.sessions, dataclasses.replace(web.services, screener=family))
    doc = json.loads((EXAMPLES.parent / "budapest-preservation.json").read_text())
    doc.update(requested_state="DEU", offence={**doc["offence"], "treaty_articles": [7]})
    with both.sessions.begin() as s:
        actor = flows.Actor("intake@a.example", "org-a", frozenset({Role.INTAKE}))
        case_id = flows.intake(s, actor, doc, family)[0].id
    client, _ = signed_in(both, "reviewer@a.example")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text
    text = page.text
    section = text[text.index('id="under-each-treaty"') :]
    section = section[: section.index("</section>")]
    assert "Only the case's own treaty (uncc) decides the case" in section
    uncc, budapest = section.index('class="treaty-uncc"'), section.index('class="treaty-budapest"')
    assert uncc < budapest  # the case's own treaty first
    assert "not in force" in section[uncc:budapest]  # UNCC did not bind them in March 2025
    assert "offence.treaty_articles: uncc Art 7 → budapest Art 2" in section
    # A service that screens under one treaty shows no such section.
    alone, _ = signed_in(web, "reviewer@a.example")
    assert 'id="under-each-treaty"' not in alone.get(f"/cases/{case_id}").text


def test_guided_intake_under_budapest_asks_its_own_offence_articles(web: Web) -> None:
    import dataclasses

    family = screening.load_family(instruments_file=seed.INSTRUMENTS)
    both = Web(web.sessions, dataclasses.replace(web.services, screener=family))
    client, csrf = signed_in(both, "intake@a.example")
    choose = client.get("/intake").text
    assert 'href="/intake/preservation?treaty=budapest"' in choose
    assert 'href="/intake/preservation"' in choose  # the service's own treaty
    page = client.get("/intake/preservation?treaty=budapest").text
    assert 'name="treaty" value="budapest"' in page
    assert "Art 2 Illegal access" in page and "Art 17" not in page  # Budapest Arts 2-11
    form = {
        "csrf_token": csrf,
        "treaty": "budapest",
        "requesting_state": "FRA",
        "requested_state": "AUT",
        "submitted_on": "2025-03-10",
        "requesting_authority.name": "Parquet de Paris",
        "offence.description": "Illegal access to a mail server",
        "offence.treaty_articles": "2",
        "facts": "Facts.",
        "data.identifiers": "account 55102",
        "data.categories": "traffic",
        "data.relation_to_offence": "Used in it.",
        "necessity": "Deleted soon.",
        "mla_to_follow": "yes",
        "idempotency_key": "bud-1",
    }
    # A UN Convention article number is not one of Budapest's offences: refused by field.
    wrong = client.post("/intake/preservation", data={**form, "offence.treaty_articles": "13"})
    assert wrong.status_code == 422 and "Arts 2-11" in wrong.text
    created = client.post("/intake/preservation", data=form)
    assert created.status_code == 303, created.text
    with both.sessions() as s:
        case = s.get(Case, created.headers["location"].rsplit("/", 1)[1])
        assert case is not None and case.treaty == "budapest"
        assert case.request["offence"]["treaty_articles"] == [2]


def test_the_intake_offers_no_form_for_a_step_of_another_case(web: Web) -> None:
    """The disclosure of preserved traffic data is a step of a preservation case (the measures
    table's step_of), so it is neither offered nor taken in as a request of its own."""
    client, csrf = signed_in(web, "intake@a.example")
    choose = client.get("/intake").text
    assert "/intake/preservation" in choose and "/intake/stored_data" in choose
    assert "traffic_disclosure" not in choose and "Art 43" not in choose
    for answer in (
        client.get("/intake/traffic_disclosure"),
        client.post("/intake/traffic_disclosure", data={"csrf_token": csrf}),
    ):
        assert answer.status_code == 404 and 'name="data.identifiers"' not in answer.text


def test_the_notifications_page_saves_only_what_changed_and_audits_it(web: Web) -> None:
    from rogatory.notifications import preferences

    client, csrf = signed_in(web, "reviewer@a.example")
    page = client.get("/notifications")
    assert page.status_code == 200 and 'href="/notifications"' in page.text
    ticked = set(re.findall(r'name="(preferences\.[a-z_]+\.email)" id="[^"]+" checked', page.text))
    assert "preferences.deadline_at_risk.email" in ticked  # a reviewer's default
    assert "preferences.new_request.email" in ticked and "preferences.law_changed.email" in ticked
    # No CSRF token: refused, nothing changed.
    assert client.post("/notifications", data={}).status_code == 403
    # Untick deadlines; every other box as it was.
    kept = {name: "on" for name in ticked if name != "preferences.deadline_at_risk.email"}
    saved = client.post("/notifications", data={"csrf_token": csrf, **kept})
    assert saved.status_code == 303 and saved.headers["location"] == "/notifications?saved=1"
    with web.sessions() as s:
        user = s.execute(select(User).where(User.email == "reviewer@a.example")).scalar_one()
        shown = preferences.of(s, user)
        assert shown["deadline_at_risk"] == {"email": False, "chosen": True}
        # The boxes left as they were stay defaults, not choices.
        assert shown["status_changed"] == {"email": True, "chosen": False}
        events = list(
            s.execute(select(AuditEvent).where(AuditEvent.action == preferences.CHANGED)).scalars()
        )
    assert [(e.actor, e.summary["email"]) for e in events] == [
        ("reviewer@a.example", {"deadline_at_risk": False})
    ]
    wrong = client.post(
        "/notifications", data={"csrf_token": csrf, "preferences.new_request.sms": "on"}
    )
    assert wrong.status_code == 422 and "field preferences.new_request.sms" in wrong.text
    client.post("/notifications", data={"csrf_token": csrf, "reset": "1"})
    with web.sessions() as s:
        assert not any(p["chosen"] for p in preferences.of(s, user).values())

"""Replies and the case file over real HTTP (the whole application), on a copy of the demo:
the API's life of a refusal reply with four eyes and delivery, the letter and the case file
as downloads with their SHA-256, and the case page for a reader (every demo case renders,
the request as a summary, findings grouped, the timeline in words, typed text escaped)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import service as accounts
from rogatory.accounts.models import User
from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.demo import requester as demo_requester
from rogatory.demo import seed
from rogatory.replies.models import ReplyRow
from rogatory.requests.models import Case
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.app import create_app
from tests.conftest import Demo

REVIEWER, APPROVER = "reviewer@nimbus.example", "approver@nimbus.example"


@dataclass
class Site:
    client: TestClient
    sessions: sessionmaker[Session]
    tokens: dict[str, str]


@pytest.fixture
def site(demo: Demo, tmp_path: Path) -> Iterator[Site]:
    """A copy of the demo database (the shared one is only read), served whole."""
    copy = tmp_path / "demo.db"
    with sqlite3.connect(demo.folder / "demo.db") as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    engine = dbe.make_engine(f"sqlite:///{copy}")
    sessions = dbe.sessions(engine)
    tokens = {}
    with sessions.begin() as s:
        for email in (REVIEWER, APPROVER, "reviewer@ca-xac.example"):
            user = s.execute(select(User).where(User.email == email)).scalar_one()
            tokens[email] = accounts.create_token(
                s, user, name="t", scopes=["cases:read", "cases:write"]
            )[1]
    services = Services(
        sessions,
        screening.load(instruments_file=seed.INSTRUMENTS),
        Lifecycle(catalogue.get().has_provision),
        demo.folder / "evidence",
    )
    with TestClient(create_app(services), follow_redirects=False) as client:
        yield Site(client, sessions, tokens)
    engine.dispose()


def _h(site: Site, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[email]}"}


def _refused_without_reply(site: Site) -> str:
    with site.sessions() as s:
        answered = select(ReplyRow.case_id)
        return str(
            s.execute(
                select(Case.id)
                .where(Case.org_id == "nimbus", Case.status == "refused", Case.id.not_in(answered))
                .order_by(Case.received_at)
                .limit(1)
            ).scalar_one()
        )


def test_the_api_carries_a_refusal_reply_from_draft_to_delivery(site: Site) -> None:
    c, case_id = site.client, _refused_without_reply(site)
    base = f"/api/v1/cases/{case_id}/replies"
    listed = c.get(base, headers=_h(site, REVIEWER)).json()
    offer = next(o for o in listed["available"] if o["kind"] == "refusal")
    assert offer["four_eyes"] and offer["languages"] == ["en", "fr"] and offer["checks"]
    made = c.post(base, json={"kind": "refusal"}, headers=_h(site, REVIEWER))
    assert made.status_code == 201, made.text
    reply = made.json()
    assert (
        reply["status"] == "draft" and reply["current"] and "Refusal of assistance" in reply["text"]
    )
    rid = reply["id"]
    edited = c.put(
        f"{base}/{rid}/text",
        json={"text": reply["text"] + "\nWith regards."},
        headers=_h(site, REVIEWER),
    )
    assert edited.status_code == 200 and edited.json()["text"].endswith("With regards.\n")
    refused = c.post(f"{base}/{rid}/sending", headers=_h(site, REVIEWER))
    assert refused.status_code == 409 and refused.json()["code"] == "reply.approval_needed"
    assert refused.headers["content-type"].startswith("application/problem+json")
    approved = c.post(f"{base}/{rid}/approval", headers=_h(site, APPROVER))
    assert approved.status_code == 200 and approved.json()["approved_by"] == APPROVER
    sent = c.post(f"{base}/{rid}/sending", headers=_h(site, REVIEWER)).json()
    assert sent["status"] == "sent" and sent["delivery"] == "pending"
    letter = c.get(f"{base}/{rid}/letter.txt", headers=_h(site, REVIEWER))
    assert letter.headers["content-type"].startswith("text/plain")
    assert (
        hashlib.sha256(letter.content).hexdigest()
        == letter.headers["x-content-sha256"]
        == sent["sha256"]
    )
    pending = c.get("/api/v1/replies/pending", headers=_h(site, REVIEWER)).json()["items"]
    assert rid in [r["id"] for r in pending]
    delivered = c.post(f"{base}/{rid}/delivery", json={"via": "email"}, headers=_h(site, REVIEWER))
    assert (
        delivered.json()["delivery"] == "delivered" and delivered.json()["delivered_via"] == "email"
    )
    other = c.get(f"{base}/{rid}", headers=_h(site, "reviewer@ca-xac.example"))
    assert other.status_code == 404
    unknown = c.post(base, json={"kind": "info_request"}, headers=_h(site, REVIEWER))
    assert unknown.status_code == 409 and unknown.json()["code"] == "reply.not_available"


def test_the_case_file_is_downloaded_with_its_recorded_sha256(site: Site) -> None:
    case_id = _refused_without_reply(site)
    url = f"/api/v1/cases/{case_id}/case-file"
    pdf = site.client.post(url, params={"format": "pdf"}, headers=_h(site, REVIEWER))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.content).hexdigest() == pdf.headers["x-content-sha256"]
    as_json = site.client.post(url, headers=_h(site, REVIEWER)).json()
    issued = [e for e in as_json["audit"]["events"] if e["action"] == "case_file.issued"]
    assert issued and issued[-1]["summary"]["sha256"] == pdf.headers["x-content-sha256"]
    bad = site.client.post(url, params={"format": "docx"}, headers=_h(site, REVIEWER))
    assert bad.status_code == 422 and bad.json()["code"] == "casefile.invalid_format"


def _signed_in(site: Site, email: str) -> str:
    page = site.client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = site.client.post(
        "/login", data={"email": email, "password": seed.PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303
    found = re.search(r'name="csrf_token" value="([^"]+)"', site.client.get("/queue").text)
    assert found
    return found.group(1)


REQUESTER = demo_requester.EMAIL


def test_every_demo_case_reads_as_a_summary_with_grouped_findings_and_words(site: Site) -> None:
    _signed_in(site, REVIEWER)
    with site.sessions() as s:
        # the intake officer's 170; the demo requester's own request is taken in by it
        ids = list(
            s.execute(
                select(Case.id).where(Case.org_id == "nimbus", Case.created_by != REQUESTER)
            ).scalars()
        )
    assert len(ids) == 170
    for case_id in ids:
        page = site.client.get(f"/cases/{case_id}")
        assert page.status_code == 200, case_id
        assert '<section id="request"' in page.text and "Who asks" in page.text
        assert "The request document as received (JSON)" in page.text
        assert re.search(r'<h3 id="findings-(blocks|person|passed)"', page.text)
        assert "Ines Intake took in a" in page.text  # the timeline in words


def test_the_case_page_drafts_edits_and_escapes_a_reply_and_issues_the_case_file(
    site: Site,
) -> None:
    csrf = _signed_in(site, REVIEWER)
    case_id = _refused_without_reply(site)
    drafted = site.client.post(
        f"/cases/{case_id}/replies", data={"csrf_token": csrf, "kind": "refusal", "language": "fr"}
    )
    assert drafted.status_code == 303
    page = site.client.get(f"/cases/{case_id}").text
    assert "Refus d&#39;entraide" in page and "four eyes" in page
    with site.sessions() as s:
        rid = s.execute(select(ReplyRow.id).where(ReplyRow.case_id == case_id)).scalar_one()
    hostile = "<script>alert('x')</script>"
    saved = site.client.post(
        f"/cases/{case_id}/replies/{rid}/edit", data={"csrf_token": csrf, "text": hostile}
    )
    assert saved.status_code == 303
    page = site.client.get(f"/cases/{case_id}").text
    assert hostile not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    refused = site.client.post(f"/cases/{case_id}/replies/{rid}/send", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "second person" in refused.text
    no_csrf = site.client.post(f"/cases/{case_id}/replies/{rid}/send", data={})
    assert no_csrf.status_code == 403
    issued = site.client.post(
        f"/cases/{case_id}/case-file", data={"csrf_token": csrf, "format": "html"}
    )
    assert issued.status_code == 200 and "attachment" in issued.headers["content-disposition"]
    assert hostile not in issued.text and "&lt;script&gt;" in issued.text

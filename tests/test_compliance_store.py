"""The compliance feature's storage on SQLite and PostgreSQL, and its pages over HTTP: the
register imported with its append-only history, subscriptions and the notices due, stored
assessments with requirement statuses, evidence, reviews and what changed since the last
review, each change audited; organisation scoping and roles on the pages."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from rogatory.accounts import service as accounts
from rogatory.api.deps import Services
from rogatory.assessments import service as store
from rogatory.assessments.models import EvidenceRow, LawChange, RequirementEvent
from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.compliance import assessment, footprint, laws
from rogatory.db import engine as dbe
from rogatory.demo import compliance as demo
from rogatory.demo import seed
from rogatory.errors import RogatoryError
from rogatory.requests import flows
from rogatory.requests.flows import Actor
from rogatory.requests.transitions import Lifecycle, Role
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.app import create_app

OFFICER = Actor("cora@a.example", "org-a", frozenset({Role.COMPLIANCE}))
OTHER = Actor("cora@b.example", "org-b", frozenset({Role.COMPLIANCE}))
AUDITOR = Actor("aud@a.example", "org-a", frozenset({Role.AUDITOR}))
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    return screening.load(instruments_file=seed.INSTRUMENTS)


def _orgs(engine: Engine) -> None:
    with dbe.sessions(engine).begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        for org, email, roles in (
            ("org-a", OFFICER.user, ["compliance"]),
            ("org-a", AUDITOR.user, ["auditor"]),
            ("org-a", "intake@a.example", ["intake"]),
            ("org-b", OTHER.user, ["compliance"]),
        ):
            accounts.add_user(s, org=org, email=email, name=email, password=PASSWORD, roles=roles)


def _result(screener: screening.Screener, engine: Engine, on: date) -> dict[str, object]:
    register = screener.law.register
    with dbe.sessions(engine)() as s:
        stored = store.stored_register(s, register.bundle)
    return assessment.assess(footprint.load(demo.FOOTPRINT), register, stored, on).json()


def test_import_keeps_every_change_append_only_and_notices_are_due(
    engine: Engine, tmp_path: Path
) -> None:
    _orgs(engine)
    bundle = catalogue.get()
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        first = store.import_laws(s, laws.load(demo.LAWS, bundle), by="ana")
        store.subscribe(s, OFFICER, "XAA")
        store.subscribe(s, OFFICER, "xaa")  # the same subscription
    assert sorted((c.state, c.change) for c in first) == [
        ("XAA", "added"),
        ("XAA", "added"),
        ("XAC", "added"),
    ]
    with sessions.begin() as s:
        assert store.import_laws(s, laws.load(demo.LAWS, bundle), by="ana") == []  # nothing new
        assert store.pending_notices(s) == []  # subscribed after the import
    folder = tmp_path / "laws"
    shutil.copytree(demo.LAWS, folder)
    xaa = (folder / "XAA.yaml").read_text()
    (folder / "XAA.yaml").write_text(
        xaa.replace(
            "- {status: bill, on: 2026-10-15, note: first reading}",
            "- {status: bill, on: 2026-10-15, note: first reading}\n      - {status: enacted, on: 2026-11-30}",
        )
    )
    with sessions.begin() as s:
        changed = store.import_laws(s, laws.load(folder, bundle), by="ben")
    assert [(c.record_id, c.change, c.fields, c.by) for c in changed] == [
        ("xaa-data-retention-bill-2026", "changed", ["status"], "ben")
    ]
    with sessions.begin() as s:
        # The import's own transaction handed the notice to the outbox: nothing is left due.
        assert store.pending_notices(s) == []
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == store.LAWS_CHANGED)
        ).scalar_one()
        assert (event.chain, event.actor, event.summary["states"]) == ("org-a", "ben", ["XAA"])
    # A session without the outbox's hook leaves the notice due for ``deliver``.
    enacted = (folder / "XAA.yaml").read_text()
    with sessions.begin() as s:
        s.info.pop(audit.EVENT_HOOK)
        (folder / "XAA.yaml").write_text(xaa)  # back, then enacted again
        store.import_laws(s, laws.load(folder, bundle), by="ben")
        (folder / "XAA.yaml").write_text(enacted)
        store.import_laws(s, laws.load(folder, bundle), by="ben")
    with sessions.begin() as s:
        due = store.pending_notices(s)
        assert [(n.email, n.state, [c.kind for c in n.changes]) for n in due] == [
            (OFFICER.user, "XAA", ["changed", "changed"])
        ]
        sent: list[store.Notice] = []
        assert store.deliver(s, sent.append, org="org-b") == 0  # another organisation's
        assert store.deliver(s, sent.append) == 1 and sent == due
    with sessions.begin() as s:
        assert store.pending_notices(s) == []
        register = store.stored_register(s, bundle)
    assert register.implementation("XAA", 25, date(2026, 12, 1))[0] is laws.Implementation.IN_FORCE
    assert register.records("XAA")[1].status_on(date(2026, 12, 1)).status is laws.LawStatus.ENACTED  # type: ignore[union-attr]
    with pytest.raises(DBAPIError), sessions.begin() as s:  # the history is kept forever
        s.execute(text("UPDATE national_law_changes SET by = 'nobody'"))
    with pytest.raises(DBAPIError), sessions.begin() as s:
        s.execute(text("DELETE FROM national_law_changes"))
    with sessions() as s:
        # three added, then changed, changed back and changed again
        assert s.scalar(select(func.count()).select_from(LawChange)) == 6


def test_assessment_requirements_evidence_reviews_scoped_and_audited(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> None:
    _orgs(engine)
    sessions = dbe.sessions(engine)
    before = _result(screener, engine, date(2026, 12, 1))  # nothing imported: unknown
    with sessions.begin() as s:
        row = store.store(s, OFFICER, before)
        assessment_id = row.id
        reqs = store.requirements(s, row)
        gap = next(r for r in reqs if r.kind == "gap")
        assert gap.status == "non_compliant" and gap.severity in ("high", "medium", "low")
        assert any(r.kind == "obligation" and r.status == "open" for r in reqs)
        gap_id = gap.id
    with sessions.begin() as s:
        store.set_requirement(
            s,
            OFFICER,
            gap_id,
            status="partial",
            owner="legal",
            due_on="2027-01-31",
            note="drafting",
        )
        store.attach(s, OFFICER, gap_id, "policy.txt", b"the procedure\n", base_dir=tmp_path)
    with sessions() as s:
        req = store.requirement(s, OFFICER, gap_id)
        assert (req.status, req.owner, req.due_on) == ("partial", "legal", date(2027, 1, 31))
        assert [e.status for e in store.history(s, req)] == ["non_compliant", "partial"]
        (file,) = store.evidence(s, req)
        assert Path(file.stored_path).read_bytes() == b"the procedure\n"
        assert file.sha256 == hashlib.sha256(b"the procedure\n").hexdigest()
    # a refused change leaves nothing: no status, no history, no file
    for bad, code in (
        (
            {"status": "done", "owner": None, "due_on": None, "note": "x"},
            "compliance.invalid_status",
        ),
        (
            {"status": "compliant", "owner": None, "due_on": "2027-02-30", "note": "x"},
            "compliance.invalid_date",
        ),
        (
            {"status": "compliant", "owner": None, "due_on": None, "note": " "},
            "compliance.note_required",
        ),
    ):
        with pytest.raises(RogatoryError) as info, sessions.begin() as s:
            store.set_requirement(s, OFFICER, gap_id, **bad)  # type: ignore[arg-type]
        assert info.value.code == code
    with pytest.raises(RogatoryError) as info, sessions.begin() as s:
        store.attach(s, OFFICER, gap_id, "../x", b"1", base_dir=tmp_path)
    assert info.value.code == "evidence.invalid_name"
    with sessions() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(RequirementEvent)
                .where(RequirementEvent.requirement_id == gap_id)
            )
            == 2
        )
        assert s.scalar(select(func.count()).select_from(EvidenceRow)) == 1
    # another organisation does not find it; an auditor reads but does not assess
    with sessions() as s, pytest.raises(RogatoryError) as info:
        store.get(s, OTHER, assessment_id)
    assert info.value.code == "compliance.not_found"
    with sessions() as s:
        assert store.get(s, AUDITOR, assessment_id).id == assessment_id
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        store.set_requirement(
            s, AUDITOR, gap_id, status="compliant", owner=None, due_on=None, note="x"
        )
    assert info.value.code == "compliance.forbidden" and "compliance role" in info.value.message
    # a law enters the register: what changed since the last review says so
    with sessions.begin() as s:
        store.review(s, OFFICER, assessment_id, before, "first look")
        store.import_laws(s, laws.load(demo.LAWS, catalogue.get()), by="ana")
    now = _result(screener, engine, date(2026, 12, 1))
    with sessions() as s:
        changed = store.since_review(s, store.get(s, OFFICER, assessment_id), now)
    xaa = next(c for c in changed["states"] if c["state"] == "XAA")
    assert xaa["laws_in_force"]["added"] == ["xaa-computer-evidence-act-2026"]
    assert any(g["id"] == "response.slower_than_law" for g in changed["gaps"]["opened"])
    with sessions() as s:
        actions = [
            e.action
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.chain == "org-a").order_by(AuditEvent.seq)
            ).scalars()
        ]
        assert actions[-4:] == [
            "compliance.assessed",
            "compliance.requirement",
            "compliance.evidence",
            "compliance.reviewed",
        ]
        assert audit.verify(s).ok


def _client(
    engine: Engine, screener: screening.Screener, tmp_path: Path, email: str
) -> tuple[TestClient, str]:
    services = Services(
        dbe.sessions(engine), screener, Lifecycle(catalogue.get().has_provision), tmp_path / "ev"
    )
    client = TestClient(create_app(services), follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303
    page = client.get("/compliance")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    return client, csrf.group(1)


def test_the_pages_over_http(engine: Engine, screener: screening.Screener, tmp_path: Path) -> None:
    _orgs(engine)
    with dbe.sessions(engine).begin() as s:
        store.import_laws(s, laws.load(demo.LAWS, catalogue.get()), by="ana")
    client, csrf = _client(engine, screener, tmp_path, OFFICER.user)
    assert "/compliance" in client.get("/compliance").text  # in the navigation
    bad = client.post(
        "/compliance/assessments",
        data={"csrf_token": csrf, "mode": "yaml", "footprint_yaml": "company: X\nservices: []\n"},
    )
    assert bad.status_code == 422 and "services" in bad.text
    form = {
        "csrf_token": csrf,
        "mode": "form",
        "company": "Form Mail",
        "on": "2026-12-01",
        "service": "mail",
        "kind": "communication",
        "countries": "XAA, XAC",
        "establishments": "XAC",
        "retention_traffic": "30",
        "stored_traffic": "XAC",
        "preservation_hours": "24",
        "confidentiality_procedure": "on",
    }
    made = client.post("/compliance/assessments", data=form)
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "Form Mail" in page.text and "<svg" in page.text
    assert "UNVERIFIED (model)" in page.text and "realtime.required_by_law" in page.text
    req_id = re.search(r'action="/compliance/requirements/(\d+)"', page.text)
    assert req_id
    done = client.post(
        f"/compliance/requirements/{req_id.group(1)}",
        data={"csrf_token": csrf, "status": "compliant", "note": "rota in place"},
    )
    assert done.status_code == 303
    refused = client.post(
        f"/compliance/requirements/{req_id.group(1)}",
        data={"csrf_token": csrf, "status": "done", "note": "x"},
    )
    assert refused.status_code == 422 and "is not one of" in refused.text
    upload = client.post(
        f"/compliance/requirements/{req_id.group(1)}/evidence",
        data={"csrf_token": csrf},
        files={"file": ("rota.txt", b"on call", "text/plain")},
    )
    assert upload.status_code == 303
    report = client.get(made.headers["location"] + "/report")
    assert (
        report.status_code == 200
        and "@media print" not in report.text
        and "/static/report.css" in report.text
    )
    assert 'id="report-pdf"' in client.get(made.headers["location"]).text
    printed = client.get(made.headers["location"] + "/report.pdf")
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(printed.content)).pages
    assert len(pages) > 1 and "Compliance assessment: Form Mail" in pages[0].extract_text()
    assert "attachment" in printed.headers["content-disposition"]
    laws_page = client.get("/compliance/laws?on=2026-12-01")
    assert (
        "Computer Evidence (Procedure) Act 2026" in laws_page.text and "fictional" in laws_page.text
    )
    feed = client.get("/compliance/laws/feed.atom")
    assert (
        feed.headers["content-type"].startswith("application/atom+xml")
        and feed.text.count("<entry>") == 3
    )
    assert (
        client.post(
            "/compliance/laws/subscribe", data={"csrf_token": csrf, "state": "XAC"}
        ).status_code
        == 303
    )
    assert "You follow: XAC" in client.get("/compliance/laws").text
    assert "What the Convention does not require" in client.get("/compliance/obligations").text
    # another organisation's assessment is not found; an intake officer may not read any
    other, _ = _client(engine, screener, tmp_path, OTHER.user)
    assert other.get(made.headers["location"]).status_code == 404
    intake, _ = _client(engine, screener, tmp_path, "intake@a.example")
    assert intake.get("/compliance").status_code == 403
    assert '/compliance"' not in intake.get("/queue").text

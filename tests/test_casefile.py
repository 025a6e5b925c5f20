"""The case file: a demo case's file verifies against its organisation's chain, and any
change to it, or to the chain, is caught; HTML and PDF are real documents naming the case,
recorded by their SHA-256 when issued; the CLI exports and verifies. The request summary,
the grouped findings and the timeline in words are what the case page shows too."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select, text

from rogatory.casefile import document, issue, reading, render, timeline, verify
from rogatory.casefile.render import Format
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.replies.models import ReplyRow
from rogatory.replies.templates import Templates
from rogatory.requests import flows
from rogatory.requests.models import Case
from rogatory.requests.transitions import Role
from rogatory.treaty import catalogue
from tests.conftest import CliResult, Demo

AUDITOR = flows.Actor("auditor@nimbus.example", "nimbus", frozenset({Role.AUDITOR}))


def _case_with_a_sent_reply(demo: Demo) -> Case:
    with demo.sessions() as s:
        case_id = s.execute(
            select(ReplyRow.case_id)
            .join(Case, Case.id == ReplyRow.case_id)
            .where(Case.org_id == "nimbus", ReplyRow.status == "sent", ReplyRow.kind == "refusal")
            .limit(1)
        ).scalar_one()
        case = s.get(Case, case_id)
        assert case is not None
        s.expunge(case)
        return case


def _issue(demo: Demo, case_id: str, fmt: Format) -> issue.Issued:
    sessions = demo.sessions
    return issue.issue(dbe.read_only(sessions), sessions, AUDITOR, case_id, fmt, Templates())


def _verify(demo: Demo, content: bytes) -> dict[str, tuple[bool, str]]:
    with demo.sessions() as s:
        found = verify.verify(s, content)
    return {name: (ok, message) for name, ok, message in found.checks}


def test_the_case_file_of_a_demo_case_verifies_against_the_chain(demo: Demo) -> None:
    case = _case_with_a_sent_reply(demo)
    issued = _issue(demo, case.id, Format.JSON)
    doc = json.loads(issued.content)
    assert doc["format"] == document.FORMAT and doc["case"]["id"] == case.id
    assert doc["replies"] and doc["replies"][0]["text"] and doc["decisions"]
    assert [s["bundle_revision"] for s in doc["screenings"]]
    refusal = next(d for d in doc["decisions"] if d["to"] == "refused")
    assert refusal["grounds"] and refusal["by_name"]  # the decision, its reasons, who took it
    checks = _verify(demo, issued.content)
    assert all(ok for ok, _ in checks.values()), checks
    assert set(checks) == {
        "event_hashes",
        "chain",
        "events_in_chain",
        "events_complete",
        "head",
        "issued",
    }
    # the issue itself is recorded in the chain, with the file's SHA-256 and the head
    with demo.sessions() as s:
        event = s.execute(
            text(
                "SELECT summary FROM audit_events WHERE action = 'case_file.issued' ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()
    summary = json.loads(event) if isinstance(event, str) else event
    assert summary["sha256"] == hashlib.sha256(issued.content).hexdigest() == issued.sha256
    assert summary["head"] == doc["audit"]["head"]


def test_a_changed_case_file_or_one_missing_an_event_does_not_verify(demo: Demo) -> None:
    case = _case_with_a_sent_reply(demo)
    doc = json.loads(_issue(demo, case.id, Format.JSON).content)

    edited = copy.deepcopy(doc)
    edited["audit"]["events"][1]["summary"]["note"] = "changed afterwards"
    checks = _verify(demo, render.as_json(edited))
    assert not checks["event_hashes"][0] and "altered" in checks["event_hashes"][1]
    assert not checks["issued"][0]  # and its SHA-256 was never issued

    dropped = copy.deepcopy(doc)
    gone = dropped["audit"]["events"].pop(2)
    checks = _verify(demo, render.as_json(dropped))
    assert checks["event_hashes"][0] and not checks["events_complete"][0]
    assert str(gone["seq"]) in checks["events_complete"][1]

    headed = copy.deepcopy(doc)
    headed["audit"]["head"]["hash"] = "0" * 64
    assert not _verify(demo, render.as_json(headed))["head"][0]
    assert [(n, ok) for n, (ok, _) in _verify(demo, b"not a case file").items()] == [
        ("issued", False)
    ]


def test_html_and_pdf_are_real_documents_naming_the_case_and_recorded_when_issued(
    demo: Demo,
) -> None:
    case = _case_with_a_sent_reply(demo)
    html = _issue(demo, case.id, Format.HTML)
    page = html.content.decode()
    assert page.startswith("<!DOCTYPE html>") and case.reference and case.reference in page
    assert "What blocks the decision" in page or "What needs a person" in page
    pdf = _issue(demo, case.id, Format.PDF)
    assert pdf.content.startswith(b"%PDF-") and pdf.filename.endswith(".pdf")
    words = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert case.reference in words and "The audit record" in words
    for issued in (html, pdf):
        checks = _verify(demo, issued.content)
        assert checks == {"issued": (True, checks["issued"][1])}
        assert f"issued as {issued.format.value}" in checks["issued"][1]


def test_user_text_is_escaped_in_the_html_case_file(demo: Demo) -> None:
    case = _case_with_a_sent_reply(demo)
    with demo.sessions() as s:
        built = document.build(s, s.get(Case, case.id), issued_by=AUDITOR.user)
    built["replies"][0]["text"] = "<script>alert('x')</script>"
    built["request"]["document"]["facts"] = "</pre><img src=x onerror=alert(1)>"
    page = render.as_html(built, Templates()).decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_pdf_is_refused_clearly_without_its_system_libraries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without Pango
    with pytest.raises(RogatoryError) as caught:
        render.as_pdf(b"<p>x</p>")
    assert caught.value.code == "pdf.unavailable" and "libpango" in (caught.value.help or "")
    with pytest.raises(RogatoryError) as bad:
        render.format_of("docx")
    assert bad.value.code == "casefile.invalid_format"


def test_an_organisations_case_file_template_is_used_and_a_broken_one_named(
    demo: Demo, tmp_path: Path
) -> None:
    case = _case_with_a_sent_reply(demo)
    (tmp_path / "casefile").mkdir()
    (tmp_path / "casefile" / "case_file.html").write_text("<h1>{{ f.case.reference }} — ours</h1>")
    with demo.sessions() as s:
        built = document.build(s, s.get(Case, case.id), issued_by=AUDITOR.user)
    assert (
        render.as_html(built, Templates(tmp_path)).decode() == f"<h1>{case.reference} — ours</h1>"
    )
    (tmp_path / "casefile" / "case_file.html").write_text("<h1>{{ f.case.reference }</h1>")
    with pytest.raises(RogatoryError) as caught:
        render.as_html(built, Templates(tmp_path))
    assert caught.value.code == "template.invalid" and "case_file.html" in caught.value.message
    assert "organisation's templates" in caught.value.message


def test_the_request_reads_as_four_sections_and_the_findings_by_what_they_mean() -> None:
    request = {
        "measure": "preservation",
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": "2026-09-01",
        "requesting_authority": {"name": "Unit", "role": "contact_point_24_7", "reference": "R-1"},
        "offence": {"description": "Phishing", "treaty_articles": [13], "max_penalty_years": 5},
        "data": {
            "categories": ["subscriber"],
            "identifiers": ["a@b", "1.2.3.4"],
            "period": {"from": "2026-01-01", "to": "2026-02-01"},
        },
        "necessity": "Logs are deleted.",
    }
    sections = reading.summary(request, catalogue.get(), [{"instrument": "UNCC", "title": "UN"}])
    assert [s.id for s in sections] == ["who", "what", "about", "basis"]
    rows = {r.label: r.value for s in sections for r in s.rows}
    assert rows["Channel"] == "24/7 point of contact" and rows["Their reference"] == "R-1"
    assert (
        rows["Identifiers"] == ["a@b", "1.2.3.4"] and rows["Period"] == "2026-01-01 to 2026-02-01"
    )
    assert (
        rows["Offence articles"][0].startswith("UNCC Art. 13: ")
        and rows["Maximum penalty"] == "5 years"
    )
    assert "Facts" not in rows  # nothing for what the request does not say
    decision = {
        "findings": [
            {"rule": r, "result": res}
            for r, res in (
                ("a", "pass"),
                ("b", "fail"),
                ("c", "review"),
                ("d", "not_applicable"),
                ("e", "overridden"),
            )
        ]
    }
    groups = {g.id: [f["rule"] for f in g.findings] for g in reading.groups(decision)}
    assert groups == {
        "blocks": ["b"],
        "person": ["c", "e"],
        "passed": ["a"],
        "not-applicable": ["d"],
    }


def test_the_timeline_says_each_event_in_words() -> None:
    names = {"reviewer@nimbus.example": "Rafael Reviewer"}
    said = timeline.sentence(
        "case.finding_acknowledged",
        "reviewer@nimbus.example",
        {"rule": "refusal.essential_interests", "note": "No essential interest is at stake."},
        names,
    )
    assert said == (
        "Rafael Reviewer acknowledged the finding on essential interests: "
        "“No essential interest is at stake.”"
    )
    assert timeline.sentence(
        "case.transition",
        "x",
        {"from": "in_review", "to": "refused", "grounds": ["uncc:art-40:para-21"], "note": None},
        {},
    ) == ("x refused the request on uncc:art-40:para-21")
    assert timeline.sentence("something.new", "x", {}, {}) == "x — something: new"
    assert timeline.sentence("hold.placed", "x", {"identifiers": 3}, {}) == "x — hold.placed"


def test_cases_export_and_verify_file_from_the_command_line(
    demo: Demo, cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case_with_a_sent_reply(demo)
    monkeypatch.setenv("ROGATORY_DATABASE_URL", str(demo.engine.url))
    run = cli  # the real entry point, in a subprocess, with the environment above
    out = tmp_path / "file.json"
    made = run(
        "cases", "export", case.id, "--as", AUDITOR.user, "--format", "json", "--out", str(out)
    )
    assert made.code == 0, made.err
    assert "SHA-256" in made.out and hashlib.sha256(out.read_bytes()).hexdigest() in made.out
    checked = run("cases", "verify-file", str(out))
    assert checked.code == 0 and checked.out.strip().endswith("valid"), checked.out
    out.write_text(out.read_text().replace('"seq": 1,', '"seq": 1 ,', 1))  # a byte changed
    refused = run("cases", "verify-file", str(out))
    assert refused.code == 1 and "INVALID" in refused.out
    bad = run("cases", "export", case.id, "--as", AUDITOR.user, "--format", "docx")
    assert bad.code == 2 and bad.err.startswith("error[casefile.invalid_format]")
    nobody = run("cases", "export", case.id, "--as", "nobody@x.example")
    assert nobody.code == 2 and nobody.err.startswith("error[user.not_found]")
    assert os.environ["ROGATORY_DATABASE_URL"] == str(demo.engine.url)

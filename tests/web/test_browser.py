"""The web application in Debian's headless Chromium: the flows the people working the queue
go through, accessibility (axe-core), and a screenshot of each main screen."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from rogatory.authorities import signed
from rogatory.disclosure import keys, receipts
from rogatory.replies.models import ReplyRow
from rogatory.reports import publishing
from rogatory.requests import flows
from rogatory.requests.models import Case
from rogatory.requests.transitions import Role, Status
from rogatory.signing import keyring
from tests.web.conftest import Site, axe_violations, shoot, sign_in, sign_out

INTAKE = "intake@nimbus.example"
REVIEWER = "reviewer@nimbus.example"
APPROVER = "approver@nimbus.example"
APPROVER2 = "approver2@nimbus.example"
AUDITOR = "auditor@nimbus.example"
ADMIN = "admin@nimbus.example"
OTHER = "reviewer@ca-xac.example"


def _interception_case(site: Site) -> str:
    """A fresh interception case in screening: four eyes apply to it."""
    doc = {
        "measure": "interception",
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "requesting_authority": {"name": "National Cybercrime Unit", "reference": "FOUR-EYES-1"},
        "offence": {
            "description": "Ransomware extortion of hospitals",
            "treaty_articles": [7, 10],
            "max_penalty_years": 8,
        },
        "facts": "The account negotiates ransom payments with the victims.",
        "necessity": "Only the content of the negotiations identifies the operators.",
        "data": {"categories": ["content"], "identifiers": ["ops@nimbus.example"]},
        "duration_days": 14,
        "authorisation": {
            "issuer": "Investigating judge",
            "date": date.today().isoformat(),
            "reference": "ORD-1",
        },
    }
    actor = flows.Actor(INTAKE, "nimbus", frozenset({Role.INTAKE}))
    with site.sessions.begin() as s:
        case, _ = flows.intake(s, actor, doc, site.services.screener)
        return case.id


def test_sign_in_refuses_a_wrong_password_then_lets_the_user_in(page: Page) -> None:
    page.goto("/queue")
    expect(page).to_have_url(re.compile(r"/login\?next=/queue"))
    page.fill("#email", REVIEWER)
    page.fill("#password", "not the password")
    page.click("form[action='/login'] button")
    expect(page.locator("#login-error")).to_contain_text("wrong email or password")
    sign_in(page, REVIEWER)
    expect(page).to_have_url(re.compile(r"/queue$"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit")).to_have_count(0)  # not a reviewer's screen
    sign_out(page)
    page.goto("/queue")
    expect(page).to_have_url(re.compile(r"/login"))


def test_guided_preservation_intake_refuses_a_missing_field_then_takes_the_request(
    page: Page,
) -> None:
    sign_in(page, INTAKE)
    page.goto("/intake")
    # the first list is the service's own treaty's (the UN Convention's)
    page.get_by_role("link", name=re.compile("Expedited preservation")).first.click()
    page.fill("#f-requesting_state", "XAA")
    page.fill("#f-requested_state", "XAB")
    page.fill("#f-requesting_authority-name", "National Cybercrime Unit")
    page.fill("#f-requesting_authority-reference", "BROWSER-PRES-1")
    page.fill("#f-offence-description", "Phishing campaign against bank customers")
    page.check("input[name='offence.treaty_articles'][value='13']")
    page.fill("#f-offence-max_penalty_years", "5")
    page.fill("#f-necessity", "Logs are deleted after 30 days.")
    page.check("input[name='data.categories'][value='subscriber']")
    page.fill("#f-data-identifiers", "victimshop@nimbus.example\n203.0.113.9")
    page.fill("#f-data-relation_to_offence", "The account hosted the cloned bank site.")
    page.check("#f-mla_to_follow")
    # live: the checklist follows the form while typing, before any submission
    checklist = page.locator("#checklist")
    expect(checklist.locator("li.missing")).to_have_count(1)
    expect(checklist.locator("li.missing")).to_contain_text("summary of the related facts")
    shoot(page, "intake")
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#err-f-facts")).to_contain_text("a brief summary of the related facts")
    expect(page.locator("#f-facts")).to_have_attribute("aria-invalid", "true")
    assert page.input_value("#f-data-identifiers").startswith("victimshop@")  # nothing lost
    page.fill(
        "#f-facts", "140 victims entered card details on a cloned site hosted by the custodian."
    )
    expect(checklist.locator("li.missing")).to_have_count(0)
    page.get_by_role("button", name="Submit request").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    expect(page.locator("#case-title")).to_contain_text("BROWSER-PRES-1")
    findings = page.locator("ol.findings li.finding")
    expect(findings.first).to_be_visible()
    expect(page.locator("li.finding.pass", has_text="completeness.preservation")).to_have_count(1)
    shoot(page, "case")
    # each citation opens the article's text and says whether it is verified
    link = page.locator("li.finding", has_text="completeness.preservation").locator("a.cite").first
    link.click()
    expect(page).to_have_url(re.compile(r"/treaty/42"))
    expect(page.locator("h1")).to_contain_text("Article 42")
    expect(page.locator("main .badge").first).to_have_text(re.compile("verified|unverified"))
    expect(page.get_by_text("completeness.preservation")).to_be_visible()
    shoot(page, "article")


def test_review_four_eyes_evidence_and_receipt(page: Page, site: Site) -> None:
    case_id = _interception_case(site)
    url = f"/cases/{case_id}"
    sign_in(page, REVIEWER)
    page.goto(url)
    page.get_by_role("button", name="Move to in review").click()
    expect(page.locator("#case-title .status")).to_have_text("in review")
    forms = page.locator("form.ack-form")
    assert forms.count() >= 1  # interception always goes to a person
    while forms.count():
        form = forms.first
        form.locator("textarea").fill("Checked against the judge's order.")
        form.get_by_role("button").click()
        page.wait_for_load_state()
    expect(page.get_by_text("Every review finding is acknowledged.")).to_be_visible()
    sign_out(page)

    sign_in(page, APPROVER)
    page.goto(url)
    page.fill("#approve-note", "Order and scope checked.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#decision")).to_contain_text("Approvals so far: 1 of 2")
    page.get_by_role("button", name="Approve").click()  # the same person again
    expect(page.locator("#decision .error-box")).to_contain_text("two different approvers")
    sign_out(page)

    sign_in(page, APPROVER2)
    page.goto(url)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#case-title .status")).to_have_text("approved")

    content = b"ts,account,event\n2026-11-30T10:00Z,ops@nimbus.example,login\n"
    page.set_input_files(
        "#evidence-file",
        files=[{"name": "intercept.csv", "mimeType": "text/csv", "buffer": content}],
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-status")).to_contain_text(hashlib.sha256(content).hexdigest())
    expect(page.locator("table.files")).to_contain_text(hashlib.sha256(content).hexdigest())
    page.get_by_role("button", name="Disclose").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("download receipt")).click()
    receipt = receipts.Receipt.model_validate(json.loads(info.value.path().read_bytes()))
    with site.sessions() as s:
        public = keyring.current(s, "nimbus")[0].public_key
        status = s.execute(select(Case.status).where(Case.id == case_id)).scalar_one()
    checks = receipts.verify(receipt, expected_key=keys.parse_public(public))
    assert checks.ok, checks.checks
    assert [f.sha256 for f in receipt.manifest.files] == [hashlib.sha256(content).hexdigest()]
    assert status == Status.APPROVED.value
    timeline = page.locator("#timeline")
    for action in ("case.approval_recorded", "evidence.uploaded", "evidence.disclosed"):
        expect(timeline).to_contain_text(action)


def test_another_organisation_gets_a_not_found_page(page: Page, site: Site) -> None:
    with site.sessions() as s:
        case = s.execute(select(Case).where(Case.org_id == "nimbus").limit(1)).scalar_one()
        reference, case_id = case.reference, case.id
    sign_in(page, OTHER)
    response = page.goto(f"/cases/{case_id}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    assert reference and reference not in page.content()
    shoot(page, "not-found")


def test_the_states_page_on_two_dates(page: Page) -> None:
    sign_in(page, REVIEWER)
    page.goto("/states?on=2026-01-01")
    before = int(page.locator("#count strong").inner_text())
    expect(page.locator("#eif")).to_contain_text("Not in force")
    page.fill("#on", "2026-12-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"on=2026-12-01"))
    after = int(page.locator("#count strong").inner_text())
    assert before < after and after >= 40
    expect(page.locator("#eif")).to_contain_text("2026-07-07")
    expect(page.locator("svg.chart polyline")).to_have_count(2)
    shoot(page, "states")


def test_the_legal_bases_page_for_a_pair_of_states(page: Page) -> None:
    sign_in(page, REVIEWER)
    page.get_by_role("link", name="Legal bases").click()
    page.fill("#a", "FRA")
    page.fill("#b", "DEU")
    page.fill("#on", "2026-12-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"a=FRA&b=DEU&on=2026-12-01"))
    expect(page.locator("#send-under")).to_contain_text("ETS185")
    expect(page.locator("article.basis.in-force h3").first).to_contain_text("ETS185")
    shoot(page, "basis")


def test_the_queue_filters_searches_and_works_from_the_keyboard(page: Page) -> None:
    sign_in(page, REVIEWER)
    page.goto("/queue")
    expect(page.locator("table.queue tbody tr")).to_have_count(25)
    shoot(page, "queue")
    page.select_option("#measure", "emergency")
    expect(page).to_have_url(re.compile(r"measure=emergency"))
    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_contain_text("emergency")
    assert all("emergency" in t for t in rows.all_inner_texts())
    page.fill("#q", "FOUR-EYES-NO-SUCH")
    expect(page.get_by_text("No case matches.")).to_be_visible()
    page.goto("/queue")
    page.locator("body").press("j")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "case-link"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/"))


def test_audit_page_for_auditors(page: Page) -> None:
    sign_in(page, AUDITOR)
    page.goto("/audit")
    expect(page.locator("#chain-state")).to_contain_text("Verified")
    shoot(page, "audit")


def test_a_reply_is_drafted_approved_by_a_second_person_sent_and_downloaded(
    page: Page, site: Site
) -> None:
    with site.sessions() as s:
        answered = select(ReplyRow.case_id)
        case_id = s.execute(
            select(Case.id)
            .where(Case.org_id == "nimbus", Case.status == "refused", Case.id.not_in(answered))
            .limit(1)
        ).scalar_one()
    url = f"/cases/{case_id}"
    sign_in(page, REVIEWER)
    page.goto(url)
    # the request reads as a summary; the raw document is one click away
    expect(page.locator("#request-who")).to_contain_text("Authority")
    expect(page.locator("details.raw pre.doc")).to_be_hidden()
    page.get_by_text("The request document as received (JSON)").click()
    expect(page.locator("details.raw pre.doc")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Rafael Reviewer took the case into review")
    page.select_option("#reply-kind", "refusal")
    page.select_option("#reply-language", "en")
    page.get_by_role("button", name="Draft the reply").click()
    reply = page.locator("article.reply").last
    expect(reply).to_contain_text("draft")
    letter = reply.locator("textarea")
    expect(letter).to_have_value(re.compile("Refusal of assistance"))
    expect(reply.get_by_role("button", name=re.compile("^Send"))).to_have_count(0)  # four eyes
    letter.fill(letter.input_value() + "\nWe remain at your disposal.")
    reply.get_by_role("button", name="Save the text").click()
    shoot(page, "case-reply-draft")
    sign_out(page)

    sign_in(page, APPROVER)
    page.goto(url)
    page.locator("article.reply").last.get_by_role(
        "button", name=re.compile("Approve reply")
    ).click()
    expect(page.locator("article.reply").last).to_contain_text("approved")
    sign_out(page)

    sign_in(page, REVIEWER)
    page.goto(url)
    reply = page.locator("article.reply").last
    reply.get_by_role("button", name=re.compile("^Send reply")).click()
    reply = page.locator("article.reply").last
    expect(reply.locator(".status")).to_have_text("sent")
    expect(reply.locator("pre.letter")).to_contain_text("We remain at your disposal.")
    with page.expect_download() as got:
        reply.get_by_role("link", name=re.compile("Download the letter")).click()
    body = got.value.path().read_bytes()
    with site.sessions() as s:
        row = s.execute(select(ReplyRow).where(ReplyRow.case_id == case_id)).scalar_one()
    assert row.sha256 == hashlib.sha256(body).hexdigest() and row.delivery == "pending"
    expect(reply.locator("code.hash")).to_have_text(row.sha256)
    page.select_option("#file-format", "pdf")
    # WeasyPrint lays the PDF out in the request: seconds on a loaded machine, so this one
    # action gets more than the suite's 10 s
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="Issue the case file").click(timeout=60_000)
    assert got.value.suggested_filename.endswith(".pdf")
    assert got.value.path().read_bytes().startswith(b"%PDF-")
    assert axe_violations(page) == []
    shoot(page, "case-reply-sent")


SCREENS = {
    "login": (None, "/login"),
    "queue": (REVIEWER, "/queue"),
    "intake-choose": (INTAKE, "/intake"),
    "intake-form": (INTAKE, "/intake/preservation"),
    "intake-form-budapest": (INTAKE, "/intake/preservation?treaty=budapest"),
    "case": (REVIEWER, None),
    "case-replied": (REVIEWER, None),
    "case-postponed": (APPROVER, None),
    "amend": (INTAKE, None),
    "treaty": (REVIEWER, "/treaty"),
    "treaty-search": (REVIEWER, "/treaty?q=preservation"),
    "article": (REVIEWER, "/treaty/42"),
    "states": (REVIEWER, "/states"),
    "basis": (REVIEWER, "/basis?a=FRA&b=DEU&on=2026-12-01"),
    "audit": (AUDITOR, "/audit"),
    "people": (ADMIN, "/people"),
    "reports": (ADMIN, "/reports"),
    "public-report": (None, None),
    "authorities": (ADMIN, "/authorities"),
    "authorities-read": (REVIEWER, "/authorities?state=XAA"),
    "notifications": (REVIEWER, "/notifications"),
    # requesting authorities' own accounts (the signed-in requester's pages, past its TOTP
    # code, are swept in test_requester_browser.py)
    "requester-sign-up": (None, "/requesters/sign-up"),
    "requester-verify": (None, "/requesters/verify?token=not-a-real-one"),
    "login-code": (None, "/login/code"),
    "requesters": (ADMIN, "/requesters"),
}


def test_an_admin_reads_the_report_publishes_it_and_anyone_reads_it_signed_out(
    page: Page,
) -> None:
    sign_in(page, ADMIN)
    page.goto("/reports")
    expect(page.locator("#by-state-title")).to_have_text("Requests by requesting State")
    expect(page.locator("#suppression")).to_contain_text("Suppression, k = 5")
    expect(page.locator("#report-table tbody tr.total th")).to_have_text("total")
    page.fill("#k", "7")
    page.click("#report-period button")
    expect(page.locator("#suppression")).to_contain_text("k = 7")
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename.startswith("transparency-nimbus-")
    shoot(page, "reports")
    page.click("#publish-form button")
    expect(page.locator("#publication")).to_contain_text("the signature verifies")
    address = page.url
    page.goto("/queue")
    sign_out(page)
    page.goto(address)  # a public address: no sign-in
    expect(page.locator("h1")).to_contain_text("Transparency report of nimbus")
    expect(page.locator("#suppression")).to_contain_text("k = 7")
    shoot(page, "public-report")


def test_an_admin_registers_an_authority_and_a_signed_request_is_taken_in_from_a_file(
    page: Page, site: Site, tmp_path: Path
) -> None:
    """The admin adds an authority with its key on the Authorities page; an intake officer
    uploads a request document signed with that key; the case shows the signature checked
    against the registry; the same file again is refused as a replay; the key is revoked."""
    key = keys.generate()
    sign_in(page, ADMIN)
    page.goto("/authorities")
    expect(page.locator("#authority-demo-xaa-ncu")).to_contain_text("fictional (demo)")
    page.fill("#a-state", "XAD")
    page.fill("#a-name", "Browser Test Unit of XAD")
    page.select_option("#a-kind", "contact_point_24_7")
    page.fill("#a-domains", "browser.xad.example")
    page.fill("#a-phones", "555 0199")  # no country code: refused by the server
    page.fill("#a-kid", "browser-xad-1")
    page.fill("#a-key", keys.public_b64(key.public_key()))
    page.fill("#a-from", "2026-01-01")
    page.fill("#a-by", "Ada Admin")
    page.fill("#a-how", "call to the number in the ministry's directory")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#authorities-error")).to_contain_text(
        "the form: field phones[0]: '555 0199' is not an international number"
    )
    assert page.input_value("#a-key") == keys.public_b64(key.public_key())  # nothing lost
    page.fill("#a-phones", "+999 200 555 0199")
    page.get_by_role("button", name="Add").click()
    row = page.locator("tr", has_text="Browser Test Unit of XAD")
    expect(row).to_contain_text("browser-xad-1")
    expect(row).to_contain_text("+9992005550199")
    shoot(page, "authorities")
    sign_out(page)

    document = {
        "measure": "preservation",
        "requesting_state": "XAD",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "requesting_authority": {
            "name": "Browser Test Unit of XAD",
            "role": "contact_point_24_7",
            "reference": "BROWSER-SIGNED-1",
            "email": "duty@browser.xad.example",
        },
        "offence": {"description": "Phishing", "treaty_articles": [13], "max_penalty_years": 5},
        "facts": "The account sent phishing mail to 140 people.",
        "necessity": "Logs are kept for 30 days.",
        "mla_to_follow": True,
        "data": {
            "categories": ["subscriber"],
            "identifiers": ["phish@nimbus.example"],
            "relation_to_offence": "It sent the mail.",
        },
    }
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(signed.sign(document, key, "browser-xad-1")))
    sign_in(page, INTAKE)
    page.goto("/intake")
    page.set_input_files("#document", str(path))
    page.get_by_role("button", name="Take in").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    expect(page.locator("#case-title")).to_contain_text("BROWSER-SIGNED-1")
    signature = page.locator("li.finding", has_text="requester.signature")
    expect(signature).to_contain_text("signed by Browser Test Unit of XAD")
    expect(page.locator("li.finding.pass", has_text="requester.sender_domain")).to_have_count(1)
    page.goto("/intake")
    page.set_input_files("#document", str(path))
    page.get_by_role("button", name="Take in").click()
    expect(page.locator("#upload-error")).to_contain_text("was already received")
    sign_out(page)

    sign_in(page, ADMIN)
    page.goto("/authorities")
    page.fill("#reason-browser-xad-1", "retired after the test")
    page.get_by_role("button", name="Revoke key browser-xad-1").click()
    expect(page.locator("tr", has_text="Browser Test Unit of XAD")).to_contain_text(
        "retired after the test"
    )


def test_a_reviewer_records_the_call_back_that_confirms_an_emergency(
    page: Page, site: Site
) -> None:
    from datetime import UTC, datetime

    from rogatory.demo import authorities as demo

    document = demo.sender(
        {
            "measure": "emergency",
            "requesting_state": "XAA",
            "requested_state": "XAB",
            "submitted_on": date.today().isoformat(),
            "requesting_authority": {"role": "contact_point_24_7", "reference": "CALL-BACK-1"},
            "offence": {
                "description": "Kidnapping",
                "treaty_articles": [],
                "max_penalty_years": 20,
            },
            "facts": "The captors use the account to demand ransom.",
            "data": {"categories": ["subscriber"], "identifiers": ["captor@nimbus.example"]},
            "emergency": {
                "description": "A kidnapping victim's captors use the account.",
                "risk_to": ["life"],
                "imminent": True,
                "significant": True,
            },
        }
    )
    intake = flows.Actor(INTAKE, "nimbus", frozenset({Role.INTAKE}))
    reviewer = flows.Actor(REVIEWER, "nimbus", frozenset({Role.REVIEWER}))
    with site.sessions.begin() as s:
        case, _ = flows.intake(
            s, intake, demo.sign(document, datetime.now(UTC)), site.services.screener
        )
        flows.transition(s, reviewer, case.id, Status.IN_REVIEW, site.services.lifecycle)
        case_id = case.id
    sign_in(page, REVIEWER)
    page.goto(f"/cases/{case_id}")
    panel = page.locator("#requester")
    expect(panel).to_contain_text("Signature: valid, by National Cybercrime Unit of XAA")
    channel = page.locator("li.finding", has_text="channel.requesting_authority")
    expect(channel).to_contain_text("by a call-back to a number from the authority registry")
    number = demo.phone("XAA", "contact_point_24_7")
    expect(page.locator("#call-number")).to_have_value(number)  # the 24/7 contact first
    page.select_option("#call-outcome", "confirmed")
    page.fill("#call-note", "The duty officer confirmed the reference.")
    page.get_by_role("button", name="Record the call-back").click()
    expect(panel).to_contain_text(
        f"called National Cybercrime Unit of XAA on {demo.phone('XAA', 'contact_point_24_7')}: confirmed"
    )
    expect(page.locator("li.finding", has_text="channel.requesting_authority")).to_contain_text(
        "confirmed by a call-back"
    )
    shoot(page, "call-back")


def test_main_screens_have_no_serious_accessibility_violations(page: Page, site: Site) -> None:
    with site.sessions() as s:
        busy = s.execute(
            select(Case.id).where(Case.org_id == "nimbus", Case.status == "in_review").limit(1)
        ).scalar_one()
        waiting = s.execute(
            select(Case.id).where(Case.org_id == "nimbus", Case.status == "info_requested").limit(1)
        ).scalar_one()
        replied = s.execute(
            select(ReplyRow.case_id)
            .join(Case, Case.id == ReplyRow.case_id)
            .where(Case.org_id == "nimbus", ReplyRow.status == "sent", ReplyRow.kind == "refusal")
            .limit(1)
        ).scalar_one()
        postponed = s.execute(
            select(ReplyRow.case_id)
            .join(Case, Case.id == ReplyRow.case_id)
            .where(Case.org_id == "nimbus", ReplyRow.kind == "postponement")
            .limit(1)
        ).scalar_one()
    with site.sessions() as s:
        published = publishing.listed(s, "nimbus")[-1]  # the demo's
    pages = {
        "case": f"/cases/{busy}",
        "amend": f"/cases/{waiting}/amend",
        "case-replied": f"/cases/{replied}",
        "case-postponed": f"/cases/{postponed}",
        "public-report": publishing.public_path("nimbus", published.id),
    }
    found = {}
    for name, (who, path) in SCREENS.items():
        if who:
            sign_in(page, who)
        page.goto(path or pages[name])
        found[name] = [(v["id"], v["impact"], len(v["nodes"])) for v in axe_violations(page)]
        shoot(page, f"a11y-{name}")
        if who:
            sign_out(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_the_api_reference_renders_under_the_sites_policy(page: Page) -> None:
    """/docs draws every operation from the package's own Swagger UI; the page fixture fails
    the test if anything is fetched from elsewhere, and the policy refuses nothing."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 15
    expect(page.get_by_text("/api/v1/cases/{case_id}/transitions")).to_be_visible()
    assert refused == []
    shoot(page, "docs")

"""The compliance screens in Debian's headless Chromium over the demo: the stored assessment
(its report, chart, requirements and what changed since the last review), a new assessment
from the form, updating a requirement, the printable report, the register and its feed, and
an axe-core sweep of every compliance screen."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from rogatory.assessments.models import AssessmentRow
from tests.web.conftest import Site, axe_violations, shoot, sign_in, sign_out

OFFICER = "compliance@nimbus.example"
REVIEWER = "reviewer@nimbus.example"


def _stored(site: Site) -> str:
    with site.sessions() as s:
        found: str = s.execute(
            select(AssessmentRow.id).where(AssessmentRow.org_id == "nimbus").limit(1)
        ).scalar_one()
        return found


def test_the_stored_assessment_a_new_one_and_a_requirement_worked(page: Page, site: Site) -> None:
    sign_in(page, OFFICER)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Compliance").click()
    expect(page.locator("#assessments")).to_contain_text("Example Mail Ltd")
    page.locator("#assessments a", has_text="Example Mail Ltd").click()
    expect(page.locator("#report-title")).to_contain_text("Example Mail Ltd")
    expect(page.locator("svg.tiles title")).to_contain_text("countries by the Convention's status")
    expect(page.locator("#country-XAA")).to_contain_text("response.slower_than_law")
    expect(page.locator("#requirements")).to_contain_text("partial")
    shoot(page, "compliance-assessment")
    # a new assessment from the form, then one of its requirements worked
    page.goto("/compliance")
    page.fill("#fp-company", "Browser Mail")
    page.fill("#fp-service", "chat")
    page.select_option("#fp-kind", "messaging")
    page.fill("#fp-countries", "XAA")
    page.fill("#fp-ret-traffic", "14")
    page.fill("#fp-st-traffic", "XAA")
    page.fill("#fp-pres", "6")
    shoot(page, "compliance-new")
    page.get_by_role("button", name="Assess", exact=True).click()
    expect(page).to_have_url(re.compile(r"/compliance/assessments/[0-9a-f-]{36}$"))
    expect(page.locator("#report-title")).to_contain_text("Browser Mail")
    expect(page.locator("#country-XAA")).to_contain_text("confidentiality.no_procedure")
    row = page.locator("#requirements tbody tr", has_text="no confidentiality procedure").first
    row.locator("summary", has_text="Update").click()
    row.locator("select[name=status]").select_option("compliant")
    row.locator("input[name=owner]").fill("legal@nimbus.example")
    row.locator("input[name=note]").fill("Procedure adopted")
    row.get_by_role("button", name="Save").click()
    row = page.locator("#requirements tbody tr", has_text="no confidentiality procedure").first
    expect(row).to_contain_text("compliant")
    expect(row).to_contain_text("legal@nimbus.example")
    page.fill("#review-note", "Reviewed after the procedure")
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#no-change")).to_be_visible()
    page.locator("#printable").click()
    expect(page.locator("#report-title")).to_contain_text("Browser Mail")
    expect(page.locator("header.top")).to_have_count(0)  # printed without the site's chrome
    page.emulate_media(media="print")
    shoot(page, "compliance-print")
    page.emulate_media(media="screen")


def test_the_register_and_its_feed(page: Page) -> None:
    sign_in(page, OFFICER)
    page.goto("/compliance/laws?on=2026-12-01")
    expect(page.locator("#laws")).to_contain_text("Computer Evidence (Procedure) Act 2026")
    expect(page.locator("#laws")).to_contain_text("fictional")
    expect(page.locator("#subscriptions")).to_contain_text("XAA")
    shoot(page, "compliance-laws")
    answer = page.request.get("/compliance/laws/feed.atom")
    assert answer.ok and "<feed" in answer.text()


def test_a_reviewer_has_no_compliance_screen(page: Page) -> None:
    sign_in(page, REVIEWER)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Compliance")).to_have_count(0)
    page.goto("/compliance")
    expect(page.locator("main")).to_contain_text("compliance")
    sign_out(page)


def test_compliance_screens_have_no_serious_accessibility_violations(
    page: Page, site: Site
) -> None:
    stored = _stored(site)
    screens = {
        "compliance": "/compliance",
        "compliance-assessment": f"/compliance/assessments/{stored}",
        "compliance-report": f"/compliance/assessments/{stored}/report",
        "compliance-laws": "/compliance/laws",
        "compliance-obligations": "/compliance/obligations",
    }
    sign_in(page, OFFICER)
    found = {}
    for name, path in screens.items():
        page.goto(path)
        found[name] = [(v["id"], v["impact"], len(v["nodes"])) for v in axe_violations(page)]
        shoot(page, f"a11y-{name}")
    assert {k: v for k, v in found.items() if v} == {}

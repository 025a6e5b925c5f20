"""A requesting authority's account in headless Chromium, the whole path: sign-up from its
official address, the emailed link, TOTP enrolment, the admin's approval, sign-in with its
password and code, a request submitted from a file, its status on "My requests"; axe-core
on every page of the path, and the demo's own requester signing in with the demo secret."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from rogatory.accounts import totp
from rogatory.demo import requester as demo_requester
from rogatory.notifications.models import OutboxRow
from tests.web.conftest import PASSWORD, Site, axe_violations, shoot, sign_in, sign_out

ADMIN = "admin@nimbus.example"
EMAIL = "prosecutor@justice.xaa.example"  # the demo registry's XAA central authority domain
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "requests"


def _clean(page: Page, name: str, found: dict[str, list[tuple[str, str, int]]]) -> None:
    found[name] = [(v["id"], v["impact"], len(v["nodes"])) for v in axe_violations(page)]
    shoot(page, f"requester-{name}")


def _code(secret: bytes, after: int | None = None) -> tuple[str, int]:
    """The authenticator's code now, waiting for the next step if ``after`` was used."""
    while (step := totp.step_at(time.time())) == after:
        time.sleep(0.5)
    return totp.hotp(secret, step), step


def _sign_in_with_code(page: Page, email: str, secret: bytes, used: int | None) -> int:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/code"))
    code, step = _code(secret, used)
    page.fill("#code", code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return step


def test_sign_up_verify_enrol_approve_sign_in_submit_and_see_the_status(
    page: Page, site: Site, tmp_path: Path
) -> None:
    found: dict[str, list[tuple[str, str, int]]] = {}
    page.goto("/login")
    page.get_by_role("link", name="Sign up with your official address").click()
    page.select_option("#organisation", "nimbus")
    page.fill("#name", "Pat Prosecutor")
    page.fill("#email", "pat@not-registered.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#signup-error")).to_contain_text("not an official domain")
    _clean(page, "sign-up-refused", found)
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("main")).to_contain_text("Office of the Prosecutor General of XAA")
    _clean(page, "check-email", found)

    with site.sessions() as s:  # the email the outbox holds for the worker to send
        body = s.execute(select(OutboxRow.body).where(OutboxRow.recipient == EMAIL)).scalar_one()
    link = re.search(r"https?://[^/\s]+(/requesters/verify\?token=\S+)", body)
    assert link
    page.goto(link.group(1))
    _clean(page, "verify", found)
    page.get_by_role("button", name="Confirm my address").click()
    expect(page).to_have_url(re.compile(r"/requesters/enrol$"))
    expect(page.locator("#otpauth-uri")).to_contain_text("otpauth://totp/rogatory:")
    _clean(page, "enrol", found)
    secret = totp.from_base32(page.locator("#totp-secret").inner_text())
    code, used = _code(secret)
    page.fill("#code", code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("main")).to_contain_text("Second factor enrolled")

    page.goto("/login")  # not yet approved: told so after the right password
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("not approved yet")

    sign_in(page, ADMIN)
    page.goto("/requesters")
    row = page.locator("tr", has_text=EMAIL)
    expect(row).to_contain_text("awaiting approval")
    _clean(page, "approval-list", found)
    row.get_by_role("button", name=f"Approve {EMAIL}").click()
    expect(page.locator("tr", has_text=EMAIL)).to_contain_text("approved by")
    sign_out(page)

    _sign_in_with_code(page, EMAIL, secret, used)
    expect(page).to_have_url(re.compile(r"/my$"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Queue")).to_have_count(0)
    _clean(page, "my-requests-empty", found)
    doc = json.loads((EXAMPLES / "preservation-fraud.json").read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on=date.today().isoformat())
    doc["requesting_authority"]["reference"] = "XAA-BROWSER-1"
    upload = tmp_path / "request.json"
    upload.write_text(json.dumps(doc))
    nav.get_by_role("link", name="New request").click()
    page.set_input_files("#document", str(upload))
    page.get_by_role("button", name="Take in").click()
    expect(page).to_have_url(re.compile(r"/my/requests/[0-9a-f-]{36}$"))
    expect(page.locator("#request-status")).to_have_text("screening")
    _clean(page, "my-request", found)
    page.goto("/my")
    expect(page.locator("table.my-requests")).to_contain_text("XAA-BROWSER-1")
    _clean(page, "my-requests", found)
    page.goto("/queue")  # the provider's pages are not there for it
    expect(page.locator("h1")).to_have_text("Not found")
    sign_out(page)
    page.goto("/login/code")
    _clean(page, "code-step", found)
    assert {k: v for k, v in found.items() if v} == {}


def test_the_demo_requester_signs_in_with_the_published_demo_secret(page: Page) -> None:
    secret = totp.from_base32(demo_requester.DEMO_TOTP_SECRET)
    # its seeding spent the code of its step: the next step's code
    _sign_in_with_code(page, demo_requester.EMAIL, secret, totp.step_at(time.time()))
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.locator("table.my-requests")).to_contain_text("XAA-")

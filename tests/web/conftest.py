"""A real server on loopback over a demo database, and Debian's Chromium driven by Playwright.

The server runs the whole application (uvicorn in a thread, the same app ``rogatory serve``
builds) on a SQLite file seeded by the real demo, so the browser sees what a user of
``make run`` sees. Chromium is Debian's (``.ci/run`` installs it); Playwright's own browser
download is never used. Without Chromium or axe-core the tests are skipped, or fail when
``ROGATORY_REQUIRE_BROWSER=1`` (``tests/browser_gate.py``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.demo import seed
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.app import create_app
from tests import browser_gate

ROOT = Path(__file__).resolve().parents[2]
AXE = browser_gate.AXE
SHOTS = ROOT / "screenshots"
PASSWORD = seed.PASSWORD
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Site:
    url: str
    sessions: sessionmaker[Session]
    services: Services


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    engine = dbe.make_engine(f"sqlite:///{folder / 'rogatory.db'}")
    migrate.upgrade(engine)
    sessions = dbe.sessions(engine)
    services = Services(
        sessions,
        # as `serve --demo` screens: under every shipped treaty that has screening rules
        screening.load_family(instruments_file=seed.INSTRUMENTS),
        Lifecycle(catalogue.get().has_provision),
        folder / "evidence",
        max_evidence_bytes=1 << 20,
    )
    seed.seed(sessions, services.screener, services.lifecycle, services.evidence_dir)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", sessions, services)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    gate = browser_gate.current()
    if not gate.runs:  # only reached when required: otherwise the tests were skipped
        pytest.fail(gate.message(), pytrace=False)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(gate.chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    outside: list[str] = []
    opened.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((site.url, "data:")) else None,
    )
    yield opened
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    if "/login" in page.url:
        raise AssertionError(f"sign-in as {email} failed: {page.locator('main').inner_text()}")


def sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.click("form[action='/logout'] button")
    assert "/login" in page.url, page.url


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations axe-core finds on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

"""Notifications on SQLite and PostgreSQL: notices written in the transaction of the event that
causes them, the scan of what time makes due (written once however often it runs), each
person's preferences, and the worker delivering to a real SMTP server and a real webhook
receiver on loopback, with its back-off, and under ``kill -9``."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from rogatory.accounts import service as accounts
from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.errors import RogatoryError
from rogatory.notifications import delivery, outbox, preferences, webhooks, worker
from rogatory.notifications.models import OutboxRow
from rogatory.parties import service
from rogatory.requests import custody, flows
from rogatory.requests.transitions import Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.signing import envelope
from rogatory.treaty import catalogue
from tests.conftest import ratifications

DOC = json.loads(
    (
        Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"
    ).read_text()
)
DOC.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
INTAKE = flows.Actor("ivan@a.example", "org-a", frozenset({Role.INTAKE, Role.REVIEWER}))
KEK = envelope.derive(b"notifications test key material!", "test")
LIFE = Lifecycle(catalogue.get().has_provision)
SECRET = "a shared secret of the test receiver"


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _people(engine: Engine) -> None:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        for email, roles in [
            ("ivan@a.example", ["intake"]),
            ("rita@a.example", ["reviewer"]),
            ("ada@a.example", ["approver"]),
            ("aud@a.example", ["auditor"]),
        ]:
            accounts.add_user(
                s,
                org="org-a",
                email=email,
                name=email,
                password="correct horse battery",
                roles=roles,
            )


def _case(engine: Engine, screener: screening.Screener, **kw: Any) -> str:
    with dbe.sessions(engine).begin() as s:
        return flows.intake(s, INTAKE, DOC, screener, **kw)[0].id


def _rows(engine: Engine) -> list[OutboxRow]:
    with dbe.sessions(engine)() as s:
        return list(s.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars())


def test_a_new_request_notifies_the_queue_in_its_own_transaction(
    engine: Engine, screener: screening.Screener
) -> None:
    _people(engine)
    case_id = _case(engine, screener)
    rows = _rows(engine)
    # intake and reviewer by default; the approver and the auditor are not told.
    assert {(r.channel, r.recipient, r.kind) for r in rows} == {
        ("email", "ivan@a.example", "new_request"),
        ("email", "rita@a.example", "new_request"),
    }
    assert all(r.case_id == case_id and r.status == "pending" for r in rows)
    assert "facts" not in rows[0].body and DOC["facts"][:30] not in rows[0].body
    assert f"/cases/{case_id}" in rows[0].body
    # A change that is rolled back notifies nobody.
    with dbe.sessions(engine)() as s:
        s.begin()
        flows.intake(s, INTAKE, DOC, screener)
        assert len(s.execute(select(OutboxRow)).all()) == 4  # written with the event...
        s.rollback()
    assert len(_rows(engine)) == 2  # ...and gone with it


def test_preferences_and_the_assignee_decide_who_hears_of_a_status_change(
    engine: Engine, screener: screening.Screener
) -> None:
    _people(engine)
    case_id = _case(engine, screener)
    with dbe.sessions(engine).begin() as s:
        from rogatory.accounts import assignment

        assignment.assign(s, INTAKE, case_id, "rita@a.example")
        people = {u.email: u for u in accounts.members(s, "org-a")}
        rita, ada = people["rita@a.example"], people["ada@a.example"]
        preferences.choose(s, ada, {"status_changed": True}, by="admin")
        preferences.choose(s, rita, {"new_request": False}, by="rita@a.example")
        assert preferences.of(s, rita)["new_request"] == {"email": False, "chosen": True}
        flows.transition(s, INTAKE, case_id, Status.IN_REVIEW, LIFE)
    status = [r for r in _rows(engine) if r.kind == "status_changed"]
    assert sorted(r.recipient for r in status) == ["ada@a.example", "rita@a.example"]
    assert status[0].payload["to"] == "in_review"
    second = _case(engine, screener)
    told = {r.recipient for r in _rows(engine) if r.case_id == second and r.kind == "new_request"}
    assert told == {"ivan@a.example"}  # rita turned new requests off
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as bad:
        preferences.choose(s, rita, {"everything": True}, by="rita@a.example")
    assert bad.value.code == "notification.invalid_kind"


def test_the_scan_writes_what_time_made_due_once(
    engine: Engine, screener: screening.Screener
) -> None:
    _people(engine)
    received = datetime.now(UTC) - timedelta(days=9, hours=12)  # 10-day window: at risk
    case_id = _case(engine, screener, received_at=received)
    with dbe.sessions(engine).begin() as s:
        start = date.today() - timedelta(days=57)
        custody.place_hold(s, INTAKE, case_id, ["acct"], start, 60, minimum_days=60)
        custody.order_non_disclosure(
            s, INTAKE, case_id, date.today() - timedelta(days=30), date.today() - timedelta(days=1)
        )
    before = len(_rows(engine))
    with dbe.sessions(engine).begin() as s:
        written = outbox.scan(s, base_url="https://rogatory.example")
    kinds = {r.kind for r in _rows(engine)[before:]}
    assert kinds == {"deadline_at_risk", "hold_lapsing", "non_disclosure_lapsed"}
    assert written == len(_rows(engine)) - before
    lapsing = next(r for r in _rows(engine) if r.kind == "hold_lapsing")
    assert "https://rogatory.example/cases/" in lapsing.body
    with dbe.sessions(engine).begin() as s:
        assert outbox.scan(s) == 0  # the same facts: nothing new


class _Mailbox:
    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[dict[str, str]] = []
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope_: Any) -> str:  # noqa: N802
        if self.delay:
            time.sleep(self.delay)
        text = envelope_.content.decode("utf-8", "replace")
        headers = dict(
            line.split(": ", 1) for line in text.split("\r\n\r\n")[0].split("\r\n") if ": " in line
        )
        self.messages.append({"to": envelope_.rcpt_tos[0], **headers})
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[tuple[_Mailbox, int]]:
    box, port = _Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Receiver.fail_first > 0:
            _Receiver.fail_first -= 1
            self.send_response(503)
        else:
            _Receiver.got.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.got, _Receiver.fail_first = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()


def test_the_worker_delivers_email_and_signed_webhooks_and_backs_off(
    engine: Engine,
    screener: screening.Screener,
    mailbox: tuple[_Mailbox, int],
    receiver: str,
) -> None:
    box, port = mailbox
    _people(engine)
    with dbe.sessions(engine).begin() as s:
        hook, _ = webhooks.add(
            s, KEK, org="org-a", by="admin", url=receiver, kinds=["new_request"], secret=SECRET
        )
    _Receiver.fail_first = 1  # the receiver is down for the first attempt
    case_id = _case(engine, screener)
    config = worker.Config(KEK, delivery.Smtp("127.0.0.1", port, "rogatory@a.example"))
    first = worker.run_round(dbe.sessions(engine), config)
    assert (first.sent, first.retried) == (2, 1)
    assert sorted(m["to"] for m in box.messages) == ["ivan@a.example", "rita@a.example"]
    assert all(m["Message-ID"].startswith("<notice-org-a-") for m in box.messages)
    retry = next(r for r in _rows(engine) if r.channel == "webhook")
    assert retry.status == "pending" and retry.attempts == 1 and "503" in (retry.last_error or "")
    assert retry.next_attempt_at > datetime.now(UTC) + timedelta(seconds=20)
    # Thirty seconds later the webhook is tried again and taken.
    later = datetime.now(UTC) + timedelta(seconds=31)
    second = worker.run_round(dbe.sessions(engine), config, now=lambda: later)
    assert second.sent == 1
    headers, body = _Receiver.got[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Rogatory-Signature"] == expected
    assert json.loads(body)["data"]["case"]["id"] == case_id
    assert headers["X-Rogatory-Delivery"] == json.loads(body)["delivery"]
    assert {r.status for r in _rows(engine)} == {"sent"}
    with dbe.sessions(engine).begin() as s:
        webhooks.remove(s, org="org-a", by="admin", webhook_id=hook.id)
        assert audit.verify(s).ok


def test_a_notice_is_failed_after_its_last_attempt(engine: Engine, receiver: str) -> None:
    _people(engine)
    with dbe.sessions(engine).begin() as s:
        webhooks.add(
            s, KEK, org="org-a", by="admin", url=receiver, kinds=["hold_lapsing"], secret=SECRET
        )
        found = outbox.notice(
            outbox.Kind.HOLD_LAPSING,
            "hold:1:2027-01-01",
            {
                "id": "C-1",
                "reference": None,
                "measure": "preservation",
                "requesting_state": "XAA",
                "requested_state": "XAB",
                "due_at": "2027-01-01",
            },
            "http://x",
            hold_id=1,
            expiry="2027-01-01",
        )
        outbox.write(s, "org-a", found, None, datetime.now(UTC))
    _Receiver.fail_first = 99
    config = worker.Config(KEK, None)
    at = datetime.now(UTC)
    for attempt in range(worker.MAX_ATTEMPTS):
        moment = at + timedelta(hours=2 * attempt)
        report = worker.run_round(dbe.sessions(engine), config, now=lambda m=moment: m)
    hook_row = next(r for r in _rows(engine) if r.channel == "webhook")
    assert hook_row.status == "failed" and hook_row.attempts == worker.MAX_ATTEMPTS
    assert report.failed == 1
    # Email waits: no SMTP server is configured, so it is not sent and not failed.
    assert all(r.status == "pending" for r in _rows(engine) if r.channel == "email")
    assert report.waiting == len([r for r in _rows(engine) if r.channel == "email"])


def test_a_bad_webhook_is_refused_naming_the_field(engine: Engine) -> None:
    _people(engine)
    cases = [
        ({"url": "ftp://x.example", "kinds": ["new_request"]}, "notification.invalid_url"),
        ({"url": "https://x.example", "kinds": ["all"]}, "notification.invalid_kind"),
        (
            {"url": "https://x.example", "kinds": ["new_request"], "secret": "short"},
            "notification.weak_secret",
        ),
    ]
    for kwargs, code in cases:
        with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as bad:
            webhooks.add(s, KEK, org="org-a", by="admin", **kwargs)  # type: ignore[arg-type]
        assert bad.value.code == code


def test_kill_9_of_the_worker_neither_loses_nor_doubles_a_notice(
    tmp_path: Path, screener: screening.Screener
) -> None:
    """The worker is killed while the SMTP server is still taking a message; a second worker
    (lease 1 s) sends what was left. Every notice arrives; one that arrives twice is the same
    message (same Message-ID), which a receiver drops."""
    box, port = _Mailbox(delay=0.4), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = dbe.make_engine(url)
    migrate.upgrade(engine)
    _people(engine)
    for _ in range(6):
        with dbe.sessions(engine).begin() as s:
            flows.intake(s, INTAKE, DOC, screener)
    expected = len(_rows(engine))
    env = os.environ | {
        "ROGATORY_DATABASE_URL": url,
        "ROGATORY_SMTP_HOST": "127.0.0.1",
        "ROGATORY_SMTP_PORT": str(port),
        "ROGATORY_WORKER_LEASE": "1",
    }
    command = [sys.executable, "-m", "rogatory", "worker", "--interval", "0.2"]
    try:
        first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len(box.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert len(box.messages) < expected, "killed too late to test anything"
        time.sleep(1.2)  # past the lease of what it was sending
        subprocess.run(
            [*command[:-2], "--once"], env=env, check=True, timeout=60, stdout=subprocess.DEVNULL
        )
    finally:
        controller.stop()
    rows = _rows(engine)
    assert {r.status for r in rows} == {"sent"}
    ids = [m["Message-ID"] for m in box.messages]
    assert len(set(ids)) == expected == len(rows)
    engine.dispose()


def _law_people(engine: Engine) -> None:
    """Two compliance officers of org-a following XAA (one turned law notices off), a third
    following XAC, and an officer of org-b following nothing."""
    from rogatory.assessments import service as store

    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        flows.ensure_organisation(s, "org-b", "b")
        for org, email in [
            ("org-a", "cora@a.example"),
            ("org-a", "quiet@a.example"),
            ("org-a", "xac@a.example"),
            ("org-b", "cora@b.example"),
        ]:
            accounts.add_user(
                s,
                org=org,
                email=email,
                name=email,
                password="correct horse battery",
                roles=["compliance"],
            )
        people = {u.email: u for u in accounts.members(s, "org-a")}
        for email, state in [
            ("cora@a.example", "XAA"),
            ("quiet@a.example", "XAA"),
            ("xac@a.example", "XAC"),
        ]:
            store.subscribe(s, flows.Actor(email, "org-a", frozenset({Role.COMPLIANCE})), state)
        preferences.choose(
            s, people["quiet@a.example"], {"law_changed": False}, by="quiet@a.example"
        )


def test_a_law_change_emails_each_subscriber_of_the_state_once(
    engine: Engine, mailbox: tuple[_Mailbox, int], tmp_path: Path
) -> None:
    import shutil

    from rogatory.assessments import service as store
    from rogatory.compliance import laws
    from rogatory.demo import compliance as demo

    box, port = mailbox
    bundle = catalogue.get()
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        store.import_laws(s, laws.load(demo.LAWS, bundle), by="ana")  # before anyone follows
    _law_people(engine)
    assert _rows(engine) == []
    folder = tmp_path / "laws"
    shutil.copytree(demo.LAWS, folder)
    xaa = (folder / "XAA.yaml").read_text()
    (folder / "XAA.yaml").write_text(
        xaa.replace(
            "- {status: bill, on: 2026-10-15, note: first reading}",
            "- {status: bill, on: 2026-10-15, note: first reading}\n"
            "      - {status: enacted, on: 2026-11-30}",
        )
    )
    with dbe.sessions(engine).begin() as s:
        store.import_laws(s, laws.load(folder, bundle), by="ben")
    # Written in the import's transaction: to the subscriber of XAA who did not turn it off;
    # not to the one who did, nor to the subscriber of XAC, nor to another organisation.
    rows = _rows(engine)
    assert [(r.kind, r.channel, r.recipient) for r in rows] == [
        ("law_changed", "email", "cora@a.example")
    ]
    assert "xaa-data-retention-bill-2026" in rows[0].body and "/compliance/laws" in rows[0].body
    config = worker.Config(KEK, delivery.Smtp("127.0.0.1", port, "rogatory@a.example"))
    assert worker.run_round(dbe.sessions(engine), config).sent == 1
    assert worker.run_round(dbe.sessions(engine), config).sent == 0  # the scan adds nothing
    assert [(m["to"], m["Subject"]) for m in box.messages] == [
        ("cora@a.example", "[rogatory] Law change: XAA (1 change)")
    ]
    with dbe.sessions(engine)() as s:
        assert store.pending_notices(s) == []  # the bookkeeping agrees with the outbox
        assert audit.verify(s).ok
    # The same files again change nothing and notify nobody.
    with dbe.sessions(engine).begin() as s:
        assert store.import_laws(s, laws.load(folder, bundle), by="ben") == []
    assert len(_rows(engine)) == 1


def test_a_law_change_left_due_is_written_by_the_scan_once(engine: Engine, tmp_path: Path) -> None:
    import shutil

    from rogatory.assessments import service as store
    from rogatory.compliance import laws
    from rogatory.demo import compliance as demo

    bundle = catalogue.get()
    _law_people(engine)
    folder = tmp_path / "laws"
    shutil.copytree(demo.LAWS, folder)
    (folder / "XAA.yaml").unlink()
    with dbe.sessions(engine).begin() as s:
        s.info.pop(audit.EVENT_HOOK)  # a writer without the outbox's hook
        store.import_laws(s, laws.load(folder, bundle), by="ana")  # XAC only
    assert _rows(engine) == []
    with dbe.sessions(engine).begin() as s:
        assert outbox.scan(s) == 1
    with dbe.sessions(engine).begin() as s:
        assert outbox.scan(s) == 0
    assert [(r.kind, r.recipient) for r in _rows(engine)] == [("law_changed", "xac@a.example")]

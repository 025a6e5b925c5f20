"""Slow and stalled clients, a busy database and a killed server, over real HTTP: ``rogatory
serve`` on loopback (SQLite), clients on raw sockets that send half a request and stop."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.test_serve import EXAMPLE, _run, serving

PASSWORD = "correct horse battery staple"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A migrated database with an intake officer in org-a and one in org-b."""
    env = {
        **os.environ,
        "ROGATORY_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "ROGATORY_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    assert _run(env, "db", "upgrade").returncode == 0
    for email, org in (("ana@a.example", "org-a"), ("bo@b.example", "org-b")):
        added = _run(
            env,
            *("users", "add", email, "--org", org, "--name", email, "--role", "intake"),
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert added.returncode == 0, added.stderr
    return env


def _token(env: dict[str, str], email: str) -> dict[str, str]:
    made = _run(
        env,
        *("tokens", "create", email, "--name", "t", "--scope", "cases:read"),
        *("--scope", "cases:write", "--json"),
    )
    return {"Authorization": f"Bearer {json.loads(made.stdout)['token']}"}


def _intake(base: str, headers: dict[str, str], key: str, timeout: float = 8) -> httpx.Response:
    """One case taken in; the timeout is the bound a stalled client may not push it past."""
    doc = json.loads(EXAMPLE.read_text())
    return httpx.post(
        f"{base}/api/v1/cases",
        json=doc,
        headers={**headers, "Idempotency-Key": key},
        timeout=timeout,
    )


def _stall(
    base: str, head: str, headers: dict[str, str], length: int, part: bytes
) -> socket.socket:
    """Send a request's head and the first ``part`` of a body of ``length`` bytes, then stop."""
    where = urlsplit(base)
    assert where.hostname and where.port
    sock = socket.create_connection((where.hostname, where.port), timeout=60)
    lines = [head, f"Host: {where.netloc}", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + part)
    return sock


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The response a stalled client finally gets (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed without an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    sock.close()
    return int(status_line.split()[1]), headers, body


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _web_session(base: str) -> tuple[str, str]:
    """Sign ana in through the sign-in form: her session cookie and its CSRF token."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/login")
        login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert login_csrf
        form = {"email": "ana@a.example", "password": PASSWORD, "csrf_token": login_csrf[1]}
        assert client.post("/login", data=form).status_code == 303
        queue = client.get("/queue")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', queue.text)
        assert csrf
        return client.cookies["rogatory_session"], csrf[1]


def test_a_stalled_upload_and_form_post_do_not_hold_up_another_organisation(
    env: dict[str, str], tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    org_a, org_b = _token(env, "ana@a.example"), _token(env, "bo@b.example")
    with serving(env | {"ROGATORY_BODY_TIMEOUT": "10"}) as served:
        case = _intake(served.base, org_a, "a-1", timeout=60)
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        cookie, csrf = _web_session(served.base)
        form = _stall(
            served.base,
            f"POST /cases/{case_id}/acknowledge HTTP/1.1",
            {
                "Cookie": f"rogatory_session={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            4096,
            f"csrf_token={csrf}&rule=".encode(),
        )
        upload = _stall(
            served.base,
            f"PUT /api/v1/cases/{case_id}/evidence/dump.bin HTTP/1.1",
            org_a,
            1_000_000,
            b"x" * 1000,
        )
        _until(lambda: bool(_files(evidence)), "the upload to reach the server")
        # both stalled clients are still connected: another organisation takes a case in
        other = _intake(served.base, org_b, "b-1")
        assert other.status_code == 201, other.text
        # the stalled bodies are cut off: 408 problem+json, nothing stored, no spool left
        status, headers, body = _answer(upload)
        assert status == 408 and headers["content-type"] == "application/problem+json"
        assert json.loads(body)["code"] == "request.body_timeout"
        assert _answer(form)[0] == 408
        _until(lambda: not _files(evidence), "the stalled upload's spool file to go")
        listed = httpx.get(f"{served.base}/api/v1/cases/{case_id}", headers=org_a, timeout=30)
        assert listed.status_code == 200


def test_a_busy_database_is_answered_503_with_retry_after(
    env: dict[str, str], tmp_path: Path
) -> None:
    org_b = _token(env, "bo@b.example")
    with serving(env | {"ROGATORY_DB_LOCK_TIMEOUT": "1"}) as served:
        holder = sqlite3.connect(tmp_path / "serve.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
        try:
            busy = _intake(served.base, org_b, "b-1", timeout=30)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert busy.status_code == 503 and int(busy.headers["retry-after"]) >= 1
        assert busy.headers["content-type"] == "application/problem+json"
        assert busy.json()["code"] == "db.busy"
        again = _intake(served.base, org_b, "b-1", timeout=30)  # sent again, it goes through
        assert again.status_code == 201, again.text


def _rows(tmp_path: Path) -> dict[str, Path]:
    with sqlite3.connect(tmp_path / "serve.db") as db:
        return {i: Path(p) for i, p in db.execute("SELECT id, stored_path FROM evidence_files")}


def test_kill_9_during_an_upload_leaves_no_orphan_after_the_sweep(
    env: dict[str, str], tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    org_a = _token(env, "ana@a.example")
    with serving(env) as served:
        case_id = _intake(served.base, org_a, "a-1", timeout=60).json()["id"]
        kept = httpx.put(
            f"{served.base}/api/v1/cases/{case_id}/evidence/kept.csv",
            content=b"a,b\n1,2\n",
            headers=org_a,
            timeout=30,
        )
        assert kept.status_code == 201, kept.text
        upload = _stall(
            served.base,
            f"PUT /api/v1/cases/{case_id}/evidence/cut.bin HTTP/1.1",
            org_a,
            1_000_000,
            b"y" * 5000,
        )
        _until(lambda: len(_files(evidence)) == 2, "the second upload to reach the server")
        os.kill(served.pid, signal.SIGKILL)
        upload.close()
    left = [p for p in _files(evidence) if p not in _rows(tmp_path).values()]
    assert len(left) == 1  # the killed upload's spool file: no row names it
    swept = _run(env, "evidence", "sweep", "--json")
    assert swept.returncode == 0, swept.stderr
    report = json.loads(swept.stdout)
    assert [r["path"] for r in report["removed"]] == [str(left[0])]
    assert report["kept"] == 1 and report["missing"] == []
    rows = _rows(tmp_path)
    assert list(rows) == [kept.json()["id"]]
    assert _files(evidence) == sorted(rows.values())  # no orphan, no row without its file
    assert rows[kept.json()["id"]].read_bytes() == b"a,b\n1,2\n"


def test_serve_sweeps_at_start_up(env: dict[str, str], tmp_path: Path) -> None:
    spool = tmp_path / "evidence" / ".spool"
    spool.mkdir(parents=True)
    (spool / "0b5e2c9e-3c1f-4a31-9d55-5f0d7b9c0a11").write_bytes(b"half an upload")
    with serving(env) as served:
        pass
    assert not _files(tmp_path / "evidence")
    assert f"evidence sweep of {tmp_path / 'evidence'}: 1 removed" in served.out

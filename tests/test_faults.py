"""Faults, bounded: ``kill -9`` of ``rogatory serve`` during intake, upload and disclosure, a
PostgreSQL server stopped at once during intake, and a database that cannot be opened or
written. Real processes on loopback, on SQLite (a file) and on a real PostgreSQL.

Afterwards, whatever the moment of the fault (seeded, so a failure can be replayed): every
request that was answered 2xx is stored exactly once, a retry with the same Idempotency-Key
returns the same case, a disclosure happened once with a valid receipt or not at all, the
evidence sweep leaves no orphan and no row without its file, and ``rogatory audit verify``
passes. No request is answered 500 and the server never hangs on a database that went away.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rogatory.accounts import service as accounts
from rogatory.cli.evidence import run_sweep
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.disclosure import keys, receipts
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.requests import flows
from rogatory.requests.models import Case
from tests import postgres
from tests.conftest import _entry_point
from tests.test_serve import EXAMPLE, _run, serving

# Every "random" moment of a fault below comes from this seed (the same moments on every run);
# set ROGATORY_FAULT_SEED to try others, and again to replay one that failed.
SEED = int(os.environ.get("ROGATORY_FAULT_SEED", "1410"))
PASSWORD = "correct horse battery staple"
SCOPES = ["cases:read", "cases:write", "audit:read"]
INTAKES = 24  # requests in the stream a fault cuts


@dataclass
class Deployment:
    """A migrated database with a desk officer (intake, review) and an approver of org-a."""

    kind: str
    url: str
    env: dict[str, str]
    evidence: Path
    desk: dict[str, str]
    chief: dict[str, str]

    def rows(self, *columns: Any) -> list[Any]:
        engine = dbe.make_engine(self.url)
        try:
            with dbe.sessions(engine, read_only=True)() as s:
                return list(s.execute(select(*columns)).all())
        finally:
            engine.dispose()


def _deploy(kind: str, url: str, tmp_path: Path) -> Deployment:
    if kind == "postgresql":
        engine = dbe.make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    evidence = tmp_path / "evidence"
    env = {**os.environ, "ROGATORY_DATABASE_URL": url, "ROGATORY_EVIDENCE_DIR": str(evidence)}
    engine = dbe.make_engine(url)
    migrate.upgrade(engine)  # as ``rogatory db upgrade`` does (its own test runs the command)
    tokens = {}
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        for email, roles in (
            ("desk@a.example", ["intake", "reviewer"]),
            ("chief@a.example", ["approver"]),
        ):
            user = accounts.add_user(
                s, org="org-a", email=email, name=email, password=PASSWORD, roles=roles
            )
            tokens[email] = accounts.create_token(s, user, name="t", scopes=SCOPES)[1]
    engine.dispose()
    return Deployment(
        kind,
        url,
        env,
        evidence,
        {"Authorization": f"Bearer {tokens['desk@a.example']}"},
        {"Authorization": f"Bearer {tokens['chief@a.example']}"},
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Deployment:
    if request.param == "sqlite":
        return _deploy("sqlite", f"sqlite:///{tmp_path / 'faults.db'}", tmp_path)
    return _deploy("postgresql", request.getfixturevalue("postgres_url"), tmp_path)


def _document() -> dict[str, Any]:
    """A preservation request between two of the demo's States (``serve --demo``), under
    which the Convention is in force: it screens ``proceed`` and can be approved."""
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    return doc


Answer = tuple[int, dict[str, Any]] | None  # (status, body), or None: no answer was seen


def _intake(base: str, dep: Deployment, key: str, timeout: float = 20) -> Answer:
    try:
        got = httpx.post(
            f"{base}/api/v1/cases",
            json=_document(),
            headers={**dep.desk, "Idempotency-Key": key},
            timeout=timeout,
        )
    except httpx.HTTPError:
        return None
    return got.status_code, got.json()


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


# ---- what must hold after any fault ------------------------------------------------------


def _audit_verifies(env: dict[str, str]) -> None:
    """``rogatory audit verify --state`` as a real CLI subprocess on the same database: the
    chain (and its checkpoints) hold, and every case's and user's rows are the state their
    last event recorded, so a crash left no half-written case behind. The one place every
    fault test checks the record through."""
    verified = _run(env, "audit", "verify", "--state", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"]


def _no_orphan(dep: Deployment) -> None:
    """After the evidence sweep (run by the last ``serve`` at start-up, and here again as
    ``rogatory evidence sweep`` runs it) every file in place is named by a row and matches
    it, every row has its file, and nothing is left in the spool."""
    engine = dbe.make_engine(dep.url)
    try:
        report = run_sweep(engine, dep.evidence)
    finally:
        engine.dispose()
    assert report.missing == [] and report.removed == [] and report.in_flight == 0
    on_disk = sorted(p for p in dep.evidence.rglob("*") if p.is_file())
    rows = {Path(path): (sha, size) for path, sha, size in _evidence_rows(dep)}
    assert on_disk == sorted(rows)
    for path, expected in rows.items():
        assert receipts.sha256_file(path) == expected


def _evidence_rows(dep: Deployment) -> list[Any]:
    return dep.rows(EvidenceFile.stored_path, EvidenceFile.sha256, EvidenceFile.size)


def _stored_once(dep: Deployment, answered: dict[str, str]) -> None:
    """Every key answered 2xx names exactly one stored case, the one it was answered with,
    and nothing else was stored."""
    stored = dep.rows(Case.idempotency_key, Case.id)
    keys_stored = [k for k, _ in stored]
    assert len(keys_stored) == len(set(keys_stored)), "a key was stored twice"
    assert dict(stored) == answered


# ---- kill -9 during intake ---------------------------------------------------------------


def _stream_until_killed(
    base: str, pid: int, dep: Deployment, rng: random.Random
) -> dict[str, Answer]:
    """INTAKES intakes from four concurrent clients, each with its own key; the server is
    killed after a seeded number of answers and a seeded fraction of a second more."""
    kill_after = rng.randrange(4, INTAKES // 2)
    delay = rng.uniform(0, 0.05)
    answers: dict[str, Answer] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            pool.submit(_intake, base, dep, f"key-{i:03d}"): f"key-{i:03d}" for i in range(INTAKES)
        }
        for done in as_completed(futures):
            answers[futures[done]] = done.result()
            if len(answers) == kill_after:
                time.sleep(delay)
                _kill(pid)
    return answers


def _retried(
    base: str, dep: Deployment, answers: dict[str, Answer], rng: random.Random
) -> dict[str, str]:
    """Every request not answered 2xx sent again with its key, and some that were: a case
    answered before is answered again (200, the same id); the others are taken in now."""
    seen = {k: a[1]["id"] for k, a in answers.items() if a is not None and a[0] in (200, 201)}
    again = sorted(set(answers) - set(seen)) + rng.sample(sorted(seen), min(4, len(seen)))
    taken = dict(seen)
    for key in again:
        answer = _intake(base, dep, key)
        assert answer is not None and answer[0] in (200, 201), (key, answer)
        if key in seen:
            assert answer[0] == 200 and answer[1]["id"] == seen[key], (key, answer)
        taken[key] = answer[1]["id"]
    return taken


def test_kill_9_during_intake_loses_no_answered_case_and_duplicates_none(
    deployment: Deployment,
) -> None:
    rng = random.Random(f"{SEED}-intake-{deployment.kind}")
    with serving(deployment.env, "--demo") as served:
        answers = _stream_until_killed(served.base, served.pid, deployment, rng)
    statuses = [a[0] for a in answers.values() if a is not None]
    assert statuses and set(statuses) <= {201, 503}, statuses  # never a 500
    assert None in answers.values(), "the kill cut no request: it came too late"
    with serving(deployment.env, "--demo") as served:
        taken = _retried(served.base, deployment, answers, rng)
    assert len(taken) == INTAKES
    _stored_once(deployment, taken)
    _audit_verifies(deployment.env)
    _no_orphan(deployment)


# ---- kill -9 during an upload and during a disclosure ------------------------------------


def _approved_case(base: str, dep: Deployment) -> str:
    """A case taken in, reviewed (every finding acknowledged) and approved over HTTP."""
    answer = _intake(base, dep, "to-approve")
    assert answer is not None and answer[0] == 201, answer
    url = f"{base}/api/v1/cases/{answer[1]['id']}"
    moved = httpx.post(f"{url}/transitions", json={"to": "in_review"}, headers=dep.desk, timeout=20)
    assert moved.status_code == 200, moved.text
    decision = httpx.get(url, headers=dep.desk, timeout=20).json()["screening"]["decision"]
    for finding in decision["findings"]:
        if finding["result"] == "review":
            note = {"rule": finding["rule"], "note": "seen"}
            acked = httpx.post(f"{url}/acknowledgements", json=note, headers=dep.desk, timeout=20)
            assert acked.status_code == 201, acked.text
    approved = httpx.post(f"{url}/approvals", json={}, headers=dep.chief, timeout=20)
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    return str(answer[1]["id"])


def _slow_body(size: int, chunk: int, pause: float) -> Iterator[bytes]:
    for start in range(0, size, chunk):
        time.sleep(pause)
        yield bytes([start // chunk % 251]) * min(chunk, size - start)


def _spooled_bytes(dep: Deployment) -> int:
    spool = dep.evidence / ".spool"
    return sum(p.stat().st_size for p in spool.iterdir()) if spool.is_dir() else 0


def _upload(base: str, dep: Deployment, case_id: str, name: str, body: Any) -> Answer:
    try:
        got = httpx.put(
            f"{base}/api/v1/cases/{case_id}/evidence/{name}",
            content=body,
            headers=dep.desk,
            timeout=60,
        )
    except httpx.HTTPError:
        return None
    return got.status_code, got.json()


def _disclose(base: str, dep: Deployment, case_id: str, files: list[str]) -> Answer:
    body = {"files": files, "recipient": {"name": "Ministry of Justice of XAA"}}
    try:
        got = httpx.post(
            f"{base}/api/v1/cases/{case_id}/disclosures", json=body, headers=dep.desk, timeout=60
        )
    except httpx.HTTPError:
        return None
    return got.status_code, got.json()


def _in_background(work: Any) -> tuple[threading.Thread, list[Answer]]:
    out: list[Answer] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    return thread, out


def _receipts_hold(dep: Deployment, base: str, content: dict[str, bytes], tmp: Path) -> int:
    """Every stored receipt verifies against the organisation's published keys and the files
    as uploaded; how many there are."""
    published = httpx.get(f"{base}/api/v1/organisation/public-key", headers=dep.desk, timeout=20)
    listed = [keys.PublishedKey.model_validate(k) for k in published.json()["keys"]]
    received = tmp / "received"
    received.mkdir(exist_ok=True)
    for name, data in content.items():
        (received / name).write_bytes(data)
    stored = [r for (r,) in dep.rows(Disclosure.receipt)]
    for receipt in stored:
        result = receipts.verify(
            receipts.parse(receipt, file="receipt"), published=listed, files_dir=received
        )
        assert result.ok, result.checks
    return len(stored)


def test_kill_9_during_an_upload_and_a_disclosure(deployment: Deployment, tmp_path: Path) -> None:
    """One kill while a large upload is halfway in and a disclosure is being made."""
    rng = random.Random(f"{SEED}-evidence-{deployment.kind}")
    dep = deployment
    big = 24 << 20  # hashed again from disk by the disclosure: it takes a moment
    content = {"kept.csv": b"account,holder\n88123,A. Person\n", "big.bin": b"\x07" * big}
    with serving(dep.env, "--demo") as served:
        case_id = _approved_case(served.base, dep)
        files = []
        for name, data in content.items():
            answer = _upload(served.base, dep, case_id, name, data)
            assert answer is not None and answer[0] == 201, answer
            files.append(answer[1]["id"])
        began = time.monotonic()  # one disclosure timed: the next is killed within that time
        first = _disclose(served.base, dep, case_id, files)
        took = time.monotonic() - began
        assert first is not None and first[0] == 201, first
        # a large upload sent slowly (4 MB in 64 KB pieces) until a seeded part of it is in
        cut_at = rng.randrange(256 << 10, 3 << 20)
        slow = _slow_body(4 << 20, 64 << 10, 0.01)
        upload, uploaded = _in_background(
            lambda: _upload(served.base, dep, case_id, "cut.bin", slow)
        )
        deadline = time.monotonic() + 30
        while _spooled_bytes(dep) < cut_at and time.monotonic() < deadline:
            time.sleep(0.01)
        disclosure, disclosed = _in_background(lambda: _disclose(served.base, dep, case_id, files))
        time.sleep(rng.uniform(0.05, 0.9) * took)
        _kill(served.pid)
        upload.join(30)
        disclosure.join(30)
    assert uploaded == [None] and len(disclosed) == 1  # the upload was cut: no answer
    with serving(dep.env, "--demo") as served:  # the start-up sweep removes the cut upload
        assert sorted(name for (name,) in dep.rows(EvidenceFile.name)) == sorted(content)
        _no_orphan(dep)
        held = _receipts_hold(dep, served.base, content, tmp_path)
        assert held in (1, 2)  # the killed one: disclosed once with a valid receipt, or not
        if disclosed[0] is not None:  # answered before the kill: stored, once
            assert disclosed[0][0] == 201 and held == 2
            assert disclosed[0][1] in [r for (r,) in dep.rows(Disclosure.receipt)]
        again = _disclose(served.base, dep, case_id, files)
        assert again is not None and again[0] == 201, again
        assert _receipts_hold(dep, served.base, content, tmp_path) == held + 1
        redone = _upload(served.base, dep, case_id, "cut.bin", b"z" * 1000)
        assert redone is not None and redone[0] == 201, redone
    _audit_verifies(dep.env)
    _no_orphan(dep)
    data = {Path(p).name[37:]: (sha, size) for p, sha, size in _evidence_rows(dep)}
    assert data["big.bin"] == (hashlib.sha256(content["big.bin"]).hexdigest(), big)


# ---- PostgreSQL stopped at once during intake --------------------------------------------


def _outage(base: str, dep: Deployment, key: str) -> None:
    """A request while the database is down: 503 problem+json with Retry-After, at once."""
    began = time.monotonic()
    got = httpx.post(
        f"{base}/api/v1/cases",
        json=_document(),
        headers={**dep.desk, "Idempotency-Key": key},
        timeout=20,
    )
    assert time.monotonic() - began < 10, "the server hung on the database that went away"
    assert got.status_code == 503, got.text
    assert got.headers["content-type"] == "application/problem+json"
    assert got.json()["code"] == "db.unavailable" and int(got.headers["retry-after"]) >= 1


def test_a_postgresql_crash_during_intake_is_503_and_the_server_recovers(
    postgres_url: str, tmp_path: Path
) -> None:
    if not postgres.can_restart(postgres_url):
        pytest.skip("the PostgreSQL server was given (ROGATORY_TEST_POSTGRES_URL): not ours")
    dep = _deploy("postgresql", postgres_url, tmp_path)
    rng = random.Random(f"{SEED}-postgresql-crash")
    stop_after = rng.randrange(4, INTAKES // 2)
    answers: dict[str, Answer] = {}
    with serving(dep.env, "--demo") as served:
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                futures = {
                    pool.submit(_intake, served.base, dep, key): key
                    for key in (f"key-{i:03d}" for i in range(INTAKES))
                }
                for done in as_completed(futures):
                    answers[futures[done]] = done.result()
                    if len(answers) == stop_after:
                        postgres.stop(postgres_url)  # -m immediate: as a crash
            for i in range(3):
                _outage(served.base, dep, f"during-{i}")
        finally:
            postgres.start(postgres_url)
        statuses = [a[0] for a in answers.values() if a is not None]
        assert None not in answers.values(), "a request went unanswered"
        assert set(statuses) <= {201, 503} and 503 in statuses, statuses  # never a 500
        # the same server, not restarted: the pool drops its dead connections and reconnects
        for i in range(3):
            answers[f"during-{i}"] = (503, {})
        taken = _retried(served.base, dep, answers, rng)
    assert "Traceback" not in served.err, served.err[-3000:]
    assert len(taken) == INTAKES + 3
    _stored_once(dep, taken)
    _audit_verifies(dep.env)
    _no_orphan(dep)


# ---- a database that cannot be opened or written -----------------------------------------


def _one_clear_error(result: Any, code: str) -> None:
    """Exit 2 with ``error[code]: ...`` and its help line: no traceback, no "bug"."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert lines[0].startswith(f"error[{code}]: "), result.stderr
    assert len(lines) <= 2 and all(line.startswith("help: ") for line in lines[1:]), lines
    assert "Traceback" not in result.stderr and "bug in rogatory" not in result.stderr


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ROGATORY_DATABASE_URL": url,
        "ROGATORY_EVIDENCE_DIR": str(tmp_path / "ev"),
    }


def test_a_database_in_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'x.db'}", tmp_path)
    for args in (("db", "upgrade"), ("serve", "--port", "1"), ("audit", "verify")):
        result = _run(env, *args)
        _one_clear_error(result, "db.unavailable")
        assert f"{tmp_path / 'no' / 'such' / 'folder'} does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


def test_a_read_only_database_is_one_clear_error(tmp_path: Path) -> None:
    """Opened read-only (SQLite's ``mode=ro``, as for a file this process may not write): no
    migration, no server, no write."""
    empty = tmp_path / "empty.db"
    empty.touch()
    upgraded = _run(_env(f"sqlite:///file:{empty}?mode=ro&uri=true", tmp_path), "db", "upgrade")
    _one_clear_error(upgraded, "db.read_only")
    assert empty.stat().st_size == 0
    path = tmp_path / "ro.db"
    migrate.upgrade(dbe.make_engine(f"sqlite:///{path}"))
    env = _env(f"sqlite:///file:{path}?mode=ro&uri=true", tmp_path)
    _one_clear_error(_run(env, "serve", "--port", "1"), "db.read_only")
    added = _run(
        env,
        *("users", "add", "a@a.example", "--org", "o", "--name", "A", "--role", "intake"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    _one_clear_error(added, "db.read_only")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM users").fetchone() == (0,)


NOBODY = 65534  # the unprivileged user the CLI runs as when the suite runs as root


def _unprivileged(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI as a user file modes apply to: root writes any file whatever its mode, so when
    the suite runs as root (CI does) the command runs as ``nobody`` (setpriv)."""
    if os.geteuid() != 0:
        return _run(env, *args, stdin=stdin)
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.run(
        [*drop, *_entry_point(), *args],
        capture_output=True,
        text=True,
        env={**env, "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"},
        input=stdin,
        timeout=120,
        check=False,
    )


def test_a_read_only_file_and_folder_are_one_clear_error() -> None:
    """File modes, as a deployment gets them wrong: SQLite then cannot write the file, nor
    create its -wal and -shm files beside it. The folder is one every user can reach, owned
    by the user the command runs as, as a deployment's would be."""
    root = Path(tempfile.mkdtemp(prefix="rogatory-modes-"))
    root.chmod(0o755)
    folder = root / "db"
    folder.mkdir()
    evidence = root / "ev"
    evidence.mkdir()
    env = {**_env(f"sqlite:///{folder / 'x.db'}", root), "ROGATORY_EVIDENCE_DIR": str(evidence)}
    migrate.upgrade(dbe.make_engine(f"sqlite:///{folder / 'x.db'}"))
    if os.geteuid() == 0:
        for path in (folder, folder / "x.db", evidence):
            os.chown(path, NOBODY, NOBODY)
    (folder / "x.db").chmod(0o444)
    try:
        for mode in (0o555, 0o755):  # the folder read-only too, then writable
            folder.chmod(mode)
            _one_clear_error(_unprivileged(env, "serve", "--port", "1"), "db.read_only")
            added = _unprivileged(
                env,
                *("users", "add", "a@a.example", "--org", "o", "--name", "A"),
                *("--role", "intake", "--password-stdin"),
                stdin=PASSWORD + "\n",
            )
            _one_clear_error(added, "db.read_only")
    finally:
        folder.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)

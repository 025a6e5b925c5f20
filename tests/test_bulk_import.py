"""``rogatory cases import`` of a folder in batches: killed mid-batch, run again, every file
is imported exactly once and the audit chain verifies.

The interruption is real: the import runs in its own process, and a named pipe among the
files makes it wait, in the middle of a batch, until the test kills it with SIGKILL. The
batches committed before stay; the one it was in leaves nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _entry_point

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"
FILES = 120
BATCH = 25


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_entry_point(), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    base: dict[str, Any] = json.loads(EXAMPLE.read_text())
    for i in range(FILES):
        doc = json.loads(json.dumps(base))
        doc["requesting_authority"]["reference"] = f"PJ-{i:04d}"
        doc["facts"] = f"{base['facts']} Victim group {i}."
        (folder / f"f-{i:04d}.json").write_text(json.dumps(doc))
    (folder / "f-0010x.json").write_text("{not json")  # in the first batch
    bad = dict(base, requested_state=base["requesting_state"])  # the same State twice
    (folder / "f-0030x.json").write_text(json.dumps(bad))
    return folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_killed_mid_batch_then_run_again_imports_each_file_once(tmp_path: Path) -> None:
    db = tmp_path / "import.db"
    env = {**os.environ, "ROGATORY_DATABASE_URL": f"sqlite:///{db}"}
    assert _run(env, "db", "upgrade").returncode == 0
    folder = _folder(tmp_path)
    # Sorted, the pipe is the 65th file (the two bad files come before it): the third batch
    # (files 51-75) is under way, files 51-64 taken in but not committed, when it waits.
    pipe = folder / "f-0061x.json"
    os.mkfifo(pipe)
    args = ("cases", "import", str(folder), "--org", "org-a", "--as", "importer", "--json")
    first = subprocess.Popen(
        [*_entry_point(), *args, "--batch", str(BATCH)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not db.exists() or _count(db, "SELECT count(*) FROM cases") < 2 * BATCH - 2:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first two batches were never committed"
            time.sleep(0.05)
        time.sleep(1.0)  # it reaches the pipe and waits there, mid-batch
        assert first.poll() is None
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    # two batches committed: 50 files, of which the two bad ones made no case
    committed = _count(db, "SELECT count(*) FROM cases")
    assert committed == 2 * BATCH - 2

    pipe.unlink()
    again = _run(env, *args, "--batch", str(BATCH))
    assert again.returncode == 2, again.stderr  # the two bad files are reported again
    assert "error[import.skipped]: f-0010x.json: not JSON" in again.stderr
    assert "f-0030x.json: request: 1 problem: field (document): requesting_state" in again.stderr
    report = json.loads(again.stdout)
    assert report["already_imported"] == committed
    assert report["imported"] == FILES - committed
    assert report["skipped"] == 2
    # every file once: one case per file, each under its own key
    assert _count(db, "SELECT count(*) FROM cases") == FILES
    assert _count(db, "SELECT count(DISTINCT idempotency_key) FROM cases") == FILES
    # three events per case (created, screened, moved to screening), one chain, no gap
    verify = _run(env, "audit", "verify", "--json")
    assert verify.returncode == 0, verify.stdout
    checked = json.loads(verify.stdout)
    assert checked["ok"] and checked["events"] == 3 * FILES

    third = json.loads(_run(env, *args).stdout)
    assert third["imported"] == 0 and third["already_imported"] == FILES


def test_a_changed_file_under_an_imported_name_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "import.db"
    env = {**os.environ, "ROGATORY_DATABASE_URL": f"sqlite:///{db}"}
    assert _run(env, "db", "upgrade").returncode == 0
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.json").write_text(EXAMPLE.read_text())
    args = ("cases", "import", str(folder), "--org", "org-a", "--as", "importer", "--json")
    assert json.loads(_run(env, *args).stdout)["imported"] == 1
    changed = json.loads(EXAMPLE.read_text()) | {"preservation_days": 120}
    (folder / "a.json").write_text(json.dumps(changed))
    (folder / "b.json").write_text(EXAMPLE.read_text())
    again = _run(env, *args)
    assert again.returncode == 2
    assert "error[import.skipped]: a.json: this Idempotency-Key was used" in again.stderr
    assert json.loads(again.stdout)["imported"] == 1  # b.json, in the same batch
    assert _count(db, "SELECT count(*) FROM cases") == 2

"""``rogatory users add``, ``tokens create`` and ``serve``: the real entry point over loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import _entry_point

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_entry_point(), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


@dataclass
class Served:
    """A running ``rogatory serve``: its address, and what it printed once it stopped."""

    base: str
    out: str = ""
    err: str = ""
    pid: int = 0


@contextmanager
def serving(env: dict[str, str], *args: str, ready: str = "/openapi.json") -> Iterator[Served]:
    """Run ``rogatory serve ARGS`` on a free loopback port until ``ready`` answers 200."""
    port = _free_port()
    server = subprocess.Popen(
        [*_entry_point(), "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", pid=server.pid)
    try:
        deadline = time.monotonic() + 120  # generous: several workers on a loaded machine
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{served.base}{ready}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            server.terminate()
            _, err = server.communicate(timeout=30)
            pytest.fail(f"the server did not start: {err[-2000:]}")
        yield served
    finally:
        server.terminate()
        served.out, served.err = server.communicate(timeout=30)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ROGATORY_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}


def test_serve_refuses_an_unmigrated_database_and_placeholder_secrets(env: dict[str, str]) -> None:
    result = _run(env, "serve", "--port", str(_free_port()))
    assert result.returncode == 2 and result.stderr.startswith("error[db.not_migrated]")
    prod = _run(env | {"ROGATORY_ENVIRONMENT": "production"}, "serve")
    assert prod.returncode == 2 and prod.stderr.startswith("error[settings.placeholder_secret]")


def test_users_tokens_and_the_api_over_real_http(env: dict[str, str]) -> None:
    assert _run(env, "db", "upgrade").returncode == 0
    added = _run(
        env,
        "users",
        "add",
        "rita@example.org",
        "--org",
        "org-a",
        "--name",
        "Rita",
        "--role",
        "reviewer",
        "--role",
        "intake",
        "--password-stdin",
        stdin="correct horse battery staple\n",
    )
    assert added.returncode == 0, added.stderr
    weak = _run(
        env,
        "users",
        "add",
        "bob@example.org",
        "--org",
        "org-a",
        "--name",
        "Bob",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin="short\n",
    )
    assert weak.returncode == 2 and weak.stderr.startswith("error[user.weak_password]")
    token = json.loads(
        _run(
            env,
            "tokens",
            "create",
            "rita@example.org",
            "--name",
            "portal",
            "--scope",
            "cases:read",
            "--scope",
            "cases:write",
            "--json",
        ).stdout
    )
    assert token["token"].startswith("rgt_") and token["scopes"] == ["cases:read", "cases:write"]

    with serving(env) as served:
        base = served.base
        headers = {"Authorization": f"Bearer {token['token']}", "Idempotency-Key": "k1"}
        doc = json.loads(EXAMPLE.read_text())
        created = httpx.post(f"{base}/api/v1/cases", json=doc, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        assert (
            created.json()["screening"]["outcome"] == "not_in_force"
        )  # shipped data: no parties yet
        again = httpx.post(f"{base}/api/v1/cases", json=doc, headers=headers, timeout=30)
        assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
        unauth = httpx.get(f"{base}/api/v1/cases", timeout=10)
        assert unauth.status_code == 401 and unauth.headers["content-type"].startswith(
            "application/problem+json"
        )
    verify = _run(env, "audit", "verify", "--json")
    # the user and the token added (user.created, token.created), then the case's three
    assert verify.returncode == 0 and json.loads(verify.stdout)["events"] == 5
    assert sys.executable  # the same interpreter ran everything


def test_cases_import_a_folder_once(env: dict[str, str], tmp_path: Path) -> None:
    assert _run(env, "db", "upgrade").returncode == 0
    folder = tmp_path / "inbox"
    folder.mkdir()
    examples = EXAMPLE.parent
    for name in ("preservation-fraud.json", "stored-data-speech.json"):
        (folder / name).write_text((examples / name).read_text())
    (folder / "broken.json").write_text('{"measure": "preservation", "requesting_state": "QQQ"}')
    what_if = str(examples.parent / "what-if-ratifications.csv")
    first = _run(
        env,
        "cases",
        "import",
        str(folder),
        "--org",
        "org-a",
        "--as",
        "importer",
        "--instruments",
        what_if,
        "--json",
    )
    assert first.returncode == 2 and "error[import.skipped]: broken.json" in first.stderr
    report = json.loads(first.stdout)
    assert report["imported"] == 2 and report["skipped"] == 1
    outcomes = {r["file"]: r.get("outcome") for r in report["files"]}
    assert outcomes == {
        "broken.json": None,
        "preservation-fraud.json": "proceed",
        "stored-data-speech.json": "review",
    }
    (folder / "broken.json").unlink()
    again = _run(
        env, "cases", "import", str(folder), "--org", "org-a", "--as", "importer", "--json"
    )
    assert again.returncode == 0 and json.loads(again.stdout)["imported"] == 0
    verify = json.loads(_run(env, "audit", "verify", "--json").stdout)
    assert verify["ok"] and verify["events"] == 6


def test_cases_import_under_budapest(env: dict[str, str], tmp_path: Path) -> None:
    assert _run(env, "db", "upgrade").returncode == 0
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "fra-aut.json").write_text(
        (EXAMPLE.parent.parent / "budapest-preservation.json").read_text()
    )
    args = ("cases", "import", str(folder), "--org", "org-a", "--as", "importer", "--json")
    done = _run(env, *args, "--treaty", "budapest")
    assert done.returncode == 0, done.stderr
    case_id = json.loads(done.stdout)["files"][0]["case"]
    import sqlite3

    with sqlite3.connect(env["ROGATORY_DATABASE_URL"].removeprefix("sqlite:///")) as db:
        row = db.execute("SELECT treaty FROM cases WHERE id = ?", (case_id,)).fetchone()
        screened = db.execute("SELECT treaty FROM screenings WHERE case_id = ?", (case_id,))
        assert row == ("budapest",) and screened.fetchall() == [("budapest",)]
    unknown = _run(env, *args, "--treaty", "ets30")
    assert unknown.returncode == 2 and "error[rules.unknown_bundle]" in unknown.stderr

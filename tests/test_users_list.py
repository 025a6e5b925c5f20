"""A newcomer's path through the real entry point: ``rogatory users list`` on SQLite and
PostgreSQL, and the README's token example, which acts in a demo organisation and so sees
its cases."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from rogatory.accounts import service as accounts
from rogatory.api.app import create_app
from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.demo import seed
from rogatory.requests import flows
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import _entry_point

README = Path(__file__).resolve().parents[1] / "README.md"


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROGATORY_DATABASE_URL": url, "COLUMNS": "120"}
    return subprocess.run(
        [*_entry_point(), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_users_list_as_a_table_as_json_and_for_one_organisation(engine: Engine) -> None:
    with dbe.sessions(engine).begin() as s:
        for org, name in (("org-a", "Example Hosting"), ("org-b", "Ministère de la Justice")):
            flows.ensure_organisation(s, org, name)
        for org, email, roles in (
            ("org-a", "rita@a.example", ["reviewer", "intake"]),
            ("org-a", "alma@a.example", ["approver"]),
            ("org-b", "olga@b.example", ["admin"]),
        ):
            accounts.add_user(
                s,
                org=org,
                email=email,
                name=email.split("@")[0].title(),
                password="correct horse battery",
                roles=roles,
            )
    url = engine.url.render_as_string(hide_password=False)
    table = _run(url, "users", "list")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert [ln.split("│")[1:3] for ln in lines if "@" in ln] == [
        [" org-a        ", " alma@a.example "],
        [" org-a        ", " rita@a.example "],
        [" org-b        ", " olga@b.example "],
    ]
    assert "intake, reviewer" in table.stdout
    assert lines[-1] == (
        "3 users in 2 organisations: org-a (Example Hosting); org-b (Ministère de la Justice)"
    )
    listed = json.loads(_run(url, "users", "list", "--org", "org-b", "--json").stdout)
    assert listed == {
        "organisations": [{"id": "org-b", "name": "Ministère de la Justice", "users": 1}],
        "users": [
            {
                "email": "olga@b.example",
                "name": "Olga",
                "organisation": "org-b",
                "roles": ["admin"],
                "active": True,
            }
        ],
    }
    typo = _run(url, "users", "list", "--org", "org-c")
    assert typo.returncode == 2
    assert typo.stderr.splitlines() == [
        "error[organisation.not_found]: no organisation 'org-c'",
        "help: the organisations are: org-a, org-b",
    ]


def test_the_readme_token_example_sees_the_demos_cases(tmp_path: Path) -> None:
    """The README's commands, as written there, after the demo: the token's organisation
    is a demo organisation, so the API lists its cases."""
    text = README.read_text(encoding="utf-8")
    commands = [
        shlex.split(line.removeprefix("$ rogatory "))
        for line in text.splitlines()
        if line.startswith(("$ rogatory users add", "$ rogatory tokens create"))
        and "officer@police.xaa.example" not in line  # the requester's section: not this one
    ]
    assert len(commands) == 2 and "--org" in commands[0]
    org = commands[0][commands[0].index("--org") + 1]
    assert org in {o.id for o in seed.ORGS}
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _run(url, "db", "upgrade").returncode == 0
    assert _run(url, "demo").returncode == 0
    env_password = subprocess.run(
        [*_entry_point(), *commands[0], "--password-stdin"],
        input="correct horse battery staple\n",
        capture_output=True,
        text=True,
        env={**os.environ, "ROGATORY_DATABASE_URL": url},
        timeout=120,
        check=False,
    )
    assert env_password.returncode == 0, env_password.stderr
    created = _run(url, *commands[1], "--json")
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["token"]
    sessions = dbe.sessions(dbe.make_engine(url))
    app = create_app(
        Services(
            sessions,
            screening.load(instruments_file=seed.INSTRUMENTS),
            Lifecycle(catalogue.get().has_provision),
            tmp_path / "evidence",
        )
    )
    with TestClient(app) as client:
        listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200 and len(listed.json()["items"]) > 0

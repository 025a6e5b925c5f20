"""``rogatory demo`` and what ``make run`` does with it: migrate, load the demo into an empty
database, serve it, sign in. The story goes through the real services, so the audit chain
verifies, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import Engine, select

from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.db import state as rows
from rogatory.demo import seed
from rogatory.evidence.models import Disclosure
from rogatory.requests.models import Case, Screening
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.test_serve import _run, serving


def test_the_demo_tells_a_varied_story_with_a_valid_audit_chain(
    engine: Engine, tmp_path: Path
) -> None:
    sessions = dbe.sessions(engine)
    assert seed.is_empty(sessions)
    story = seed.seed(
        sessions,
        screening.load(instruments_file=seed.INSTRUMENTS),
        Lifecycle(catalogue.get().has_provision),
        tmp_path / "evidence",
    )
    assert not seed.is_empty(sessions)
    assert (story.organisations, story.cases) == (2, 201)  # 200 and the requester's
    with sessions() as s:
        assert audit.verify(s).ok
        # every write path the story takes records the state it leaves, and nothing else
        checked = rows.verify(s)
        assert checked.ok and checked.checked == {"case": 201, "user": 13, "authority": 60}, (
            checked.describe()
        )
        measures = Counter(s.execute(select(Case.measure)).scalars())
        states = set(s.execute(select(Case.requesting_state)).scalars())
        outcomes = Counter(s.execute(select(Screening.outcome)).scalars())
        receipts = s.execute(select(Disclosure.id)).all()
    steps = {m for m, row in catalogue.get().measures.items() if row.step_of is not None}
    assert steps == {"traffic_disclosure"} and not steps & set(measures)
    assert len(measures) == len(catalogue.get().measures) - len(steps) and len(states) >= 8
    assert {"proceed", "review", "invalid", "not_in_force"} <= set(outcomes)
    for status in (
        "screening",
        "in_review",
        "approved",
        "refused",
        "info_requested",
        "fulfilled",
        "closed",
        "withdrawn",
    ):
        assert story.statuses.get(status, 0) > 0, status
    assert story.receipts == len(receipts) > 0
    # the demo publishes one transparency report, which verifies
    assert len(story.published) == 1 and story.published[0].startswith("/public/reports/nimbus/")
    with sessions() as s:
        from rogatory.reports import publishing, snapshot

        (row,) = publishing.listed(s, "nimbus")
        assert snapshot.verify(snapshot.parse(row.snapshot, file="demo")).ok


def test_make_run_steps_migrate_load_once_serve_and_sign_in(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ROGATORY_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "ROGATORY_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    assert _run(env, "db", "upgrade").returncode == 0
    loaded = _run(env, "demo", "--if-empty", "--json")
    assert loaded.returncode == 0, loaded.stderr
    report = json.loads(loaded.stdout)
    assert report["cases"] == 201 and "reviewer@nimbus.example" in report["logins"]
    again = _run(env, "demo")
    assert again.returncode == 2 and again.stderr.startswith("error[demo.not_empty]")
    skipped = _run(env, "demo", "--if-empty")
    assert skipped.returncode == 0 and "not loaded" in skipped.stdout
    assert _run(env, "audit", "verify").returncode == 0

    with serving(env, "--demo", ready="/login") as served:
        base = served.base
        with httpx.Client(base_url=base, timeout=30) as client:
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            signed = client.post(
                "/login",
                data={
                    "email": "reviewer@nimbus.example",
                    "password": seed.PASSWORD,
                    "csrf_token": token.group(1),
                },
                follow_redirects=True,
            )
            assert signed.status_code == 200 and "case-link" in signed.text
            assert "171 cases" in client.get("/queue?status=all").text
    assert "rogatory-demo" in served.out  # serve --demo says how to sign in


def test_serve_with_several_workers_shares_one_database(tmp_path: Path) -> None:
    """``--workers N``: stateless worker processes on one database, as in production."""
    env = {**os.environ, "ROGATORY_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    assert _run(env, "db", "upgrade").returncode == 0
    with serving(env, "--demo", "--workers", "2", ready="/login") as served:
        base = served.base
        answers = {httpx.get(f"{base}/login", timeout=10).status_code for _ in range(10)}
        assert answers == {200}
    assert "Started parent process" in served.err  # uvicorn supervising its worker processes

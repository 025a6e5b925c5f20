"""A case keeps the treaty it was screened under, on SQLite and PostgreSQL: intake under a
chosen treaty, every later screening under the same one whatever the service's default,
idempotent retries bound to the treaty, and cases from before the column open, screen again
and verify as the UN Convention's."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.errors import ProblemList, RogatoryError
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.models import Case, Screening
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications
from tests.test_treaty_plugin import _screener as toy_screener
from tests.test_treaty_plugin import _toy

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
INTAKE = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita", "org-a", frozenset({Role.REVIEWER}))


def _uncc() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


@pytest.fixture
def screeners(tmp_path: Path) -> tuple[screening.Screener, screening.Screener]:
    """The UN Convention's screener (the default) and a toy treaty's, linked as a service
    that screens under both; the toy's Parties are XAA and XAB from 2021."""
    uncc, toy = _uncc(), toy_screener(_toy(tmp_path))
    screening.family(uncc, toy)
    return uncc, toy


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / "preservation-fraud.json").read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    # No offence article: the example's (UN Art 13) is no offence article of the toy, and a
    # request is validated against the treaty it is taken in under.
    doc["offence"] = {**doc["offence"], "treaty_articles": []}
    doc.update(changes)
    return doc


def _instruments(s: Screening) -> set[str]:
    return {c["instrument"] for f in s.decision["findings"] for c in f["cites"]}


def test_a_case_taken_in_under_a_treaty_is_screened_again_under_it(
    engine: Engine, screeners: tuple[screening.Screener, screening.Screener]
) -> None:
    uncc, _toy_screener = screeners
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        case, _ = flows.intake(s, INTAKE, _doc(), uncc, treaty="toy")
        default, _ = flows.intake(s, INTAKE, _doc(), uncc)
        toy_id, default_id = case.id, default.id
        un_article = _doc(offence={"description": "fraud", "treaty_articles": [13]})
        with pytest.raises(ProblemList) as refused:
            flows.intake(s, INTAKE, un_article, uncc, treaty="toy")
        assert "not offence articles of toy" in refused.value.problems[0].message
    with dbe.sessions(engine).begin() as s:
        # Screened again through the service's default screener: still under the toy.
        again = flows.rescreen(s, REVIEWER, toy_id, uncc, date(2026, 10, 1))
        assert (again.treaty, again.seq) == ("toy", 2)
        assert _instruments(again) == {"TOY"}
        rows = s.execute(select(Screening).where(Screening.case_id == default_id)).scalars()
        assert [(r.treaty, _instruments(r) <= {"UNCC"}) for r in rows] == [("uncc", True)]
        assert s.get(Case, toy_id).treaty == "toy"  # type: ignore[union-attr]
        assert audit.verify(s).ok
        created = [
            e.summary["treaty"]
            for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
            if e.action in ("case.created", "case.screened")
        ]
        assert created == ["toy", "toy", "uncc", "uncc", "toy"]


def test_a_treaty_the_service_does_not_screen_under_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    alone = _uncc()  # a service that screens under the UN Convention only
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        with pytest.raises(RogatoryError) as info:
            flows.intake(s, INTAKE, _doc(), alone, treaty="budapest-1949")
    assert info.value.code == "case.treaty_unavailable"
    assert "uncc" in (info.value.help or "")
    with dbe.sessions(engine)() as s:
        assert s.execute(select(Case)).first() is None  # nothing stored


def test_an_idempotency_key_is_bound_to_the_treaty(
    engine: Engine, screeners: tuple[screening.Screener, screening.Screener]
) -> None:
    uncc, _ = screeners
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        first, created = flows.intake(s, INTAKE, _doc(), uncc, idempotency_key="k-1")
        again, again_created = flows.intake(s, INTAKE, _doc(), uncc, idempotency_key="k-1")
        assert created and not again_created and again.id == first.id
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
        flows.intake(s, INTAKE, _doc(), uncc, idempotency_key="k-1", treaty="toy")
    assert info.value.code == "case.idempotency_conflict"


def test_cases_from_before_the_treaty_column_are_the_conventions(engine: Engine) -> None:
    """Taken in and screened, then the schema taken back to before the column (0012) and
    forward again: the case reads as a UN Convention case, screens again and verifies."""
    uncc = _uncc()
    # a plain session records no states, as before 0014, so the schema can go back past it
    with sessionmaker(engine, expire_on_commit=False).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        case, _ = flows.intake(s, INTAKE, _doc(), uncc)
        case_id = case.id
    command.downgrade(migrate.config(engine), "0012")
    with engine.connect() as conn:
        columns = conn.exec_driver_sql("SELECT * FROM cases").keys()
        assert "treaty" not in columns
    migrate.upgrade(engine)
    with dbe.sessions(engine).begin() as s:
        old = flows.get_or_raise(s, REVIEWER, case_id)
        assert old.treaty == "uncc"
        assert flows.latest_screening(s, old).treaty == "uncc"
        again = flows.rescreen(s, REVIEWER, case_id, uncc)
        first = flows.screenings(s, REVIEWER, case_id)[0]
        assert (again.treaty, again.outcome) == ("uncc", first.outcome)
        assert audit.verify(s).ok


def test_over_http_a_case_is_taken_in_and_screened_again_under_budapest(engine: Engine) -> None:
    """The service screens under every shipped treaty with screening rules: ``?treaty=``
    picks one at intake, and the case keeps it."""
    from fastapi.testclient import TestClient

    from rogatory.accounts import service as accounts
    from rogatory.api.app import create_app
    from rogatory.api.deps import Services
    from rogatory.requests.transitions import Lifecycle

    services = Services(
        dbe.sessions(engine), screening.load_family(), Lifecycle(catalogue.get().has_provision)
    )
    with services.sessions.begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        user = accounts.add_user(
            s,
            org="org-a",
            email="rita@a.example",
            name="Rita",
            password="correct horse battery",
            roles=["intake", "reviewer"],
        )
        token = accounts.create_token(s, user, name="t", scopes=["cases:read", "cases:write"])[1]
    client = TestClient(create_app(services))
    auth = {"Authorization": f"Bearer {token}"}
    doc = json.loads((EXAMPLES.parent / "budapest-preservation.json").read_text())
    created = client.post("/api/v1/cases?treaty=budapest", json=doc, headers=auth)
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["treaty"] == "budapest" and case["screening"]["treaty"] == "budapest"
    again = client.post(
        f"/api/v1/cases/{case['id']}/screenings", json={"on": "2025-04-01"}, headers=auth
    )
    assert again.status_code == 201, again.text
    cites = {c["instrument"] for f in again.json()["decision"]["findings"] for c in f["cites"]}
    assert again.json()["treaty"] == "budapest" and cites == {"ETS185"}
    default = client.post("/api/v1/cases", json=doc, headers=auth).json()
    assert default["treaty"] == "uncc"
    unknown = client.post("/api/v1/cases?treaty=ets30", json=doc, headers=auth)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "case.treaty_unavailable"
    assert "budapest" in unknown.json()["help"] and "uncc" in unknown.json()["help"]

"""Queue search finds text in any script, whatever its case, on SQLite and PostgreSQL (in a
database of the ``C`` locale too, where PostgreSQL's own ``lower()`` folds ASCII only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url

from rogatory.accounts import service as accounts
from rogatory.api.app import create_app
from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.demo import seed
from rogatory.requests import flows, queue
from rogatory.requests.transitions import Lifecycle, Role
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue

ACTOR = flows.Actor("ivan@a.example", "org-a", frozenset({Role.INTAKE, Role.REVIEWER}))
DOCUMENT = {
    "measure": "preservation",
    "requesting_state": "XAA",
    "requested_state": "XAB",
    "submitted_on": "2026-09-01",
    "requesting_authority": {"name": "Ministère de la Justice", "reference": "RÉF-Ω-7"},
    "data": {"identifiers": ["пользователь@mail.example", "ÆØÅ-konto"]},
}
FINDS = ["Ministère", "MINISTÈRE", "ministère", "пользователь", "ПОЛЬЗОВАТЕЛЬ", "réf-ω", "æøå"]
MISSES = ["Ministere", "пользователи", "100%", "a_b"]


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    return screening.load(instruments_file=seed.INSTRUMENTS)


def _take_in(engine: Engine, screener: screening.Screener) -> tuple[str, str]:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        wanted, _ = flows.intake(s, ACTOR, DOCUMENT, screener)
        other, _ = flows.intake(
            s, ACTOR, {**DOCUMENT, "requesting_authority": {}, "data": {}}, screener
        )
        return wanted.id, other.id


def _found(engine: Engine, text: str) -> list[str]:
    with dbe.sessions(engine)() as s:
        query = queue.select_cases(ACTOR, queue.Filters(text=text))
        return [c.id for c in s.execute(query).scalars()]


def test_search_folds_every_script_on_both_databases(
    engine: Engine, screener: screening.Screener
) -> None:
    wanted, _ = _take_in(engine, screener)
    for text in FINDS:
        assert _found(engine, text) == [wanted], text
    for text in MISSES:
        assert _found(engine, text) == [], text


def test_search_over_the_api(engine: Engine, screener: screening.Screener, tmp_path: Path) -> None:
    wanted, _ = _take_in(engine, screener)
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        user = accounts.add_user(
            s,
            org="org-a",
            email="r@a.example",
            name="r",
            password="correct horse battery",
            roles=["reviewer"],
        )
        token = accounts.create_token(s, user, name="t", scopes=["cases:read"])[1]
    app = create_app(
        Services(sessions, screener, Lifecycle(catalogue.get().has_provision), tmp_path)
    )
    with TestClient(app) as client:
        for text in ("MINISTÈRE", "ПОЛЬЗОВАТЕЛЬ"):
            answer = client.get(
                "/api/v1/cases", params={"q": text}, headers={"Authorization": f"Bearer {token}"}
            )
            assert [c["id"] for c in answer.json()["items"]] == [wanted], text


@pytest.fixture
def c_locale_engine(pg_engine: Engine) -> Iterator[Engine]:
    """A PostgreSQL database of the C locale, beside the test database."""
    name = f"rogatory_c_{uuid.uuid4().hex[:8]}"
    admin = pg_engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    engine = dbe.make_engine(make_url(pg_engine.url).set(database=name).render_as_string(False))
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name}")


def test_search_folds_every_script_in_a_c_locale_postgresql_database(
    c_locale_engine: Engine, screener: screening.Screener
) -> None:
    with c_locale_engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW lc_ctype").scalar() == "C"
        assert conn.exec_driver_sql("SELECT lower('MINISTÈRE')").scalar() == "ministÈre"
    wanted, _ = _take_in(c_locale_engine, screener)
    for text in FINDS:
        assert _found(c_locale_engine, text) == [wanted], text


def test_search_matches_the_documents_values_not_its_key_names(
    engine: Engine, screener: screening.Screener
) -> None:
    """Every request has a facts field and an identifiers list: searching for those words
    must find the requests whose text says them, not every request."""
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        plain, _ = flows.intake(s, ACTOR, {**DOCUMENT, "preservation_days": 97}, screener)
        saying, _ = flows.intake(
            s,
            ACTOR,
            {**DOCUMENT, "facts": "the facts: identifiers were sold", "preservation_days": 90},
            screener,
        )
    for key_name in ("facts", "identifiers", "requesting_authority", "data", "submitted_on"):
        expected = [saying.id] if key_name in ("facts", "identifiers") else []
        assert sorted(_found(engine, key_name)) == expected, key_name
    assert sorted(_found(engine, "sold")) == [saying.id]
    # A number of the document is a value too (the search also reads case ids, so the other
    # case is found only if its random id happens to hold the digits).
    also = [saying.id] if "97" in saying.id else []
    assert sorted(_found(engine, "97")) == sorted([plain.id, *also])
    assert sorted(_found(engine, "2026-09-01")) == sorted([plain.id, saying.id])
    assert sorted(_found(engine, "пользователь")) == sorted([plain.id, saying.id])

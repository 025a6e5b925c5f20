"""The audit chain on SQLite and PostgreSQL: appends, verification, and every kind of tampering."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from rogatory.audit import chain as chains
from rogatory.audit import service
from rogatory.db import engine as dbe
from tests.conftest import CliResult


def _fill(engine: Engine, n: int = 6, chain: str = "org-a") -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with dbe.sessions(engine).begin() as s:
        for i in range(n):
            service.append(
                s,
                chain=chain,
                actor=f"user{i % 2}",
                action="case.transition",
                case_id=f"C-{i // 2}",
                summary={"to": "in_review", "note": "vérifié", "i": i},
                at=start + timedelta(minutes=i),
            )


def _verify(engine: Engine) -> chains.ChainReport:
    with dbe.sessions(engine)() as s:
        return service.verify(s)


GUARDED = ("audit_events", "audit_checkpoints")


def _tamper(engine: Engine, sql: str) -> None:
    """Change rows the way an attacker with database access would: around the guards."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in GUARDED:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            conn.exec_driver_sql(sql)
            for table in GUARDED:
                conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            for table in GUARDED:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            conn.exec_driver_sql(sql)


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    _fill(engine)
    _fill(engine, 3, chain="org-b")
    report = _verify(engine)
    assert report.ok and report.events == 9 and report.chains == {"org-a": 6, "org-b": 3}
    assert "no broken link" in report.describe()


def test_each_event_links_to_the_previous_one(engine: Engine) -> None:
    _fill(engine, 3)
    with dbe.sessions(engine)() as s:
        events = list(service.stream(s))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == chains.GENESIS
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert events[1].hash == chains.link(events[0].hash, events[1].payload)


def test_an_edited_row_is_named(engine: Engine) -> None:
    _fill(engine)
    _tamper(engine, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 4")
    report = _verify(engine)
    assert not report.ok and report.broken_seq == 4 and "altered" in (report.reason or "")


def test_an_edited_summary_is_named(engine: Engine) -> None:
    _fill(engine)
    value = '\'{"to": "refused", "note": "vérifié", "i": 2}\''
    _tamper(engine, f"UPDATE audit_events SET summary = {value} WHERE seq = 3")
    report = _verify(engine)
    assert report.broken_seq == 3 and "altered" in (report.reason or "")


def test_a_deleted_row_is_named(engine: Engine) -> None:
    _fill(engine)
    _tamper(engine, "DELETE FROM audit_events WHERE seq = 3")
    report = _verify(engine)
    assert not report.ok and report.broken_seq == 3 and "deleted" in (report.reason or "")


def test_deleting_the_last_rows_cannot_be_seen_from_the_chain_alone(engine: Engine) -> None:
    """Truncating the tail leaves a valid shorter chain: why the triggers and off-site copies of
    the head hash matter. Verification reports the count so an auditor can compare."""
    _fill(engine)
    _tamper(engine, "DELETE FROM audit_events WHERE seq = 6")
    report = _verify(engine)
    assert report.ok and report.events == 5


def test_reordered_rows_are_named(engine: Engine) -> None:
    _fill(engine)
    _tamper(engine, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
    _tamper(engine, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
    _tamper(engine, "UPDATE audit_events SET seq = 4 WHERE seq = -1")
    report = _verify(engine)
    assert not report.ok and report.broken_seq == 3
    assert "reordered" in (report.reason or "") or "altered" in (report.reason or "")


def test_a_replaced_row_with_a_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    _fill(engine)
    with dbe.sessions(engine)() as s:
        events = list(service.stream(s))
    forged = dict(events[2].payload) | {"actor": "mallory"}
    new_hash = chains.link(events[2].prev_hash, forged)
    _tamper(engine, f"UPDATE audit_events SET actor = 'mallory', hash = '{new_hash}' WHERE seq = 3")
    report = _verify(engine)
    assert report.broken_seq == 4 and "reordered, or one was replaced" in (report.reason or "")


@pytest.mark.parametrize("sql", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"])
def test_the_database_rejects_update_and_delete(engine: Engine, sql: str) -> None:
    _fill(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    assert _verify(engine).events == 2


def test_truncate_is_rejected_on_postgresql(pg_engine: Engine) -> None:
    _fill(pg_engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))


def test_an_append_that_fails_leaves_nothing_behind(engine: Engine) -> None:
    _fill(engine, 2)

    def write_that_fails() -> None:
        with dbe.sessions(engine).begin() as s:
            service.append(s, chain="org-a", actor="u", action="a", summary={"ok": True})
            raise RuntimeError("the business write failed after the audit append")

    with pytest.raises(RuntimeError, match="business write failed"):
        write_that_fails()
    report = _verify(engine)
    assert report.ok and report.events == 2


def test_values_that_json_cannot_hold_are_refused() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        chains.canonical({"x": float("nan")})
    with pytest.raises(TypeError):
        chains.canonical({"x": object()})


def test_db_upgrade_and_audit_verify_commands(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ROGATORY_DATABASE_URL", url)
    up = cli("db", "upgrade")
    from rogatory.db import migrate

    assert up.code == 0 and f"revision {migrate.head()}" in up.out, up.err
    engine = dbe.make_engine(url)
    _fill(engine, 4)
    ok = cli("audit", "verify", "--json")
    assert ok.code == 0 and json.loads(ok.out) == {
        "ok": True,
        "events": 4,
        "chains": {"org-a": 4},
        "broken_chain": None,
        "broken_seq": None,
        "reason": None,
        "checkpoints": [],
        "warnings": [],
    }
    _tamper(engine, "UPDATE audit_events SET action = 'case.refused' WHERE seq = 2")
    broken = cli("audit", "verify")
    assert broken.code == 1 and "broken at event 2" in broken.out


@pytest.mark.parametrize(
    "summary",
    [
        {"amount": 1e16, "ratio": 0.1},  # floats orjson writes otherwise than json ("1e16")
        {"big": 2**70, "neg": -(2**65)},  # integers beyond 64 bits orjson cannot read
        {"text": '\u2028 \x7f \U0001f600 \\ " \t', "nested": {"b": [1, {"a": None}]}},
    ],
)
def test_values_the_fast_encoder_writes_otherwise_still_verify(
    engine: Engine, summary: dict[str, object]
) -> None:
    """Verification tries a fast serialisation first; where it differs from the canonical
    form the reference one decides, so an intact event is never reported broken."""
    with dbe.sessions(engine).begin() as s:
        for i in range(3):
            service.append(s, chain="org-a", actor="u", action="x", summary=summary | {"i": i})
    report = _verify(engine)
    assert report.ok and report.events == 3, report.describe()
    with dbe.sessions(engine)() as s:
        events = list(service.stream(s))
    assert events[1].payload["summary"] == summary | {"i": 1}


def test_an_edited_float_is_named_though_the_fast_form_never_matched(engine: Engine) -> None:
    with dbe.sessions(engine).begin() as s:
        for i in range(3):
            service.append(s, chain="org-a", actor="u", action="x", summary={"v": 1e16 + i})
    _tamper(engine, "UPDATE audit_events SET summary = '{\"v\": 2e16}' WHERE seq = 2")
    report = _verify(engine)
    assert report.broken_seq == 2 and "altered" in (report.reason or "")


def test_a_malformed_stored_time_is_an_altered_event_not_a_crash(tmp_path: Path) -> None:
    """SQLite stores the time as text (PostgreSQL types the column, so it cannot be malformed
    there)."""
    from rogatory.db import migrate

    engine = dbe.make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    migrate.upgrade(engine)
    _fill(engine)
    _tamper(engine, "UPDATE audit_events SET at = '2026-12-01 09:0x:00.000000' WHERE seq = 2")
    report = _verify(engine)
    assert report.broken_seq == 2 and "altered" in (report.reason or "")

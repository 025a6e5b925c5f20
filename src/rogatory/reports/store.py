"""The analytical copy of the case facts: DuckDB, in memory, kept in step with the case tables
by the audit chain.

A report scans one narrow column store instead of joining the case tables on every request:
that is what keeps it near a direct DuckDB query at any size. The copy is exact because every
change to a case appends an event naming it to its organisation's chain in the same
transaction (``requests.flows.record``): before each report the store reads the chain's head,
and re-reads the facts of the cases named by the events since the head it last saw (on first
use, every case of the organisation). A row edited by hand without an event is not seen here,
as ``rogatory audit verify --state`` reports it; ``rebuild`` reads everything again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rogatory.audit.models import AuditEvent
from rogatory.reports import facts


def _create(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in (("facts", facts.FACTS), ("findings", facts.FINDINGS)):
        spec = ", ".join(f"{name} {kind}" for name, kind in columns)
        con.execute(f"CREATE TABLE {table} ({spec})")


def _arrow(columns: dict[str, list[Any]], spec: tuple[tuple[str, str], ...]) -> pa.Table:
    types = {
        "VARCHAR": pa.string(),
        "BOOLEAN": pa.bool_(),
        "TIMESTAMP": pa.timestamp("us"),
        "DOUBLE": pa.float64(),
        "INTEGER": pa.int32(),
    }
    return pa.table({name: pa.array(columns[name], type=types[kind]) for name, kind in spec})


class FactStore:
    """One in-memory DuckDB database of facts for every organisation a process reports on."""

    def __init__(self) -> None:
        self._con = duckdb.connect(":memory:")
        _create(self._con)
        self._heads: dict[str, int] = {}
        self._lock = threading.Lock()

    def _replace(self, org: str, batch: facts.Facts, ids: list[str] | None) -> None:
        con = self._con
        new_facts = _arrow(batch.columns, facts.FACTS)  # noqa: F841 - read by name in SQL
        new_findings = _arrow(batch.findings, facts.FINDINGS)  # noqa: F841
        con.execute("BEGIN")
        try:
            if ids is None:
                con.execute("DELETE FROM facts WHERE org = ?", [org])
                con.execute("DELETE FROM findings WHERE org = ?", [org])
            else:
                con.execute("DELETE FROM facts WHERE case_id IN (SELECT unnest(?))", [ids])
                con.execute("DELETE FROM findings WHERE case_id IN (SELECT unnest(?))", [ids])
            con.execute("INSERT INTO facts SELECT * FROM new_facts")
            con.execute("INSERT INTO findings SELECT * FROM new_findings")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def refresh(self, session: Session, org: str) -> int:
        """Bring the organisation's facts up to its chain's head; the head it stands at."""
        head = session.execute(
            select(func.coalesce(func.max(AuditEvent.seq), 0)).where(AuditEvent.chain == org)
        ).scalar_one()
        with self._lock:
            seen = self._heads.get(org)
            if seen is None:
                self._replace(org, facts.read(session, org), None)
            elif head > seen:
                changed = sorted(
                    case_id
                    for case_id in session.execute(
                        select(AuditEvent.case_id)
                        .where(
                            AuditEvent.chain == org,
                            AuditEvent.seq > seen,
                            AuditEvent.case_id.is_not(None),
                        )
                        .distinct()
                    ).scalars()
                    if case_id is not None
                )
                for ids in facts.batches(changed):
                    self._replace(org, facts.read(session, org, ids), list(ids))
            self._heads[org] = max(head, seen or 0)
        return int(head)

    def rebuild(self, session: Session, org: str) -> int:
        with self._lock:
            self._heads.pop(org, None)
        return self.refresh(session, org)

    @contextmanager
    def query(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the store, for one report's queries (other threads wait)."""
        with self._lock:
            cursor = self._con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()

"""Benchmark: ``rogatory cases import`` of N request files, as a ratio to a bulk-insert floor.

A generator writes N realistic request files (the screening benchmark's synthetic requests:
every measure, mostly complete, some missing items, some out of scope, with and without
signals, between 40 test parties and a non-party; a few files broken on purpose). The folder
is imported with the code ``cases import`` runs (``requests.bulk.import_files``: each file
read, validated, screened, stored with its decision and its three audit events, 500 files
per transaction), into SQLite and into a throwaway PostgreSQL. Before any figure is printed,
the run is checked: every valid file made exactly one case, every broken file was reported,
and the audit chain verifies. The floor is the same rows (every table the import wrote),
inserted into a fresh database with one ``executemany`` per table per batch of 500 cases, in
one transaction per batch: the storage cost alone, with no reading, validation, screening,
hashing or ORM.

Run with ``make bench`` (or ``python -m benchmarks.bench_import [COUNT]`` from the top folder;
default 100,000 files).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from tests import postgres  # the suite's throwaway server

from benchmarks.bench_screening import PARTIES, synthetic
from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.law.citation import Level
from rogatory.orm import Base
from rogatory.parties import service
from rogatory.parties.instruments import Instrument, Kind
from rogatory.requests import bulk, flows
from rogatory.requests.models import Case
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine
from rogatory.treaty import catalogue

ORG = "org-bench"
BATCH = bulk.BATCH
BROKEN_EVERY = 1000  # one file in a thousand is not valid JSON or not a valid request


def write_files(folder: Path, count: int) -> int:
    """N request files; returns how many are broken on purpose."""
    broken = 0
    for i, doc in enumerate(synthetic(count)):
        path = folder / f"req-{i:07d}.json"
        if i % BROKEN_EVERY == 7:
            broken += 1
            path.write_text("{not json" if broken % 2 else json.dumps(doc | {"measure": "x"}))
        else:
            path.write_text(json.dumps(doc))
    return broken


def screener() -> engine.Screener:
    bundle = catalogue.get()
    instruments = [
        Instrument(
            c,
            Kind.RATIFICATION,
            date(2026, 1, 5) + timedelta(days=i),
            "bench",
            Level.RECOLLECTION,
            "bench",
        )
        for i, c in enumerate(PARTIES)
    ]
    register = service.build(bundle, extra=instruments, ignore_shipped=True)
    return engine.Screener(engine.build_law(register=register))


def run_import(url: str, files: list[Path], broken: int) -> tuple[float, Engine]:
    eng = dbe.make_engine(url)
    migrate.upgrade(eng)
    sessions = dbe.sessions(eng)
    actor = flows.Actor("importer", ORG, frozenset({Role.INTAKE}))
    law = screener()
    t0 = time.perf_counter()
    report = bulk.import_files(sessions, actor, files, law)
    seconds = time.perf_counter() - t0
    # correctness before any figure: each valid file once, each broken one reported, the
    # chain verifies (what `rogatory audit verify` runs)
    assert report.failed == broken, f"{report.failed} files failed, {broken} broken on purpose"
    assert report.imported == len(files) - broken and report.already == 0
    with sessions() as s:
        cases = s.execute(select(func.count()).select_from(Case)).scalar_one()
        keys = s.execute(select(func.count(Case.idempotency_key.distinct()))).scalar_one()
        checked = audit.verify(s)
    assert cases == keys == len(files) - broken, (cases, keys)
    assert checked.ok and checked.events == 3 * cases, checked
    again = bulk.import_files(sessions, actor, files[:BATCH], law)  # a resumed run skips
    assert again.imported == 0 and again.already == sum(1 for r in again.files if not r.error)
    return seconds, eng


def floor(source: Engine, url: str, batches: int) -> tuple[float, int]:
    """The same rows, one executemany per table per batch, one transaction per batch."""
    target = dbe.make_engine(url)
    migrate.upgrade(target)
    tables = list(Base.metadata.sorted_tables)
    chunks: list[list[tuple[Any, list[dict[str, Any]]]]] = [[] for _ in range(batches)]
    total = 0
    with source.connect() as conn:
        order = conn.execute(select(Case.id).order_by(Case.received_at, Case.id)).scalars()
        batch_of = {
            case: i * batches // len(case_ids)
            for case_ids in [list(order)]
            for i, case in enumerate(case_ids)
        }
        for table in tables:
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
            if not rows:
                continue
            total += len(rows)
            if table.name == "organisations":  # created once, before the batches
                with target.begin() as out:
                    out.execute(insert(table), rows)
                continue
            # each case's rows in its batch (foreign keys hold); other rows in the last one
            key = "id" if table.name == "cases" else "case_id"
            parts: list[list[dict[str, Any]]] = [[] for _ in range(batches)]
            for row in rows:
                parts[batch_of.get(row.get(key), batches - 1)].append(row)
            for b, part in enumerate(parts):
                if part:
                    chunks[b].append((table, part))
    t0 = time.perf_counter()
    for chunk in chunks:
        with target.begin() as out:
            for table, part in chunk:
                out.execute(insert(table), part)
    seconds = time.perf_counter() - t0
    target.dispose()
    return seconds, total


def measure(name: str, url: str, floor_url: str, files: list[Path], broken: int) -> None:
    seconds, eng = run_import(url, files, broken)
    cases = len(files) - broken
    batches = -(-len(files) // BATCH)
    floor_s, rows = floor(eng, floor_url, batches)
    eng.dispose()
    print(f"  {name}:")
    print(
        f"    import (read, validate, screen, store, chain): {cases / seconds:,.0f} cases/s "
        f"({seconds:.1f} s)   target >= 5,000 cases/s"
    )
    print(
        f"    floor (the same {rows:,} rows, executemany per batch): {cases / floor_s:,.0f} "
        f"cases/s ({floor_s:.1f} s)"
    )
    print(f"    ratio import / floor time: {seconds / floor_s:.1f}x")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="rogatory-import-") as tmp:
        folder = Path(tmp) / "inbox"
        folder.mkdir()
        t0 = time.perf_counter()
        broken = write_files(folder, count)
        files = bulk.request_files(folder)
        print(
            f"files: {count:,} generated in {time.perf_counter() - t0:.1f} s "
            f"({broken} broken on purpose), batches of {BATCH}; checked: each valid file one "
            "case, each broken one reported, the audit chain verifies, a re-run skips"
        )
        measure(
            "sqlite",
            f"sqlite:///{Path(tmp) / 'import.db'}",
            f"sqlite:///{Path(tmp) / 'floor.db'}",
            files,
            broken,
        )
        with postgres.server() as url:
            floor_url = _other_database(url)
            measure("postgresql", url, floor_url, files, broken)


def _other_database(url: str) -> str:
    """A second, empty database on the same server, for the floor."""
    from sqlalchemy import create_engine, text

    admin = create_engine(dbe.normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS bench_floor"))
        conn.execute(text("CREATE DATABASE bench_floor"))
    admin.dispose()
    head, _, query = url.partition("?")
    base = head.rpartition("/")[0]
    return f"{base}/bench_floor" + (f"?{query}" if query else "")


if __name__ == "__main__":
    main()

"""Benchmark: verifying 1,000,000 stored audit events, as a ratio to a raw SHA-256 chain.

The raw chain is the floor: the same number of SHA-256 links over pre-serialised payloads
held in memory. The measured path is ``rogatory audit verify``'s: stream the rows from SQLite
and from PostgreSQL in (chain, seq) order, rebuild each canonical payload, recompute and
compare the links. Also reported: bulk loading, and the transactional ``append`` path used
by every write.

Run with ``make bench`` (or ``python -m benchmarks.bench_audit [COUNT]`` from the top folder).
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from tests import postgres  # the suite's throwaway server

from rogatory.audit import chain as chains
from rogatory.audit import service
from rogatory.audit.models import AuditEvent, event_payload
from rogatory.canonical import canonical
from rogatory.db import engine as dbe
from rogatory.db import migrate

ACTIONS = ("case.created", "case.screened", "case.transition", "hold.extended", "evidence.uploaded")


def rows(count: int, chain: str = "org-bench") -> tuple[list[dict[str, object]], list[bytes]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = chains.GENESIS
    out, raw = [], []
    for seq in range(1, count + 1):
        at = start + timedelta(seconds=seq)
        summary = {"case": f"C-{seq // 7}", "to": "in_review", "by": f"user{seq % 40}"}
        payload = event_payload(
            chain, seq, at, f"user{seq % 40}", ACTIONS[seq % 5], f"C-{seq // 7}", summary
        )
        digest = chains.link(prev, payload)
        out.append(
            {
                "chain": chain,
                "seq": seq,
                "at": at,
                "actor": payload["actor"],
                "action": payload["action"],
                "case_id": payload["case_id"],
                "summary": summary,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        raw.append(canonical(payload))
        prev = digest
    return out, raw


def raw_chain(payloads: list[bytes]) -> str:
    prev = chains.GENESIS
    for data in payloads:
        h = hashlib.sha256(prev.encode("ascii"))
        h.update(b"\n")
        h.update(data)
        prev = h.hexdigest()
    return prev


def measure(url: str, count: int, raw_s: float) -> None:
    """Load ``count`` events into a fresh database at ``url``, verify them, and report."""
    engine = dbe.make_engine(url)
    migrate.upgrade(engine)
    data, _ = rows(count)
    t0 = time.perf_counter()
    with dbe.sessions(engine).begin() as session:
        for start in range(0, count, 50_000):
            session.execute(insert(AuditEvent), data[start : start + 50_000])
    load_s = time.perf_counter() - t0
    del data

    t0 = time.perf_counter()
    with dbe.sessions(engine, read_only=True)() as session:
        report = service.verify(session)
    verify_s = time.perf_counter() - t0
    assert report.ok and report.events == count, report.describe()

    appends = 2_000
    t0 = time.perf_counter()
    for i in range(appends):
        with dbe.sessions(engine).begin() as session:
            service.append(
                session,
                chain="org-append",
                actor="bench",
                action="case.created",
                summary={"i": i},
            )
    append_s = time.perf_counter() - t0
    engine.dispose()

    print(f"audit events: {count:,} in {engine.dialect.name}")
    print(f"  bulk load: {count / load_s:,.0f} events/s ({load_s:.1f} s)")
    print(
        f"  verify (stream, rebuild, re-hash): {count / verify_s:,.0f} events/s ({verify_s:.1f} s)"
    )
    print(f"  raw SHA-256 chain in memory:       {count / raw_s:,.0f} links/s ({raw_s:.2f} s)")
    print(f"  ratio verify / raw chain: {verify_s / raw_s:.1f}x")
    print(f"  append, one transaction each (the write path): {appends / append_s:,.0f} events/s")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    _, raw = rows(count)
    t0 = time.perf_counter()
    raw_chain(raw)
    raw_s = time.perf_counter() - t0
    del raw
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'audit.db'}", count, raw_s)
    with postgres.server() as url:
        measure(url, count, raw_s)


if __name__ == "__main__":
    main()

"""Benchmark: intake throughput over HTTP, with screening, storage and audit, on SQLite and
PostgreSQL, through a bounded load generator on loopback.

The server is ``rogatory serve --demo --workers N`` in its own processes (uvicorn), on a
database prepared with an organisation, a user and an API token. The load generator keeps a
fixed number of requests in flight (``CONCURRENCY`` keep-alive connections, each sending its
next request when the last is answered), so the figures measure the server, not a queue
growing in the client. Each request is a full
``createCase``: validation, screening by all rules, the case row, the stored decision, three
audit events in the organisation's hash chain, one transaction.

Reported per database: cases/s, p50 and p99 latency, and as ratios measured in the same run:
intake throughput over bare screening throughput in one process (what storage, audit and HTTP
cost), two workers over one (the scale-out path on this 2-core machine), and PostgreSQL over
SQLite.

Run with ``make bench`` (or ``python -m benchmarks.bench_intake [REQUESTS]`` from the top folder).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from tests import postgres  # the suite's throwaway server

ROOT = Path(__file__).resolve().parents[1]


CONCURRENCY = 8
WARMUP = 50
WORKERS = (1, 2)


def prepare(url: str, org: str) -> str:
    """Migrate, and create the organisation, its intake officer and an API token."""
    from rogatory.accounts import service as accounts
    from rogatory.db import engine as dbe
    from rogatory.db import migrate
    from rogatory.requests import flows

    engine = dbe.make_engine(url)
    migrate.upgrade(engine)
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, org, org)
        user = accounts.add_user(
            s,
            org=org,
            email=f"intake@{org}.example",
            name="bench",
            password="correct horse battery",
            roles=["intake"],
        )
        token = accounts.create_token(s, user, name="bench", scopes=["cases:write"])[1]
    engine.dispose()
    return token


def document(i: int) -> dict[str, Any]:
    return {
        "measure": "preservation",
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "requesting_authority": {"name": "National Cybercrime Unit", "reference": f"B-{i}"},
        "offence": {
            "description": "Phishing against bank customers",
            "treaty_articles": [13],
            "max_penalty_years": 5,
        },
        "facts": "Victims entered card details on a cloned site hosted by the custodian.",
        "necessity": "Logs are deleted after 30 days.",
        "mla_to_follow": True,
        "data": {
            "categories": ["subscriber", "traffic"],
            "identifiers": [f"acct-{i}", "203.0.113.7"],
            "relation_to_offence": "The account hosted the cloned site.",
        },
        "preservation_days": 90,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(port: int, token: str, total: int) -> tuple[float, list[float]]:
    """Send ``total`` createCase requests with CONCURRENCY in flight; wall time, latencies.

    Plain ``http.client`` with bodies encoded beforehand: on a two-core machine the load
    generator shares the CPU with the server, so it must cost as little as possible."""
    bodies = [json.dumps(document(i)).encode() for i in range(total)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for i in counter:
                t0 = time.perf_counter()
                connection.request("POST", "/api/v1/cases", body=bodies[i], headers=headers)
                answer = connection.getresponse()
                text = answer.read()
                elapsed = time.perf_counter() - t0
                with lock:
                    if answer.status == 201:
                        latencies.append(elapsed)
                    else:
                        failures.append(f"{answer.status} {text[:200]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if failures or len(latencies) != total:  # every request must succeed, or nothing counts
        raise RuntimeError(f"{len(failures)} of {total} requests failed: {failures[:3]}")
    return wall, latencies


def run(url: str, total: int, workers: int) -> dict[str, float]:
    """``rogatory serve --workers N`` on ``url``, loaded with ``total`` intakes."""
    token = prepare(url, f"bench-w{workers}")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ROGATORY_DATABASE_URL": url, "ROGATORY_EVIDENCE_DIR": tmp}
        command = [sys.executable, "-m", "rogatory", "serve", "--demo", "--port", str(port)]
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/login").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the benchmark server did not start")
                time.sleep(0.2)
            load(port, token, WARMUP * workers)
            wall, latencies = load(port, token, total)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    latencies.sort()
    return {
        "cases_per_s": total / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
    }


def screening_only(total: int) -> float:
    from rogatory.demo import seed
    from rogatory.safeguards import engine as screening
    from rogatory.safeguards import request as requests_doc

    screener = screening.load(instruments_file=seed.INSTRUMENTS)
    docs = [document(i) for i in range(total)]
    t0 = time.perf_counter()
    for doc in docs:
        screener.screen(requests_doc.parse(doc))
    return total / (time.perf_counter() - t0)


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for w in WORKERS:
            results[f"sqlite, {w} worker(s)"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}", total, w)
    with postgres.server() as url:
        for w in WORKERS:
            results[f"postgresql, {w} worker(s)"] = run(url, total, w)
    bare = screening_only(total)
    print(f"intake over HTTP: {total:,} createCase requests, {CONCURRENCY} in flight, loopback")
    for name, r in results.items():
        print(
            f"  {name:<24} {r['cases_per_s']:6,.0f} cases/s   p50 {r['p50_ms']:6.1f} ms   "
            f"p99 {r['p99_ms']:6.1f} ms   intake/screening-only {r['cases_per_s'] / bare:.4f}"
        )
    print(f"  screening only, one process: {bare:,.0f} requests/s")
    for db in ("sqlite", "postgresql"):
        one, two = (results[f"{db}, {w} worker(s)"]["cases_per_s"] for w in WORKERS)
        print(f"  ratio {db} 2 workers / 1 worker: {two / one:.2f}x")
    pg, lite = (results[f"{db}, 1 worker(s)"]["cases_per_s"] for db in ("postgresql", "sqlite"))
    print(f"  ratio PostgreSQL / SQLite, 1 worker: {pg / lite:.2f}x")
    print(
        json.dumps(
            {"requests": total, "concurrency": CONCURRENCY, **results, "screening_only": bare}
        )
    )


if __name__ == "__main__":
    main()

"""Benchmark: intake throughput over HTTP, with screening, storage and audit, on SQLite and
PostgreSQL, through a bounded load generator on loopback.

The server is ``rogatory serve``'s application in its own process (uvicorn, one worker), on a
fresh database. The load generator keeps a fixed number of requests in flight (``CONCURRENCY``
keep-alive connections, each sending its next request when the last is answered), so the
figures measure the server, not a queue growing in the client. Each request is a full
``createCase``: validation, screening by all rules, the case row, the stored decision, three
audit events in the organisation's hash chain, one transaction.

Reported per database: cases/s, p50 and p99 latency, and as ratios measured in the same run:
intake throughput over bare screening throughput in one process (what storage, audit and HTTP
cost), and PostgreSQL over SQLite.

Run with ``make bench`` (or ``python -m benchmarks.bench_intake [REQUESTS]`` from the top folder).
"""

from __future__ import annotations

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
SERVER = """
import sys, uvicorn
from rogatory.api.deps import Services
from rogatory.db import engine as dbe, migrate
from rogatory.demo import seed
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.app import create_app
from rogatory.accounts import service as accounts
from rogatory.requests import flows

url, port, token_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
engine = dbe.make_engine(url)
migrate.upgrade(engine)
sessions = dbe.sessions(engine)
with sessions.begin() as s:
    flows.ensure_organisation(s, "bench", "bench")
    user = accounts.add_user(s, org="bench", email="intake@bench.example", name="b",
                             password="correct horse battery", roles=["intake"])
    token = accounts.create_token(s, user, name="bench", scopes=["cases:write", "cases:read"])[1]
open(token_file, "w").write(token)
app = create_app(Services(sessions, screening.load(instruments_file=seed.INSTRUMENTS),
                          Lifecycle(catalogue.get().has_provision)))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


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


def load(base: str, token: str, total: int) -> tuple[float, list[float]]:
    """Send ``total`` createCase requests with CONCURRENCY in flight; wall time, latencies."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for i in counter:
                t0 = time.perf_counter()
                answer = client.post("/api/v1/cases", json=document(i))
                elapsed = time.perf_counter() - t0
                with lock:
                    if answer.status_code == 201:
                        latencies.append(elapsed)
                    else:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")

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


def run(url: str, total: int) -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        token_file = Path(tmp) / "token"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port), str(token_file)], env=env, cwd=tmp
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if token_file.exists() and httpx.get(f"{base}/openapi.json").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the benchmark server did not start")
                time.sleep(0.2)
            token = token_file.read_text()
            load(base, token, WARMUP)
            wall, latencies = load(base, token, total)
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
    with tempfile.TemporaryDirectory() as tmp:
        results = {"sqlite": run(f"sqlite:///{Path(tmp) / 'bench.db'}", total)}
    with postgres.server() as url:
        results["postgresql"] = run(url, total)
    bare = screening_only(total)
    print(f"intake over HTTP: {total:,} createCase requests, {CONCURRENCY} in flight, loopback")
    for name, r in results.items():
        print(
            f"  {name:<10} {r['cases_per_s']:8,.0f} cases/s   p50 {r['p50_ms']:6.1f} ms   "
            f"p99 {r['p99_ms']:6.1f} ms   intake/screening-only {r['cases_per_s'] / bare:.3f}"
        )
    print(f"  screening only, one process: {bare:,.0f} requests/s")
    ratio = results["postgresql"]["cases_per_s"] / results["sqlite"]["cases_per_s"]
    print(f"  ratio PostgreSQL / SQLite throughput: {ratio:.2f}x")
    print(
        json.dumps(
            {"requests": total, "concurrency": CONCURRENCY, **results, "screening_only": bare}
        )
    )


if __name__ == "__main__":
    main()

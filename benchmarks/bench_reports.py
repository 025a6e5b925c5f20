"""Benchmark: the transparency report over a million cases, as a ratio to one direct DuckDB
query over the same rows.

The floor is a single DuckDB query over the facts table giving the report's true numbers
(requests, identifiers, non-disclosure orders and the requests per outcome column, per
requesting State, measure and urgency; the medians of the time to answer). The measured path
is ``rogatory report transparency``'s, on a store already loaded: read the chain's head (is the
copy up to date?), run the report's queries, suppress small cells (primary, small rows,
complementary until nothing is exposed) and build the published document. Both must give the
same numbers before any figure is printed. Also reported: generating the cases, and loading the
store from SQLite (and PostgreSQL) the first time, which a process does once.

Run with ``make bench`` (or ``python -m benchmarks.bench_reports [COUNT] [--no-postgres]``).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import report_cases
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.reports import period, transparency
from rogatory.reports.store import FactStore
from rogatory.reports.suppression import protect

H1 = period.half_year(2027, 1)
DIRECT = """
SELECT requesting_state, measure, urgent, column_name,
       count(*) AS n, sum(identifiers) AS ids, count(*) FILTER (WHERE under_nondisclosure) AS nd,
       median(answered_hours) AS median_hours
FROM facts
WHERE org = $org AND received_at >= $since AND received_at < $until
GROUP BY GROUPING SETS ((requesting_state, measure, urgent, column_name),
                        (requesting_state, measure, urgent))
"""


def timed(action: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    """The median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def direct(store: FactStore) -> dict[str, dict[str, int]]:
    """The floor: one query, its answer in the shape of ``transparency.unsuppressed``."""
    params = transparency.params_of(report_cases.ORG, H1)
    with store.query() as con:
        rows = con.execute(DIRECT, params).fetchall()
    out: dict[str, dict[str, int]] = {}
    for state, measure, urgent, column, n, ids, nd, _median in rows:
        entry = out.setdefault(f"{state}/{measure}/{bool(urgent)}", {})
        if column is None:
            entry |= {"requests": n, "identifiers": int(ids), "under_nondisclosure": nd}
        else:
            entry[column] = n
    return out


def same_numbers(report: dict[str, Any], floor: dict[str, dict[str, int]], values: Any) -> None:
    """rogatory's true counts (before suppression) are the direct query's, cell for cell."""
    ours = {}
    for row in report["rows"]:
        key = (row["requesting_state"], row["measure"], row["emergency"])
        entry = {
            "requests": values[("requests", key)],
            "identifiers": values[("line", "identifiers", key)],
            "under_nondisclosure": values[("in", "under_nondisclosure", key)],
        }
        for column in report["outcomes"]:
            if values[("out", column, key)]:
                entry[column] = values[("out", column, key)]
        ours[f"{key[0]}/{key[1]}/{key[2]}"] = entry
    if ours != floor:
        raise SystemExit("rogatory's report and the direct DuckDB query disagree")


def run(label: str, url: str, count: int, generate: bool = True) -> None:
    engine = dbe.make_engine(url)
    migrate.upgrade(engine)
    start = time.perf_counter()
    if generate:
        report_cases.generate(engine, count)
        print(f"[{label}] generated {count:,} cases in {time.perf_counter() - start:.1f} s")
    else:
        print(f"[{label}] the cases already in the kept database")
    store = FactStore()
    sessions = dbe.sessions(engine, read_only=True)
    with sessions() as s:
        start = time.perf_counter()
        store.refresh(s, report_cases.ORG)
        cold = time.perf_counter() - start
    with sessions() as s:
        took, report = timed(lambda: transparency.report(store, s, report_cases.ORG, H1))
    floor_took, floor = timed(lambda: direct(store))
    by_row, cells = transparency.counts(store, report_cases.ORG, H1)
    table, _ = transparency.table(by_row, cells)
    protect_took, protected = timed(lambda: protect(table, transparency.DEFAULT_K), repeat=3)
    same_numbers(report, floor, protected.values)
    cells_total = len(protected.values)
    per_million = 1_000_000 / count
    print(f"[{label}] loading the store the first time: {cold:.1f} s ({count:,} cases)")
    print(
        f"[{label}] transparency report (store loaded): {took * 1000:.0f} ms, "
        f"{took * 1000 * per_million:.0f} ms per million cases; of which suppression "
        f"{protect_took * 1000:.0f} ms ({len(protected.bands):,} of {cells_total:,} cells "
        f"suppressed, {len(report['rows'])} rows)"
    )
    print(f"[{label}] direct DuckDB query, same numbers: {floor_took * 1000:.0f} ms")
    print(f"[{label}] ratio report/direct: {took / floor_took:.1f}x")
    engine.dispose()


def main() -> None:
    """``--keep FILE``: the SQLite database is kept in FILE, and a later run with the same
    FILE and count reuses its cases instead of generating them again (a million take about
    a quarter of an hour to write)."""
    argv = sys.argv[1:]
    keep = None
    if "--keep" in argv:
        at = argv.index("--keep")
        keep = Path(argv[at + 1])
        del argv[at : at + 2]
    args = [a for a in argv if not a.startswith("--")]
    count = int(args[0]) if args else 1_000_000
    if keep is not None:
        run("sqlite", f"sqlite:///{keep}", count, generate=not keep.exists())
    else:
        with tempfile.TemporaryDirectory() as folder:
            run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", count)
    if "--no-postgres" not in sys.argv:
        from tests import postgres  # the suite's throwaway server

        with postgres.server() as url:
            run("postgresql", url, count)


if __name__ == "__main__":
    main()

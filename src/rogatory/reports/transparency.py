"""The transparency report: per requesting State, measure and urgency, the requests received in
a period, the identifiers they named, what became of them, how many came under a
non-disclosure order, and how fast they were answered; every count protected by
``suppression`` before anything leaves this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.audit.models import AuditEvent
from rogatory.reports import outcomes
from rogatory.reports.period import Period
from rogatory.reports.store import FactStore
from rogatory.reports.suppression import CountTable, Partition, Protected, protect

FORMAT = "rogatory-transparency-report/1"
METHOD_ID = "rogatory-cell-suppression/2"
DEFAULT_K = 5
ND = "under_nondisclosure"
Row = tuple[str, str, bool]  # requesting State, measure, emergency


def method(k: int) -> str:
    """The suppression method in words, as every report states it."""
    return (
        f"Counts from 1 to {k - 1} are shown as the band '1-{k - 1}'. In a row of fewer than "
        f"{k} requests every outcome count and the count under a non-disclosure order are shown "
        f"as '0-{k - 1}', zeros included, so that no outcome is seen to be shared by all of a "
        "few requests. Complementary suppression: further counts (for each suppressed one, "
        "the fewest and smallest that put it on a cycle of counts a reader cannot tell apart, "
        f"totals last) are shown as the band of width {k} that holds them "
        f"('{k}-{2 * k - 1}') until no suppressed count can be derived exactly from the "
        "published counts, bands and totals; this is checked exactly, reading the rows, "
        "columns and totals as the flow network they form (counts are whole and not "
        "negative). Other zeros are published. A median time to answer and a share answered "
        "within the deadline are shown only where the answered requests of the row are known "
        f"from the published counts and number at least {k}, and those answered within and "
        f"after the deadline are each none or at least {k}."
    )


@dataclass(frozen=True)
class Stats:
    requests: int
    identifiers: int
    under_nondisclosure: int
    answered: int
    within: int
    median_hours: float | None


def window(alias: str = "") -> str:
    """The SQL condition of the organisation's requests received in the period."""
    a = f"{alias}." if alias else ""
    return f"{a}org = $org AND {a}received_at >= $since AND {a}received_at < $until"


_WHERE = window()


def params_of(org: str, period: Period) -> dict[str, Any]:
    return {
        "org": org,
        "since": period.since.replace(tzinfo=None),
        "until": period.until.replace(tzinfo=None),
    }


def counts(
    store: FactStore, org: str, period: Period
) -> tuple[dict[Row | None, Stats], dict[Row, dict[str, int]]]:
    """The true counts (before suppression): statistics per row (None: the totals) and the
    requests per row and outcome column."""
    params = params_of(org, period)
    with store.query() as con:
        # One scan: the cells (state, measure, urgency, column), the rows, the totals.
        found = con.execute(
            f"""
            SELECT requesting_state, measure, urgent, column_name,
                   grouping(requesting_state) AS total, grouping(column_name) AS whole,
                   count(*), coalesce(sum(identifiers), 0)::BIGINT,
                   count(*) FILTER (WHERE under_nondisclosure), count(answered_hours),
                   count(*) FILTER (WHERE within_deadline), median(answered_hours)
            FROM facts WHERE {_WHERE}
            GROUP BY GROUPING SETS ((requesting_state, measure, urgent, column_name),
                                    (requesting_state, measure, urgent), ())
            """,
            params,
        ).fetchall()
    by_row: dict[Row | None, Stats] = {}
    outcome_cells: dict[Row, dict[str, int]] = {}
    for state, measure, urgent, name, total, whole, n, ids, nd, answered, within, median in found:
        key: Row | None = None if total else (state, measure, bool(urgent))
        if whole:
            by_row[key] = Stats(n, int(ids), nd, answered, within, median)
        elif key is not None:
            outcome_cells.setdefault(key, {})[name] = n
    return by_row, outcome_cells


def columns(cells: Mapping[Row, Mapping[str, int]]) -> tuple[str, ...]:
    """The outcome columns: every outcome, refusals one column per ground present."""
    grounds = sorted({c for row in cells.values() for c in row if c.startswith("refused:")})
    out: list[str] = []
    for o in outcomes.ORDER:
        out.extend(grounds if o is outcomes.Outcome.REFUSED else [o.value])
    return tuple(out)


def answered_column(name: str) -> bool:
    return outcomes.Outcome(name.split(":", 1)[0]) in outcomes.ANSWERED


def table(
    by_row: Mapping[Row | None, Stats], cells: Mapping[Row, Mapping[str, int]]
) -> tuple[CountTable, tuple[str, ...]]:
    rows = tuple(sorted(r for r in by_row if r is not None))
    names = columns(cells)
    stats = [by_row[r] for r in rows]
    return (
        CountTable(
            rows=rows,
            requests=tuple(s.requests for s in stats),
            inflow=Partition(
                (ND, "not_under_nondisclosure"),
                (True, False),
                tuple((s.under_nondisclosure, s.requests - s.under_nondisclosure) for s in stats),
            ),
            outflow=Partition(
                names,
                (True,) * len(names),
                tuple(tuple(cells[r].get(n, 0) for n in names) for r in rows),
            ),
            lines={"identifiers": tuple(s.identifiers for s in stats)},
        ),
        names,
    )


def _timing(
    stats: Stats, shown: Mapping[str, int | str], requests: int | str, k: int
) -> tuple[float | None, float | None]:
    """The median hours and the share within the deadline, where they reveal no count."""
    answered_known = isinstance(requests, int) and (
        all(isinstance(v, int) for n, v in shown.items() if answered_column(n))
        or all(isinstance(v, int) for n, v in shown.items() if not answered_column(n))
    )
    late = stats.answered - stats.within

    def enough(n: int) -> bool:
        return n == 0 or n >= k

    if not (answered_known and stats.answered >= k and enough(stats.within) and enough(late)):
        return None, None
    median = round(stats.median_hours, 1) if stats.median_hours is not None else None
    return median, round(stats.within / stats.answered, 3)


def _entry(
    p: Protected, row: Row | None, names: tuple[str, ...], stats: Stats | None, k: int
) -> dict[str, Any]:
    shown = {n: p.shown(("out", n, row)) for n in names}
    requests = p.shown(("requests", row))
    median, share = _timing(stats, shown, requests, k) if stats else (None, None)
    entry: dict[str, Any] = {}
    if row is not None:
        entry |= {"requesting_state": row[0], "measure": row[1], "emergency": row[2]}
    return entry | {
        "requests": requests,
        "identifiers": p.shown(("line", "identifiers", row)),
        "outcomes": shown,
        ND: p.shown(("in", ND, row)),
        "median_hours_to_answer": median,
        "within_deadline_share": share,
    }


def head_of(session: Session, org: str, seq: int) -> dict[str, Any]:
    digest = session.execute(
        select(AuditEvent.hash).where(AuditEvent.chain == org, AuditEvent.seq == seq)
    ).scalar_one_or_none()
    return {"chain": org, "seq": seq, "hash": digest}


def report(
    store: FactStore,
    session: Session,
    org: str,
    period: Period,
    *,
    k: int = DEFAULT_K,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report as published: suppressed counts are band strings ("1-4")."""
    now = now or datetime.now(UTC)
    seq = store.refresh(session, org)
    by_row, cells = counts(store, org, period)
    counted, names = table(by_row, cells)
    protected = protect(counted, k)
    keys: list[Row] = sorted(r for r in by_row if r is not None)
    rows = [_entry(protected, r, names, by_row[r], k) for r in keys]
    empty = Stats(0, 0, 0, 0, 0, None)
    return {
        "format": FORMAT,
        "organisation": org,
        "period": period.to_json(now.date()),
        "generated_at": now.isoformat(),
        "audit_head": head_of(session, org, seq),
        "suppression": {"k": k, "method_id": METHOD_ID, "method": method(k)},
        "outcomes": list(names),
        "rows": rows,
        "totals": _entry(protected, None, names, by_row.get(None, empty), k),
    }


def unsuppressed(store: FactStore, org: str, period: Period) -> dict[str, Any]:
    """The same numbers without suppression (for the benchmark's correctness check and the
    organisation's own eyes only; never published)."""
    by_row, cells = counts(store, org, period)
    names = columns(cells)
    return {
        f"{r[0]}/{r[1]}/{r[2]}": {
            "requests": s.requests,
            "identifiers": s.identifiers,
            ND: s.under_nondisclosure,
            **{n: cells[r].get(n, 0) for n in names},
        }
        for r, s in by_row.items()
        if r is not None
    }


def today() -> date:
    return datetime.now(UTC).date()

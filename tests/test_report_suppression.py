"""Small-cell suppression, tried by an attacker that does not share its code.

For random tables: no published count below k is a number, every suppressed count's band holds
its true value, no suppressed count can be derived exactly from the published counts and totals
(an exact integer program in ``report_attack``), and the totals add up.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rogatory.reports.suppression import (
    Band,
    CountTable,
    Key,
    Partition,
    Protected,
    _arcs,
    _Network,
    protect,
)
from tests.report_attack import exposed

OUTCOMES = ("disclosed", "refused", "withdrawn", "pending")


@st.composite
def tables(draw: st.DrawFn) -> tuple[CountTable, int]:
    k = draw(st.sampled_from([3, 5]))
    n_rows = draw(st.integers(1, 5))
    n_out = draw(st.integers(2, len(OUTCOMES)))
    big = draw(st.sampled_from([4, 9, 30]))
    outs, nds, ids = [], [], []
    for _ in range(n_rows):
        row = [draw(st.integers(0, big)) for _ in range(n_out)]
        if sum(row) == 0:
            row[0] = 1  # a row is listed because it has requests
        outs.append(tuple(row))
        nd = draw(st.integers(0, sum(row)))
        nds.append((nd, sum(row) - nd))
        ids.append(draw(st.integers(0, 3 * big)))
    table = CountTable(
        rows=tuple(f"r{i}" for i in range(n_rows)),
        requests=tuple(sum(r) for r in outs),
        inflow=Partition(("under_nondisclosure", "other"), (True, False), tuple(nds)),
        outflow=Partition(OUTCOMES[:n_out], (True,) * n_out, tuple(outs)),
        lines={"identifiers": tuple(ids)},
    )
    return table, k


def published(table: CountTable, p: Protected) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The table as a reader sees it, in the report's shape."""

    def entry(row: object) -> dict[str, Any]:
        return {
            "requests": p.shown(("requests", row)),
            "under_nondisclosure": p.shown(("in", "under_nondisclosure", row)),
            "identifiers": p.shown(("line", "identifiers", row)),
            "outcomes": {o: p.shown(("out", o, row)) for o in table.outflow.names},
        }

    return [entry(r) for r in table.rows], entry(None)


def check(table: CountTable, k: int) -> Protected:
    p = protect(table, k)
    for key, value in p.values.items():
        shown = p.shown(key)
        if isinstance(shown, int):
            assert shown == 0 or shown >= k, f"{key}: {shown} is below k={k} and shown"
        else:
            assert p.bands[key].holds(value), f"{key}: band {shown} does not hold {value}"
            assert p.bands[key].hi > p.bands[key].lo
    rows, totals = published(table, p)
    assert exposed(rows, totals) == []
    return p


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_suppressed_count_can_be_derived(case: tuple[CountTable, int]) -> None:
    table, k = case
    p = check(table, k)
    # the totals add up: each shown total is the sum of its column's true values
    assert p.values[("requests", None)] == sum(table.requests)
    for j, name in enumerate(table.outflow.names):
        assert p.values[("out", name, None)] == sum(r[j] for r in table.outflow.counts)


def test_a_single_small_cell_gets_a_complement_in_its_row_and_column() -> None:
    table = CountTable(
        rows=("a", "b"),
        requests=(20, 30),
        inflow=Partition(("under_nondisclosure", "other"), (True, False), ((0, 20), (0, 30))),
        lines={"identifiers": (40, 60)},
        outflow=Partition(("x", "y"), (True, True), ((2, 18), (10, 20))),
    )
    p = check(table, 5)
    assert p.bands[("out", "x", "a")] == Band(1, 4)
    # without a complement, x for a would be 20 - 18, or the total of x less 10
    assert len(p.bands) >= 4


def test_a_small_row_hides_its_zeros_too() -> None:
    table = CountTable(
        rows=("a", "b", "c"),
        requests=(3, 30, 40),
        inflow=Partition(
            ("under_nondisclosure", "other"), (True, False), ((0, 3), (0, 30), (0, 40))
        ),
        lines={"identifiers": (3, 30, 40)},
        outflow=Partition(("x", "y"), (True, True), ((3, 0), (10, 20), (20, 20))),
    )
    p = check(table, 5)
    # "0" beside "1-4" would say that all of a's requests had outcome x
    assert str(p.bands[("out", "y", "a")]) == "0-4"
    assert str(p.bands[("out", "x", "a")]) == "0-4"
    assert str(p.bands[("requests", "a")]) == "1-4"


def test_k_below_three_is_refused() -> None:
    table = CountTable(
        rows=("a",),
        requests=(1,),
        inflow=Partition(("nd", "other"), (True, False), ((0, 1),)),
        outflow=Partition(("x",), (True,), ((1,),)),
    )
    with pytest.raises(ValueError, match="at least 3"):
        protect(table, 2)


def test_the_attacker_derives_a_count_that_only_primary_suppression_hides() -> None:
    """The attack is not blind: with the complements taken away, it finds the small count."""
    table = CountTable(
        rows=("a", "b"),
        requests=(20, 30),
        inflow=Partition(("under_nondisclosure", "other"), (True, False), ((0, 20), (0, 30))),
        outflow=Partition(("x", "y"), (True, True), ((2, 18), (10, 20))),
        lines={"identifiers": (40, 60)},
    )
    p = protect(table, 5)
    primary_only = Protected(p.values, {("out", "x", "a"): Band(1, 4)})
    rows, totals = published(table, primary_only)
    assert exposed(rows, totals) == ["row0.x = 2"]


@st.composite
def bandings(draw: st.DrawFn) -> tuple[CountTable, dict[Key, Band]]:
    """A table and any bands at all on any of its counts (each holding its true value): not
    what ``protect`` would choose, so that the exact test meets every kind of cycle."""
    table, _ = draw(tables())
    values = {a.key: a.flow for a in _arcs(table) if a.key is not None}
    bands: dict[Key, Band] = {}
    for key in sorted(values, key=repr):
        if draw(st.booleans()):
            value = values[key]
            lo = draw(st.integers(max(0, value - 4), value))
            hi = draw(st.integers(value, value + 4))
            if hi > lo:
                bands[key] = Band(lo, hi)
    return table, bands


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bandings())
def test_the_exact_test_finds_what_the_attacker_derives(case: Any) -> None:
    """The linear-time test (strong components, then bridges) calls a count exposed exactly
    when the integer program pins it to one value."""
    table, bands = case
    network = _Network(_arcs(table), dict(bands), 5)
    ours = {network.arcs[i].key for i in network.exposed()}
    p = Protected({a.key: a.flow for a in network.arcs if a.key is not None}, bands)
    rows, totals = published(table, p)
    names = _attack_names(table)
    theirs = {names[line.split(" = ")[0]] for line in exposed(rows, totals)}
    assert ours == theirs


def _attack_names(table: CountTable) -> dict[str, Key]:
    """The attacker's name of each count, back to the table's key."""
    out: dict[str, Key] = {
        "total.requests": ("requests", None),
        "total.under_nondisclosure": ("in", "under_nondisclosure", None),
        "total.identifiers": ("line", "identifiers", None),
    }
    for o in table.outflow.names:
        out[f"total.{o}"] = ("out", o, None)
    for i, row in enumerate(table.rows):
        out[f"row{i}.requests"] = ("requests", row)
        out[f"row{i}.under_nondisclosure"] = ("in", "under_nondisclosure", row)
        out[f"row{i}.identifiers"] = ("line", "identifiers", row)
        for o in table.outflow.names:
            out[f"row{i}.{o}"] = ("out", o, row)
    return out

"""Benchmark: dated party queries, as a ratio to a plain-Python floor measured in the same run.

A compliance team asks "who is bound on each day of the next three years?" across every state;
the register must answer that at a small multiple of the cost of the bare arithmetic. The floor
is an inline function that evaluates the same conditions (Nth deposit, +90 days, later parties
+30 days) on pre-sorted tuples with no citations, explanations or validation.

Run with ``make bench``. Prints absolute figures for this machine and the ratio, which is what
docs/performance.md records.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import date, timedelta

from rogatory.parties import service
from rogatory.parties.instruments import Instrument, Kind
from rogatory.parties.register import Status
from rogatory.parties.scenarios import generated_codes
from rogatory.treaty import catalogue

STATES = 190
DAYS = 365
START = date(2026, 1, 5)


def _instruments() -> list[Instrument]:
    out = []
    for i, code in enumerate(generated_codes("XAA", STATES)):
        out.append(Instrument(code, Kind.SIGNATURE, date(2025, 10, 25), "bench", False, "bench"))
        out.append(
            Instrument(
                code, Kind.RATIFICATION, START + timedelta(days=3 * i), "bench", False, "bench"
            )
        )
    return out


def _floor(deposits: list[tuple[str, date]], on: date) -> dict[str, bool]:
    """The bare conditions of Art 65(1)-(2), inline, for the same answers."""
    known = sorted(d for _, d in deposits if d <= on)
    if len(known) < 40:
        return {s: False for s, _ in deposits}
    trigger = known[39]
    eif = trigger + timedelta(days=90)
    out = {}
    for state, deposited in deposits:
        if deposited > on:
            out[state] = False
            continue
        bound = eif if deposited <= trigger else max(deposited + timedelta(days=30), eif)
        out[state] = bound <= on
    return out


def main() -> None:
    bundle = catalogue.get("uncc")
    instruments = _instruments()
    deposits = [(i.state, i.on) for i in instruments if i.kind is Kind.RATIFICATION]
    dates = [START + timedelta(days=d) for d in range(DAYS)]
    codes = generated_codes("XAA", STATES)

    t0 = time.perf_counter()
    register = service.build(bundle, extra=instruments, ignore_shipped=True)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = [
        {s.state.code: s.status is Status.BOUND for s in register.statuses(d, codes)} for d in dates
    ]
    engine_s = time.perf_counter() - t0

    # Memory in a separate pass: tracing allocations slows the code it measures.
    fresh = service.build(bundle, extra=instruments, ignore_shipped=True)
    tracemalloc.start()
    for d in dates:
        fresh.statuses(d, codes)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t0 = time.perf_counter()
    floor = [_floor(deposits, d) for d in dates]
    floor_s = time.perf_counter() - t0
    assert engine == floor, "the engine and the floor disagree"

    queries = STATES * DAYS
    print(f"register build ({len(instruments)} instruments, validated): {build_s * 1000:.1f} ms")
    print(f"status queries: {queries} ({STATES} states x {DAYS} dates)")
    print(f"  engine: {queries / engine_s:,.0f} queries/s ({engine_s:.3f} s), with citations")
    print(f"  floor:  {queries / floor_s:,.0f} queries/s ({floor_s:.3f} s), bare arithmetic")
    print(f"  ratio engine/floor time: {engine_s / floor_s:.2f}x")
    print(f"  peak traced memory during queries: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

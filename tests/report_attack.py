"""An attacker of published transparency tables, written without the suppression code.

From a report's published rows and totals alone it sets up everything a reader knows: every
count is a whole number, not negative, within its band when suppressed; each row's outcomes add
up to its requests; each column adds up to its total; the totals' outcomes add up to the total
requests; a row's count under a non-disclosure order is at most its requests. Then, for each
suppressed count, it solves for the smallest and largest value that count can take (an exact
integer program, HiGHS through scipy). A count whose smallest and largest values are equal is
derived exactly: the suppression failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

BIG = 10**7


def band(value: int | str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    lo, _, hi = value.partition("-")
    return int(lo), int(hi)


class Attack:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.rows: list[tuple[dict[int, int], int, int]] = []  # coefficients, lower, upper

    def var(self, name: str, value: int | str | None) -> int:
        lo, hi = (0, BIG) if value is None else band(value)
        self.names.append(name)
        self.lo.append(lo)
        self.hi.append(hi)
        return len(self.names) - 1

    def equal(self, left: Sequence[int], right: Sequence[int]) -> None:
        coeffs: dict[int, int] = {}
        for v in left:
            coeffs[v] = coeffs.get(v, 0) + 1
        for v in right:
            coeffs[v] = coeffs.get(v, 0) - 1
        self.rows.append((coeffs, 0, 0))

    def at_most(self, small: int, large: int) -> None:
        self.rows.append(({small: 1, large: -1}, -BIG, 0))

    def range_of(self, v: int) -> tuple[float, float]:
        n = len(self.names)
        matrix = np.zeros((len(self.rows), n))
        lower, upper = [], []
        for r, (coeffs, lo, hi) in enumerate(self.rows):
            for col, c in coeffs.items():
                matrix[r, col] = c
            lower.append(lo)
            upper.append(hi)
        constraints = [LinearConstraint(matrix, lower, upper)] if self.rows else []
        out = []
        for sign in (1, -1):
            cost = np.zeros(n)
            cost[v] = sign
            res = milp(
                cost,
                constraints=constraints,
                integrality=np.ones(n),
                bounds=Bounds(self.lo, self.hi),
            )
            assert res.status == 0, f"the published table is infeasible: {res.message}"
            out.append(res.x[v])
        return out[0], out[1]


def exposed(rows: Sequence[Mapping[str, Any]], totals: Mapping[str, Any]) -> list[str]:
    """The suppressed counts of the table that the attacker derives exactly."""
    a = Attack()
    outcome_names = sorted(totals["outcomes"])
    suppressed: list[int] = []

    def count(name: str, value: int | str) -> int:
        v = a.var(name, value)
        if isinstance(value, str):
            suppressed.append(v)
        return v

    t_req = count("total.requests", totals["requests"])
    t_nd = count("total.under_nondisclosure", totals["under_nondisclosure"])
    t_ids = count("total.identifiers", totals["identifiers"])
    t_out = {o: count(f"total.{o}", totals["outcomes"][o]) for o in outcome_names}
    reqs, nds, ids = [], [], []
    cols: dict[str, list[int]] = {o: [] for o in outcome_names}
    for i, row in enumerate(rows):
        r = count(f"row{i}.requests", row["requests"])
        nd = count(f"row{i}.under_nondisclosure", row["under_nondisclosure"])
        ident = count(f"row{i}.identifiers", row["identifiers"])
        outs = []
        for o in outcome_names:
            x = count(f"row{i}.{o}", row["outcomes"][o])
            outs.append(x)
            cols[o].append(x)
        a.equal([r], outs)
        a.at_most(nd, r)
        reqs.append(r)
        nds.append(nd)
        ids.append(ident)
    a.equal([t_req], reqs)
    a.equal([t_nd], nds)
    a.equal([t_ids], ids)
    a.equal([t_req], list(t_out.values()))
    for o in outcome_names:
        a.equal([t_out[o]], cols[o])
    found = []
    for v in suppressed:
        low, high = a.range_of(v)
        if round(high) - round(low) < 1:
            found.append(f"{a.names[v]} = {round(low)}")
    return found

"""Small-cell suppression for published counts: no count below ``k`` is shown as a number, and
no suppressed count can be worked out exactly from what is shown.

A report's counts form one table: each row (say, a requesting State and a measure) has its
``requests``, split two ways: on the way in by one partition (under a non-disclosure order or
not; the legal basis) and on the way out by another (the outcome), with a total for every
column. Independent per-row counts with a total (identifiers named) are *lines*. What a reader
knows is exactly: the numbers shown, the band each suppressed count is shown as, that counts
are whole and not negative, and that every row and every column adds up. Those equations are
the flow conservation of a network (``total -> in-part -> row -> out-part -> total``; a line is
a cycle of its own), so the counts consistent with what is shown are the integer flows of that
network within the shown bounds. A suppressed count is *exposed* when every such flow gives it
the same value; it is not when the true flow has a cycle of adjustable arcs through it, which
is a reachability question in the residual graph (a difference of two integer flows
decomposes into cycles, so this test is exact, not a heuristic). The method:

1. *Primary*: every count from 1 to k-1 is suppressed, shown as the band ``1-(k-1)``.
2. *Small rows*: in a row whose ``requests`` is below k, every published part of it (outcomes,
   the non-disclosure count) is suppressed as ``0-(k-1)``, zeros included: otherwise a zero
   beside a suppressed count would tell that all of the row's few requests share one outcome.
   Elsewhere a zero is published (it is a statement about no case).
3. *Complementary*: for each suppressed count still exposed, suppress the cheapest set of
   published counts that puts it on a cycle of adjustable counts: the fewest counts, inner
   counts before totals, small before large, a zero only where nothing else is left; each is
   shown as the band of width k that holds it (``5-9``, ``10-14``), and only a count whose band
   lets it move the way the cycle needs is taken. A count on such a cycle is protected for
   good: suppressing more only adds adjustable arcs. Where no cycle can be opened, the bands
   around the exposed count are widened. Repeat until the exact test finds nothing exposed.

The exact test runs for every count at once, in time linear in the table: a count that can
move one way only is on a cycle exactly when its two ends share a strongly connected component
of the residual graph; one that can move both ways, exactly when it is moreover not a bridge of
that component's undirected multigraph (Boesch and Tindell, "Robbins's theorem for mixed
multigraphs", 1980: an edge of a strongly connected mixed multigraph that is not a bridge can
be oriented, one way or the other, keeping it strongly connected, which is a cycle through it).
Most exposed counts are outcome counts of a row, and the cheapest cycle through one is nearly
always a rectangle (two rows, two outcomes) of the rows-by-outcomes table: that is searched
first, the whole network (shortest paths, suppression costing) only when no rectangle will do.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

INFINITE = 1 << 62

# A cell: ("requests", row), ("in", part, row), ("out", part, row), ("line", name, row);
# row None is the column's total.
Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Band:
    """The interval a suppressed count is shown as."""

    lo: int
    hi: int

    def __str__(self) -> str:
        return f"{self.lo}-{self.hi}"

    def holds(self, value: int) -> bool:
        return self.lo <= value <= self.hi


@dataclass(frozen=True)
class Partition:
    """A split of every row's requests: part names, which parts are shown, and the counts
    (``counts[row][part]``); each row's counts add up to its requests."""

    names: tuple[str, ...]
    shown: tuple[bool, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class CountTable:
    rows: tuple[Hashable, ...]
    requests: tuple[int, ...]
    inflow: Partition
    outflow: Partition
    lines: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for partition in (self.inflow, self.outflow):
            for i, counts in enumerate(partition.counts):
                if sum(counts) != self.requests[i]:
                    raise ValueError(f"row {self.rows[i]!r}: parts do not add up to requests")


@dataclass
class _Arc:
    key: Key | None  # None: a quantity no one is shown (free, any whole number from 0)
    tail: Hashable
    head: Hashable
    flow: int


@dataclass
class Protected:
    """The values of every cell and the band of each suppressed one."""

    values: dict[Key, int]
    bands: dict[Key, Band]

    def shown(self, key: Key) -> int | str:
        band = self.bands.get(key)
        return self.values[key] if band is None else str(band)


def _arcs(table: CountTable) -> list[_Arc]:
    arcs: list[_Arc] = [_Arc(("requests", None), "T", "S", sum(table.requests))]
    for side, part in (("in", table.inflow), ("out", table.outflow)):
        for j, name in enumerate(part.names):
            total = sum(c[j] for c in part.counts)
            hub = (side, name)
            key: Key | None = (side, name, None) if part.shown[j] else None
            arcs.append(_Arc(key, "S", hub, total) if side == "in" else _Arc(key, hub, "T", total))
            for i, row in enumerate(table.rows):
                cell: Key | None = (side, name, row) if part.shown[j] else None
                value = part.counts[i][j]
                if side == "in":
                    arcs.append(_Arc(cell, hub, ("rin", row), value))
                else:
                    arcs.append(_Arc(cell, ("rout", row), hub, value))
    for i, row in enumerate(table.rows):
        arcs.append(_Arc(("requests", row), ("rin", row), ("rout", row), table.requests[i]))
    for name, counts in table.lines.items():
        start, end = ("ls", name), ("lt", name)
        arcs.append(_Arc(("line", name, None), end, start, sum(counts)))
        for row, value in zip(table.rows, counts, strict=True):
            arcs.append(_Arc(("line", name, row), start, end, value))
    return arcs


# Costs of suppressing a published count, so that the cheapest cycle takes the fewest counts,
# inner counts before totals, small before large, and a zero only when nothing else is left.
_CELL = 1 << 40
_TOTAL = 1 << 50
_ZERO = 1 << 56
_NEVER = 1 << 62


def complementary_band(value: int, k: int) -> Band:
    """The band of width k holding ``value``: 0-4, 5-9, 10-14 for k=5."""
    lo = (value // k) * k
    return Band(lo, lo + k - 1)


class _Network:
    """The table's flow network with integer nodes, the bounds a reader knows of each arc, and
    what suppressing a published arc would cost and allow."""

    def __init__(self, arcs: list[_Arc], bands: dict[Key, Band], k: int) -> None:
        self.arcs = arcs
        self.bands = bands
        self.k = k
        number: dict[Hashable, int] = {}
        for arc in arcs:
            number.setdefault(arc.tail, len(number))
            number.setdefault(arc.head, len(number))
        self.nodes = len(number)
        self.tail = [number[a.tail] for a in arcs]
        self.head = [number[a.head] for a in arcs]
        self.flow = [a.flow for a in arcs]
        self.incident: list[list[int]] = [[] for _ in range(self.nodes)]
        self.lo: list[int] = []
        self.hi: list[int] = []
        # what suppressing each published arc would give: its band's bounds and its cost
        self.cost: list[int] = []
        self.offer: list[tuple[int, int]] = []
        for i, arc in enumerate(arcs):
            self.incident[self.tail[i]].append(i)
            self.incident[self.head[i]].append(i)
            key, flow = arc.key, arc.flow
            band = bands.get(key) if key is not None else None
            if key is None:
                self.lo.append(0)
                self.hi.append(INFINITE)
            elif band is not None:
                self.lo.append(band.lo)
                self.hi.append(band.hi)
            else:
                self.lo.append(flow)
                self.hi.append(flow)
            if key is None or band is not None:
                self.cost.append(_NEVER)
                self.offer.append((0, 0))
                continue
            lo = (flow // k) * k  # complementary_band, without the object
            self.offer.append((lo, lo + k - 1))
            self.cost.append(
                (_ZERO if flow == 0 else 0) + (_TOTAL if key[-1] is None else 0) + _CELL + flow
            )
        self.price: dict[bool, list[int]] = {True: [0] * len(arcs), False: [0] * len(arcs)}
        for i in range(len(arcs)):
            self._price(i)
        # the rows-by-outcomes grid, for the rectangle search
        self.cell_of: dict[int, tuple[int, int]] = {}
        rows: dict[Hashable, int] = {}
        columns: dict[Hashable, int] = {}
        for i, arc in enumerate(arcs):
            key = arc.key
            if key is not None and key[0] == "out" and key[-1] is not None:
                r = rows.setdefault(key[2], len(rows))
                c = columns.setdefault(key[1], len(columns))
                self.cell_of[i] = (r, c)
        self.grid: list[list[int]] = [[-1] * len(columns) for _ in rows]
        for i, (r, c) in self.cell_of.items():
            self.grid[r][c] = i

    def suppressed(self) -> list[int]:
        return [i for i, a in enumerate(self.arcs) if a.key is not None and a.key in self.bands]

    def suppress(self, i: int, band: Band) -> None:
        key = self.arcs[i].key
        assert key is not None
        self.bands[key] = band
        self.lo[i], self.hi[i] = band.lo, band.hi
        self.cost[i] = _NEVER
        self._price(i)

    def _price(self, i: int) -> None:
        """What it costs to let arc ``i`` move one unit each way (``price[up][i]``): nothing
        if it can already, its suppression if its band would let it, never otherwise."""
        flow, cost = self.flow[i], self.cost[i]
        lo, hi = self.offer[i]
        for up in (True, False):
            if (flow < self.hi[i]) if up else (flow > self.lo[i]):
                price = 0
            elif cost < _NEVER and ((flow < hi) if up else (flow > lo)):
                price = cost
            else:
                price = _NEVER
            self.price[up][i] = price

    def can(self, i: int, up: bool) -> bool:
        """Whether arc ``i`` can move one unit up (or down) within what a reader knows."""
        return self.price[up][i] == 0

    def move_cost(self, i: int, up: bool) -> int:
        return self.price[up][i]

    # -- the exact test -------------------------------------------------------------------

    def exposed(self) -> list[int]:
        """The suppressed arcs that every integer flow within the bounds gives their true
        value: no cycle of the residual graph passes through them (see the module)."""
        adjacency: list[list[int]] = [[] for _ in range(self.nodes)]
        moving: list[int] = []
        ups, downs = self.price[True], self.price[False]
        for i in range(len(self.arcs)):
            up, down = ups[i] == 0, downs[i] == 0
            if up:
                adjacency[self.tail[i]].append(self.head[i])
            if down:
                adjacency[self.head[i]].append(self.tail[i])
            if up or down:
                moving.append(i)
        component = _strong_components(adjacency)
        inner = [i for i in moving if component[self.tail[i]] == component[self.head[i]]]
        bridges = _bridges(self.nodes, inner, self.tail, self.head)
        out = []
        for i in self.suppressed():
            if component[self.tail[i]] != component[self.head[i]] or (
                ups[i] == 0 and downs[i] == 0 and i in bridges
            ):
                out.append(i)
        return out

    # -- choosing complements --------------------------------------------------------------

    def rectangle(self, i: int) -> tuple[int, list[int]] | None:
        """The cheapest rectangle of the rows-by-outcomes table through outcome count ``i``:
        it moving one way, another outcome of its row and the same outcome of another row the
        other way, and the fourth corner its way. Its cost and the published counts it takes."""
        if i not in self.cell_of:
            return None
        r, c = self.cell_of[i]
        grid, price = self.grid, self.price
        best: tuple[int, list[int]] | None = None
        for up in (True, False):
            if not self.can(i, up):
                continue
            mine, ahead, back = grid[r], price[up], price[not up]
            across = []
            for c2, j in enumerate(mine):
                if c2 != c and j >= 0:
                    cost = back[j]
                    if cost < _NEVER:
                        across.append((cost, c2))
            if not across:
                continue
            floor = min(cost for cost, _ in across)
            column = []
            for r2, other in enumerate(grid):
                if r2 != r and other[c] >= 0:
                    cost = back[other[c]]
                    if cost < _NEVER:
                        column.append((cost, r2))
            column.sort()
            for cost_b, r2 in column:
                if best is not None and cost_b + floor >= best[0]:
                    break
                other = grid[r2]
                for cost_a, c2 in across:
                    j = other[c2]
                    if j < 0:
                        continue
                    total = cost_a + cost_b + ahead[j]
                    if total < _NEVER and (best is None or total < best[0]):
                        best = (total, [mine[c2], other[c], j])
        if best is None:
            return None
        return best[0], [j for j in best[1] if self.arcs[j].key not in self.bands]

    def cycle(self, i: int) -> tuple[int, list[int]] | None:
        """The cheapest cycle through arc ``i`` over the whole network (Dijkstra from one of
        its ends back to the other, not through it): its cost and the published counts on it."""
        best: tuple[int, list[int]] | None = None
        for up in (True, False):
            if not self.can(i, up):
                continue
            start, goal = (self.head[i], self.tail[i]) if up else (self.tail[i], self.head[i])
            found = self._path(start, goal, i)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return best

    def _path(self, start: int, goal: int, skip: int) -> tuple[int, list[int]] | None:
        dist = {start: 0}
        via: dict[int, int] = {}
        todo = [(0, start)]
        while todo:
            d, node = heapq.heappop(todo)
            if node == goal:
                taken = []
                while node != start:
                    j = via[node]
                    if self.cost[j] < _NEVER and self.arcs[j].key not in self.bands:
                        taken.append(j)
                    node = self.tail[j] if self.head[j] == node else self.head[j]
                return d, taken
            if d > dist.get(node, _NEVER):
                continue
            for j in self.incident[node]:
                if j == skip:
                    continue
                forward = self.tail[j] == node
                step = self.move_cost(j, forward)
                if step >= _NEVER:
                    continue
                nxt = self.head[j] if forward else self.tail[j]
                if d + step < dist.get(nxt, _NEVER):
                    dist[nxt] = d + step
                    via[nxt] = j
                    heapq.heappush(todo, (d + step, nxt))
        return None

    def widen(self, i: int) -> None:
        """Nothing is left to suppress near an exposed count: widen the bands of the
        suppressed counts around it (and its own) by k each way."""
        ends = {self.tail[i], self.head[i]}
        for j in self.suppressed():
            if {self.tail[j], self.head[j]} & ends:
                key = self.arcs[j].key
                assert key is not None
                band = self.bands[key]
                self.suppress(j, Band(max(0, band.lo - self.k), band.hi + self.k))


def _strong_components(adjacency: list[list[int]]) -> list[int]:
    """The strongly connected component of each node (Tarjan's algorithm, iterative)."""
    n = len(adjacency)
    index = [-1] * n
    low = [0] * n
    component = [-1] * n
    on_stack = [False] * n
    stack: list[int] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            node, pos = work[-1]
            edges = adjacency[node]
            if pos < len(edges):
                work[-1] = (node, pos + 1)
                nxt = edges[pos]
                if index[nxt] < 0:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, 0))
                elif on_stack[nxt] and index[nxt] < low[node]:
                    low[node] = index[nxt]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component[member] = node
                    if member == node:
                        break
    return component


def _bridges(n: int, edges: list[int], tail: list[int], head: list[int]) -> set[int]:
    """The bridges of the undirected multigraph of ``edges`` (arc ids, each one edge between
    its ends; parallel edges are never bridges), by depth-first search, iteratively."""
    incident: list[list[int]] = [[] for _ in range(n)]
    for e in edges:
        incident[tail[e]].append(e)
        incident[head[e]].append(e)
    order = [-1] * n
    low = [0] * n
    out: set[int] = set()
    counter = 0
    for root in range(n):
        if order[root] >= 0 or not incident[root]:
            continue
        order[root] = low[root] = counter
        counter += 1
        work = [(root, -1, 0)]
        while work:
            node, via, pos = work[-1]
            around = incident[node]
            if pos < len(around):
                work[-1] = (node, via, pos + 1)
                e = around[pos]
                if e == via:
                    continue
                nxt = head[e] if tail[e] == node else tail[e]
                if order[nxt] < 0:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    work.append((nxt, e, 0))
                elif order[nxt] < low[node]:
                    low[node] = order[nxt]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
                if low[node] > order[parent]:
                    out.add(via)
    return out


def protect(table: CountTable, k: int) -> Protected:
    """Suppress the table's counts as the module describes; ``k`` is at least 3, so that
    every band holds at least two values."""
    if k < 3:
        raise ValueError("k must be at least 3")
    arcs = _arcs(table)
    values = {a.key: a.flow for a in arcs if a.key is not None}
    bands: dict[Key, Band] = {}
    for key, value in values.items():
        if 0 < value < k:
            bands[key] = Band(1, k - 1)
    for i, row in enumerate(table.rows):
        if table.requests[i] < k:
            for side, part in (("in", table.inflow), ("out", table.outflow)):
                for j, name in enumerate(part.names):
                    if part.shown[j]:
                        bands[(side, name, row)] = Band(0, k - 1)
    network = _Network(arcs, bands, k)
    for _ in range(10 * len(arcs) + 10):
        exposed = network.exposed()
        if not exposed:
            return Protected(values, bands)
        # Each count put on a cycle this round is protected for good; the others wait for
        # the next round's exact test, which may find a later complement protected them.
        settled: set[int] = set()
        for i in exposed:
            if i in settled:
                continue
            found = network.rectangle(i)
            if found is None:
                found = network.cycle(i)
            if found is None:
                network.widen(i)
                continue
            for j in found[1]:
                lo, hi = network.offer[j]
                network.suppress(j, Band(lo, hi))
            settled.add(i)
            settled.update(found[1])
    raise RuntimeError("suppression did not settle")  # pragma: no cover - bounded by design


def suppressed_keys(protected: Protected) -> Iterable[Key]:
    return protected.bands.keys()

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
3. *Complementary*: while some suppressed count is exposed, suppress the smallest published
   non-zero count next to it in the network (its row or column first, a total last), shown
   as the band of width k that holds it (``5-9``, ``10-14``); where none is left, widen the
   bands around it. Repeat until no suppressed count is exposed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Sequence
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


class _Network:
    def __init__(self, arcs: list[_Arc], bands: dict[Key, Band]) -> None:
        self.arcs = arcs
        self.bands = bands
        self._graph: dict[Hashable, list[tuple[Hashable, int]]] | None = None
        self._component: dict[Hashable, int] | None = None
        self._bounds: list[tuple[int, int]] = []
        self.incident: dict[Hashable, list[int]] = {}  # node: the arcs that touch it
        for i, arc in enumerate(arcs):
            self.incident.setdefault(arc.tail, []).append(i)
            self.incident.setdefault(arc.head, []).append(i)
        self.changed()

    def changed(self) -> None:
        self._graph = None
        self._component = None
        self._bounds = [self._bounds_of(a) for a in self.arcs]

    def components(self) -> dict[Hashable, int]:
        """The strongly connected component of each node of the residual graph (Tarjan,
        iterative): a cycle through an arc stays within one component."""
        if self._component is not None:
            return self._component
        graph = self._residual()
        index: dict[Hashable, int] = {}
        low: dict[Hashable, int] = {}
        component: dict[Hashable, int] = {}
        stack: list[Hashable] = []
        on_stack: set[Hashable] = set()
        counter = 0
        for root in graph:
            if root in index:
                continue
            work: list[tuple[Hashable, int]] = [(root, 0)]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node, i = work[-1]
                edges = graph.get(node, [])
                if i < len(edges):
                    work[-1] = (node, i + 1)
                    nxt = edges[i][0]
                    if nxt not in index:
                        index[nxt] = low[nxt] = counter
                        counter += 1
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, 0))
                    elif nxt in on_stack:
                        low[node] = min(low[node], index[nxt])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component[member] = index[node]
                        if member == node:
                            break
        self._component = component
        return component

    def bounds(self, arc: _Arc) -> tuple[int, int]:
        return self._bounds_of(arc)

    def _bounds_of(self, arc: _Arc) -> tuple[int, int]:
        if arc.key is None:
            return 0, INFINITE
        band = self.bands.get(arc.key)
        return (arc.flow, arc.flow) if band is None else (band.lo, band.hi)

    def _residual(self) -> dict[Hashable, list[tuple[Hashable, int]]]:
        """The residual graph of the true flow: node to (next node, arc); a shown count has
        no residual arc, so only suppressed and free quantities appear."""
        if self._graph is None:
            graph: dict[Hashable, list[tuple[Hashable, int]]] = {}
            for i, arc in enumerate(self.arcs):
                lo, hi = self._bounds[i]
                if arc.flow < hi:
                    graph.setdefault(arc.tail, []).append((arc.head, i))
                if arc.flow > lo:
                    graph.setdefault(arc.head, []).append((arc.tail, i))
            self._graph = graph
        return self._graph

    def _reaches(self, start: Hashable, goal: Hashable, skip: int) -> bool:
        """A path from ``start`` to ``goal`` not using arc ``skip``; such a path closes a
        cycle with that arc, so it stays within their strongly connected component."""
        graph = self._residual()
        component = self.components()
        home = component.get(start)
        if home is None or component.get(goal) != home:
            return False
        seen, todo = {start}, deque([start])
        while todo:
            node = todo.popleft()
            for nxt, arc in graph.get(node, ()):
                if arc == skip or nxt in seen or component.get(nxt) != home:
                    continue
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False

    def exposed(self, i: int) -> bool:
        """Whether every integer flow within the bounds gives arc ``i`` its true value: no
        cycle of the residual graph passes through it, in either direction. An arc that can
        move one way only is on such a cycle exactly when its ends share a strongly connected
        component (a path back cannot use the arc itself); an arc that can move both ways
        needs a path that does not use its own reverse."""
        arc = self.arcs[i]
        lo, hi = self._bounds[i]
        up, down = arc.flow < hi, arc.flow > lo
        if up != down:
            component = self.components()
            same = component.get(arc.tail) == component.get(arc.head) is not None
            return not same
        return not (
            (up and self._reaches(arc.head, arc.tail, i))
            or (down and self._reaches(arc.tail, arc.head, i))
        )

    def nearby(self, i: int) -> list[tuple[int, int]]:
        """Shown arcs touching the part of the network connected to arc ``i`` through
        adjustable arcs, with their distance from it: suppressing one of them can open a
        cycle through it. The search stops at the first distance that offers a non-zero
        count (a nearer one is always preferred)."""
        start = self.arcs[i]
        depth: dict[Hashable, int] = {start.tail: 0, start.head: 0}
        frontier = [start.tail, start.head]
        found: list[tuple[int, int]] = []
        level = 0
        while frontier:
            nxt_frontier: list[Hashable] = []
            for node in frontier:
                for j in self.incident.get(node, ()):
                    if j == i:
                        continue
                    arc = self.arcs[j]
                    lo, hi = self._bounds[j]
                    if arc.key is not None and arc.key not in self.bands:
                        found.append((level, j))
                    elif lo < hi:
                        other = arc.head if arc.tail == node else arc.tail
                        if other not in depth:
                            depth[other] = level + 1
                            nxt_frontier.append(other)
            if any(self.arcs[j].flow for _, j in found):
                return found
            frontier = nxt_frontier
            level += 1
        return found


def complementary_band(value: int, k: int) -> Band:
    """The band of width k holding ``value``: 0-4, 5-9, 10-14 for k=5."""
    lo = (value // k) * k
    return Band(lo, lo + k - 1)


def _choose(network: _Network, candidates: Sequence[tuple[int, int]]) -> int | None:
    """The complement: a non-zero count nearest the exposed one (its row or column first),
    an inner count before a total, the smallest first; a zero only if nothing else is left
    (a zero may be one every reader knows, which protects nothing)."""

    def rank(candidate: tuple[int, int]) -> tuple[bool, int, bool, int]:
        depth, j = candidate
        arc = network.arcs[j]
        assert arc.key is not None
        return (arc.flow == 0, depth, arc.key[-1] is None, arc.flow)

    return min(candidates, key=rank)[1] if candidates else None


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
    network = _Network(arcs, bands)
    # Suppressing more only adds arcs to the residual graph, so a count that is protected
    # stays protected: each round re-examines only the counts still exposed and new ones.
    todo = [i for i, a in enumerate(arcs) if a.key in bands]
    for _ in range(10 * len(arcs) + 10):
        exposed = [i for i in todo if network.exposed(i)]
        if not exposed:
            return Protected(values, bands)
        before = set(bands)
        touched: set[Hashable] = set()
        for i in exposed:
            arc = arcs[i]
            if arc.tail in touched or arc.head in touched:
                continue  # a complement beside it this round may protect it: seen next round
            chosen = _choose(network, network.nearby(i))
            if chosen is not None:
                other = arcs[chosen]
                assert other.key is not None
                bands[other.key] = complementary_band(other.flow, k)
                touched |= {arc.tail, arc.head, other.tail, other.head}
            else:
                _widen(network, i, k)
                touched |= {arc.tail, arc.head}
        network.changed()
        todo = exposed + [i for i, a in enumerate(arcs) if a.key in bands and a.key not in before]
    raise RuntimeError("suppression did not settle")  # pragma: no cover - bounded by design


def _widen(network: _Network, i: int, k: int) -> None:
    """Nothing is left to suppress near an exposed count: widen the bands of the suppressed
    counts around it (and its own) by k each way."""
    arc = network.arcs[i]
    for other in network.arcs:
        if other.key in network.bands and {other.tail, other.head} & {arc.tail, arc.head}:
            band = network.bands[other.key]
            network.bands[other.key] = Band(max(0, band.lo - k), band.hi + k)


def suppressed_keys(protected: Protected) -> Iterable[Key]:
    return protected.bands.keys()

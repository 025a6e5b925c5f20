"""A step chart of signatures and consents to be bound over time, drawn as SVG on the server.

No charting library and no script: the chart is part of the page, readable by screen readers
through its title and the table beside it, and nothing is fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD = 640, 260, 40


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # class giving the colour, from the stylesheet
    dates: Sequence[date]  # one per event, any order


def _x(day: date, start: date, end: date) -> float:
    span = max(1, (end - start).days)
    return PAD + (WIDTH - 2 * PAD) * (day - start).days / span


def _y(count: int, top: int) -> float:
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * count / max(1, top)


def svg(series: Sequence[Series], *, start: date, end: date, threshold: int, title: str) -> str:
    """Cumulative counts per series from ``start`` to ``end``, with the threshold as a line."""
    top = max([threshold, *(len([d for d in s.dates if d <= end]) for s in series)])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="chart-title" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
        f'y2="{HEIGHT - PAD}"/>',
        f'<line class="axis" x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}"/>',
    ]
    ty = _y(threshold, top)
    parts.append(
        f'<line class="threshold" x1="{PAD}" y1="{ty:.1f}" x2="{WIDTH - PAD}" y2="{ty:.1f}"/>'
        f'<text class="label" x="{WIDTH - PAD}" y="{ty - 4:.1f}" text-anchor="end">'
        f"{threshold} needed</text>"
    )
    for n in (0, top):
        y = _y(n, top) + 4
        parts.append(f'<text class="label" x="{PAD - 6}" y="{y:.1f}" text-anchor="end">{n}</text>')
    parts.append(
        f'<text class="label" x="{PAD}" y="{HEIGHT - PAD + 16}">{start.isoformat()}</text>'
        f'<text class="label" x="{WIDTH - PAD}" y="{HEIGHT - PAD + 16}" text-anchor="end">'
        f"{end.isoformat()}</text>"
    )
    for i, s in enumerate(series):
        points = [(_x(start, start, end), _y(0, top))]
        count = 0
        for day in sorted(d for d in s.dates if start <= d <= end):
            x = _x(day, start, end)
            points.append((x, _y(count, top)))
            count += 1
            points.append((x, _y(count, top)))
        points.append((_x(end, start, end), _y(count, top)))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="series {s.css}" points="{path}"/>')
        parts.append(
            f'<text class="label {s.css}" x="{PAD + 8}" y="{PAD + 14 + 16 * i}">'
            f"{escape(s.name)}: {count}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    """One bar: a published count, or a suppressed one drawn as its band (lo to hi)."""

    label: str
    lo: int
    hi: int

    @property
    def shown(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


def bar_of(label: str, value: int | str) -> Bar:
    if isinstance(value, int):
        return Bar(label, value, value)
    lo, _, hi = value.partition("-")
    return Bar(label, int(lo), int(hi))


def bars(items: Sequence[Bar], *, title: str, chart_id: str) -> str:
    """Horizontal bars, one per item; a band (a suppressed count) is drawn as a lighter bar
    from its lower to its upper bound, so the chart never shows more than the table does."""
    row, left, right = 22, 170, 70
    height = PAD + row * max(1, len(items))
    top = max([1, *(b.hi for b in items)])
    span = WIDTH - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title" class="chart bars">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for i, b in enumerate(items):
        y = 10 + row * i
        solid = span * b.lo / top
        band = span * (b.hi - b.lo) / top
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + 13}" text-anchor="end">'
            f"{escape(b.label)}</text>"
        )
        if solid:
            parts.append(
                f'<rect class="bar" x="{left}" y="{y}" width="{solid:.1f}" height="{row - 6}"/>'
            )
        if band:
            parts.append(
                f'<rect class="bar band" x="{left + solid:.1f}" y="{y}" width="{band:.1f}" '
                f'height="{row - 6}"/>'
            )
        parts.append(
            f'<text class="label" x="{left + solid + band + 6:.1f}" y="{y + 13}">'
            f"{escape(b.shown)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)

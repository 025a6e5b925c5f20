"""The footprint's countries by status, drawn as SVG tiles on the server: one tile per
country, coloured by whether the Convention binds it on the date, with its count of gaps.

No script and no library: the chart is part of the page and the printed report, titled and
described for screen readers, and the table beside it says the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

TILE, GAP, PER_ROW = 96, 10, 6
STATUS_WORDS = {
    "bound": "bound",
    "ratified_not_yet_bound": "ratified, not yet bound",
    "signatory": "signatory",
    "non_signatory": "not a signatory",
    "denounced": "denounced",
}


def svg(countries: Sequence[dict[str, Any]], gaps: Sequence[dict[str, Any]], *, title: str) -> str:
    """Tiles for ``countries`` (the assessment's JSON), each with its status and gap count."""
    count = {c["state"]: 0 for c in countries}
    high = dict(count)
    for g in gaps:
        count[g["state"]] = count.get(g["state"], 0) + 1
        if g["severity"] == "high":
            high[g["state"]] = high.get(g["state"], 0) + 1
    rows = max(1, -(-len(countries) // PER_ROW))
    legend_y = rows * (TILE + GAP) + 8
    width = PER_ROW * (TILE + GAP)
    height = legend_y + 24 * len(STATUS_WORDS) // 2 + 24
    desc = "; ".join(
        f"{c['state']}: {STATUS_WORDS.get(c['status'], c['status'])}, {count[c['state']]} gaps"
        for c in countries
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="fp-title fp-desc" class="chart tiles">',
        f'<title id="fp-title">{escape(title)}</title>',
        f'<desc id="fp-desc">{escape(desc)}</desc>',
    ]
    for i, c in enumerate(countries):
        x = (i % PER_ROW) * (TILE + GAP)
        y = (i // PER_ROW) * (TILE + GAP)
        status, mid = c["status"], x + TILE / 2
        parts.append(
            f'<g class="tile {escape(status)}">'
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="6"/>'
            f'<text class="code" x="{mid}" y="{y + 34}" text-anchor="middle">'
            f"{escape(c['state'])}</text>"
            f'<text class="small" x="{mid}" y="{y + 56}" text-anchor="middle">'
            f"{escape(STATUS_WORDS.get(status, status).split(',')[0])}</text>"
            f'<text class="small" x="{mid}" y="{y + 78}" text-anchor="middle">'
            f"{count[c['state']]} gaps ({high[c['state']]} high)</text></g>"
        )
    for j, (status, words) in enumerate(STATUS_WORDS.items()):
        x = (j % 3) * (width // 3)
        y = legend_y + (j // 3) * 24
        parts.append(
            f'<g class="tile {status}"><rect x="{x}" y="{y}" width="16" height="16" rx="3"/></g>'
            f'<text class="legend" x="{x + 22}" y="{y + 13}">{escape(words)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

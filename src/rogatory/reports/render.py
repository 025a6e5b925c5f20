"""A transparency report as CSV, as a standalone HTML document, or as lines of plain text: the
same published cells in every format (bands stay bands, a suppressed time stays empty)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from markupsafe import escape

FORMATS = ("text", "json", "csv", "html")
FIXED = ("requests", "identifiers", "under_nondisclosure")
TIMING = ("median_hours_to_answer", "within_deadline_share")


def header(report: dict[str, Any]) -> list[str]:
    return [
        "requesting_state",
        "measure",
        "emergency",
        *FIXED,
        *report["outcomes"],
        *TIMING,
    ]


def _cells(report: dict[str, Any], row: dict[str, Any]) -> list[str]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    return [
        text(row.get("requesting_state", "total")),
        text(row.get("measure", "")),
        text(row.get("emergency", "")),
        *(text(row[f]) for f in FIXED),
        *(text(row["outcomes"][o]) for o in report["outcomes"]),
        *(text(row[t]) for t in TIMING),
    ]


def table(report: dict[str, Any]) -> Iterator[list[str]]:
    """The header, each row, then the totals."""
    yield header(report)
    for row in report["rows"]:
        yield _cells(report, row)
    yield _cells(report, report["totals"])


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in table(report):
        writer.writerow(line)
    return out.getvalue()


def title(report: dict[str, Any]) -> str:
    period = report["period"]
    complete = "" if period["complete"] else " (period not yet ended)"
    return (
        f"Transparency report of {report['organisation']}, {period['label']} "
        f"({period['from']} to {period['to']}){complete}"
    )


def to_html(report: dict[str, Any]) -> str:
    """A standalone page: the title, the suppression method, the table."""
    lines = table(report)
    head = next(lines)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in line) + "</tr>\n" for line in lines
    )
    columns = "".join(f'<th scope="col">{escape(h.replace("_", " "))}</th>' for h in head)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title(report))}</title></head><body>\n"
        f"<h1>{escape(title(report))}</h1>\n"
        f"<p>Suppression (k = {report['suppression']['k']}): "
        f"{escape(report['suppression']['method'])}</p>\n"
        f"<table><thead><tr>{columns}</tr></thead><tbody>\n{body}</tbody></table>\n"
        f"<p>Read at event {escape(report['audit_head']['seq'])} of the audit chain "
        f"{escape(report['audit_head']['chain'])}; generated {escape(report['generated_at'])}."
        "</p>\n</body></html>\n"
    )

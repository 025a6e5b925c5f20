"""The compliance assessment as an HTML report: the same document on the web page and in
the file ``rogatory assess --format html`` writes, made to print (A4, no navigation, page
breaks between countries, every citation in words with its level).

The file stands alone (its stylesheet inline, nothing fetched from elsewhere), so it can be
mailed, archived, printed from any browser or to PDF by WeasyPrint (``pdf``, ``--format
pdf``); the web page links the same stylesheet from the site, under its
Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from rogatory import pdf as pdf_
from rogatory.web import footprint_chart, templating


def context(result: dict[str, Any]) -> dict[str, Any]:
    gaps_by_state: dict[str, list[dict[str, Any]]] = {}
    for g in result["gaps"]:
        gaps_by_state.setdefault(g["state"], []).append(g)
    chart = footprint_chart.svg(
        result["countries"],
        result["gaps"],
        title=f"{result['company']}: countries by the Convention's status on {result['as_of']}",
    )
    return {
        "r": result,
        "gaps_by_state": gaps_by_state,
        "chart": Markup(chart),  # built from codes and words the chart escapes itself
        "statuses": footprint_chart.STATUS_WORDS,
    }


def standalone(result: dict[str, Any]) -> str:
    """The report as one self-contained HTML file."""
    css = (templating.STATIC / "report.css").read_text(encoding="utf-8")
    template = templating.env.get_template("compliance_report.html")
    return template.render(**context(result), inline_css=Markup(css))


def pdf(result: dict[str, Any]) -> bytes:
    """The same self-contained report printed to PDF (A4, a page per country)."""
    return pdf_.from_html(standalone(result), what="the assessment report")

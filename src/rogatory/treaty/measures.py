"""A treaty's measures table as a reader sees it on a date: each measure's facts and its
deadlines with the values in force then.

The table (``measures.yaml``) is the one place a measure's articles, kind, grounds, required
items and time limits are stated; the CLI (``rogatory treaty measures``) and the web show it
through this module, so what a user reads is what the screening and the workflow use.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rogatory.law.bundle import Bundle, MeasureDeadline
from rogatory.law.citation import Citation


def _cite(cite: Citation | None) -> dict[str, Any] | None:
    if cite is None:
        return None
    out = cite.brief() | {"label": cite.label}
    if cite.model:
        out["model"] = cite.model
    return out


def deadline_row(bundle: Bundle, deadline: MeasureDeadline, on: date) -> dict[str, Any]:
    """One deadline: a constant's value and citation in force on ``on``, or the treaty's
    words with theirs. Words resting on a model treaty say so through their citation's level
    and ``model``."""
    row: dict[str, Any] = {"kind": deadline.kind.value, "constant": deadline.constant}
    if deadline.constant is not None:
        dated = bundle.constants[deadline.constant]
        found = dated.at(deadline.constant, on)
        row |= {
            "known": found.known,
            "value": found.value,
            "unit": dated.unit,
            "reason": found.reason.value if found.reason else None,
            "words": deadline.words or dated.description,
            "cite": _cite(found.cite),
        }
    else:
        row |= {"known": True, "value": None, "unit": None, "reason": None}
        row |= {"words": deadline.words, "cite": _cite(deadline.cite)}
    return row


def rows(bundle: Bundle, on: date) -> list[dict[str, Any]]:
    """Every measure of ``bundle`` with its facts and its deadlines as of ``on``."""
    out = []
    for name, facts in bundle.measures.items():
        out.append(
            {
                "measure": name,
                "title": facts.title,
                "kind": facts.kind.value,
                "articles": facts.articles,
                "evidence": facts.evidence,
                "intrusive": facts.intrusive,
                "intrusive_categories": facts.intrusive_categories,
                "step_of": facts.step_of,
                "grounds": facts.grounds,
                "grounds_closed": facts.grounds_closed,
                "grounds_cite": _cite(facts.grounds_cite),
                "required": [{"field": r.field, "asks": r.asks} for r in facts.required],
                "deadlines": [deadline_row(bundle, d, on) for d in facts.deadlines],
            }
        )
    return out

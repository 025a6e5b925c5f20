"""A request document in another treaty's numbering, through the shipped crosswalk.

A request names its offence articles in the numbering of the treaty it is made under (UN
Art 7, illegal access); screened under another treaty they must be that treaty's (Budapest
Art 2). Only articles the crosswalk calls the same or similar are carried over; an article
with no counterpart is dropped, and each translation is said, so a reader sees what the other
treaty's decision was made on.
"""

from __future__ import annotations

import copy
from typing import Any

from rogatory.treaty import catalogue
from rogatory.treaty import crosswalk as crosswalks

TRANSLATED = ("same", "similar")
OFFENCE_FIELDS = ("treaty_articles", "requested_state_articles")


def translate(articles: list[int], source: str, target: str) -> tuple[list[int], list[str]]:
    """``articles`` of ``source`` as ``target``'s offence articles, and a note per article
    saying what it became."""
    if source == target or not articles:
        return articles, []
    facts = catalogue.get(target).screening_facts
    assert facts is not None
    out: set[int] = set()
    notes = []
    for article in articles:
        rows = crosswalks.rows(source, target, article)
        hits = sorted(
            {o for r in rows if r.relation in TRANSLATED for o in r.other if o in facts.offences}
        )
        out.update(hits)
        became = ", ".join(f"Art {h}" for h in hits) or "no counterpart (dropped)"
        notes.append(f"{source} Art {article} → {target} {became}")
    return sorted(out), notes


def document_for(data: Any, source: str, target: str) -> tuple[Any, list[str]]:
    """The request document ``data`` (made under ``source``) with its offence articles in
    ``target``'s numbering, and the notes saying what each became; ``data`` is not changed."""
    offence = data.get("offence") if isinstance(data, dict) else None
    if not isinstance(offence, dict):
        return data, []
    out = copy.deepcopy(data)
    notes: list[str] = []
    for name in OFFENCE_FIELDS:
        values = offence.get(name)
        if isinstance(values, list) and all(isinstance(v, int) for v in values):
            out["offence"][name], more = translate(values, source, target)
            notes += [f"offence.{name}: {n}" for n in more]
    return out, notes

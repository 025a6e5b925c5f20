"""One request screened under each treaty the service screens under, side by side.

A case is decided under the treaty it was taken in under; a central authority bound to the
other State by two treaties still asks what the other would decide. These decisions are read,
never stored: the case's own screening stays the one its review and approvals rest on. The
request's offence articles are carried into each treaty's numbering through the crosswalk,
and every translation is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rogatory.errors import ProblemList, RogatoryError
from rogatory.safeguards.engine import Decision, Screener
from rogatory.treaty import translation


@dataclass(frozen=True, slots=True)
class Unusable:
    """Why the document is not a valid request under a treaty: the error code and message."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Column:
    treaty: str
    instrument: str
    title: str
    notes: tuple[str, ...]
    decision: Decision | None  # None when the document is not a valid request under it
    errors: tuple[Unusable, ...] = ()


def under_each(
    screener: Screener, document: dict[str, Any], source: str, on: date | None
) -> list[Column]:
    """``document`` (made under ``source``) screened as of ``on`` under every treaty of
    ``screener``'s family, ``source`` first."""
    members = screener.members()
    members.sort(key=lambda s: (s.treaty != source, s.treaty))
    out = []
    for member in members:
        bundle = member.law.bundle
        decision: Decision | None = None
        notes: list[str] = []
        errors: tuple[Unusable, ...] = ()
        try:
            doc, notes = translation.document_for(document, source, member.treaty)
            decision = member.screen(member.parse(doc), on)
        except ProblemList as exc:
            errors = tuple(Unusable(p.code, p.render()) for p in exc.problems)
        except RogatoryError as exc:  # no crosswalk into this treaty's numbering
            errors = (Unusable(exc.code, exc.message),)
        out.append(
            Column(
                member.treaty,
                bundle.instrument,
                bundle.manifest.short_title,
                tuple(notes),
                decision,
                errors,
            )
        )
    return out

"""Signals: configurable word lists that engage a rule for a human to look at.

The persecution clause (Art 40(22), with Art 6(2)) cannot be applied by a machine, but a
machine can notice when a request concerns speech, assembly, association, religion or
journalism, or a protected characteristic, and refuse to clear it. The lists ship in the bundle
(``signals.yaml``) with their citations and can be replaced by a user's file; matching is by
whole words, case-insensitive, so "protest" matches "protesters" only if listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rogatory.errors import ProblemCollector
from rogatory.law.loader import read_yaml, validate


class Proportionality(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_identifiers: int = Field(ge=1)
    max_period_days: int = Field(ge=1)
    max_interception_days: int = Field(ge=1)


class SignalsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    persecution: dict[str, list[str]] = Field(min_length=1)
    essential_interests: list[str] = Field(default_factory=list)
    fiscal: list[str] = Field(default_factory=list)
    bank_secrecy: list[str] = Field(default_factory=list)
    proportionality: Proportionality


@dataclass(frozen=True)
class Matcher:
    """One compiled regular expression for a group of terms."""

    terms: tuple[str, ...]

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.terms:
            return None
        alternatives = sorted(
            (re.escape(t.strip()) for t in self.terms if t.strip()), key=len, reverse=True
        )
        return re.compile(r"(?<!\w)(" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)

    def find(self, *texts: str | None) -> list[str]:
        if self._pattern is None:
            return []
        found: dict[str, None] = {}
        for text in texts:
            if text:
                for m in self._pattern.finditer(text):
                    found[m.group(1).lower()] = None
        return list(found)


@dataclass(frozen=True)
class Signals:
    persecution: dict[str, Matcher]
    essential_interests: Matcher
    fiscal: Matcher
    bank_secrecy: Matcher
    proportionality: Proportionality

    @classmethod
    def from_file(cls, parsed: SignalsFile) -> Signals:
        return cls(
            {group: Matcher(tuple(terms)) for group, terms in parsed.persecution.items()},
            Matcher(tuple(parsed.essential_interests)),
            Matcher(tuple(parsed.fiscal)),
            Matcher(tuple(parsed.bank_secrecy)),
            parsed.proportionality,
        )

    def persecution_hits(self, *texts: str | None) -> dict[str, list[str]]:
        hits = {group: m.find(*texts) for group, m in self.persecution.items()}
        return {group: words for group, words in hits.items() if words}


def read(path: Path, problems: ProblemCollector, *, label: str) -> Signals | None:
    parsed = validate(SignalsFile, read_yaml(path, problems, label=label), problems, file=label)
    return Signals.from_file(parsed) if parsed else None

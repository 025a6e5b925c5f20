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
    political_offence: list[str] = Field(default_factory=list)
    fiscal: list[str] = Field(default_factory=list)
    bank_secrecy: list[str] = Field(default_factory=list)
    proportionality: Proportionality


class SignalIndex:
    """All terms of all groups, matched in one pass over a text.

    A text is split into lower-case words once; single-word terms are set look-ups, and a
    multi-word or hyphenated term is searched for only when its first word occurs. This keeps
    screening fast enough to run on every request of a busy queue.
    """

    def __init__(self, groups: dict[str, tuple[str, ...]]) -> None:
        self.words: dict[str, list[tuple[str, str]]] = {}
        self.phrases: dict[str, list[tuple[re.Pattern[str], str, str]]] = {}
        for group, terms in groups.items():
            for raw in terms:
                term = raw.strip().lower()
                tokens = _WORD.findall(term)
                if not tokens:
                    continue
                if len(tokens) == 1 and tokens[0] == term:
                    self.words.setdefault(term, []).append((group, term))
                else:
                    pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)")
                    self.phrases.setdefault(tokens[0], []).append((pattern, group, term))

    def scan(self, text: str | None) -> dict[str, tuple[str, ...]]:
        """The terms found in a text, by group, in the order of the groups' lists."""
        if not text:
            return {}
        lowered = text.lower()
        words = set(_WORD.findall(lowered))
        found: dict[str, dict[str, None]] = {}
        for word in words & self.words.keys():
            for group, term in self.words[word]:
                found.setdefault(group, {})[term] = None
        for word in words & self.phrases.keys():
            for pattern, group, term in self.phrases[word]:
                if pattern.search(lowered):
                    found.setdefault(group, {})[term] = None
        return {group: tuple(sorted(terms)) for group, terms in found.items()}


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Signals:
    index: SignalIndex
    persecution_groups: tuple[str, ...]
    proportionality: Proportionality

    @classmethod
    def from_file(cls, parsed: SignalsFile) -> Signals:
        groups: dict[str, tuple[str, ...]] = {
            f"persecution.{name}": tuple(terms) for name, terms in parsed.persecution.items()
        }
        groups["essential_interests"] = tuple(parsed.essential_interests)
        groups["political_offence"] = tuple(parsed.political_offence)
        groups["fiscal"] = tuple(parsed.fiscal)
        groups["bank_secrecy"] = tuple(parsed.bank_secrecy)
        return cls(SignalIndex(groups), tuple(parsed.persecution), parsed.proportionality)


def read(path: Path, problems: ProblemCollector, *, label: str) -> Signals | None:
    parsed = validate(SignalsFile, read_yaml(path, problems, label=label), problems, file=label)
    return Signals.from_file(parsed) if parsed else None

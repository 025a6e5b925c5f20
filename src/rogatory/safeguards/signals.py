"""Signals: configurable word lists that engage a rule for a human to look at.

The persecution clause (Art 40(22), with Art 6(2)) cannot be applied by a machine, but a
machine can notice when a request concerns speech, assembly, association, religion or
journalism, or a protected characteristic, and refuse to clear it. The lists ship in the bundle
(``signals.yaml``) with their citations and can be replaced by a user's file; matching is by
whole words, case-insensitive, so "protest" matches "protesters" only if listed. Every list is
compiled once into one matcher (``SignalIndex``), and a request's text fields are scanned in
one pass.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """All terms of all groups, compiled once into one matcher and found in one pass.

    The terms are folded into a trie and written as one regular expression that, at every
    position not preceded by a letter or digit, tries the longest term first and requires the
    term to end at a word boundary. It is a zero-width look-ahead, so overlapping terms are
    all found ("state secrets" and "secrets act" in "state secrets act"); the shorter terms a
    longer one begins with ("tax" in "tax evasion") are known from the term itself and added
    without another search. The result is exactly that of searching each term alone as a whole
    word or phrase, case-insensitive, at the cost of one scan of the text: what lets every
    request of a busy queue be scanned. Built once per signal list (a ``Law`` holds one).
    """

    def __init__(self, groups: dict[str, tuple[str, ...]]) -> None:
        self.groups = groups
        owners: dict[str, dict[str, None]] = {}
        for group, terms in groups.items():
            for raw in terms:
                term = raw.strip().lower()
                if _WORD.search(term) and _SEPARATOR not in term:
                    owners.setdefault(term, {})[group] = None
        # For each term: every (group, term) a match of it implies at the same position.
        self._implies: dict[str, tuple[tuple[str, str], ...]] = {
            term: tuple(
                (group, shorter)
                for shorter, groups_of in owners.items()
                if term.startswith(shorter)
                and (len(shorter) == len(term) or not _WORD.match(term[len(shorter)]))
                for group in groups_of
            )
            for term in owners
        }
        self._pattern = (
            re.compile(r"(?<!\w)(?=(" + _trie(sorted(owners)) + r")(?!\w))") if owners else None
        )

    def extended(self, groups: dict[str, tuple[str, ...]]) -> SignalIndex:
        """This index with more groups (another list scanned in the same pass)."""
        return SignalIndex({**self.groups, **groups})

    def scan(self, text: str | None) -> dict[str, tuple[str, ...]]:
        """The terms found in a text, by group, each group's terms sorted."""
        return self.scan_fields((text,))[0]

    def scan_fields(self, texts: Sequence[str | None]) -> list[dict[str, tuple[str, ...]]]:
        """The terms found in each of ``texts``, in one pass over them all (joined by a
        character no term holds and no word contains, so a match never spans two)."""
        out: list[dict[str, dict[str, None]]] = [{} for _ in texts]
        lowered = [t.lower() if t else "" for t in texts]
        if self._pattern is not None and any(lowered):
            starts, at = [], 0
            for t in lowered:
                starts.append(at)
                at += len(t) + 1
            implies = self._implies
            for m in self._pattern.finditer(_SEPARATOR.join(lowered)):
                found = out[bisect_right(starts, m.start()) - 1]
                for group, term in implies[m.group(1)]:
                    found.setdefault(group, {})[term] = None
        return [{g: tuple(sorted(terms)) for g, terms in found.items()} for found in out]


_WORD = re.compile(r"\w+")
_SEPARATOR = "\x00"
_END = ""


def _trie(terms: Iterable[str]) -> str:
    """A regular expression matching any of ``terms``, longest first: the terms folded into
    a trie, so matching at a position follows one branch instead of trying every term."""
    root: dict[str, Any] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[_END] = {}

    def emit(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + emit(child) for ch, child in node.items() if ch != _END]
        if _END in node:
            alternatives.append("")  # a term ends here: tried after every longer one
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    return emit(root)


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

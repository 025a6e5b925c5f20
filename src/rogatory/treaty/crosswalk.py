"""The shipped crosswalks between treaty bundles (``rules/crosswalk/<left>-<right>.yaml``).

A crosswalk is read in either direction: ``uncc budapest`` and ``budapest uncc`` are the same
file, the second seen from the other side. Each file is validated against both bundles once
per process, so a pair naming an article that does not exist never reaches a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rogatory.errors import ProblemCollector, RogatoryError
from rogatory.law import crosswalk as cw
from rogatory.law.citation import Level
from rogatory.law.loader import read_yaml, validate
from rogatory.treaty import catalogue


def crosswalk_root() -> Path:
    return catalogue.rules_root() / "crosswalk"


def files() -> list[Path]:
    root = crosswalk_root()
    return sorted(root.glob("*.yaml")) if root.is_dir() else []


def load(path: Path) -> cw.Crosswalk:
    """A crosswalk file checked against its two bundles; ProblemList with every problem."""
    problems = ProblemCollector()
    label = f"crosswalk/{path.name}"
    parsed = validate(
        cw.CrosswalkFile, read_yaml(path, problems, label=label), problems, file=label
    )
    problems.raise_if_any("crosswalk.invalid", f"{label} is invalid")
    assert parsed is not None
    for side in (parsed.left, parsed.right):
        if side not in catalogue.bundle_ids():
            problems.add(
                "crosswalk.unknown_bundle",
                f"no shipped bundle {side!r} (shipped: {', '.join(catalogue.bundle_ids())})",
                file=label,
            )
    problems.raise_if_any("crosswalk.invalid", f"{label} is invalid")
    walk = cw.check(
        parsed, catalogue.get(parsed.left), catalogue.get(parsed.right), problems, label=label
    )
    problems.raise_if_any("crosswalk.invalid", f"{label} is invalid")
    return walk


@cache
def _all() -> tuple[cw.Crosswalk, ...]:
    return tuple(load(p) for p in files())


@dataclass(frozen=True)
class Row:
    """A pair seen from ``this`` side: its articles first, the other treaty's second."""

    this: list[int]
    other: list[int]
    relation: str
    this_level: Level
    other_level: Level
    note: str

    @classmethod
    def of(cls, pair: cw.Pair, swapped: bool) -> Row:
        relation = pair.relation.value
        if swapped:
            relation = {"only_left": "only_right", "only_right": "only_left"}.get(
                relation, relation
            )
            return cls(
                pair.right, pair.left, relation, pair.right_level, pair.left_level, pair.note
            )
        return cls(pair.left, pair.right, relation, pair.left_level, pair.right_level, pair.note)

    @property
    def level(self) -> Level:
        return Level.weakest([self.this_level, self.other_level])


def get(first: str, second: str) -> tuple[cw.Crosswalk, bool]:
    """The crosswalk between two bundles, and whether it is read from its right side."""
    for walk in _all():
        if (walk.file.left, walk.file.right) == (first, second):
            return walk, False
        if (walk.file.left, walk.file.right) == (second, first):
            return walk, True
    known = ", ".join(f"{w.file.left} {w.file.right}" for w in _all()) or "none"
    raise RogatoryError(
        "treaty.no_crosswalk",
        f"no crosswalk between {first!r} and {second!r}",
        help=f"shipped crosswalks: {known}",
    )


def rows(first: str, second: str, article: int | None = None) -> list[Row]:
    """Every pair, seen from ``first``; only those naming ``article`` of ``first`` if given."""
    walk, swapped = get(first, second)
    out = [Row.of(p, swapped) for p in walk.file.pairs]
    return [r for r in out if article is None or article in r.this]


def for_article(bundle_id: str, number: int) -> list[tuple[str, Row]]:
    """Every other treaty's counterpart of ``bundle_id`` Art ``number``, across crosswalks."""
    out: list[tuple[str, Row]] = []
    for walk in _all():
        if bundle_id == walk.file.left:
            out += [
                (walk.file.right, Row.of(p, False)) for p in walk.for_article(bundle_id, number)
            ]
        elif bundle_id == walk.file.right:
            out += [(walk.file.left, Row.of(p, True)) for p in walk.for_article(bundle_id, number)]
    return out

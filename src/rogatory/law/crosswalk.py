"""A crosswalk between two instruments, article by article: the same, similar, or only in one.

Lawyers moving between two treaties ask "what is Article 42 of the one in the other?". The
answer is data: pairs of article lists with a relation and a note, and for each side the level
the claim rests on. A claim can be no surer than what the bundle knows of the article: if the
bundle only recollects what an article says, "it is the same as Budapest Art 29" is a
recollection too, so a side's level is checked against the article's own content level.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.errors import ProblemCollector
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Level
from rogatory.law.provisions import Article


class Relation(StrEnum):
    SAME = "same"  # the same rule, in substance and mostly in words
    SIMILAR = "similar"  # the same subject, with differences the note names
    ONLY_LEFT = "only_left"  # no counterpart in the right-hand instrument
    ONLY_RIGHT = "only_right"  # no counterpart in the left-hand instrument


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    left: list[int] = Field(default_factory=list)
    right: list[int] = Field(default_factory=list)
    relation: Relation
    left_level: Level = Field(description="how far what is said of the left side was checked")
    right_level: Level = Field(description="how far what is said of the right side was checked")
    note: str = Field(min_length=1)

    @model_validator(mode="after")
    def _sides(self) -> Self:
        needs = {
            Relation.SAME: (True, True),
            Relation.SIMILAR: (True, True),
            Relation.ONLY_LEFT: (True, False),
            Relation.ONLY_RIGHT: (False, True),
        }[self.relation]
        if (bool(self.left), bool(self.right)) != needs:
            raise ValueError(
                f"a {self.relation.value!r} pair has articles on "
                + " and ".join(
                    side for side, need in zip(("left", "right"), needs, strict=True) if need
                )
                + " only"
            )
        return self

    @property
    def level(self) -> Level:
        return Level.weakest([self.left_level, self.right_level])


class CrosswalkFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    left: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="bundle id")
    right: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="bundle id")
    note: str | None = None
    pairs: list[Pair] = Field(min_length=1)


@dataclass(frozen=True)
class Crosswalk:
    """A validated crosswalk, with its two bundles."""

    file: CrosswalkFile
    left: Bundle
    right: Bundle

    def for_article(self, bundle_id: str, number: int) -> list[Pair]:
        """The pairs naming ``number`` on the side of ``bundle_id``."""
        if bundle_id == self.left.id:
            return [p for p in self.file.pairs if number in p.left]
        if bundle_id == self.right.id:
            return [p for p in self.file.pairs if number in p.right]
        return []


def content_level(article: Article) -> Level:
    """What the bundle knows of an article's content: the weakest of its text, summary and
    paragraphs, or its number and title's level when it has no content at all. An article's
    parts are statements of their own at their own levels, never what a pairing rests on."""
    levels = [p.cite.verification for _, p in article.walk()]
    if article.text is not None:
        levels.append(article.cite.verification)
    if article.summary or article.conditions:
        levels.append(article.summary_attestation.verification)
    return Level.weakest(levels) if levels else article.cite.verification


def check(
    file: CrosswalkFile,
    left: Bundle,
    right: Bundle,
    problems: ProblemCollector,
    *,
    label: str,
) -> Crosswalk:
    """Every article exists, every level is within what its bundle knows, and every article of
    both instruments appears in at least one pair (a crosswalk that skips one hides a gap)."""
    for i, pair in enumerate(file.pairs):
        for side, bundle, numbers, claimed in (
            ("left", left, pair.left, pair.left_level),
            ("right", right, pair.right, pair.right_level),
        ):
            for n in numbers:
                article = bundle.article(n)
                if article is None:
                    problems.add(
                        "crosswalk.unknown_article",
                        f"{bundle.instrument} has no Article {n} encoded",
                        file=label,
                        location=f"pairs[{i}].{side}",
                    )
                    continue
                bound = content_level(article)
                if claimed.better_than(bound):
                    problems.add(
                        "crosswalk.level_exceeds_article",
                        f"{side}_level {claimed.value!r}: what {bundle.instrument} Art {n} says "
                        f"is known at level {bound.value!r} only, so a claim about it cannot be "
                        "surer",
                        file=label,
                        location=f"pairs[{i}].{side}_level",
                    )
    for side, bundle in (("left", left), ("right", right)):
        named = {n for p in file.pairs for n in (p.left if side == "left" else p.right)}
        missing = [a.number for a in bundle.articles if a.number not in named]
        if missing:
            problems.add(
                "crosswalk.article_missing",
                f"{bundle.instrument} articles in no pair: {missing}",
                file=label,
                location="pairs",
            )
    return Crosswalk(file, left, right)

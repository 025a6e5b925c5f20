"""Provisions: chapters, articles and paragraphs, each with its verification status.

The structure is only as deep as it is known. Where the paragraph structure of an article has
not been verified, the article carries a summary and plain-words conditions instead of invented
paragraph numbers; where a paragraph's number itself is uncertain, its attestation says so.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.law.citation import Attestation, Citation


class TextKind(StrEnum):
    VERBATIM = "verbatim"  # the authentic wording, as quoted by the source
    TRANSLATION = "translation"  # a close rendering of another authentic language
    SUMMARY = "summary"  # the substance in plain words, not the wording


class Paragraph(BaseModel):
    """A paragraph or sub-paragraph: ``1``, ``h``, or nested ``1.a`` and ``1.c.ii``.

    A paragraph may have no words of its own when the text goes straight to its lettered
    items (Budapest Art 24(1) is "1. a) ... b) ..."); it then must have items, so an empty
    paragraph is never taken for a provision that says nothing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[0-9a-z]+$")
    heading: str | None = None
    text: str = ""
    text_kind: TextKind
    conditions: list[str] = Field(default_factory=list)
    items: list[Paragraph] = Field(default_factory=list)
    cite: Attestation

    @model_validator(mode="after")
    def _unique_items(self) -> Self:
        ids = [p.id for p in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"paragraph {self.id}: sub-paragraph ids repeat: {ids}")
        if not self.text.strip() and not self.items:
            raise ValueError(f"paragraph {self.id}: a paragraph needs a text or items")
        return self


class Part(BaseModel):
    """A statement about an article resting on less (or on another source) than its summary.

    An article whose paragraphs are not known carries one summary at one level; a sentence that
    rests on a weaker source (a recollection beside a depositary quote, a model treaty beside a
    secondary summary) is a part of its own, so no sentence is shown at a level it does not
    have.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    cite: Attestation
    rules: list[str] = Field(
        default_factory=list,
        description="screening rules whose findings rest on this part: they cite it too",
    )


class Article(BaseModel):
    """An article; ``cite`` attests its number, title and chapter together.

    A summary may rest on less than the number and title do (a title read in a secondary
    source, a summary recollected): ``summary_cite`` then carries the summary's own level, so
    a verified title never lends its badge to unverified content.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    chapter: str = Field(pattern=r"^[IVXLC]+$")
    text: str | None = Field(
        default=None,
        min_length=1,
        description="the article's own words outside any numbered paragraph: the whole of an "
        "unnumbered article, or the words introducing its lettered items",
    )
    text_kind: TextKind | None = None
    summary: str | None = None
    summary_cite: Attestation | None = None
    conditions: list[str] = Field(default_factory=list)
    parts: list[Part] = Field(
        default_factory=list,
        description="further statements about the article, each at its own level",
    )
    paragraphs: list[Paragraph] = Field(default_factory=list)
    cite: Attestation

    @property
    def summary_attestation(self) -> Attestation:
        """What the summary and conditions rest on: their own attestation, else the article's."""
        return self.summary_cite or self.cite

    @model_validator(mode="after")
    def _unique_paragraphs(self) -> Self:
        ids = [p.id for p in self.paragraphs]
        if len(ids) != len(set(ids)):
            raise ValueError(f"article {self.number}: paragraph ids repeat: {ids}")
        if (self.text is None) != (self.text_kind is None):
            raise ValueError(
                f"article {self.number}: 'text' and 'text_kind' go together (the kind says "
                "whether the text is the wording or a rendering of it)"
            )
        return self

    def find(self, path: list[str]) -> Paragraph | None:
        """The paragraph at ``["1", "a"]``, or None."""
        level: list[Paragraph] = self.paragraphs
        found: Paragraph | None = None
        for part in path:
            found = next((p for p in level if p.id == part), None)
            if found is None:
                return None
            level = found.items
        return found

    def walk(self) -> list[tuple[str, Paragraph]]:
        """Every paragraph with its dotted path, depth first."""
        out: list[tuple[str, Paragraph]] = []

        def visit(prefix: str, paras: list[Paragraph]) -> None:
            for p in paras:
                path = f"{prefix}.{p.id}" if prefix else p.id
                out.append((path, p))
                visit(path, p.items)

        visit("", self.paragraphs)
        return out

    def citation(self, instrument: str, paragraph: str | None = None) -> Citation:
        """The full citation of this article or one of its paragraphs."""
        att = self.cite if paragraph is None else self._attestation(paragraph)
        return Citation(
            instrument=instrument, article=self.number, paragraph=paragraph, **att.model_dump()
        )

    def _attestation(self, paragraph: str) -> Attestation:
        para = self.find(paragraph.split("."))
        if para is None:
            raise KeyError(paragraph)
        return para.cite


class Division(BaseModel):
    """A section or title inside a chapter (Budapest: Chapter II, Section 2, Title 3).

    Divisions nest (a section holds titles) and each covers a run of articles, so an article's
    place is found from its number alone and can never disagree with the headings.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(pattern=r"^[a-z]+$", description="what the text calls it: section, title")
    number: str = Field(min_length=1, pattern=r"^[0-9A-Za-z]+$")
    title: str = Field(min_length=1)
    first_article: int = Field(ge=1)
    last_article: int = Field(ge=1)
    cite: Attestation
    divisions: list[Division] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> Self:
        _check_runs(f"{self.kind} {self.number}", self.first_article, self.last_article, self)
        return self

    def holds(self, article: int) -> bool:
        return self.first_article <= article <= self.last_article

    def path(self, article: int) -> list[Division]:
        """This division and the ones inside it that hold ``article``, outermost first."""
        if not self.holds(article):
            return []
        inner = next((d.path(article) for d in self.divisions if d.holds(article)), [])
        return [self, *inner]


def _check_runs(owner: str, first: int, last: int, node: Division | Chapter) -> None:
    """A range is in order, and the divisions inside it are in order, inside it, disjoint."""
    if last < first:
        raise ValueError(f"{owner}: last_article is before first_article")
    previous = first - 1
    for d in node.divisions:
        if d.first_article <= previous or not (first <= d.first_article <= d.last_article <= last):
            raise ValueError(
                f"{owner}: {d.kind} {d.number} (Arts {d.first_article}-{d.last_article}) must "
                f"lie within Arts {first}-{last}, after the division before it"
            )
        previous = d.last_article


class Chapter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str = Field(pattern=r"^[IVXLC]+$")
    title: str = Field(min_length=1)
    first_article: int = Field(ge=1)
    last_article: int = Field(ge=1)
    cite: Attestation
    divisions: list[Division] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> Self:
        _check_runs(f"chapter {self.number}", self.first_article, self.last_article, self)
        return self

    def holds(self, article: int) -> bool:
        return self.first_article <= article <= self.last_article

    def divisions_of(self, article: int) -> list[Division]:
        """The sections and titles holding ``article``, outermost first (none if undivided)."""
        return next((d.path(article) for d in self.divisions if d.holds(article)), [])


class ProvisionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chapters: list[Chapter] = Field(min_length=1)
    articles: list[Article] = Field(min_length=1)

"""Finding provisions by the references lawyers type: ``42``, ``40.22``, ``2(h)``, ``11.1.a``.

Also a plain text search over titles, summaries, paragraph texts and conditions, so that a user
who does not know the article number can still find "preservation" or "emergency".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Level
from rogatory.law.provisions import Article, Paragraph

_REF = re.compile(r"^\s*(?:art(?:icle)?\.?\s*)?(\d+)((?:[.(][0-9a-z]+\)?)*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    article: int
    paragraph: list[str]

    @property
    def paragraph_id(self) -> str | None:
        return ".".join(self.paragraph) or None


def parse_reference(text: str) -> Reference:
    """Parse ``42``, ``40.22``, ``2(h)``, ``Art. 11(1)(a)`` or ``11.1.a``."""
    match = _REF.match(text)
    if not match:
        raise RogatoryError(
            "treaty.invalid_reference",
            f"{text!r} is not a provision reference",
            help="write an article number, optionally with paragraphs: 42, 40.22, 2(h), 11.1.a",
        )
    parts = [p for p in re.split(r"[.()]+", match.group(2).lower()) if p]
    return Reference(int(match.group(1)), parts)


def resolve(bundle: Bundle, text: str) -> tuple[Article, Paragraph | None, Reference]:
    """The article (and paragraph) a reference points at, or a clear error."""
    ref = parse_reference(text)
    article = bundle.article(ref.article)
    if article is None:
        raise RogatoryError(
            "treaty.unknown_article",
            f"{bundle.instrument} has no Article {ref.article}",
            help=f"articles run from 1 to {bundle.manifest.articles_expected}",
        )
    if not ref.paragraph:
        return article, None, ref
    para = article.find(ref.paragraph)
    if para is None:
        known = ", ".join(path for path, _ in article.walk()) or "none encoded"
        raise RogatoryError(
            "treaty.unknown_paragraph",
            f"{bundle.instrument} Article {ref.article} has no paragraph {ref.paragraph_id!r} "
            "encoded",
            help=f"encoded paragraphs: {known}",
        )
    return article, para, ref


@dataclass(frozen=True)
class Hit:
    article: Article
    paragraph: str | None
    field: str
    excerpt: str
    level: Level

    @property
    def verified(self) -> bool:
        return self.level.verified


def _excerpt(text: str, needle: str, width: int = 60) -> str:
    at = text.lower().find(needle)
    start, end = max(0, at - width), min(len(text), at + len(needle) + width)
    return ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")


def search(bundle: Bundle, query: str) -> list[Hit]:
    """Every place the words of ``query`` appear (case-insensitive), article by article."""
    needle = query.strip().lower()
    if not needle:
        raise RogatoryError("treaty.empty_query", "the search text is empty")
    hits: list[Hit] = []
    for article in bundle.articles:
        fields: list[tuple[str | None, str, str, Level]] = []
        fields.append((None, "title", article.title, article.cite.verification))
        if article.text is not None:
            fields.append((None, "text", article.text, article.cite.verification))
        summary = article.summary_attestation.verification
        if article.summary:
            fields.append((None, "summary", article.summary, summary))
        fields += [(None, "condition", c, summary) for c in article.conditions]
        fields += [(None, "part", part.text, part.cite.verification) for part in article.parts]
        for path, para in article.walk():
            checked = para.cite.verification
            fields.append((path, "text", para.text, checked))
            if para.heading:
                fields.append((path, "heading", para.heading, checked))
            fields += [(path, "condition", c, checked) for c in para.conditions]
        hits += [
            Hit(article, path, name, _excerpt(value, needle), level)
            for path, name, value, level in fields
            if needle in value.lower()
        ]
    return hits

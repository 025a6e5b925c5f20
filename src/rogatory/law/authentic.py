"""Checking a bundle against the authentic text a user supplies.

The notes this bundle was built from never saw the official English text of most articles.
When a user has it (the annex to A/RES/79/243, as plain text or PDF), this module checks the
bundle against it: every encoded article and chapter exists with the encoded title, every cited
paragraph exists in its article, and the phrases a value rests on (``wording`` in its citation,
such as "ninetieth day" or "four years") appear in the cited article. It reports discrepancies;
it never edits the bundle, because deciding what the text means stays with a lawyer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Citation, ProvisionId

# A heading may carry Markdown's "#" marks: treaty databases publish texts as Markdown too.
_ARTICLE = re.compile(r"^\s*(?:#+\s*)?article\s+(\d+)\s*[.:\-\u2013\u2014]?\s*(.*)$", re.IGNORECASE)
_CHAPTER = re.compile(
    r"^\s*(?:#+\s*)?chapter\s+([ivxlc]+)\s*[.:\-\u2013\u2014]?\s*(.*)$", re.IGNORECASE
)


def normalise(text: str) -> str:
    """Lower case, one space, plain quotes and dashes, no soft hyphens: PDF text is messy."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"[\u2018\u2019\u201c\u201d]", "'", text)
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"-\s*\n\s*", "", text)  # words hyphenated across lines
    return re.sub(r"\s+", " ", text).strip().lower()


_CARDINALS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100,
}  # fmt: skip
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fifth": 5, "sixth": 6, "tenth": 10, "thirtieth": 30,
    "fortieth": 40, "sixtieth": 60, "ninetieth": 90,
}  # fmt: skip
_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def _ordinal_figure(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else _SUFFIX.get(n % 10, 'th')}"


def phrase_forms(phrase: str) -> set[str]:
    """A phrase and its spellings with numbers in figures or in words: the authentic text may
    write "sixty days" where the bundle wrote "60 days", and the reverse ("90th day")."""
    words = normalise(phrase).split(" ")
    options: list[set[str]] = []
    for word in words:
        forms = {word}
        if word in _CARDINALS:
            forms.add(str(_CARDINALS[word]))
        if word in _ORDINALS:
            forms.add(_ordinal_figure(_ORDINALS[word]))
        for name, n in _CARDINALS.items():
            if word == str(n):
                forms.add(name)
        for name, n in _ORDINALS.items():
            if word == _ordinal_figure(n):
                forms.add(name)
        options.append(forms)
    out = {""}
    for forms in options:
        out = {f"{prefix} {form}".strip() for prefix in out for form in forms}
    return out


def _title_key(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", normalise(text)).strip()


@dataclass(frozen=True)
class Section:
    number: str
    title: str
    body: str


@dataclass(frozen=True)
class AuthenticText:
    """The supplied text cut into chapters and articles at their headings."""

    chapters: dict[str, Section]
    articles: dict[int, Section]


def read_text(path: Path) -> str:
    """The text of a .txt or .pdf file, or a clear error."""
    try:
        if path.suffix.lower() == ".pdf":
            from pypdf import PdfReader  # only needed for PDF input
            from pypdf.errors import PdfReadError

            try:
                return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
            except PdfReadError as exc:
                raise RogatoryError(
                    "text.unreadable", f"{path}: not a readable PDF: {exc}"
                ) from None
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RogatoryError("text.unreadable", f"{path}: cannot read the file: {exc}") from None


def _next_title(lines: list[str], start: int, inline: str) -> tuple[str, int]:
    if inline.strip():
        return inline.strip(), start + 1
    for i in range(start + 1, min(start + 4, len(lines))):
        if lines[i].strip():
            return lines[i].strip().lstrip("#").strip(), i + 1
    return "", start + 1


def split(text: str) -> AuthenticText:
    """Find "Chapter N" and "Article N" headings, each on a line of its own with its title.

    Articles are numbered in sequence, so a heading is the next number after the last one
    found, or a higher number standing alone on its line (the text may skip an article). A
    cross-reference wrapped to the start of a line ("article 17 of this Convention") is never
    one: what follows the number on a heading line is a capitalised title, or nothing.
    """
    lines = text.splitlines()
    chapters: dict[str, Section] = {}
    starts: list[tuple[int, str, int, int]] = []  # number, title, body start, heading line
    for i, line in enumerate(lines):
        inline = m.group(2).strip() if (m := _CHAPTER.match(line)) else ""
        if m and len(line.strip()) < 120 and (not inline or inline[0].isupper()):
            title, _ = _next_title(lines, i, m.group(2))
            chapters.setdefault(m.group(1).upper(), Section(m.group(1).upper(), title, ""))
        elif (m := _ARTICLE.match(line)) and len(line.strip()) < 160:
            number = int(m.group(1))
            last = starts[-1][0] if starts else 0
            inline = m.group(2).strip()
            alone = not inline
            heading = alone or inline[0].isupper()  # a title, not "article 17 of this ..."
            if heading and (number == last + 1 or (alone and number > last)):
                title, body_start = _next_title(lines, i, m.group(2))
                starts.append((number, title, body_start, i))
    articles: dict[int, Section] = {}
    for index, (number, title, body_start, _) in enumerate(starts):
        end = starts[index + 1][3] if index + 1 < len(starts) else len(lines)
        articles[number] = Section(str(number), title, "\n".join(lines[body_start:end]))
    return AuthenticText(chapters, articles)


class Check(StrEnum):
    ARTICLE_MISSING = "article_missing"
    TITLE_DIFFERS = "title_differs"
    CHAPTER_MISSING = "chapter_missing"
    PARAGRAPH_MISSING = "paragraph_missing"
    WORDING_MISSING = "wording_missing"


@dataclass(frozen=True)
class Discrepancy:
    check: Check
    provision: str
    message: str
    where: str


@dataclass(frozen=True)
class Report:
    bundle: str
    articles_found: int
    checked: int
    discrepancies: list[Discrepancy]

    @property
    def clean(self) -> bool:
        return not self.discrepancies


def _paragraph_present(body: str, paragraph: str) -> bool:
    """Whether ``1``, ``h`` or ``1.a`` appears as paragraph markers in an article's body:
    ``1.`` at the start of a line, a letter as ``(h)`` anywhere or ``h)`` at a line's start."""
    flat = "\n" + body
    for part in paragraph.split("."):
        if part.isdigit():
            marker = re.compile(rf"(^|\n)\s*{part}\.\s", re.MULTILINE)
        else:
            letter = re.escape(part)
            marker = re.compile(rf"\({letter}\)|(^|\n)\s*{letter}\)", re.MULTILINE)
        if not marker.search(flat):
            return False
    return True


def _citations(bundle: Bundle) -> Iterable[tuple[str, Citation]]:
    yield from bundle.final_clause_citations()
    for name, value in bundle.constants.items():
        for i, cite in enumerate(value.citations()):
            yield f"constants.{name}.history[{i}]", cite


def check(bundle: Bundle, text: str) -> Report:
    """Compare the bundle with the authentic text; every discrepancy is reported."""
    parsed = split(text)
    if not parsed.articles:
        raise RogatoryError(
            "text.no_articles",
            "no 'Article N' headings were found in the text",
            help="supply the Convention's text with each article heading on a line of its own",
        )
    out: list[Discrepancy] = []
    checked = 0
    for chapter in bundle.chapters:
        checked += 1
        found = parsed.chapters.get(chapter.number)
        pid = f"{bundle.id}:chapter-{chapter.number}"
        if found is None:
            out.append(
                Discrepancy(
                    Check.CHAPTER_MISSING,
                    pid,
                    f"Chapter {chapter.number} heading not found",
                    "provisions.yaml",
                )
            )
        elif _title_key(found.title) != _title_key(chapter.title):
            out.append(
                Discrepancy(
                    Check.TITLE_DIFFERS,
                    pid,
                    f"Chapter {chapter.number}: encoded {chapter.title!r}, text {found.title!r}",
                    "provisions.yaml",
                )
            )
    for article in bundle.articles:
        checked += 1
        pid = str(ProvisionId(bundle.id, article.number))
        section = parsed.articles.get(article.number)
        if section is None:
            out.append(
                Discrepancy(
                    Check.ARTICLE_MISSING,
                    pid,
                    f"Article {article.number} not found in the text",
                    "provisions.yaml",
                )
            )
            continue
        if _title_key(section.title) != _title_key(article.title):
            out.append(
                Discrepancy(
                    Check.TITLE_DIFFERS,
                    pid,
                    f"Article {article.number}: encoded {article.title!r}, text {section.title!r}",
                    "provisions.yaml",
                )
            )
        for path, _ in article.walk():
            checked += 1
            if not _paragraph_present(section.body, path):
                out.append(
                    Discrepancy(
                        Check.PARAGRAPH_MISSING,
                        str(ProvisionId(bundle.id, article.number, path)),
                        f"Article {article.number}: paragraph {path} not found",
                        "provisions.yaml",
                    )
                )
    for where, cite in _citations(bundle):
        if cite.instrument != bundle.instrument:
            continue
        section = parsed.articles.get(cite.article)
        for phrase in cite.wording:
            checked += 1
            body = normalise(section.body) if section is not None else ""
            if not any(form in body for form in phrase_forms(phrase)):
                out.append(
                    Discrepancy(
                        Check.WORDING_MISSING,
                        cite.provision_id,
                        f"{cite.label}: the text does not contain {phrase!r}",
                        where,
                    )
                )
    return Report(bundle.id, len(parsed.articles), checked, out)

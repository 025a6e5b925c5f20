"""The case file written out: JSON (what ``verify`` reads), HTML that prints well, or PDF.

The PDF is the HTML printed by WeasyPrint (``rogatory.pdf``, shared with the compliance
report); where its system libraries are missing the PDF is refused with an error saying so,
and HTML and JSON still work.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from rogatory import pdf
from rogatory.errors import RogatoryError
from rogatory.replies import templates as templates_
from rogatory.replies.templates import Templates

SHIPPED = Path(__file__).with_name("templates")
TEMPLATE = "case_file.html"


class Format(StrEnum):
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


MEDIA = {
    Format.JSON: "application/json",
    Format.HTML: "text/html; charset=utf-8",
    Format.PDF: "application/pdf",
}


def format_of(value: str) -> Format:
    try:
        return Format(value.lower())
    except ValueError:
        raise RogatoryError(
            "casefile.invalid_format",
            f"field format: {value!r} is not one of " + ", ".join(f.value for f in Format),
        ) from None


def as_json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def as_html(document: dict[str, Any], templates: Templates) -> bytes:
    env = templates.environment("casefile", SHIPPED, html=True)
    where = (
        f"the organisation's templates ({templates.folder / 'casefile' / TEMPLATE})"
        if templates.folder is not None and (templates.folder / "casefile" / TEMPLATE).is_file()
        else "the shipped templates"
    )
    return templates_.render(env, TEMPLATE, where, {"f": document}).encode("utf-8")


def as_pdf(html: bytes) -> bytes:
    return pdf.from_html(html, what="the case file")


def write(document: dict[str, Any], fmt: Format, templates: Templates) -> bytes:
    if fmt is Format.JSON:
        return as_json(document)
    html = as_html(document, templates)
    return html if fmt is Format.HTML else as_pdf(html)

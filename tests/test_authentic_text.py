"""Checking the bundle against a user-supplied authentic text (plain text or PDF)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from rogatory.law import authentic
from rogatory.law.bundle import Bundle
from rogatory.law.provisions import Paragraph
from tests.conftest import CliResult


def _paragraph_lines(para: Paragraph) -> list[str]:
    marker = f"{para.id}." if para.id.isdigit() else f"({para.id})"
    lines = [f"{marker} {para.text}"]
    for item in para.items:
        lines += _paragraph_lines(item)
    return lines


def synthetic_text(bundle: Bundle) -> str:
    """A text laid out like the UN's: chapter and article headings alone on their lines."""
    wording: dict[int, list[str]] = {}
    fc = bundle.manifest.final_clauses
    cites = [fc.signature.cite, fc.denunciation.cite, *fc.entry_into_force.citations()]
    cites += [c for value in bundle.constants.values() for c in value.citations()]
    for cite in cites:
        wording.setdefault(cite.article, []).extend(cite.wording)
    lines = [
        "The General Assembly adopts the Convention annexed to this resolution.",
        "Preamble",
        "The States Parties to this Convention,",
    ]
    for chapter in bundle.chapters:
        lines += [f"Chapter {chapter.number}", chapter.title]
        for article in bundle.articles:
            if not chapter.holds(article.number):
                continue
            lines += [f"Article {article.number}", article.title]
            for para in article.paragraphs:
                lines += _paragraph_lines(para)
            lines += [f"It refers to {phrase}." for phrase in wording.get(article.number, [])]
            # A cross-reference wrapped to the start of a line must not be taken for a heading.
            lines += [
                "This is as provided for in",
                "article 17 of this Convention and in",
                "chapter IV of this Convention.",
            ]
    return "\n".join(lines) + "\n"


def test_a_faithful_text_gives_no_discrepancy(uncc: Bundle) -> None:
    report = authentic.check(uncc, synthetic_text(uncc))
    assert report.articles_found == 68
    assert report.clean, report.discrepancies
    assert report.checked > 68 + 9


def test_discrepancies_are_each_reported(uncc: Bundle) -> None:
    text = synthetic_text(uncc)
    text = text.replace("Article 42\n", "Article forty-two\n")  # the article is missing
    text = text.replace("Illegal access\n", "Unlawful access\n", 1)  # the title differs
    text = text.replace("four years", "five years")  # the serious-crime wording differs
    text = text.replace(
        "\n3. Each State Party may reserve the right not to apply paragraph 1",
        "\nEach State Party may reserve the right not to apply paragraph 1",
    )
    report = authentic.check(uncc, text)
    found = {(d.check.value, d.provision) for d in report.discrepancies}
    assert ("article_missing", "uncc:art-42") in found
    assert ("title_differs", "uncc:art-7") in found
    assert ("wording_missing", "uncc:art-2:para-h") in found
    assert ("wording_missing", "uncc:art-42") in found  # its article is not in the text
    assert ("paragraph_missing", "uncc:art-11:para-3") in found
    assert len(report.discrepancies) == 5


def test_pdf_hyphenation_and_quotes_are_normalised() -> None:
    assert authentic.normalise("nine-\ntieth  day") == "ninetieth day"
    assert authentic.normalise("\u201cshall\u201d") == "'shall'"


def _pdf(lines: list[str]) -> bytes:
    """A minimal one-font PDF with one line of text per line, for the PDF reader."""
    pages = [lines[i : i + 50] for i in range(0, len(lines), 50)] or [[]]
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    font_id = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, page in enumerate(pages):
        content = (
            "BT /F1 9 Tf 11 TL 36 800 Td "
            + " ".join(
                "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
                for line in page
            )
            + " ET"
        )
        data = content.encode("latin-1", "replace")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def test_check_text_command_on_text_and_pdf(
    cli: Callable[..., CliResult], untoc: Bundle, tmp_path: Path
) -> None:
    text = synthetic_text(untoc)
    txt = tmp_path / "untoc.txt"
    txt.write_text(text, encoding="utf-8")
    result = cli("rules", "check-text", str(txt), "--bundle", "untoc", "--json")
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["clean"] is True
    pdf = tmp_path / "untoc.pdf"
    pdf.write_bytes(_pdf(text.replace("ninetieth day", "sixtieth day").splitlines()))
    result = cli("rules", "check-text", str(pdf), "--bundle", "untoc", "--json")
    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert data["articles_found"] == len(untoc.articles)
    assert [(d["check"], d["provision"]) for d in data["discrepancies"]] == [
        ("wording_missing", "untoc:art-38:para-1")
    ]


def test_check_text_refuses_unusable_files(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    empty = tmp_path / "notes.txt"
    empty.write_text("Some notes without any article heading.\n", encoding="utf-8")
    result = cli("rules", "check-text", str(empty))
    assert result.code == 2 and result.err.startswith("error[text.no_articles]")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    result = cli("rules", "check-text", str(broken))
    assert (
        result.code == 2
        and "error[text.unreadable]" in result.err
        and "Traceback" not in result.err
    )
    result = cli("rules", "check-text", str(tmp_path / "absent.txt"))
    assert result.code == 2 and "error[input.file_missing]" in result.err


def test_a_constant_may_be_written_in_figures_or_in_words() -> None:
    from rogatory.law.authentic import phrase_forms

    assert "60 days" in phrase_forms("sixty days")
    assert "sixty days" in phrase_forms("60 days")
    assert "90th day" in phrase_forms("ninetieth day")
    assert "fortieth instrument" in phrase_forms("40th instrument")
    assert phrase_forms("shall not be counted") == {"shall not be counted"}


def test_check_text_accepts_a_figure_where_the_bundle_wrote_words(
    cli: Callable[..., CliResult], untoc: Bundle, tmp_path: Path
) -> None:
    text = synthetic_text(untoc).replace("ninetieth day", "90th day")
    txt = tmp_path / "untoc.txt"
    txt.write_text(text, encoding="utf-8")
    result = cli("rules", "check-text", str(txt), "--bundle", "untoc", "--json")
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["clean"] is True
    txt.write_text(text.replace("90th day", "60th day"), encoding="utf-8")
    result = cli("rules", "check-text", str(txt), "--bundle", "untoc", "--json")
    assert result.code == 1

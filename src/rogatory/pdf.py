"""HTML printed to PDF by WeasyPrint: the case file and the compliance assessment report.

WeasyPrint needs the Pango libraries of the system (Debian: ``libpango-1.0-0``,
``libpangoft2-1.0-0``); where they are missing a PDF is refused with an error saying so, and
the HTML the PDF would be printed from still works. The HTML carries its own print stylesheet
(``@page`` size and margins, page breaks): this module adds nothing to how it looks.
"""

from __future__ import annotations

from rogatory.errors import RogatoryError


def from_html(html: str | bytes, *, what: str = "the document") -> bytes:
    """``html`` (self-contained: nothing is fetched) as PDF; ``what`` names it in the error."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise RogatoryError(
            "pdf.unavailable",
            f"{what} cannot be printed to PDF here: {exc}",
            help="install the system libraries WeasyPrint needs (Debian: apt-get install "
            "libpango-1.0-0 libpangoft2-1.0-0), or write --format html and print it",
        ) from None
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    pdf: bytes = weasyprint.HTML(string=text).write_pdf()
    return pdf

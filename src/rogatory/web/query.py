"""Query-string values of the web pages that show the law as of a date."""

from __future__ import annotations

from datetime import date

from rogatory.errors import RogatoryError


def day(value: str | None, field: str = "on") -> date:
    """The date a page shows the law as of: ``value`` (YYYY-MM-DD), or today when absent; any
    other text is refused naming the field."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RogatoryError(
            "input.invalid_date", f"field {field}: not a date (YYYY-MM-DD)"
        ) from None

"""The period a report covers: a half-year (``2027-H1``) or any range of days, both ends
included. A request belongs to the period it was received in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rogatory.errors import RogatoryError

HALF = re.compile(r"(\d{4})-H([12])")


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day, included
    label: str

    @property
    def until(self) -> datetime:
        """The first instant after the period (UTC): received_at < until."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), UTC)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), UTC)

    def complete(self, today: date) -> bool:
        return today > self.end

    def to_json(self, today: date) -> dict[str, object]:
        return {
            "label": self.label,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "complete": self.complete(today),
        }


def half_year(year: int, half: int) -> Period:
    if half == 1:
        return Period(date(year, 1, 1), date(year, 6, 30), f"{year}-H1")
    return Period(date(year, 7, 1), date(year, 12, 31), f"{year}-H2")


def containing(day: date) -> Period:
    return half_year(day.year, 1 if day.month <= 6 else 2)


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RogatoryError(
            "report.invalid_period", f"field {field}: {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def parse(
    period: str | None, start: str | None, end: str | None, *, today: date | None = None
) -> Period:
    """The period named (``2027-H1``), or the days ``start`` to ``end``; with neither, the
    half-year of today. Naming both is refused, as is a range that ends before it starts."""
    today = today or datetime.now(UTC).date()
    if period is not None and (start is not None or end is not None):
        raise RogatoryError(
            "report.invalid_period",
            "field period: give a period (2027-H1) or a range (from, to), not both",
        )
    if period is not None:
        match = HALF.fullmatch(period.strip())
        if match is None:
            raise RogatoryError(
                "report.invalid_period",
                f"field period: {period!r} is not a half-year (YYYY-H1 or YYYY-H2)",
            )
        return half_year(int(match[1]), int(match[2]))
    if start is None and end is None:
        return containing(today)
    if start is None or end is None:
        missing = "from" if start is None else "to"
        raise RogatoryError(
            "report.invalid_period", f"field {missing}: a range needs both from and to"
        )
    first, last = _day(start, "from"), _day(end, "to")
    if last < first:
        raise RogatoryError(
            "report.invalid_period", f"field to: {last} is before the start of the range {first}"
        )
    return Period(first, last, f"{first.isoformat()}..{last.isoformat()}")

"""Treaty date arithmetic: "the ninetieth day after", "one year after receipt".

Final clauses count time in a few recurring shapes (days after a deposit; years or months after
a notification; sometimes "the first day of the month following"), so they are data here and
any instrument's clauses can be written down without new code.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Align(StrEnum):
    NONE = "none"
    FIRST_DAY_OF_NEXT_MONTH = "first_day_of_next_month"


def add_months(start: date, months: int) -> date:
    """Calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb), as depositaries do."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


class Delay(BaseModel):
    """A period after an event: years, months and days, then an optional alignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: int = Field(default=0, ge=0)
    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)
    align: Align = Align.NONE

    def after(self, event: date) -> date:
        """The date the period ends: "the Nth day after" the event is the event plus N days."""
        months = self.years * 12 + self.months
        result = (add_months(event, months) if months else event) + timedelta(days=self.days)
        if self.align is Align.FIRST_DAY_OF_NEXT_MONTH:
            result = add_months(result.replace(day=1), 1)
        return result

    def describe(self) -> str:
        parts = [
            f"{n} {unit}{'s' if n != 1 else ''}"
            for n, unit in ((self.years, "year"), (self.months, "month"), (self.days, "day"))
            if n
        ]
        text = " ".join(parts) or "0 days"
        if self.align is Align.FIRST_DAY_OF_NEXT_MONTH:
            text = f"first day of the month after {text}"
        return text

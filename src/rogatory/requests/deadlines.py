"""Deadlines per measure and urgency, and which cases are due, at risk or overdue.

Defaults follow the EU e-Evidence Regulation's practice (emergency: 8 hours; otherwise 10
days), since the Convention itself says only "as soon as possible" (Art 40, unverified); an
organisation configures its own. A case is at risk once less than a fifth of its time is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULTS: dict[str, timedelta] = {"emergency": timedelta(hours=8)}
DEFAULT = timedelta(days=10)


class Standing(StrEnum):
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Policy:
    per_measure: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULTS))
    default: timedelta = DEFAULT
    at_risk_fraction: float = 0.2

    def window(self, measure: str, *, urgent: bool = False) -> timedelta:
        if urgent:
            return self.per_measure.get("emergency", DEFAULTS["emergency"])
        return self.per_measure.get(measure, self.default)

    def due(self, received_at: datetime, measure: str, *, urgent: bool = False) -> datetime:
        return received_at + self.window(measure, urgent=urgent)

    def standing(self, received_at: datetime, due_at: datetime, now: datetime) -> Standing:
        if now >= due_at:
            return Standing.OVERDUE
        if due_at - now <= (due_at - received_at) * self.at_risk_fraction:
            return Standing.AT_RISK
        return Standing.ON_TIME

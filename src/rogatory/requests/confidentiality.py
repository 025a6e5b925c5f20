"""Non-disclosure orders, and the user notification that falls due when one lapses.

Users of providers ask to be told once a non-disclosure order ends; the case keeps the order's
end date, and a query lists the cases where notification is due and not yet given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class NonDisclosure:
    ordered_on: date
    ends_on: date | None  # None: until further notice
    notified_on: date | None = None

    def in_force(self, on: date) -> bool:
        return self.ordered_on <= on and (self.ends_on is None or on < self.ends_on)

    def notification_due(self, on: date) -> bool:
        return self.ends_on is not None and on >= self.ends_on and self.notified_on is None

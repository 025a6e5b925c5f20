"""Non-disclosure orders, the user notification that falls due when one lapses, and the
answer owed to a requesting State that asked for confidentiality.

Users of providers ask to be told once a non-disclosure order ends; the case keeps the order's
end date, and a query lists the cases where notification is due and not yet given.

A request may ask that it be kept confidential (``confidentiality_requested``). The requested
State then keeps it so, or promptly tells the requesting State that it cannot (Art 40; model
UNTOC Art 18(20), the bundle's ``mla.confidentiality_or_prompt_notice``). Until one of the two
is recorded, the case carries a pending task; a non-disclosure order on the case keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rogatory.errors import RogatoryError

CONSTANT = "mla.confidentiality_or_prompt_notice"
REASON_MAX = 2000


@dataclass(frozen=True)
class NonDisclosure:
    ordered_on: date
    ends_on: date | None  # None: until further notice
    notified_on: date | None = None

    def in_force(self, on: date) -> bool:
        return self.ordered_on <= on and (self.ends_on is None or on < self.ends_on)

    def notification_due(self, on: date) -> bool:
        return self.ends_on is not None and on >= self.ends_on and self.notified_on is None


class Answer(StrEnum):
    KEEP = "keep"  # the request and its contents are kept confidential
    CANNOT = "cannot"  # it cannot be; the requesting State was told why


class Task(StrEnum):
    """Where the confidentiality asked for stands."""

    NOT_REQUESTED = "not_requested"
    PENDING = "pending"  # keep it confidential, or tell the requesting State you cannot
    KEPT = "kept"
    CANNOT = "cannot"


def task(requested: bool, answer: Answer | None, ordered: bool) -> Task:
    """The recorded answer decides; without one, a non-disclosure order on the case keeps
    the request confidential; without either, the task is pending."""
    if not requested:
        return Task.NOT_REQUESTED
    if answer is not None:
        return Task.KEPT if answer is Answer.KEEP else Task.CANNOT
    return Task.KEPT if ordered else Task.PENDING


def answer_of(answer: str, reason: str | None) -> tuple[Answer, str | None]:
    """An answer from what a person typed: ``cannot`` needs the reason the requesting State
    is given; an error names the field and the rule."""
    if answer not in {a.value for a in Answer}:
        raise RogatoryError(
            "case.invalid_confidentiality",
            f"field answer: {answer!r} is not one of {', '.join(a.value for a in Answer)}",
        )
    reason = (reason or "").strip() or None
    if answer == Answer.CANNOT and reason is None:
        raise RogatoryError(
            "case.invalid_confidentiality",
            "field reason: saying that the request cannot be kept confidential needs the "
            "reason given to the requesting State",
        )
    if reason is not None and len(reason) > REASON_MAX:
        raise RogatoryError(
            "case.invalid_confidentiality",
            f"field reason: at most {REASON_MAX} characters ({len(reason)} given)",
        )
    return Answer(answer), reason

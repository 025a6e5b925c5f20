"""Preservation holds: what is kept, from when, until when, and when to remind.

A hold made on another State's request is kept for not less than the minimum period of
Art 42 (60 days, unverified; read from the bundle, never hard-coded here) and may be extended
while the request for mutual legal assistance is decided; it is released explicitly. A
reminder falls due some days before expiry so that nobody lets evidence lapse by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from rogatory.errors import RogatoryError


class HoldStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    RELEASED = "released"


@dataclass(frozen=True)
class Hold:
    identifiers: tuple[str, ...]
    start: date
    expiry: date
    released_on: date | None = None
    extensions: tuple[date, ...] = ()  # previous expiry dates, oldest first

    def status(self, on: date) -> HoldStatus:
        if self.released_on is not None and self.released_on <= on:
            return HoldStatus.RELEASED
        return HoldStatus.ACTIVE if on < self.expiry else HoldStatus.EXPIRED

    def reminder_due(self, on: date, days_before: int = 7) -> bool:
        return self.status(on) is HoldStatus.ACTIVE and on >= self.expiry - timedelta(
            days=days_before
        )


def place(identifiers: Sequence[str], start: date, days: int, *, minimum_days: int) -> Hold:
    """A new hold, never shorter than the minimum period."""
    if not identifiers:
        raise RogatoryError("hold.no_identifiers", "a hold must name the data it preserves")
    if days < minimum_days:
        raise RogatoryError(
            "hold.too_short",
            f"a hold on request lasts at least {minimum_days} days (Art 42); {days} were asked",
            help=f"place it for {minimum_days} days or more",
        )
    try:
        expiry = start + timedelta(days=days)
    except OverflowError:
        raise RogatoryError(
            "hold.out_of_range",
            f"field days: a hold of {days} days from {start} would end after 9999-12-31",
        ) from None
    return Hold(tuple(identifiers), start, expiry)


def extend(hold: Hold, new_expiry: date, on: date) -> Hold:
    if hold.status(on) is not HoldStatus.ACTIVE:
        raise RogatoryError(
            "hold.not_active", f"only an active hold can be extended; this one is {hold.status(on)}"
        )
    if new_expiry <= hold.expiry:
        raise RogatoryError(
            "hold.not_later",
            f"the new expiry {new_expiry} is not after the current one, {hold.expiry}",
        )
    return replace(hold, expiry=new_expiry, extensions=(*hold.extensions, hold.expiry))


def release(hold: Hold, on: date) -> Hold:
    if hold.status(on) is not HoldStatus.ACTIVE:
        raise RogatoryError("hold.not_active", f"this hold is already {hold.status(on)}")
    return replace(hold, released_on=on)

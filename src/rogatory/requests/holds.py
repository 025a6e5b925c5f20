"""Preservation holds: what is kept, from when, until when, and when to remind.

A hold made on another State's request is kept for not less than the minimum period the
case's treaty sets (the ``preserve_at_least`` deadline of its measures table: UN Convention
Art 42, 60 days on the model of Budapest Art 29(7); read from the bundle, never hard-coded) and
may be extended while the request for mutual legal assistance is decided; it is released
explicitly. A reminder falls due some days before expiry so that nobody lets evidence lapse by
accident.

Once the follow-up request for mutual legal assistance is received, the data stays preserved
until that request is decided (Art 42; model: Budapest Art 29(7), "the data shall continue to
be preserved pending a decision on that request"; whether the law says so is the bundle's
``preservation.mla_continues_pending_decision``, passed in by the caller). A hold's *effective*
status says so: past its end date it is ``continued``, not ``expired``, until the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from rogatory.errors import RogatoryError


class HoldStatus(StrEnum):
    ACTIVE = "active"
    CONTINUED = "continued"  # past its end date, kept pending the decision on the follow-up
    EXPIRED = "expired"
    RELEASED = "released"


KEPT = frozenset({HoldStatus.ACTIVE, HoldStatus.CONTINUED})  # the data is still preserved


@dataclass(frozen=True)
class FollowUp:
    """The follow-up request for mutual legal assistance a preservation case waits for."""

    received_on: date
    decided_on: date | None = None

    def pending(self, on: date) -> bool:
        """Received by ``on`` and not yet decided on that day."""
        return self.received_on <= on and (self.decided_on is None or on < self.decided_on)


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


def continues(hold: Hold, follow_up: FollowUp | None, on: date, *, by_law: bool) -> bool:
    """Whether the hold is kept past its end date on ``on`` because the follow-up request was
    received while the data was still preserved and is not yet decided. ``by_law`` is the
    bundle's ``preservation.mla_continues_pending_decision`` on the day it was received."""
    return (
        by_law
        and follow_up is not None
        and follow_up.received_on < hold.expiry
        and (hold.released_on is None or follow_up.received_on < hold.released_on)
        and follow_up.pending(on)
    )


def effective_status(
    hold: Hold, follow_up: FollowUp | None, on: date, *, by_law: bool
) -> HoldStatus:
    """The hold's status with the follow-up request taken into account: ``continued`` where
    it would otherwise have ``expired``."""
    status = hold.status(on)
    if status is HoldStatus.EXPIRED and continues(hold, follow_up, on, by_law=by_law):
        return HoldStatus.CONTINUED
    return status


def effective_reminder_due(
    hold: Hold, follow_up: FollowUp | None, on: date, *, by_law: bool, days_before: int = 7
) -> bool:
    """A reminder before expiry, unless the pending follow-up already keeps the data past it
    (received before the end date and undecided: it will continue at that date)."""
    pending = by_law and follow_up is not None and follow_up.pending(on)
    return hold.reminder_due(on, days_before) and not pending


def lapsed(hold: Hold, follow_up: FollowUp | None, on: date, *, by_law: bool) -> bool:
    """Past its end date, neither released nor continued: the data may no longer be kept."""
    return effective_status(hold, follow_up, on, by_law=by_law) is HoldStatus.EXPIRED


def place(
    identifiers: Sequence[str],
    start: date,
    days: int,
    *,
    minimum_days: int,
    minimum_basis: str = "the treaty's minimum period",
) -> Hold:
    """A new hold, never shorter than the minimum period (``minimum_basis``: the provision
    that sets it, as the refusal names it)."""
    if not identifiers:
        raise RogatoryError("hold.no_identifiers", "a hold must name the data it preserves")
    if days < minimum_days:
        raise RogatoryError(
            "hold.too_short",
            f"a hold on request lasts at least {minimum_days} days ({minimum_basis}); "
            f"{days} were asked",
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


def extend(hold: Hold, new_expiry: date, on: date, status: HoldStatus | None = None) -> Hold:
    """A later end date for a hold that still preserves (``status``: its effective status,
    by default the plain one); a continued hold, already past its end date, gets one after
    today."""
    status = status or hold.status(on)
    if status not in KEPT:
        raise RogatoryError(
            "hold.not_active", f"only an active hold can be extended; this one is {status}"
        )
    floor = on if status is HoldStatus.CONTINUED else hold.expiry
    if new_expiry <= floor:
        raise RogatoryError(
            "hold.not_later",
            f"the new expiry {new_expiry} is not after "
            f"{'today' if status is HoldStatus.CONTINUED else 'the current one'}, {floor}",
        )
    return replace(hold, expiry=new_expiry, extensions=(*hold.extensions, hold.expiry))


def release(hold: Hold, on: date, status: HoldStatus | None = None) -> Hold:
    """Release a hold that still preserves (active, or continued pending the follow-up)."""
    status = status or hold.status(on)
    if status not in KEPT:
        raise RogatoryError("hold.not_active", f"this hold is already {status}")
    return replace(hold, released_on=on)

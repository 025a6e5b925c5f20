"""Entry into force as data: how many instruments, how long after, and for whom.

Most multilateral treaties say: "this Convention shall enter into force on the Nth day after the
date of deposit of the Mth instrument of ratification, acceptance, approval or accession", that
an REIO's instrument is not counted as additional to its member States', and that for a State
depositing later it enters into force some days after that State's deposit. This module takes
those numbers from a bundle and computes, as of a date, the entry-into-force date and the date
from which the instrument binds each party.

A treaty cannot bind anyone before it is itself in force, so ``bound_from`` is never earlier than
entry into force, whatever a later-ratifier clause says in isolation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from rogatory.law.calendar import Delay
from rogatory.law.citation import Citation


class EntryIntoForceRule(BaseModel):
    """The final clause on entry into force, with the citations it rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instruments_required: int = Field(ge=1)
    counted_kinds: list[str] = Field(min_length=1)
    delay: Delay
    later_parties_delay: Delay
    reio_instruments_counted: bool
    cite: list[Citation] = Field(min_length=1, description="the clause on the Mth instrument")
    later_parties_cite: list[Citation] = Field(
        min_length=1, description="the clause on parties depositing after the Mth instrument"
    )

    def citations(self) -> list[Citation]:
        return [*self.cite, *self.later_parties_cite]


@dataclass(frozen=True)
class Deposit:
    """An instrument expressing consent to be bound, as the entry-into-force clause sees it."""

    party: str
    kind: str
    deposited_on: dt.date
    is_reio: bool = False


@dataclass(frozen=True)
class EntryIntoForce:
    """The result of applying the clause to the deposits known on a date."""

    as_of: dt.date
    required: int
    counted: int
    triggering_deposit: dt.date | None
    date: dt.date | None

    @property
    def reached(self) -> bool:
        return self.date is not None

    def in_force_on(self, on: dt.date) -> bool:
        return self.date is not None and self.date <= on


def counts(rule: EntryIntoForceRule, deposit: Deposit) -> bool:
    """Whether a deposit counts towards the number required."""
    return deposit.kind in rule.counted_kinds and (
        rule.reio_instruments_counted or not deposit.is_reio
    )


def compute(
    rule: EntryIntoForceRule, deposits: Iterable[Deposit], as_of: dt.date
) -> EntryIntoForce:
    """Entry into force from the deposits made on or before ``as_of``.

    Once the Mth counted instrument is deposited, the date is fixed even if it lies after
    ``as_of``: a central authority wants to know the coming date, not only whether it passed.
    """
    counted_dates = sorted(
        d.deposited_on for d in deposits if d.deposited_on <= as_of and counts(rule, d)
    )
    required = rule.instruments_required
    if len(counted_dates) < required:
        return EntryIntoForce(as_of, required, len(counted_dates), None, None)
    trigger = counted_dates[required - 1]
    return EntryIntoForce(as_of, required, len(counted_dates), trigger, rule.delay.after(trigger))


def bound_from(
    rule: EntryIntoForceRule, eif: EntryIntoForce, deposited_on: dt.date
) -> dt.date | None:
    """The date from which the instrument binds a party that deposited on ``deposited_on``.

    Deposits on or before the triggering deposit's date take the entry-into-force date; later
    deposits take the later-parties delay, but never a date before entry into force.
    """
    if eif.date is None or eif.triggering_deposit is None or deposited_on > eif.as_of:
        return None
    if deposited_on <= eif.triggering_deposit:
        return eif.date
    return max(rule.later_parties_delay.after(deposited_on), eif.date)

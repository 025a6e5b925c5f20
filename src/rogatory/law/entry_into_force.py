"""Entry into force as data: how many instruments, how long after, and for whom.

Most multilateral treaties say: "this Convention shall enter into force on the Nth day after the
date of deposit of the Mth instrument of ratification, acceptance, approval or accession", that
an REIO's instrument is not counted as additional to its member States', and that for a State
depositing later it enters into force some days after that State's deposit. Others count States
by kind as well as by number ("five States, including at least three member States of the
Council of Europe"): a rule may then add quotas, each "at least K of a group", where the group
is dated membership data (:mod:`rogatory.law.groups`). This module takes those numbers from a
bundle and computes, as of a date, the entry-into-force date and the date from which the
instrument binds each party.

A treaty cannot bind anyone before it is itself in force, so ``bound_from`` is never earlier than
entry into force, whatever a later-ratifier clause says in isolation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from rogatory.errors import RogatoryError
from rogatory.law.calendar import Delay
from rogatory.law.citation import Citation
from rogatory.law.groups import Group


class GroupQuota(BaseModel):
    """ "Including at least K" States that are members of a group on the day the count is met."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1, description="a group id from the bundle's groups.yaml")
    at_least: int = Field(ge=1)


class EntryIntoForceRule(BaseModel):
    """The final clause on entry into force, with the citations it rests on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instruments_required: int = Field(ge=1)
    counted_kinds: list[str] = Field(min_length=1)
    including: list[GroupQuota] = Field(
        default_factory=list,
        description="quotas the counted instruments must also meet, each 'at least K of a "
        "group'; a State counts for a group if it is a member on the day the count is met",
    )
    delay: Delay
    later_parties_delay: Delay
    reio_instruments_counted: bool
    cite: list[Citation] = Field(min_length=1, description="the clause on the Mth instrument")
    later_parties_cite: list[Citation] = Field(
        min_length=1, description="the clause on parties depositing after the Mth instrument"
    )

    def citations(self) -> list[Citation]:
        return [*self.cite, *self.later_parties_cite]

    def describe_count(self) -> str:
        """ "5 instruments, including at least 3 of coe_member_states", for plain-text output."""
        text = f"{self.instruments_required} instruments"
        quotas = ", ".join(f"at least {q.at_least} of {q.group}" for q in self.including)
        return f"{text}, including {quotas}" if quotas else text


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
    group_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """For each quota's group: (members counted, members required), on the triggering day
    if the count was met, else as of ``as_of``."""

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


def _group_counts(
    rule: EntryIntoForceRule,
    groups: Mapping[str, Group],
    deposits: list[Deposit],
    on: dt.date,
) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for quota in rule.including:
        group = groups.get(quota.group)
        if group is None:
            raise RogatoryError(
                "rules.unknown_group",
                f"the entry-into-force rule counts members of {quota.group!r}, "
                "which no groups file defines",
            )
        members = sum(group.is_member(d.party, on) for d in deposits if d.deposited_on <= on)
        out[quota.group] = (members, quota.at_least)
    return out


def compute(
    rule: EntryIntoForceRule,
    deposits: Iterable[Deposit],
    as_of: dt.date,
    groups: Mapping[str, Group] | None = None,
) -> EntryIntoForce:
    """Entry into force from the deposits made on or before ``as_of``.

    Once the Mth counted instrument is deposited (and, where the rule has quotas, once each
    quota is met on the same day), the date is fixed even if it lies after ``as_of``: a central
    authority wants to know the coming date, not only whether it passed. Membership of a group
    is read on the day the count is met, because that is when "five States, including at least
    three member States" must be true.
    """
    found = sorted(
        (d for d in deposits if d.deposited_on <= as_of and counts(rule, d)),
        key=lambda d: d.deposited_on,
    )
    required = rule.instruments_required
    known = groups or {}
    if not rule.including:
        if len(found) < required:
            return EntryIntoForce(as_of, required, len(found), None, None)
        trigger = found[required - 1].deposited_on
        return EntryIntoForce(as_of, required, len(found), trigger, rule.delay.after(trigger))
    for i in range(required - 1, len(found)):
        candidate = found[i].deposited_on
        if i + 1 < len(found) and found[i + 1].deposited_on == candidate:
            continue  # deposits of one day are counted together, on that day
        quotas = _group_counts(rule, known, found[: i + 1], candidate)
        if all(have >= need for have, need in quotas.values()):
            return EntryIntoForce(
                as_of, required, len(found), candidate, rule.delay.after(candidate), quotas
            )
    quotas = _group_counts(rule, known, found, as_of)
    return EntryIntoForce(as_of, required, len(found), None, None, quotas)


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

"""Groups of States as dated data: who was a member of an organisation on a given day.

Some final clauses count States by what they are, not only by how many they are: the Budapest
Convention enters into force once five States "including at least three member States of the
Council of Europe" have consented, and only a State that is *not* a member may be invited to
accede. Membership changes (a State joins, withdraws, rejoins, or ceases to be a member), so a
group is a list of dated periods, and every question is asked "on" a date. Each period names
the source it rests on, at its own verification level, like every other legal fact here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cached_property
from itertools import pairwise
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.law.citation import Attestation


class Membership(BaseModel):
    """One period of membership: from ``from`` (inclusive) until ``until`` (exclusive).

    ``until`` is the first day the State is no longer a member: a State that "ceases to be a
    member as from 16 March 2022" has ``until: 2022-03-16``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    state: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code")
    since: date = Field(alias="from")
    until: date | None = None
    cite: Attestation
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until is not None and self.until <= self.since:
            raise ValueError(f"{self.state}: 'until' must be after 'from'")
        return self

    def covers(self, on: date) -> bool:
        return self.since <= on and (self.until is None or on < self.until)


class Group(BaseModel):
    """A named group of States (an organisation's members), with its dated membership."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    members: list[Membership] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        by_state: dict[str, list[Membership]] = defaultdict(list)
        for m in self.members:
            by_state[m.state].append(m)
        for state, periods in by_state.items():
            periods = sorted(periods, key=lambda m: m.since)
            for before, after in pairwise(periods):
                if before.until is None or before.until > after.since:
                    raise ValueError(
                        f"{state}: membership periods overlap ({before.since} and {after.since})"
                    )
        return self

    @cached_property
    def _by_state(self) -> dict[str, list[Membership]]:
        out: dict[str, list[Membership]] = defaultdict(list)
        for m in self.members:
            out[m.state].append(m)
        return dict(out)

    def period(self, state: str, on: date) -> Membership | None:
        """The membership period covering ``on``, or None: the fact a count rests on."""
        return next((m for m in self._by_state.get(state, []) if m.covers(on)), None)

    def is_member(self, state: str, on: date) -> bool:
        return self.period(state, on) is not None

    def members_on(self, on: date) -> list[str]:
        return sorted(s for s in self._by_state if self.is_member(s, on))


class GroupsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: dict[str, Group] = Field(min_length=1)

"""Dated values: a legal constant is a history, not a number.

A value takes effect from a date, may be announced before its content or date is known, and may
be repealed. Asking for a value *on* a date either yields the value with the citation it rests
on, or says explicitly why there is none (not yet in effect, repealed, announced but unknown):
never a silent default, because a default that hides "no law in force" is how a rules engine
quietly gives a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.errors import RogatoryError
from rogatory.law.citation import Citation

Scalar = int | float | bool | str
Value = Scalar | list[Scalar] | dict[str, Scalar]


class EntryStatus(StrEnum):
    IN_FORCE = "in_force"
    ANNOUNCED = "announced"
    REPEALED = "repealed"


class DatedEntry(BaseModel):
    """One step of a value's history."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    effective_from: date | None = Field(default=None, alias="from")
    status: EntryStatus = EntryStatus.IN_FORCE
    value: Value | None = None
    cite: Citation
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.status is EntryStatus.IN_FORCE:
            if self.effective_from is None:
                raise ValueError("an in-force entry needs 'from' (the date it takes effect)")
            if self.value is None:
                raise ValueError("an in-force entry needs a 'value'")
        if self.status is EntryStatus.REPEALED and self.effective_from is None:
            raise ValueError("a repeal needs 'from' (the date it takes effect)")
        if self.status is EntryStatus.REPEALED and self.value is not None:
            raise ValueError("a repeal carries no 'value'")
        return self


class Reason(StrEnum):
    NOT_YET_EFFECTIVE = "not_yet_effective"
    REPEALED = "repealed"
    ANNOUNCED_UNKNOWN = "announced_unknown"


@dataclass(frozen=True)
class Resolution:
    """The answer to "what was this value on that date?", known or explained."""

    name: str
    on: date
    value: Value | None
    cite: Citation | None
    since: date | None
    reason: Reason | None = None

    @property
    def known(self) -> bool:
        return self.reason is None

    def require(self) -> Value:
        """The value, or a clear error when the law gives none on that date."""
        if self.reason is not None:
            raise RogatoryError(
                "law.no_value",
                f"{self.name} has no value on {self.on.isoformat()}: "
                f"{self.reason.value.replace('_', ' ')}",
                details={"name": self.name, "on": self.on.isoformat(), "reason": self.reason.value},
            )
        assert self.value is not None  # known implies a value, by DatedEntry's validation
        return self.value


class DatedValue(BaseModel):
    """A named constant with its whole dated history."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=1)
    unit: str | None = None
    history: list[DatedEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        dated = [e.effective_from for e in self.history if e.effective_from is not None]
        if dated != sorted(dated) or len(set(dated)) != len(dated):
            raise ValueError("history entries must be in strictly increasing order of 'from'")
        return self

    def at(self, name: str, on: date) -> Resolution:
        current: DatedEntry | None = None
        for entry in self.history:
            if entry.effective_from is not None and entry.effective_from <= on:
                current = entry
        if current is None:
            return Resolution(name, on, None, None, None, Reason.NOT_YET_EFFECTIVE)
        if current.status is EntryStatus.REPEALED:
            return Resolution(name, on, None, current.cite, current.effective_from, Reason.REPEALED)
        if current.status is EntryStatus.ANNOUNCED:
            return Resolution(
                name, on, None, current.cite, current.effective_from, Reason.ANNOUNCED_UNKNOWN
            )
        return Resolution(name, on, current.value, current.cite, current.effective_from)

    def announcements(self) -> list[DatedEntry]:
        """Announced changes whose date or content is not yet known."""
        return [e for e in self.history if e.status is EntryStatus.ANNOUNCED]

    def citations(self) -> list[Citation]:
        return [e.cite for e in self.history]

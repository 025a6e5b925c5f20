"""A company's footprint: where it offers services, is established and stores data; each
service's kind, the data it holds (category, retention, where stored) and its capabilities.

The shape is the one a compliance team writes by hand (YAML) or fills in on the web form; it
is strict (an unknown key is an error, never ignored), so a misspelt capability cannot read
as "not able to". A capability left out means the company has not shown it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.compliance.files import StateCode, read, validated
from rogatory.errors import ProblemCollector
from rogatory.inputs import ShortText
from rogatory.law.obligations import DataCategory, Presence, ServiceKind

PREFIX = "footprint"
Days = Annotated[int, Field(ge=0, le=36_500)]
Hours = Annotated[int, Field(ge=0, le=8_760)]


class Capabilities(BaseModel):
    """What the company can do for each service, as it shows it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preservation_hours: Hours | None = Field(
        default=None,
        description="hours from an order to the data being preserved (none: no procedure)",
    )
    production_days: Days | None = Field(
        default=None,
        description="days from an order to the data being produced (none: no procedure)",
    )
    realtime_traffic: bool = False
    interception: bool = False
    confidentiality_procedure: bool = False
    contact_24_7: bool = False
    requester_verification: bool = False


class Holding(BaseModel):
    """One category of data a service holds, how long it is kept and where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: DataCategory
    retention_days: Days
    stored_in: list[StateCode] = Field(min_length=1, max_length=300)


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText = Field(min_length=1)
    kind: ServiceKind
    countries: list[StateCode] = Field(
        min_length=1, max_length=300, description="where it is offered"
    )
    establishments: list[StateCode] = Field(default_factory=list, max_length=300)
    data: list[Holding] = Field(default_factory=list, max_length=20)
    capabilities: Capabilities = Field(default_factory=Capabilities)

    def presence_in(self, state: str) -> set[Presence]:
        found: set[Presence] = set()
        if state in self.countries:
            found.add(Presence.OFFERS)
        if state in self.establishments:
            found.add(Presence.ESTABLISHED)
        if any(state in h.stored_in for h in self.data):
            found.add(Presence.STORES)
        return found

    def holds(self, category: DataCategory) -> list[Holding]:
        return [h for h in self.data if h.category is category]


class Footprint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    company: ShortText = Field(min_length=1)
    services: list[Service] = Field(min_length=1, max_length=100)
    notes: ShortText | None = None

    @model_validator(mode="after")
    def _names_unique(self) -> Self:
        names = [s.name for s in self.services]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"services: the name {', '.join(twice)} is used more than once")
        return self

    def states(self) -> list[str]:
        """Every State the footprint touches, in code order."""
        found: set[str] = set()
        for s in self.services:
            found |= {*s.countries, *s.establishments}
            for h in s.data:
                found |= set(h.stored_in)
        return sorted(found)

    def present(self, state: str) -> Iterator[tuple[Service, set[Presence]]]:
        for s in self.services:
            how = s.presence_in(state)
            if how:
                yield s, how


def parse(data: Any, *, label: str = "footprint") -> Footprint:
    """A footprint from decoded data (the web form, the API), every problem reported."""
    problems = ProblemCollector()
    found = validated(Footprint, data, problems, prefix=PREFIX, file=label)
    problems.raise_if_any("footprint.invalid", f"the footprint {label} is invalid")
    assert found is not None
    return found


def load(path: Path) -> Footprint:
    """A footprint file (YAML or JSON); ``footprint.invalid`` listing every problem."""
    problems = ProblemCollector()
    if not path.is_file():
        problems.add("footprint.file_missing", "no such file", file=str(path))
    found = read(path, Footprint, problems, prefix=PREFIX) if not problems else None
    problems.raise_if_any("footprint.invalid", f"the footprint {path} is invalid")
    assert found is not None
    return found

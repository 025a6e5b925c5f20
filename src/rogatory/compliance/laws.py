"""The national implementation register: how each State writes the Convention into its law.

One YAML file per State (``XAA.yaml``), kept by a user or a community: each record is a law or
a bill, with its official citation and link, its status over time (bill, enacted, in force,
amended, repealed, each dated), the Convention provisions it implements (article and
paragraph), what it asks of companies (a response time, a capability, a retention period), and
its answer on each safeguard of Art 24 (judicial or independent authorisation,
proportionality, limits of scope and duration, remedy, notification of the person, data
protection), every answer with its source and the date it was read.

A record of a fictional test State (XAA-XZZ) must say ``fictional: true``; a record of a real
State must not, and must link its official source: the register never holds an invented law
of a real State.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rogatory.compliance.files import StateCode, read, validated
from rogatory.errors import ProblemCollector
from rogatory.inputs import Day, LongText, ShortText
from rogatory.law.bundle import Bundle
from rogatory.law.obligations import DataCategory
from rogatory.parties import states

PREFIX = "laws"
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class LawStatus(StrEnum):
    BILL = "bill"
    ENACTED = "enacted"
    IN_FORCE = "in_force"
    AMENDED = "amended"
    REPEALED = "repealed"


# What may follow what: a bill may be enacted (or die, which is not recorded as a status);
# an enacted law enters into force; a law in force is amended (again and again) or repealed.
_NEXT = {
    None: {LawStatus.BILL, LawStatus.ENACTED, LawStatus.IN_FORCE},
    LawStatus.BILL: {LawStatus.ENACTED, LawStatus.IN_FORCE},
    LawStatus.ENACTED: {LawStatus.IN_FORCE, LawStatus.AMENDED, LawStatus.REPEALED},
    LawStatus.IN_FORCE: {LawStatus.AMENDED, LawStatus.REPEALED},
    LawStatus.AMENDED: {LawStatus.AMENDED, LawStatus.REPEALED},
    LawStatus.REPEALED: set(),
}
IN_FORCE = frozenset({LawStatus.IN_FORCE, LawStatus.AMENDED})


class Answer(StrEnum):
    YES = "yes"
    PARTIAL = "partial"
    NO = "no"
    UNKNOWN = "unknown"


class Safeguard(StrEnum):
    """The safeguards of Art 24 a register entry answers, in the order a reader checks them."""

    JUDICIAL_AUTHORISATION = "judicial_authorisation"
    PROPORTIONALITY = "proportionality"
    SCOPE_AND_DURATION = "scope_and_duration"
    REMEDY = "remedy"
    NOTIFICATION = "notification"
    DATA_PROTECTION = "data_protection"


SAFEGUARD_WORDS = {
    Safeguard.JUDICIAL_AUTHORISATION: "judicial or other independent authorisation",
    Safeguard.PROPORTIONALITY: "proportionality",
    Safeguard.SCOPE_AND_DURATION: "limits of scope and duration",
    Safeguard.REMEDY: "an effective remedy",
    Safeguard.NOTIFICATION: "notification of the person concerned",
    Safeguard.DATA_PROTECTION: "data protection",
}


class Sourced(BaseModel):
    """Where an answer was read, and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: ShortText = Field(min_length=1, description="the provision or document read")
    read_on: Day
    note: LongText | None = None


class SafeguardAnswer(Sourced):
    answer: Answer


class StatusEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: LawStatus
    on: Day
    note: ShortText | None = None


class Implements(BaseModel):
    """A Convention provision the law implements, and where in the law."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article: int = Field(ge=1)
    paragraph: ShortText | None = None
    provision: ShortText | None = Field(default=None, description="the law's own section")


class Days(Sourced):
    value: int = Field(ge=0, le=36_500)


class Flag(Sourced):
    value: bool


class Requirements(BaseModel):
    """What the law asks of companies, in numbers and yes/no, each with its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preservation_max_days: Days | None = None
    preservation_response_hours: Days | None = None
    production_response_days: Days | None = None
    realtime_traffic_required: Flag | None = None
    interception_required: Flag | None = None
    confidentiality_required: Flag | None = None
    contact_24_7_required: Flag | None = None
    retention_days: dict[DataCategory, Days] = Field(
        default_factory=dict, description="a general retention duty, per data category"
    )


Slug = Annotated[str, Field(pattern=SLUG.pattern)]


class Record(BaseModel):
    """One law or bill."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: ShortText = Field(min_length=1)
    citation: ShortText = Field(min_length=1, description="the official citation")
    url: ShortText | None = None
    fictional: bool
    status: list[StatusEvent] = Field(min_length=1)
    implements: list[Implements] = Field(default_factory=list)
    requirements: Requirements = Field(default_factory=Requirements)
    safeguards: dict[Safeguard, SafeguardAnswer] = Field(default_factory=dict)
    notes: LongText | None = None

    @field_validator("status")
    @classmethod
    def _status_in_order(cls, status: list[StatusEvent]) -> list[StatusEvent]:
        before: LawStatus | None = None
        last: date | None = None
        for i, event in enumerate(status):
            if last is not None and event.on < last:
                raise ValueError(
                    f"[{i}] {event.status.value} on {event.on} is dated before the "
                    f"status it follows ({last}): list the statuses in date order"
                )
            if event.status not in _NEXT[before]:
                after = f"after {before.value}" if before else "first"
                raise ValueError(f"[{i}] {event.status.value} cannot come {after}")
            before, last = event.status, event.on
        return status

    def status_on(self, on: date) -> StatusEvent | None:
        """The record's status on a date: its last event on or before it."""
        found = None
        for event in self.status:
            if event.on <= on:
                found = event
        return found

    def in_force_on(self, on: date) -> bool:
        now = self.status_on(on)
        return now is not None and now.status in IN_FORCE

    def implements_article(self, article: int) -> Implements | None:
        return next((i for i in self.implements if i.article == article), None)

    def readings(self) -> Iterator[tuple[str, Sourced]]:
        """Every sourced answer, with its key path: what a reader re-checks."""
        for name in Requirements.model_fields:
            value = getattr(self.requirements, name)
            if isinstance(value, dict):
                for category, days in value.items():
                    yield f"requirements.{name}.{category.value}", days
            elif value is not None:
                yield f"requirements.{name}", value
        for key, answer in self.safeguards.items():
            yield f"safeguards.{key.value}", answer


class LawFile(BaseModel):
    """One State's records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: StateCode
    maintainer: ShortText | None = None
    records: list[Record] = Field(default_factory=list)


class Implementation(StrEnum):
    """Where a State stands in implementing a provision, on a date."""

    IN_FORCE = "in_force"  # a law implementing it is in force
    ENACTED = "enacted"  # a law is enacted, not yet in force
    BILL = "bill"  # a bill is before the legislature
    REPEALED = "repealed"  # the law implementing it was repealed
    NOT_YET_IMPLEMENTED = "not_yet_implemented"  # the register follows the State: no law
    UNKNOWN = "unknown"  # the register holds nothing on the State


@dataclass(frozen=True)
class Found:
    """A requirement or safeguard read from a record in force."""

    record: Record
    value: Any
    sourced: Sourced


@dataclass(frozen=True)
class LawRegister:
    """Every State's records, as read from a folder (or the database)."""

    files: dict[str, LawFile] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # state -> where it was read

    def tracked(self, state: str) -> bool:
        return state in self.files

    def records(self, state: str) -> list[Record]:
        found = self.files.get(state)
        return list(found.records) if found else []

    def all_records(self) -> Iterator[tuple[str, Record]]:
        for state in sorted(self.files):
            for record in self.files[state].records:
                yield state, record

    def implementation(
        self, state: str, article: int, on: date
    ) -> tuple[Implementation, list[Record]]:
        """How ``state`` implements ``article`` on ``on``, and the records that say so."""
        if not self.tracked(state):
            return Implementation.UNKNOWN, []
        related = [r for r in self.records(state) if r.implements_article(article)]
        in_force = [r for r in related if r.in_force_on(on)]
        if in_force:
            return Implementation.IN_FORCE, in_force
        for status, kind in (
            (LawStatus.ENACTED, Implementation.ENACTED),
            (LawStatus.BILL, Implementation.BILL),
            (LawStatus.REPEALED, Implementation.REPEALED),
        ):
            found = [r for r in related if (s := r.status_on(on)) and s.status is status]
            if found:
                return kind, found
        return Implementation.NOT_YET_IMPLEMENTED, []

    def in_force(self, state: str, on: date) -> list[Record]:
        return [r for r in self.records(state) if r.in_force_on(on)]

    def requirement(self, state: str, name: str, on: date) -> Found | None:
        """A requirement of the laws in force in ``state`` on ``on`` (the strictest when two
        laws set it: the shortest time, the longest period, a duty over none)."""
        best: Found | None = None
        for record in self.in_force(state, on):
            value = getattr(record.requirements, name)
            if value is None:
                continue
            found = Found(record, value.value, value)
            if best is None or _stricter(name, found.value, best.value):
                best = found
        return best

    def retention(self, state: str, category: DataCategory, on: date) -> Found | None:
        best: Found | None = None
        for record in self.in_force(state, on):
            days = record.requirements.retention_days.get(category)
            if days is not None and (best is None or days.value > best.value):
                best = Found(record, days.value, days)
        return best


def _stricter(name: str, new: Any, old: Any) -> bool:
    if isinstance(new, bool):
        return new and not old
    if name.endswith("max_days"):
        return bool(new > old)
    return bool(new < old)  # a response time: the shorter is the stricter


def _check(
    law: LawFile, bundle: Bundle, problems: ProblemCollector, label: str, seen: dict[str, str]
) -> None:
    """What the schema alone cannot see: articles the bundle encodes, ids unique across the
    register, and no fictional record of a real State (nor a real one of a test State)."""
    test_state = states.lookup(law.state).kind is states.StateKind.TEST
    for i, record in enumerate(law.records):
        where = f"records[{i}]"
        if record.id in seen:
            problems.add(
                "laws.duplicate_id",
                f"record id {record.id!r} is also used in {seen[record.id]}",
                file=label,
                location=f"{where}.id",
            )
        seen.setdefault(record.id, label)
        if test_state and not record.fictional:
            problems.add(
                "laws.fictional_mismatch",
                f"{law.state} is a fictional test State: its records say fictional: true",
                file=label,
                location=f"{where}.fictional",
            )
        if not test_state and record.fictional:
            problems.add(
                "laws.fictional_mismatch",
                f"{law.state} is a real State: a fictional record of it would read as an "
                "invented real law; use a test State (XAA-XZZ) for examples",
                file=label,
                location=f"{where}.fictional",
            )
        if not test_state and not record.url:
            problems.add(
                "laws.source_missing",
                "a record of a real State links its official source (url)",
                file=label,
                location=f"{where}.url",
            )
        for j, impl in enumerate(record.implements):
            article = bundle.article(impl.article)
            at = f"{where}.implements[{j}]"
            if article is None:
                problems.add(
                    "laws.unknown_article",
                    f"the Convention has no Article {impl.article} encoded",
                    file=label,
                    location=f"{at}.article",
                )
            elif (
                impl.paragraph is not None
                and article.paragraphs
                and article.find(impl.paragraph.split(".")) is None
            ):
                problems.add(
                    "laws.unknown_article",
                    f"Article {impl.article} has no paragraph {impl.paragraph!r} encoded",
                    file=label,
                    location=f"{at}.paragraph",
                )


def load(folder: Path, bundle: Bundle) -> LawRegister:
    """Every ``*.yaml`` file of ``folder``, validated together: ``laws.invalid`` lists every
    problem of every file, each with its file and key path."""
    problems = ProblemCollector()
    if not folder.is_dir():
        problems.add("laws.not_a_folder", "not a folder of national records", file=str(folder))
        problems.raise_if_any("laws.invalid", f"the national records in {folder} are invalid")
    files: dict[str, LawFile] = {}
    origin: dict[str, str] = {}
    seen: dict[str, str] = {}
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in paths:
        label = str(path)
        found = read(path, LawFile, problems, prefix=PREFIX, label=label)
        if found is None:
            continue
        if found.state in files:
            problems.add(
                "laws.duplicate_state",
                f"{found.state} already has its records in {origin[found.state]}",
                file=label,
                location="state",
            )
            continue
        _check(found, bundle, problems, label, seen)
        files[found.state] = found
        origin[found.state] = label
    problems.raise_if_any("laws.invalid", f"the national records in {folder} are invalid")
    return LawRegister(files, origin)


def from_documents(documents: Iterable[tuple[str, dict[str, Any]]], bundle: Bundle) -> LawRegister:
    """A register from stored documents (the database keeps each State's file as imported)."""
    problems = ProblemCollector()
    files: dict[str, LawFile] = {}
    seen: dict[str, str] = {}
    for label, data in documents:
        found = validated(LawFile, data, problems, prefix=PREFIX, file=label)
        if found is not None:
            _check(found, bundle, problems, label, seen)
            files[found.state] = found
    problems.raise_if_any("laws.invalid", "the stored national records are invalid")
    return LawRegister(files, dict.fromkeys(files, "database"))

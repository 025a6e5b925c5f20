"""Reservations, declarations and notifications, each tied to the provision it concerns.

A reservation (e.g. under UNCC Art 11(3)) or declaration changes what the Convention requires
of the State that made it, from the date the Convention binds that State until it withdraws it.
Notifications name the central authority (Art 40), the 24/7 point of contact (Art 41) and the
accepted languages; the latest one made by a date is the one in effect.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.errors import ProblemCollector
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Level, parse_provision_id
from rogatory.law.loader import read_yaml, validate
from rogatory.parties import states


def _legacy_verified(data: Any) -> Any:
    """Files written before verification levels say ``verified: true|false``: true is the
    depositary's record, false is unchecked. Both fields at once are refused as ambiguous."""
    if isinstance(data, dict) and "verified" in data:
        if "verification" in data:
            raise ValueError("give 'verification' (a level) or the older 'verified', not both")
        data = dict(data)
        flag = data.pop("verified")
        data["verification"] = (
            Level.DEPOSITARY if flag is True else Level.RECOLLECTION if flag is False else flag
        )
    return data


class Statement(BaseModel):
    """A reservation or declaration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    _legacy = model_validator(mode="before")(_legacy_verified)

    state: str
    concerns: str = Field(description="provision id, e.g. uncc:art-11:para-3")
    made_on: date
    withdrawn_on: date | None = None
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    verification: Level

    @property
    def verified(self) -> bool:
        return self.verification.verified

    @model_validator(mode="after")
    def _withdrawal_after(self) -> Self:
        if self.withdrawn_on is not None and self.withdrawn_on < self.made_on:
            raise ValueError("withdrawn_on is before made_on")
        return self

    def in_effect_on(self, on: date) -> bool:
        return self.made_on <= on and (self.withdrawn_on is None or on < self.withdrawn_on)


class Subject(StrEnum):
    CENTRAL_AUTHORITY = "central_authority"
    CONTACT_POINT_24_7 = "contact_point_24_7"
    LANGUAGES = "languages"


class Notification(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    _legacy = model_validator(mode="before")(_legacy_verified)

    state: str
    subject: Subject
    made_on: date
    details: str | list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    verification: Level

    @property
    def verified(self) -> bool:
        return self.verification.verified


class DeclarationsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reservations: list[Statement] = Field(default_factory=list)
    declarations: list[Statement] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    parties_complete: bool = Field(
        default=True,
        description="false where the party data is known to miss States (a cut-off chart): a "
        "State it does not name is then a gap in the data, not a State without instruments",
    )


def read_declarations(
    path: Path, bundle: Bundle, problems: ProblemCollector, *, label: str
) -> DeclarationsFile | None:
    """Read and cross-check a declarations file: known states, provisions that exist."""
    parsed = validate(
        DeclarationsFile, read_yaml(path, problems, label=label), problems, file=label
    )
    if parsed is None:
        return None
    start = len(problems.problems)
    entries: list[tuple[str, Statement | Notification]] = [
        *((f"reservations[{i}]", s) for i, s in enumerate(parsed.reservations)),
        *((f"declarations[{i}]", s) for i, s in enumerate(parsed.declarations)),
        *((f"notifications[{i}]", n) for i, n in enumerate(parsed.notifications)),
    ]
    for where, entry in entries:
        if states.find(entry.state) is None:
            problems.add(
                "instrument.unknown_state",
                f"field state: {states.unknown_state_message(entry.state)}",
                file=label,
                location=where,
            )
        if isinstance(entry, Statement):
            _check_concerns(entry.concerns, bundle, problems, label, where)
            if where.startswith("reservations["):
                _check_permitted(entry.concerns, bundle, problems, label, where)
    return parsed if len(problems.problems) == start else None


def _check_permitted(
    concerns: str, bundle: Bundle, problems: ProblemCollector, label: str, where: str
) -> None:
    """Where the instrument closes its list of reservations ("No other reservation may be
    made", Budapest Art 42), a reservation on any other provision is refused, not recorded."""
    permitted = bundle.manifest.final_clauses.reservations
    if permitted is None or not permitted.closed or permitted.permits(concerns):
        return
    problems.add(
        "instrument.reservation_not_permitted",
        f"field concerns: {bundle.instrument} permits no reservation on {concerns!r} "
        f"({permitted.cite.label}: only {', '.join(permitted.provisions)})",
        file=label,
        location=where,
    )


def _check_concerns(
    concerns: str, bundle: Bundle, problems: ProblemCollector, label: str, where: str
) -> None:
    try:
        instrument, article, paragraph = parse_provision_id(concerns)
    except ValueError as exc:
        problems.add(
            "instrument.invalid_provision", f"field concerns: {exc}", file=label, location=where
        )
        return
    art = bundle.article(article)
    if (
        instrument != bundle.id
        or art is None
        or (paragraph is not None and art.find(paragraph.split(".")) is None)
    ):
        problems.add(
            "instrument.unknown_provision",
            f"field concerns: {concerns!r} is not an encoded provision of {bundle.instrument}",
            file=label,
            location=where,
        )

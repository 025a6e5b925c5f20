"""Instruments: signatures, expressions of consent to be bound, and denunciations.

Shipped instruments and a user's what-if file share one CSV format (``state,kind,date``, with
optional ``source``, ``verification`` (or the older yes/no ``verified``), ``in_force_from`` and
``note``), so a user models "what if these states ratify by June?" exactly the way the shipped
data is written. ``in_force_from`` is the date the depositary records for the instrument's
entry into force for that State: a recorded fact kept beside the date the engine computes, so
the two can be compared, never a substitute for the computation.
Each row is checked field by field and every bad field is reported with its row, so nothing
half-read is ever used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from rogatory.errors import ProblemCollector
from rogatory.law import entry_into_force as eif
from rogatory.law.citation import Level
from rogatory.law.loader import read_csv
from rogatory.parties import states


class Kind(StrEnum):
    SIGNATURE = "signature"
    RATIFICATION = "ratification"
    ACCEPTANCE = "acceptance"
    APPROVAL = "approval"
    ACCESSION = "accession"
    FORMAL_CONFIRMATION = "formal_confirmation"
    DENUNCIATION = "denunciation"


@dataclass(frozen=True)
class Instrument:
    """One dated, sourced instrument of one state; ``origin`` names its file and row."""

    state: str
    kind: Kind
    on: date
    source: str
    verification: Level
    origin: str
    note: str | None = None
    recorded_in_force: date | None = None

    @property
    def verified(self) -> bool:
        return self.verification.verified

    def describe(self) -> str:
        return f"{self.kind.value} of {self.on.isoformat()} ({self.origin})"


def deposits(instruments: Iterable[Instrument], consent_kinds: Iterable[str]) -> list[eif.Deposit]:
    """The expressions of consent, as the entry-into-force clause counts them."""
    kinds = set(consent_kinds)
    return [
        eif.Deposit(i.state, i.kind.value, i.on, states.lookup(i.state).is_reio)
        for i in instruments
        if i.kind.value in kinds
    ]


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _level(
    values: dict[str, str], problems: ProblemCollector, *, label: str, where: str
) -> Level | None:
    """The row's verification level: the ``verification`` column, or the older yes/no
    ``verified`` column (true: the depositary's record; false: not checked)."""
    levels = ", ".join(level.value for level in Level)
    text = values.get("verification", "").strip().lower()
    if text:
        if text not in Level.__members__.values():
            problems.add(
                "instrument.invalid_value",
                f"field verification: {values['verification']!r} is not a level "
                f"(expected one of: {levels})",
                file=label,
                location=where,
            )
            return None
        return Level(text)
    legacy = values.get("verified", "").strip().lower() or "false"
    if legacy not in _BOOLS:
        problems.add(
            "instrument.invalid_value",
            f"field verified: {values['verified']!r} is not true or false",
            file=label,
            location=where,
        )
        return None
    return Level.DEPOSITARY if _BOOLS[legacy] else Level.RECOLLECTION


def read_instruments(path: Path, problems: ProblemCollector, *, label: str) -> list[Instrument]:
    """Read an instruments CSV; every bad field becomes a problem naming its row and field."""
    rows = read_csv(
        path,
        problems,
        required=("state", "kind", "date"),
        optional=("source", "verification", "verified", "in_force_from", "note"),
        label=label,
        missing_code="input.file_missing",
    )
    out: list[Instrument] = []
    kinds = ", ".join(k.value for k in Kind)
    for row in rows:
        where = f"row {row.line}"
        ok = True
        code = row.values["state"]
        state = states.find(code) if code else None
        if state is None:
            problems.add(
                "instrument.unknown_state",
                f"field state: {states.unknown_state_message(code)}",
                file=label,
                location=where,
            )
            ok = False
        kind_text = row.values["kind"].lower()
        if kind_text not in Kind.__members__.values():
            problems.add(
                "instrument.unknown_kind",
                f"field kind: unknown kind {row.values['kind']!r} (expected one of: {kinds})",
                file=label,
                location=where,
            )
            ok = False
        on = parse_date(row.values["date"])
        if on is None:
            problems.add(
                "instrument.invalid_date",
                f"field date: {row.values['date']!r} is not a date (expected YYYY-MM-DD)",
                file=label,
                location=where,
            )
            ok = False
        level = _level(row.values, problems, label=label, where=where)
        recorded_text = row.values.get("in_force_from", "")
        recorded = parse_date(recorded_text) if recorded_text else None
        if recorded_text and recorded is None:
            problems.add(
                "instrument.invalid_date",
                f"field in_force_from: {recorded_text!r} is not a date (expected YYYY-MM-DD)",
                file=label,
                location=where,
            )
            ok = False
        if not ok or state is None or on is None or level is None:
            continue
        out.append(
            Instrument(
                state=state.code,
                kind=Kind(kind_text),
                on=on,
                source=row.values.get("source") or f"user file {label}",
                verification=level,
                origin=f"{label} {where}",
                note=row.values.get("note") or None,
                recorded_in_force=recorded,
            )
        )
    return out

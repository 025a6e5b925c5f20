"""What changed in the national register since a date, per State.

Two kinds of change are dated in the records themselves: a law's status (a bill introduced,
a law enacted, in force, amended, repealed) and a reading (a requirement or a safeguard
answer read, or read again, on a date). ``since`` lists both; the database adds a third,
who changed a record and when (``rogatory.assessments``), through the same ``Change``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rogatory.compliance.laws import LawRegister


@dataclass(frozen=True, order=True)
class Change:
    on: date
    state: str
    record: str
    kind: str  # a law status (bill, enacted, in_force, amended, repealed), or "read"
    title: str
    what: str
    fictional: bool

    def json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "state": self.state,
            "record": self.record,
            "kind": self.kind,
            "title": self.title,
            "what": self.what,
            "fictional": self.fictional,
        }


def since(register: LawRegister, day: date, until: date | None = None) -> list[Change]:
    """Every dated change on or after ``day`` (and on or before ``until``), oldest first."""
    out: list[Change] = []
    for state, record in register.all_records():
        for event in record.status:
            if event.on >= day and (until is None or event.on <= until):
                words = event.status.value.replace("_", " ")
                note = f" ({event.note})" if event.note else ""
                out.append(
                    Change(
                        event.on,
                        state,
                        record.id,
                        event.status.value,
                        record.title,
                        f"{record.title}: {words} on {event.on}{note}",
                        record.fictional,
                    )
                )
        read: dict[date, list[str]] = defaultdict(list)
        for path, sourced in record.readings():
            if sourced.read_on >= day and (until is None or sourced.read_on <= until):
                read[sourced.read_on].append(path)
        for on, paths in sorted(read.items()):
            out.append(
                Change(
                    on,
                    state,
                    record.id,
                    "read",
                    record.title,
                    f"{record.title}: read on {on}: {', '.join(paths)}",
                    record.fictional,
                )
            )
    return sorted(out)


def by_state(changes: Iterable[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        out[change.state].append(change)
    return dict(sorted(out.items()))

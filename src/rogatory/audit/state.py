"""The state an event produced: a digest of the rows of its subject, recorded in the event.

The chain proves that nobody rewrote the record of what happened; it says nothing of the rows
themselves. A case's status, its request document, an approval or an evidence hash edited
straight in the database would go unnoticed. So an event that changes a subject (a case, or a
user with their tokens) records the state it left it in, hashed into the chain with the rest
of the event, and ``rogatory audit verify --state`` recomputes that state from the rows.

One pure function makes the state from the rows, here and at verification alike: each row
is hashed over its canonical JSON (every column, dates and times in one fixed form), and the
digest is SHA-256 over the row hashes by row key. The digest proves the whole state; the
event also keeps each row's hash, shortened to ``SHORT`` hex digits, only to *name* the row
that differs (a short hash that matches where the digest does not is reported as "a row").

Which rows belong to which subject is the storage adapter's knowledge (``db.state``), handed
to ``append`` as a hook on the session: this module knows no table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from rogatory.canonical import canonical

SHORT = 16  # hex digits of each row's hash kept in the event: enough to name a row

# Where a session keeps the hook that gives the state an event produced (``db.state``).
HOOK = "rogatory.audit.state_hook"
StateHook = Callable[[Session, str | None, str | None], "dict[str, Any] | None"]


def _plain(value: Any) -> Any:
    """A column's value in the one form it is hashed in, whatever the database returned."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_hash(values: Mapping[Any, Any]) -> str:
    """SHA-256 over a row's canonical JSON (every column, by its name)."""
    return hashlib.sha256(canonical({k: _plain(v) for k, v in values.items()})).hexdigest()


def digest(rows: Mapping[str, str]) -> str:
    """SHA-256 over the row hashes by row key: the state as a whole."""
    return hashlib.sha256(canonical({"rows": dict(rows)})).hexdigest()


@dataclass(frozen=True)
class State:
    """A subject's rows, each by key (``table/primary key``) with its full hash, in order."""

    subject: str  # "case:ID" or "user:ID"
    rows: tuple[tuple[str, str], ...]

    @property
    def digest(self) -> str:
        return digest(dict(self.rows))

    def recorded(self) -> dict[str, Any]:
        """What an event keeps: the subject, the digest and each row's short hash."""
        return {
            "subject": self.subject,
            "digest": self.digest,
            "rows": {key: h[:SHORT] for key, h in self.rows},
        }


@dataclass(frozen=True)
class Difference:
    """The first row whose current state is not the recorded one."""

    row: str | None  # None: the digest differs but no row's short hash does
    kind: str  # changed, missing (recorded, now gone), added (there, never recorded)

    def describe(self) -> str:
        if self.row is None:
            return "a row differs (its short hash collides; the digest does not match)"
        table, _, key = self.row.partition("/")
        what = {
            "changed": "differs from",
            "missing": "was deleted since",
            "added": "was added since",
        }[self.kind]
        return f"{table} row {key} {what}"


def compare(
    recorded: Mapping[str, Any], current: State, order: Callable[[str], Any]
) -> Difference | None:
    """None if the rows are as recorded; else the first row (by ``order``) that is not."""
    if recorded.get("digest") == current.digest:
        return None
    was: Mapping[str, str] = recorded.get("rows", {})
    now = {key: h[:SHORT] for key, h in current.rows}
    found: Iterable[Difference] = (
        Difference(key, "missing" if key not in now else "added" if key not in was else "changed")
        for key in sorted({*was, *now}, key=order)
        if was.get(key) != now.get(key)
    )
    return next(iter(found), Difference(None, "changed"))


def unexplained(
    previous: Mapping[str, Any], later: Mapping[str, Any], order: Callable[[str], Any]
) -> Difference | None:
    """The first row that differs between two states a subject's events recorded, one after
    the other, but that the later event's transaction did not write (its ``changed``): a
    row edited by hand in between, which the later event then recorded as it found it."""
    if previous.get("digest") == later.get("digest"):
        return None
    was: Mapping[str, str] = previous.get("rows", {})
    now: Mapping[str, str] = later.get("rows", {})
    written = set(later.get("changed", ()))
    for key in sorted({*was, *now}, key=order):
        if was.get(key) != now.get(key) and key not in written:
            kind = "missing" if key not in now else "added" if key not in was else "changed"
            return Difference(key, kind)
    return None

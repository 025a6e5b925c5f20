"""Other treaties between two States, and which one governs a request (the UNTOC 18(7) model).

Where the requesting and requested States are bound by another mutual legal assistance treaty,
that treaty's provisions govern a request's form, contents and grounds for refusal, unless the
two States agree to apply the Convention's paragraphs instead (UNTOC Art 18(7), UNCAC Art 46(7)
and Budapest Art 27(1) all have this structure; the Convention's Art 40 is drafted on them).
Some paragraphs apply whatever treaty governs: bank secrecy is never a ground (UNTOC 18(8)).

A user supplies the agreements that bind pairs of States as a CSV file (``--agreements FILE``):
``state_a,state_b,instrument,in_force_from,in_force_until,uses_convention_paragraphs``; each bad
field is reported with its row, nothing half-read is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rogatory.errors import ProblemCollector
from rogatory.law.loader import read_csv
from rogatory.parties import states
from rogatory.parties.instruments import parse_date

COLUMNS = (
    "state_a",
    "state_b",
    "instrument",
    "in_force_from",
    "in_force_until",
    "uses_convention_paragraphs",
)
_YES_NO = {"yes": True, "true": True, "no": False, "false": False}


@dataclass(frozen=True, slots=True)
class Agreement:
    """A treaty in force between two States over a period (``until`` excluded; open if None)."""

    states: frozenset[str]
    instrument: str
    in_force_from: date
    in_force_until: date | None
    uses_convention_paragraphs: bool
    file: str
    line: int

    @property
    def origin(self) -> str:
        return f"{self.file} row {self.line}"

    def binds(self, a: str, b: str, on: date) -> bool:
        return (
            self.states == {a, b}
            and self.in_force_from <= on
            and (self.in_force_until is None or on < self.in_force_until)
        )


def between(agreements: tuple[Agreement, ...], a: str, b: str, on: date) -> list[Agreement]:
    """The agreements binding ``a`` and ``b`` on ``on``, in the file's order."""
    return [ag for ag in agreements if ag.binds(a, b, on)]


def governing(agreements: tuple[Agreement, ...], a: str, b: str, on: date) -> Agreement | None:
    """The treaty whose provisions govern instead of the Convention's MLA paragraphs: the first
    one in force between the States that does not apply the Convention's paragraphs."""
    return next(
        (ag for ag in between(agreements, a, b, on) if not ag.uses_convention_paragraphs), None
    )


def read(path: Path, problems: ProblemCollector) -> tuple[Agreement, ...]:
    """Read an agreements CSV; every bad field becomes a problem naming its row and field."""
    label = str(path)
    rows = read_csv(
        path,
        problems,
        required=COLUMNS[:4] + COLUMNS[5:],
        optional=("in_force_until",),
        label=label,
        missing_code="input.file_missing",
    )
    out: list[Agreement] = []
    for row in rows:
        where = f"row {row.line}"

        def bad(code: str, message: str, where: str = where) -> None:
            problems.add(code, message, file=label, location=where)

        codes = []
        for column in ("state_a", "state_b"):
            state = states.find(row.values[column])
            if state is None:
                bad(
                    "agreement.unknown_state",
                    f"field {column}: {states.unknown_state_message(row.values[column])}",
                )
            else:
                codes.append(state.code)
        if len(codes) == 2 and codes[0] == codes[1]:
            bad("agreement.same_state", "fields state_a, state_b: a treaty needs two States")
        instrument = row.values["instrument"].strip()
        if not instrument:
            bad("agreement.missing_value", "field instrument: name the treaty")
        start = parse_date(row.values["in_force_from"])
        if start is None:
            bad(
                "agreement.invalid_date",
                f"field in_force_from: {row.values['in_force_from']!r} is not a date "
                "(expected YYYY-MM-DD)",
            )
        until_text = row.values.get("in_force_until", "").strip()
        until = parse_date(until_text) if until_text else None
        if until_text and until is None:
            bad(
                "agreement.invalid_date",
                f"field in_force_until: {until_text!r} is not a date (expected YYYY-MM-DD, "
                "or empty while in force)",
            )
        if start and until and until <= start:
            bad("agreement.invalid_period", "field in_force_until: not after in_force_from")
        uses = _YES_NO.get(row.values["uses_convention_paragraphs"].strip().lower())
        if uses is None:
            bad(
                "agreement.invalid_value",
                f"field uses_convention_paragraphs: {row.values['uses_convention_paragraphs']!r}"
                " is not yes or no",
            )
        if len(codes) != 2 or codes[0] == codes[1] or not instrument or start is None:
            continue
        if uses is None or (until_text and until is None) or (until and until <= start):
            continue
        out.append(Agreement(frozenset(codes), instrument, start, until, uses, label, row.line))
    _refuse_overlaps(out, problems)
    return tuple(out)


def _refuse_overlaps(agreements: list[Agreement], problems: ProblemCollector) -> None:
    """One treaty listed twice for the same pair over overlapping periods is a contradiction."""
    for i, a in enumerate(agreements):
        for b in agreements[:i]:
            if a.states != b.states or a.instrument != b.instrument:
                continue
            ends_a, ends_b = a.in_force_until or date.max, b.in_force_until or date.max
            if a.in_force_from < ends_b and b.in_force_from < ends_a:
                problems.add(
                    "agreement.duplicate",
                    f"field instrument: {a.instrument} between {' and '.join(sorted(a.states))} "
                    f"overlaps row {b.line}",
                    file=a.file,
                    location=f"row {a.line}",
                )

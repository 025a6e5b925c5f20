"""What a report says happened to a request, defined from what the case record stores.

Each outcome is read from stored facts only, never from a person's summary, so the same record
always gives the same report (docs/reports.md has the table):

- ``withdrawn``: the case was withdrawn (its status, or the status it was closed from);
- ``refused:<provision>``: the case was refused; the ground is the first one the refusal
  named (its provision id, e.g. ``uncc:art-40:para-21``), so refusals by ground add up to the
  refusals;
- ``disclosed_in_full`` / ``disclosed_in_part``: the case was fulfilled and data was handed
  over (a custody receipt, or an approved disclosure of preserved traffic data), on an
  approval in full or in part (the last approval decision before it);
- ``data_preserved``: fulfilled without a disclosure, with a preservation hold placed;
- ``no_data_found``: fulfilled with neither a disclosure nor a hold: nothing was there to give;
- ``outside_scope``: not decided, and the latest screening found the request outside the
  treaty's scope or the treaty not in force between the States (no obligation: not a refusal);
- ``pending``: anything else (still being worked).

A request is *answered* when it was fulfilled or refused; the time to answer runs from its
receipt to that transition, and it was answered within its deadline when that transition is
no later than the case's due time (``requests.deadlines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    DISCLOSED_IN_FULL = "disclosed_in_full"
    DISCLOSED_IN_PART = "disclosed_in_part"
    DATA_PRESERVED = "data_preserved"
    NO_DATA_FOUND = "no_data_found"
    REFUSED = "refused"
    OUTSIDE_SCOPE = "outside_scope"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"


ANSWERED = frozenset(
    {
        Outcome.DISCLOSED_IN_FULL,
        Outcome.DISCLOSED_IN_PART,
        Outcome.DATA_PRESERVED,
        Outcome.NO_DATA_FOUND,
        Outcome.REFUSED,
    }
)
APPROVALS = frozenset({"approved", "partially_approved"})
# The order a report lists them in (refusals, one column per ground, where REFUSED stands).
ORDER = tuple(Outcome)
NO_GROUND = "no-ground-recorded"
OUT_OF_SCOPE_SCREENINGS = frozenset({"outside_scope", "not_in_force"})


@dataclass(frozen=True)
class Record:
    """The facts of one case an outcome is read from."""

    status: str
    closed_from: str | None  # the status a closed case was closed from
    approval: str | None  # approved or partially_approved: the last approval decision
    refusal_grounds: tuple[str, ...]  # provisions the refusal named, in order
    disclosed: bool  # a custody receipt, or an approved traffic-data disclosure
    held: bool  # a preservation hold was placed
    screening: str  # the latest screening's outcome


def terminal(status: str, closed_from: str | None) -> str:
    return closed_from if status == "closed" and closed_from else status


def outcome_of(record: Record) -> tuple[Outcome, str | None]:
    """The outcome, and for a refusal its ground (the provision the refusal named first)."""
    where = terminal(record.status, record.closed_from)
    if where == "withdrawn":
        return Outcome.WITHDRAWN, None
    if where == "refused":
        return Outcome.REFUSED, (record.refusal_grounds[0] if record.refusal_grounds else NO_GROUND)
    if where == "fulfilled":
        if record.disclosed:
            partly = record.approval == "partially_approved"
            return (Outcome.DISCLOSED_IN_PART if partly else Outcome.DISCLOSED_IN_FULL), None
        return (Outcome.DATA_PRESERVED if record.held else Outcome.NO_DATA_FOUND), None
    if record.screening in OUT_OF_SCOPE_SCREENINGS:
        return Outcome.OUTSIDE_SCOPE, None
    return Outcome.PENDING, None


def column(outcome: Outcome, ground: str | None) -> str:
    """The report column of an outcome: ``refused:<provision>`` per ground, else its name."""
    return f"{outcome.value}:{ground}" if outcome is Outcome.REFUSED else outcome.value


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def verification_failed(
    urgent: bool, outcome: Outcome, screening: str, call_back: str | None = None
) -> bool:
    """Whether an emergency request failed verification, as the record says.

    The verification of an emergency request is the call-back to a number the authority
    registry gives for the requesting State (``call_back``: the outcome of the last one
    recorded, if any). A call the authority denied is a failure; a confirmed one is not,
    whatever else befell the request. Without either, the request failed when it was refused
    or its latest screening found it ``invalid`` (a forged request is refused or never
    valid), and is not counted as failed otherwise."""
    if not urgent:
        return False
    if call_back == "denied":
        return True
    if call_back == "confirmed":
        return False
    return outcome is Outcome.REFUSED or screening == "invalid"

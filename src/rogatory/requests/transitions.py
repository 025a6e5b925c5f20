"""The case lifecycle as a table of allowed moves, each with the roles that may make it and
the guards it must pass. Any other move is refused with ``case.invalid_transition``.

received → screening → in_review → approved / partially_approved / refused / info_requested;
info_requested → screening (the new information is screened again); approved and
partially_approved → fulfilled; fulfilled and refused → closed; withdrawn from any open state.

Guards, from the brief and the Convention:
- a refusal names at least one ground, each citing a provision (Art 40, unverified:
  reasons must be given for a refusal);
- every ``review`` finding of the latest screening is acknowledged with a note before any
  decision, so no engaged safeguard is decided over in silence;
- approving disclosure of content data, interception or real-time collection needs two
  different people (four eyes), neither of them the reviewer who prepared it;
- a case whose latest screening is anything but ``proceed`` or ``review`` is approved only
  through an override (``requests.basis``): another legal basis, a reason, and two different
  approvers, neither the preparer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rogatory.errors import Problem, ProblemList, RogatoryError
from rogatory.law.bundle import MeasureFacts
from rogatory.law.decision import Outcome
from rogatory.requests.basis import Override, blocks


class Status(StrEnum):
    RECEIVED = "received"
    SCREENING = "screening"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REFUSED = "refused"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    INTAKE = "intake"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    AUDITOR = "auditor"
    ADMIN = "admin"


OPEN = frozenset(
    {
        Status.RECEIVED,
        Status.SCREENING,
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
        Status.APPROVED,
        Status.PARTIALLY_APPROVED,
    }
)
DECISIONS = frozenset({Status.APPROVED, Status.PARTIALLY_APPROVED, Status.REFUSED})


@dataclass(frozen=True)
class Ground:
    """A ground for refusal as the decision states it: the reason and the provision cited."""

    reason: str
    provision: str  # e.g. uncc:art-40:para-21


@dataclass(frozen=True)
class CaseState:
    """What the guards read about a case."""

    status: Status
    intrusive: bool  # content data, interception or real-time collection
    review_findings: frozenset[str]  # rule ids of the latest screening's review findings
    acknowledged: frozenset[str] = frozenset()
    approvals: Sequence[str] = ()  # user ids, in order, given on the latest screening
    prepared_by: str | None = None  # the reviewer who moved it to in_review
    outcome: Outcome = Outcome.PROCEED  # of the latest screening
    override: Override | None = None  # the basis an earlier approval overrode it on


@dataclass(frozen=True)
class Move:
    """A requested transition with what it brings."""

    to: Status
    actor: str
    roles: frozenset[Role]
    grounds: Sequence[Ground] = ()
    note: str | None = None
    override: Override | None = None  # an approval on another basis than the Convention


Guard = Callable[[CaseState, Move], str | None]


def _ground_cited(known: Callable[[str], bool]) -> Guard:
    def guard(state: CaseState, move: Move) -> str | None:
        if not move.grounds:
            return "a refusal must name at least one ground with the provision it rests on"
        bad = [g.provision for g in move.grounds if not (g.reason.strip() and known(g.provision))]
        if bad:
            return f"each ground needs a reason and a provision of the Convention; not: {bad}"
        return None

    return guard


def reviews_acknowledged(state: CaseState, move: Move) -> str | None:
    missing = sorted(state.review_findings - state.acknowledged)
    if missing:
        return (
            "every review finding must be acknowledged with a note before a decision; "
            f"not yet: {', '.join(missing)}"
        )
    return None


def approvals_needed(state: CaseState) -> int:
    """Two different approvers for intrusive measures and for an override, else one."""
    return 2 if state.intrusive or blocks(state.outcome) else 1


def four_eyes(state: CaseState, move: Move) -> str | None:
    """Enough different approvers (see ``approvals_needed``), none the preparing reviewer."""
    approvers = list(dict.fromkeys([*state.approvals, move.actor]))
    if state.prepared_by in approvers:
        return "the reviewer who prepared the case cannot approve it"
    if len(approvers) < approvals_needed(state):
        what = (
            f"approving over a screening that is {state.outcome.value} (an override)"
            if blocks(state.outcome)
            else "approving content data, interception or real-time collection"
        )
        return f"{what} needs two different approvers (four eyes); approved so far by {approvers}"
    return None


def _override_stated(known: Callable[[str], bool]) -> Guard:
    """A blocking screening is approved only on another basis, the same for both approvers;
    a screening that does not block is approved on the Convention, without an override."""

    def guard(state: CaseState, move: Move) -> str | None:
        outcome, given = state.outcome.value, move.override
        if not blocks(state.outcome):
            if given is not None:
                return (
                    f"the screening is {outcome}: approve on the Convention; an override is "
                    "only for a screening that blocks approval"
                )
            return None
        if given is None:
            return (
                f"the screening is {outcome}: approving needs an override citing another "
                "legal basis (an instrument in force between the States, or domestic law), "
                "a reason, and two different approvers"
            )
        if known(given.citation):
            return (
                f"an override rests on another basis than the Convention; {given.citation} "
                "is a provision of the Convention"
            )
        if state.override is not None and not state.override.same_basis(given):
            return (
                f"the override already approved rests on {state.override.describe()}; the "
                f"second approval must cite the same basis, not {given.describe()}"
            )
        return None

    return guard


def note_required(state: CaseState, move: Move) -> str | None:
    return None if move.note and move.note.strip() else "this move needs a note saying why"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()


@dataclass
class Lifecycle:
    """The transitions table; ``provision_known`` checks the provisions grounds cite."""

    provision_known: Callable[[str], bool]
    table: dict[tuple[Status, Status], Rule] = field(init=False)

    def __post_init__(self) -> None:
        s, r = Status, Role
        decide = (reviews_acknowledged,)
        approve = (*decide, _override_stated(self.provision_known), four_eyes)
        self.table = {
            (s.RECEIVED, s.SCREENING): Rule(frozenset({r.INTAKE, r.REVIEWER})),
            (s.SCREENING, s.IN_REVIEW): Rule(frozenset({r.REVIEWER})),
            (s.IN_REVIEW, s.INFO_REQUESTED): Rule(frozenset({r.REVIEWER}), (note_required,)),
            (s.INFO_REQUESTED, s.SCREENING): Rule(frozenset({r.INTAKE, r.REVIEWER})),
            (s.IN_REVIEW, s.APPROVED): Rule(frozenset({r.APPROVER}), approve),
            (s.IN_REVIEW, s.PARTIALLY_APPROVED): Rule(
                frozenset({r.APPROVER}), (*approve, note_required)
            ),
            (s.IN_REVIEW, s.REFUSED): Rule(
                frozenset({r.REVIEWER, r.APPROVER}), (*decide, _ground_cited(self.provision_known))
            ),
            (s.APPROVED, s.FULFILLED): Rule(frozenset({r.INTAKE, r.REVIEWER, r.APPROVER})),
            (s.PARTIALLY_APPROVED, s.FULFILLED): Rule(
                frozenset({r.INTAKE, r.REVIEWER, r.APPROVER})
            ),
            (s.FULFILLED, s.CLOSED): Rule(frozenset({r.REVIEWER, r.APPROVER, r.ADMIN})),
            (s.REFUSED, s.CLOSED): Rule(frozenset({r.REVIEWER, r.APPROVER, r.ADMIN})),
            (s.WITHDRAWN, s.CLOSED): Rule(frozenset({r.REVIEWER, r.APPROVER, r.ADMIN})),
        }
        for status in OPEN:
            self.table[(status, s.WITHDRAWN)] = Rule(
                frozenset({r.INTAKE, r.REVIEWER, r.ADMIN}), (note_required,)
            )

    def allowed(self, status: Status) -> list[Status]:
        return sorted({to for (frm, to) in self.table if frm is status})

    def check(self, state: CaseState, move: Move, *, waive: Collection[Guard] = ()) -> None:
        """Refuse the move unless the table allows it, the actor's role may make it, and every
        guard passes; every failed guard is reported. ``waive`` names guards not checked
        (the count of approvers, for the first of two approvals)."""
        rule = self.table.get((state.status, move.to))
        if rule is None:
            allowed = ", ".join(self.allowed(state.status)) or "none"
            raise RogatoryError(
                "case.invalid_transition",
                f"a case cannot move from {state.status} to {move.to}",
                details={"from": state.status.value, "to": move.to.value},
                help=f"allowed from {state.status}: {allowed}",
            )
        if not (rule.roles & move.roles):
            raise RogatoryError(
                "case.forbidden_transition",
                f"moving a case from {state.status} to {move.to} needs one of the "
                f"roles {sorted(rule.roles)}",
            )
        problems = [
            Problem("case.guard_failed", message)
            for guard in rule.guards
            if guard not in waive and (message := guard(state, move)) is not None
        ]
        if problems:
            raise ProblemList("case.guard_failed", f"{state.status} to {move.to}", problems)


def is_intrusive(categories: Collection[str], facts: MeasureFacts) -> bool:
    """Whether four eyes apply: the measures table's one definition of intrusive."""
    return bool(facts.intrusive_because(categories))

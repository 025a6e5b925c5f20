"""The case lifecycle as a table of allowed moves, each with the roles that may make it and
the guards it must pass. Any other move is refused with ``case.invalid_transition``.

received → screening → in_review → approved / partially_approved / refused / info_requested;
info_requested → screening (the new information is screened again); approved and
partially_approved → fulfilled; fulfilled and refused → closed; withdrawn from any open state.
in_review → postponed → in_review (execution put off because it would interfere with ongoing
domestic proceedings; model UNTOC Art 18(25)); in_review → in_consultation → in_review,
postponed or refused (the requesting State consulted before a refusal or a postponement, on
terms under which assistance might still be given; model UNTOC Art 18(26)).

Guards, from the brief and the Convention:
- a refusal names at least one ground, each citing a provision (Art 40, unverified:
  reasons must be given for a refusal);
- every ``review`` finding of the latest screening is acknowledged with a note before any
  decision, so no engaged safeguard is decided over in silence;
- approving disclosure of content data, interception or real-time collection needs two
  different people (four eyes), neither of them the reviewer who prepared it;
- a case whose latest screening is anything but ``proceed`` or ``review`` is approved only
  through an override (``requests.basis``): another legal basis, a reason, and two different
  approvers, neither the preparer;
- an emergency request is approved only once a call-back to a number from the authority
  registry, recorded on the case, confirmed it (forged emergency requests are a known attack);
- a postponement names the proceedings it would interfere with and a date to review it, a
  consultation what was proposed to the requesting State and which decision it precedes;
  both, like the end of a consultation, give their reason in the note. A refusal without a
  consultation before it is allowed; the case page says so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from rogatory.errors import Problem, ProblemList, RogatoryError
from rogatory.law.bundle import Bundle, MeasureFacts
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
    POSTPONED = "postponed"
    IN_CONSULTATION = "in_consultation"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    INTAKE = "intake"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    AUDITOR = "auditor"
    ADMIN = "admin"
    COMPLIANCE = "compliance"  # a compliance or policy team: assessments and the register
    # a requesting authority's own account: submits and follows its own requests, nothing else
    REQUESTER = "requester"


OPEN = frozenset(
    {
        Status.RECEIVED,
        Status.SCREENING,
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
        Status.APPROVED,
        Status.PARTIALLY_APPROVED,
        Status.POSTPONED,
        Status.IN_CONSULTATION,
    }
)
DECISIONS = frozenset({Status.APPROVED, Status.PARTIALLY_APPROVED, Status.REFUSED})


@dataclass(frozen=True)
class Ground:
    """A ground for refusal as the decision states it: the reason and the provision cited."""

    reason: str
    provision: str  # e.g. uncc:art-40:para-21
    ground: str | None = None  # the ground for refusal it is, e.g. refusal.essential_interests


@dataclass(frozen=True)
class MeasureGrounds:
    """What the case's treaty allows a refusal of its measure to rest on (measures table):
    its grounds, whether the list is closed, and the provisions those grounds rest on."""

    measure: str
    grounds: frozenset[str]
    closed: bool
    provisions: frozenset[str]
    cite: str  # the provision closing the list, as a lawyer writes it

    @classmethod
    def of(cls, bundle: Bundle, measure: str) -> MeasureGrounds:
        """The measure's row of the treaty's measures table, with the provisions each of its
        grounds rests on as the treaty's screening rules cite them."""
        facts = bundle.measures[measure]
        cite = facts.grounds_cite
        provisions = {
            cite.provision_id,
            *(p for g in facts.grounds for p in bundle.screening.get(g, ())),
        }
        label = cite.label + (f", model {cite.model}" if cite.model else "")
        return cls(
            measure, frozenset(facts.grounds), facts.grounds_closed, frozenset(provisions), label
        )


TEXT_MAX = 2000


def _text(code: str, name: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise RogatoryError(code, f"field {name}: must not be empty")
    if len(value) > TEXT_MAX:
        raise RogatoryError(
            code, f"field {name}: at most {TEXT_MAX} characters ({len(value)} given)"
        )
    return value


@dataclass(frozen=True)
class Postponement:
    """Execution put off because it would interfere with ongoing domestic proceedings."""

    proceedings: str  # which investigation, prosecution or judicial proceeding
    review_on: date  # when to look at it again

    @classmethod
    def of(cls, proceedings: str, review_on: date, today: date) -> Postponement:
        """A postponement from what a person typed, or an error naming the field and rule."""
        if review_on <= today:
            raise RogatoryError(
                "case.invalid_postponement",
                f"field review_on: the date to review the postponement must be after today "
                f"({today}); {review_on} is not",
            )
        return cls(_text("case.invalid_postponement", "proceedings", proceedings), review_on)

    def to_json(self) -> dict[str, Any]:
        return {"proceedings": self.proceedings, "review_on": self.review_on.isoformat()}


class Considering(StrEnum):
    """The decision a consultation comes before."""

    REFUSAL = "refusal"
    POSTPONEMENT = "postponement"


@dataclass(frozen=True)
class Consultation:
    """The requesting State consulted before a refusal or postponement: what was proposed
    (the terms and conditions on which assistance might still be given)."""

    considering: Considering
    proposal: str

    @classmethod
    def of(cls, considering: str, proposal: str) -> Consultation:
        if considering not in {c.value for c in Considering}:
            raise RogatoryError(
                "case.invalid_consultation",
                f"field considering: {considering!r} is not one of "
                + ", ".join(c.value for c in Considering),
            )
        return cls(
            Considering(considering), _text("case.invalid_consultation", "proposal", proposal)
        )

    def to_json(self) -> dict[str, Any]:
        return {"considering": self.considering.value, "proposal": self.proposal}


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
    emergency: bool = False  # an emergency request (Art 41 with Art 2(o))
    call_back_confirmed: bool = False  # the latest call-back to a registry number confirmed it
    grounds: MeasureGrounds | None = None  # what a refusal of its measure may rest on


@dataclass(frozen=True)
class Move:
    """A requested transition with what it brings."""

    to: Status
    actor: str
    roles: frozenset[Role]
    grounds: Sequence[Ground] = ()
    note: str | None = None
    override: Override | None = None  # an approval on another basis than the Convention
    postponement: Postponement | None = None
    consultation: Consultation | None = None

    def details(self) -> dict[str, Any] | None:
        """What the move brings beyond its note and grounds, as stored on the transition."""
        if self.postponement is not None:
            return {"postponement": self.postponement.to_json()}
        if self.consultation is not None:
            return {"consultation": self.consultation.to_json()}
        return None


Guard = Callable[[CaseState, Move], str | Problem | None]


def _ground_cited(known: Callable[[str], bool]) -> Guard:
    def guard(state: CaseState, move: Move) -> str | None:
        if not move.grounds:
            return "a refusal must name at least one ground with the provision it rests on"
        bad = [g.provision for g in move.grounds if not (g.reason.strip() and known(g.provision))]
        if bad:
            return f"each ground needs a reason and a provision of the Convention; not: {bad}"
        return None

    return guard


def grounds_of_measure(state: CaseState, move: Move) -> Problem | None:
    """Where the treaty closes the list of grounds for the case's measure (preservation "may
    only be refused" on the grounds of Budapest Art 29(5), the model of UN Art 42), a refusal
    must rest on one of them: a provision none of them rests on, or a ground outside the
    list, is refused naming the field and the rule. Where the treaty does not apply to the
    request (not in force between the States, outside its scope), neither does its list."""
    allowed = state.grounds
    if allowed is None or not allowed.closed:
        return None
    if state.outcome in (Outcome.NOT_IN_FORCE, Outcome.OUTSIDE_SCOPE):
        return None
    listed = ", ".join(sorted(g.removeprefix("refusal.") for g in allowed.grounds))
    bad = [
        f"grounds[{i}].ground: {g.ground}"
        if g.ground is not None and g.ground not in allowed.grounds
        else f"grounds[{i}].provision: {g.provision}"
        for i, g in enumerate(move.grounds)
        if (g.ground is not None and g.ground not in allowed.grounds)
        or g.provision not in allowed.provisions
    ]
    if not bad:
        return None
    return Problem(
        "case.ground_not_allowed",
        f"{'; '.join(bad)}: {allowed.measure} may only be refused on {listed} "
        f"({allowed.cite}); cite one of {', '.join(sorted(allowed.provisions))}",
        None,
    )


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


def call_back_confirmed(state: CaseState, move: Move) -> str | None:
    """An emergency is disclosed on only once a call-back to a number from the authority
    registry confirmed the request (recorded on the case: who, when, which number)."""
    if state.emergency and not state.call_back_confirmed:
        return (
            "an emergency request is approved only after a call-back to a number from the "
            "authority registry confirmed it; record the call-back on the case first"
        )
    return None


def note_required(state: CaseState, move: Move) -> str | None:
    return None if move.note and move.note.strip() else "this move needs a note saying why"


def postponement_stated(state: CaseState, move: Move) -> str | None:
    if move.postponement is None:
        return (
            "a postponement names the ongoing proceedings execution would interfere with and "
            "a date to review it (model UNTOC Art 18(25))"
        )
    return None


def consultation_stated(state: CaseState, move: Move) -> str | None:
    if move.consultation is None:
        return (
            "a consultation records what was proposed to the requesting State and whether it "
            "comes before a refusal or a postponement (model UNTOC Art 18(26))"
        )
    return None


def nothing_else(state: CaseState, move: Move) -> str | None:
    """Details belong to the move they describe: no postponement on a refusal, and so on."""
    if move.postponement is not None and move.to is not Status.POSTPONED:
        return f"a postponement is given only when postponing, not when moving to {move.to}"
    if move.consultation is not None and move.to is not Status.IN_CONSULTATION:
        return f"a consultation is given only when consulting, not when moving to {move.to}"
    return None


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
        approve = (
            *decide,
            _override_stated(self.provision_known),
            call_back_confirmed,
            four_eyes,
        )
        deciders = frozenset({r.REVIEWER, r.APPROVER})
        refuse = Rule(deciders, (*decide, _ground_cited(self.provision_known), grounds_of_measure))
        postpone = Rule(deciders, (*decide, postponement_stated, note_required))
        self.table = {
            (s.RECEIVED, s.SCREENING): Rule(frozenset({r.INTAKE, r.REVIEWER})),
            (s.SCREENING, s.IN_REVIEW): Rule(frozenset({r.REVIEWER})),
            (s.IN_REVIEW, s.INFO_REQUESTED): Rule(frozenset({r.REVIEWER}), (note_required,)),
            (s.INFO_REQUESTED, s.SCREENING): Rule(frozenset({r.INTAKE, r.REVIEWER})),
            (s.IN_REVIEW, s.APPROVED): Rule(frozenset({r.APPROVER}), approve),
            (s.IN_REVIEW, s.PARTIALLY_APPROVED): Rule(
                frozenset({r.APPROVER}), (*approve, note_required)
            ),
            (s.IN_REVIEW, s.REFUSED): refuse,
            (s.IN_CONSULTATION, s.REFUSED): refuse,
            (s.IN_REVIEW, s.POSTPONED): postpone,
            (s.IN_CONSULTATION, s.POSTPONED): postpone,
            (s.POSTPONED, s.IN_REVIEW): Rule(deciders, (note_required,)),
            (s.IN_REVIEW, s.IN_CONSULTATION): Rule(deciders, (consultation_stated, note_required)),
            (s.IN_CONSULTATION, s.IN_REVIEW): Rule(deciders, (note_required,)),
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
            message if isinstance(message, Problem) else Problem("case.guard_failed", message)
            for guard in (*rule.guards, nothing_else)
            if guard not in waive and (message := guard(state, move)) is not None
        ]
        if problems:
            codes = {p.code for p in problems}
            code = codes.pop() if len(codes) == 1 else "case.guard_failed"
            raise ProblemList(code, f"{state.status} to {move.to}", problems)


def is_intrusive(categories: Collection[str], facts: MeasureFacts) -> bool:
    """Whether four eyes apply: the measures table's one definition of intrusive."""
    return bool(facts.intrusive_because(categories))

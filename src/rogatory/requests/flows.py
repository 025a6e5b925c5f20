"""Multi-step operations on cases: the only place that writes audit events.

Each flow runs inside the caller's transaction and appends its audit event in the same
transaction, so a case change and its record are stored together or not at all. Every query
is scoped to the caller's organisation: another organisation's case is simply not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.authorities import store as requesters
from rogatory.authorities.signed import Envelope
from rogatory.errors import RogatoryError
from rogatory.law.bundle import DeadlineKind
from rogatory.law.decision import Outcome
from rogatory.requests import deadlines, permissions
from rogatory.requests.basis import BasisKind, Override, convention_basis, receipt_basis
from rogatory.requests.models import (
    Acknowledgement,
    Approval,
    Case,
    Organisation,
    RequestVersion,
    Screening,
    Transition,
)
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import (
    OPEN,
    CaseState,
    Consultation,
    Ground,
    Lifecycle,
    MeasureGrounds,
    Move,
    Postponement,
    Role,
    Status,
    approvals_needed,
    four_eyes,
    is_intrusive,
)
from rogatory.safeguards import request as requests_doc
from rogatory.safeguards.engine import Screener
from rogatory.safeguards.requester import RequesterEvidence
from rogatory.treaty import catalogue

# Who may take a request in: intake officers, and reviewers working their own inbox.
APPROVED = frozenset({Status.APPROVED, Status.PARTIALLY_APPROVED})


@dataclass(frozen=True)
class Actor:
    """Who acts, for which organisation, in which roles."""

    user: str
    org: str
    roles: frozenset[Role]


def _parse(document: dict[str, Any], screener: Screener) -> requests_doc.Request:
    """The request document validated for the treaty ``screener`` applies: its offence
    articles are that treaty's (UN Arts 7-17, Budapest Arts 2-11)."""
    return screener.parse(document)


def _now() -> datetime:
    return datetime.now(UTC)


_DEFERRED = "rogatory.audit.deferred"


def record(
    session: Session, case: Case, actor: Actor, action: str, summary: dict[str, Any]
) -> None:
    """Append the audit event of a change to the case's organisation chain, in the same
    transaction as the change (at the end of the flow, inside ``recorded_at_end``)."""
    event: dict[str, Any] = {
        "chain": case.org_id,
        "actor": actor.user,
        "action": action,
        "case_id": case.id,
        "summary": summary,
        "at": _now(),
    }
    queued: list[dict[str, Any]] | None = session.info.get(_DEFERRED)
    if queued is None:
        audit.append(session, **event)
    else:
        queued.append(event)


@contextmanager
def recorded_at_end(session: Session) -> Iterator[None]:
    """Queue the events a multi-step flow records and append them, in order and with the
    times they happened, once it has done everything else. The chain's lock serialises an
    organisation's writers from the first append to the commit; appending last keeps that
    stretch to the appends and the commit. If the flow fails, nothing is appended."""
    if _DEFERRED in session.info:  # already inside one
        yield
        return
    queued: list[dict[str, Any]] = []
    session.info[_DEFERRED] = queued
    try:
        yield
    finally:
        del session.info[_DEFERRED]
    for event in queued:
        audit.append(session, **event)


def ensure_organisation(session: Session, org_id: str, name: str) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        org = Organisation(id=org_id, name=name, created_at=_now())
        session.add(org)
        session.flush()
    return org


def visible(actor: Actor) -> ColumnElement[bool]:
    """The condition a case must meet to exist for ``actor``: its organisation's, and for a
    requesting authority's account only the cases it submitted itself. Another's case is
    then "not found", never "forbidden", so its existence is not told."""
    if permissions.own_requests_only(actor.roles):
        return and_(Case.org_id == actor.org, Case.created_by == actor.user)
    return Case.org_id == actor.org


def get_or_raise(session: Session, actor: Actor, case_id: str) -> Case:
    case = session.execute(
        select(Case).where(Case.id == case_id, visible(actor))
    ).scalar_one_or_none()
    if case is None:
        raise RogatoryError("case.not_found", f"no case {case_id!r}")
    return case


def latest_screening(session: Session, case: Case) -> Screening:
    return session.execute(
        select(Screening)
        .where(Screening.case_id == case.id)
        .order_by(Screening.seq.desc())
        .limit(1)
    ).scalar_one()


def _screen(
    session: Session,
    case: Case,
    actor: Actor,
    screener: Screener,
    on: date | None,
    *,
    why: str = "screened again",
    requester: RequesterEvidence | None = None,
) -> Screening:
    """Screen the case's request and store the decision. Approvals given on the screening
    it replaces stop counting (an approval applies to the decision it was given on); an
    approved case returns to review, to be approved again on the new decision."""
    previous = session.execute(
        select(Screening)
        .where(Screening.case_id == case.id)
        .order_by(Screening.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    voided = standing_approvals(session, case, previous) if previous is not None else []
    screener = screener.under(case.treaty)
    req = _parse(case.request, screener)
    if requester is None:
        requester = requesters.again(
            session,
            case.org_id,
            case.id,
            req,
            screener.law.requester_policy,
            version=_version(session, case),
            notifications=screener.law.register.notifications,
        )
    decision = screener.screen(req, on, requester=requester)
    seq = (
        session.execute(
            select(func.max(Screening.seq)).where(Screening.case_id == case.id)
        ).scalar_one()
        or 0
    ) + 1
    row = Screening(
        case_id=case.id,
        seq=seq,
        outcome=decision.outcome.value,
        treaty=screener.treaty,
        as_of=decision.as_of,
        bundle_revision=decision.bundle_revision,
        decision=decision.to_json(),
        screened_at=decision.evaluated_at,
        screened_by=actor.user,
    )
    session.add(row)
    session.flush()
    record(
        session,
        case,
        actor,
        "case.screened",
        {
            "seq": seq,
            "outcome": row.outcome,
            "treaty": row.treaty,
            "as_of": row.as_of.isoformat(),
            "bundle_revision": row.bundle_revision,
        },
    )
    if voided and previous is not None:
        record(
            session,
            case,
            actor,
            "case.approvals_voided",
            {
                "screening": previous.seq,
                "replaced_by": seq,
                "approvals": [a.by for a in voided],
                "why": why,
            },
        )
    if Status(case.status) in APPROVED:
        _apply(
            session,
            case,
            actor,
            Status.IN_REVIEW,
            note=f"{why}: the approval applied to the earlier screening",
            grounds=(),
            prepares=False,
        )
    return row


def _version(session: Session, case: Case) -> int:
    """Which version of the case's request is current: 0 as taken in, then one per
    amendment (the earlier ones are kept as ``RequestVersion`` rows)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(RequestVersion)
            .where(RequestVersion.case_id == case.id)
        ).scalar_one()
    )


def _by_key(
    session: Session, actor: Actor, key: str, stored: dict[str, Any], treaty: str
) -> Case | None:
    """The case an Idempotency-Key created, if any; the same key with another document (or
    under another treaty) is an error, never a silent overwrite or a second case."""
    existing = session.execute(
        select(Case).where(Case.org_id == actor.org, Case.idempotency_key == key)
    ).scalar_one_or_none()
    if existing is not None and (existing.request != stored or existing.treaty != treaty):
        raise RogatoryError(
            "case.idempotency_conflict",
            "this Idempotency-Key was used for a different request document or treaty",
            help="use a new key for a new request",
        )
    return existing


def intake(
    session: Session,
    actor: Actor,
    document: dict[str, Any],
    screener: Screener,
    *,
    policy: deadlines.Policy | None = None,
    idempotency_key: str | None = None,
    received_at: datetime | None = None,
    treaty: str | None = None,
) -> tuple[Case, bool]:
    """Create a case from a request document and screen it at once, under ``treaty`` (a
    bundle id; default: the screener's own), which the case keeps for every later screening.

    Returns the case and whether it was created now: a retried intake with the same
    idempotency key returns the case created the first time, and creates nothing.

    ``document`` is a request document, or a signed one (``authorities.signed``): its
    signature is verified against the organisation's authority registry, and a replay (a
    signed request's id seen before, or an issue time outside the window) is refused.
    """
    own = permissions.own_requests_only(actor.roles)
    permissions.require(actor.roles, Action.SUBMIT_OWN if own else Action.TAKE_IN)
    screener = screener.under(treaty or screener.treaty)
    received = requesters.receive(document)
    req = _parse(received.request, screener)
    stored = req.model_dump(mode="json", by_alias=True, exclude_none=True)
    if idempotency_key is not None:
        existing = _by_key(session, actor, idempotency_key, stored, screener.treaty)
        if existing is not None:
            return existing, False
    with recorded_at_end(session):
        return _take_in(
            session,
            actor,
            req,
            stored,
            screener,
            policy,
            idempotency_key,
            received_at,
            received.envelope,
        )


def _take_in(
    session: Session,
    actor: Actor,
    req: requests_doc.Request,
    stored: dict[str, Any],
    screener: Screener,
    policy: deadlines.Policy | None,
    idempotency_key: str | None,
    received_at: datetime | None,
    envelope: Envelope | None = None,
) -> tuple[Case, bool]:
    when = (received_at or _now()).astimezone(UTC)
    evidence = requesters.evidence(
        session,
        actor.org,
        req,
        envelope,
        screener.law.requester_policy,
        at=when,
        window=True,
        notifications=screener.law.register.notifications,
    )
    requesters.refuse_replay(evidence)
    urgent = req.measure.value == "emergency"
    policy = policy or deadlines.Policy()
    case = Case(
        id=str(uuid.uuid4()),
        org_id=actor.org,
        reference=req.requesting_authority.reference,
        measure=req.measure.value,
        treaty=screener.treaty,
        requesting_state=req.requesting_state,
        requested_state=req.requested_state,
        status=Status.RECEIVED.value,
        urgent=urgent,
        intrusive=is_intrusive(
            [c.value for c in req.data.categories], screener.law.measure(req.measure)
        ),
        received_at=when,
        due_at=policy.due(when, req.measure.value, urgent=urgent),
        request=stored,
        created_by=actor.user,
        idempotency_key=idempotency_key,
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        # A concurrent retry with the same key committed first: answer with its case.
        existing = (
            _by_key(session, actor, idempotency_key, stored, screener.treaty)
            if idempotency_key
            else None
        )
        if existing is None:
            raise
        return existing, False
    record(
        session,
        case,
        actor,
        "case.created",
        {
            "measure": case.measure,
            "treaty": case.treaty,
            "requesting_state": case.requesting_state,
            "requested_state": case.requested_state,
            "due_at": case.due_at.isoformat(),
            # a pending task until kept confidential or answered (requests.confidentiality)
            "confidentiality_requested": req.confidentiality_requested,
            "signature": evidence.signature.value,
            **({"kid": evidence.kid} if evidence.kid else {}),
        },
    )
    requesters.remember(session, actor.org, case.id, req, envelope, evidence, at=when)
    _screen(session, case, actor, screener, None, why="screened at intake", requester=evidence)
    _apply(session, case, actor, Status.SCREENING, note="screened at intake", grounds=())
    return case, True


def rescreen(
    session: Session, actor: Actor, case_id: str, screener: Screener, on: date | None = None
) -> Screening:
    """Screen again (new law, new date, new parties); the earlier decisions are kept.

    The new decision replaces the old one for what follows: its review findings must be
    acknowledged afresh before a decision, since they may have changed, and approvals given
    on the old one no longer count (an approved case returns to review)."""
    permissions.require(actor.roles, Action.SCREEN_AGAIN)
    case = get_or_raise(session, actor, case_id)
    if Status(case.status) not in OPEN:
        raise RogatoryError("case.not_open", f"a {case.status} case is not screened again")
    bundle = screener.under(case.treaty).law.bundle
    first = bundle.values_from()
    if on is not None and first is not None and on < first:
        raise RogatoryError(
            "case.invalid_screening_date",
            f"field on: the law data of {bundle.id} gives its values from "
            f"{first.isoformat()}; {on.isoformat()} is before it",
        )
    with recorded_at_end(session):
        return _screen(session, case, actor, screener, on)


@dataclass(frozen=True, slots=True)
class HoldMinimum:
    """The shortest preservation a hold on a case may have, and the provision setting it."""

    days: int
    basis: str


def hold_minimum(session: Session, case: Case, screener: Screener) -> HoldMinimum:
    """The minimum the case's treaty sets for a hold on it (its measures table's
    ``preserve_at_least`` deadline), in force on the legal date of its latest screening; a
    treaty that sets none leaves any period of a day or more."""
    as_of = latest_screening(session, case).as_of
    law = screener.under(case.treaty).law
    found = law.bundle.measure_deadline(case.measure, DeadlineKind.PRESERVE_AT_LEAST)
    if found is None or found.constant is None:
        return HoldMinimum(1, f"{law.bundle.manifest.short_title} sets no minimum period")
    resolution = law.bundle.constant(found.constant, as_of)
    minimum = resolution.value
    assert isinstance(minimum, int)
    cite = resolution.cite
    return HoldMinimum(minimum, cite.label if cite else found.constant)


def screenings(session: Session, actor: Actor, case_id: str) -> list[Screening]:
    """Every screening of a case, oldest first: the decision history."""
    case = get_or_raise(session, actor, case_id)
    return list(
        session.execute(
            select(Screening).where(Screening.case_id == case.id).order_by(Screening.seq)
        ).scalars()
    )


def _round(session: Session, case: Case) -> int:
    """How many times the case entered in_review: approvals count within one round."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Transition)
            .where(Transition.case_id == case.id, Transition.to_status == Status.IN_REVIEW.value)
        ).scalar_one()
    )


def standing_approvals(session: Session, case: Case, screening: Screening) -> list[Approval]:
    """The approvals that count: given on this screening (the latest, for the case as it
    stands), in the current review round."""
    return list(
        session.execute(
            select(Approval)
            .where(
                Approval.case_id == case.id,
                Approval.screening_id == screening.id,
                Approval.round == _round(session, case),
            )
            .order_by(Approval.id)
        ).scalars()
    )


def _override_of(approvals: Sequence[Approval]) -> Override | None:
    """The override the approvals given so far rest on, if they rest on one."""
    for a in approvals:
        if a.override_reason is not None:
            return Override(BasisKind(a.basis_kind), a.basis_citation, a.override_reason)
    return None


def state_of(session: Session, case: Case) -> CaseState:
    screening = latest_screening(session, case)
    reviews = frozenset(
        f["rule"] for f in screening.decision["findings"] if f["result"] == "review"
    )
    acknowledged = frozenset(
        session.execute(
            select(Acknowledgement.rule).where(Acknowledgement.screening_id == screening.id)
        ).scalars()
    )
    approvals = standing_approvals(session, case, screening)
    calls = requesters.call_backs(session, case.id)
    return CaseState(
        status=Status(case.status),
        intrusive=case.intrusive,
        review_findings=reviews,
        acknowledged=acknowledged,
        approvals=tuple(a.by for a in approvals),
        prepared_by=case.prepared_by,
        outcome=Outcome(screening.outcome),
        override=_override_of(approvals),
        emergency=case.measure == "emergency",
        call_back_confirmed=bool(calls) and calls[-1].outcome.value == "confirmed",
        grounds=MeasureGrounds.of(catalogue.get(case.treaty), case.measure),
    )


def _apply(
    session: Session,
    case: Case,
    actor: Actor,
    to: Status,
    *,
    note: str | None,
    grounds: Sequence[Ground],
    prepares: bool = True,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the case and record it; moving it from screening into review makes the actor its
    preparer, unless the move is the system's (``prepares=False``: a rescreen voiding
    approvals). Coming back from a postponement or a consultation keeps the preparer."""
    frm = case.status
    case.status = to.value
    if to is Status.IN_REVIEW and prepares and frm == Status.SCREENING.value:
        case.prepared_by = actor.user
    session.add(
        Transition(
            case_id=case.id,
            from_status=frm,
            to_status=to.value,
            by=actor.user,
            at=_now(),
            note=note,
            grounds=[
                {"reason": g.reason, "provision": g.provision}
                | ({"ground": g.ground} if g.ground else {})
                for g in grounds
            ],
            details=details,
        )
    )
    session.flush()
    record(
        session,
        case,
        actor,
        "case.transition",
        {
            "from": frm,
            "to": to.value,
            "note": note,
            "grounds": [g.provision for g in grounds],
            **(details or {}),
        },
    )


def transition(
    session: Session,
    actor: Actor,
    case_id: str,
    to: Status,
    lifecycle: Lifecycle,
    *,
    note: str | None = None,
    grounds: Sequence[Ground] = (),
    postponement: Postponement | None = None,
    consultation: Consultation | None = None,
) -> Case:
    """Move a case as the lifecycle allows; a postponement or a consultation is stored with
    the move (and in its audit event)."""
    case = get_or_raise(session, actor, case_id)
    move = Move(
        to,
        actor.user,
        actor.roles,
        grounds,
        note,
        postponement=postponement,
        consultation=consultation,
    )
    lifecycle.check(state_of(session, case), move)
    _apply(session, case, actor, to, note=note, grounds=grounds, details=move.details())
    return case


def acknowledge(
    session: Session, actor: Actor, case_id: str, rule: str, note: str
) -> Acknowledgement:
    """A reviewer's note on a review finding of the latest screening."""
    case = get_or_raise(session, actor, case_id)
    permissions.require(actor.roles, Action.ACKNOWLEDGE)
    if not note.strip():
        raise RogatoryError("case.note_required", "field note: an acknowledgement needs a note")
    screening = latest_screening(session, case)
    reviews = {f["rule"] for f in screening.decision["findings"] if f["result"] == "review"}
    if rule not in reviews:
        raise RogatoryError(
            "case.no_such_finding",
            f"rule {rule!r} has no review finding in the latest screening",
            help=f"review findings: {sorted(reviews)}",
        )
    ack = Acknowledgement(
        case_id=case.id, screening_id=screening.id, rule=rule, note=note, by=actor.user, at=_now()
    )
    session.add(ack)
    session.flush()
    record(
        session,
        case,
        actor,
        "case.finding_acknowledged",
        {"rule": rule, "screening": screening.seq, "note": note},
    )
    return ack


def approve(
    session: Session,
    actor: Actor,
    case_id: str,
    lifecycle: Lifecycle,
    *,
    note: str | None = None,
    partial: bool = False,
    override: Override | None = None,
) -> Case:
    """Record an approval of the latest screening; the case moves once enough different
    people approved (four eyes for intrusive measures and for an override of a screening
    that blocks approval). The first of two approvals is recorded and audited on its own;
    an override's approvals each name its basis and reason in the audit log."""
    case = get_or_raise(session, actor, case_id)
    to = Status.PARTIALLY_APPROVED if partial else Status.APPROVED
    screening = latest_screening(session, case)
    state = state_of(session, case)
    move = Move(to, actor.user, actor.roles, (), note, override)
    first_of_two = (
        approvals_needed(state) == 2
        and not state.approvals
        and Role.APPROVER in actor.roles
        and state.status is Status.IN_REVIEW
        and actor.user != case.prepared_by
    )
    # every other guard must already pass for the first of two approvals
    lifecycle.check(state, move, waive=(four_eyes,) if first_of_two else ())
    session.add(
        Approval(
            case_id=case.id,
            by=actor.user,
            at=_now(),
            note=note,
            round=_round(session, case),
            screening_id=screening.id,
            basis_kind=override.kind.value if override else BasisKind.CONVENTION.value,
            basis_citation=override.citation
            if override
            else convention_basis(case.measure, case.treaty),
            override_reason=override.reason if override else None,
        )
    )
    session.flush()
    summary: dict[str, Any] = {
        "approvals": len(state.approvals) + 1,
        "needed": approvals_needed(state),
        "note": note,
        "screening": screening.seq,
    }
    with recorded_at_end(session):
        if override is not None:
            record(
                session,
                case,
                actor,
                "case.override_approved",
                {
                    **summary,
                    "outcome": screening.outcome,
                    "basis": {"kind": override.kind.value, "citation": override.citation},
                    "reason": override.reason,
                },
            )
        elif first_of_two:
            record(session, case, actor, "case.approval_recorded", summary)
        if not first_of_two:
            _apply(session, case, actor, to, note=note, grounds=())
    return case


def approval_basis(session: Session, case: Case) -> list[str]:
    """The legal basis the case's standing approval rests on, as a custody receipt states
    it: the Convention article, or the override's basis."""
    if Status(case.status) not in APPROVED:
        raise RogatoryError(
            "case.not_approved",
            f"a {case.status} case cannot disclose evidence; it must be approved first",
        )
    given = standing_approvals(session, case, latest_screening(session, case))
    if not given:  # approved before approvals were tied to screenings, then screened again
        raise RogatoryError(
            "case.not_approved",
            "the case's approvals were given on an earlier screening, not on its latest",
            help="screen it again to return it to review, and approve it on that screening",
        )
    return receipt_basis(given[-1].basis_kind, given[-1].basis_citation)


FIXED = ("measure", "requesting_state", "requested_state")  # another value is another request


def amend(
    session: Session,
    actor: Actor,
    case_id: str,
    document: dict[str, Any],
    screener: Screener,
    lifecycle: Lifecycle,
    *,
    note: str | None = None,
) -> Case:
    """Take in the information a case was waiting for: the amended request document replaces
    the current one (which is kept as a version), the case returns to screening and is
    screened again, so its review starts over on the new text."""
    permissions.require(actor.roles, Action.AMEND)
    case = get_or_raise(session, actor, case_id)
    if case.status != Status.INFO_REQUESTED.value:
        raise RogatoryError(
            "case.not_waiting",
            f"a {case.status} case is not waiting for information; only info_requested is",
        )
    lifecycle.check(state_of(session, case), Move(Status.SCREENING, actor.user, actor.roles))
    received = requesters.receive(document)
    req = _parse(received.request, screener.under(case.treaty))
    stored = req.model_dump(mode="json", by_alias=True, exclude_none=True)
    changed_fixed = [f for f in FIXED if stored[f] != case.request[f]]
    if changed_fixed:
        raise RogatoryError(
            "case.amend_mismatch",
            f"field {changed_fixed[0]}: an amendment cannot change {', '.join(changed_fixed)}",
            help="a request for another measure or between other States is a new request",
        )
    seq = (
        session.execute(
            select(func.count())
            .select_from(RequestVersion)
            .where(RequestVersion.case_id == case.id)
        ).scalar_one()
        + 1
    )
    session.add(
        RequestVersion(
            case_id=case.id,
            seq=seq,
            document=case.request,
            superseded_at=_now(),
            superseded_by=actor.user,
            note=note,
        )
    )
    when = _now()
    evidence = requesters.evidence(
        session,
        actor.org,
        req,
        received.envelope,
        screener.under(case.treaty).law.requester_policy,
        at=when,
        window=True,
    )
    requesters.refuse_replay(evidence)
    requesters.remember(
        session, actor.org, case.id, req, received.envelope, evidence, at=when, version=seq
    )
    changed = sorted(k for k in {*stored, *case.request} if stored.get(k) != case.request.get(k))
    case.request = stored
    case.reference = req.requesting_authority.reference
    case.intrusive = is_intrusive(
        [c.value for c in req.data.categories],
        screener.under(case.treaty).law.measure(req.measure),
    )
    session.flush()
    with recorded_at_end(session):
        record(
            session, case, actor, "case.amended", {"version": seq, "changed": changed, "note": note}
        )
        _apply(
            session, case, actor, Status.SCREENING, note=note or "information received", grounds=()
        )
        _screen(session, case, actor, screener, None, why="request amended")
    return case

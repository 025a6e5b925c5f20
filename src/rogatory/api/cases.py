"""``/api/v1/cases``: intake, listing, reading, and moving cases."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_
from sqlalchemy.orm import Session

from rogatory import inputs
from rogatory.accounts import assignment
from rogatory.accounts.service import Scope
from rogatory.api import case_views
from rogatory.api.deps import Db, HoldId, Svc, needs
from rogatory.errors import RogatoryError
from rogatory.inputs import Day, Identifier, Instant, LongText, ShortText
from rogatory.requests import custody, deadlines, deferral, flows
from rogatory.requests import queue as queue_
from rogatory.requests.basis import CITATION_MAX, REASON_MAX, BasisKind, Override, blocks
from rogatory.requests.holds import HoldStatus
from rogatory.requests.models import Case
from rogatory.requests.transitions import Ground, Status, approvals_needed

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Reader = Annotated[flows.Actor, Depends(needs(Scope.CASES_READ))]
Writer = Annotated[flows.Actor, Depends(needs(Scope.CASES_WRITE))]
POLICY = deadlines.Policy()
# The least a request document needs to be screened: shown in the API reference, and the
# first body the fuzzing in the tests sends.
EXAMPLE_REQUEST: dict[str, Any] = {
    "measure": "preservation",
    "requesting_state": "XAA",
    "requested_state": "XAB",
    "submitted_on": "2026-09-01",
    "data": {"identifiers": ["acct-0001"]},
}


class GroundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: LongText = Field(min_length=1)
    provision: ShortText = Field(min_length=1, examples=["uncc:art-40:para-21"])
    ground: ShortText | None = Field(
        default=None,
        examples=["refusal.essential_interests"],
        description="the ground for refusal this is (a rule id of the measures table's "
        "grounds); where the measure's list is closed it must be one of them",
    )


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Status
    note: LongText | None = None
    grounds: list[GroundIn] = Field(default_factory=list, max_length=inputs.MAX_ITEMS)


class AcknowledgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: ShortText = Field(min_length=1)
    note: LongText = Field(min_length=1)


class OverrideIn(BaseModel):
    """Another legal basis for a case whose screening blocks approval, and why."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["instrument", "domestic_law"] = Field(
        description="another instrument in force between the States, or domestic law"
    )
    citation: str = Field(
        min_length=1,
        max_length=CITATION_MAX,
        examples=["Treaty on Mutual Legal Assistance between XAA and XAB (2019), art. 5"],
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX)


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: LongText | None = None
    partial: bool = False
    override: OverrideIn | None = Field(
        default=None,
        description="required when the latest screening is neither proceed nor review; "
        "both approvers cite the same basis",
    )


class BasisOut(BaseModel):
    kind: BasisKind
    citation: str


class GivenApprovalOut(BaseModel):
    by: str
    at: datetime
    note: str | None
    basis: BasisOut
    override_reason: str | None


class ApprovalStateOut(BaseModel):
    """The approvals that count now: those given on the latest screening in this round."""

    screening: int
    outcome: str
    override_needed: bool
    needed: int
    given: list[GivenApprovalOut]


class ScreeningSummaryOut(BaseModel):
    seq: int
    outcome: str
    displayed_outcome: str = Field(description="the stored outcome as today's rules name it")
    outcome_note: str | None = None
    treaty: str = Field(description="the treaty (bundle id) the case was screened under")
    as_of: date
    bundle_revision: str


class CaseSummaryOut(BaseModel):
    id: str
    reference: str | None
    measure: str
    treaty: str
    requesting_state: str
    requested_state: str
    status: Status
    assigned_to: str | None
    urgent: bool
    intrusive: bool
    received_at: datetime
    due_at: datetime
    standing: str
    screening: ScreeningSummaryOut


class ApprovedCaseOut(CaseSummaryOut):
    approval: ApprovalStateOut


class ScreeningDetailOut(ScreeningSummaryOut):
    decision: dict[str, Any] = Field(description="the screening's findings and outcome")


class CaseOut(CaseSummaryOut):
    """A case whole: its request document, latest screening decision, approvals and steps."""

    request: dict[str, Any] = Field(description="the request document (/api/v1/schema/request)")
    screening: ScreeningDetailOut
    approval: ApprovalStateOut
    steps: case_views.StepsOut


class CasePageOut(BaseModel):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: last")


class AcknowledgementOut(BaseModel):
    rule: str
    note: str
    by: str
    at: datetime


class ScreeningOut(ScreeningSummaryOut):
    screened_at: datetime
    screened_by: str


class ScreeningDecisionOut(ScreeningOut):
    decision: dict[str, Any] = Field(description="the screening's findings and outcome")


class ScreeningsOut(BaseModel):
    items: list[ScreeningOut]


class NonDisclosureOut(BaseModel):
    ordered_on: date
    ends_on: date | None


class CaseHoldOut(case_views.HoldOut):
    case_id: str


class ReviewDueOut(BaseModel):
    case_id: str
    review_on: date


class AttentionOut(BaseModel):
    as_of: date
    overdue: list[CaseSummaryOut]
    at_risk: list[CaseSummaryOut]
    hold_reminders: list[CaseHoldOut]
    holds_continued: list[CaseHoldOut]
    holds_lapsed: list[CaseHoldOut]
    postponements_to_review: list[ReviewDueOut]
    confidentiality_pending: list[str]
    notifications_due: list[str]


def approval_state(db: Session, case: Case) -> ApprovalStateOut:
    screening = flows.latest_screening(db, case)
    state = flows.state_of(db, case)
    return ApprovalStateOut(
        screening=screening.seq,
        outcome=screening.outcome,
        override_needed=blocks(state.outcome),
        needed=approvals_needed(state),
        given=[
            GivenApprovalOut(
                by=a.by,
                at=a.at,
                note=a.note,
                basis=BasisOut(kind=BasisKind(a.basis_kind), citation=a.basis_citation),
                override_reason=a.override_reason,
            )
            for a in flows.standing_approvals(db, case, screening)
        ],
    )


def case_json(db: Session, case: Case, *, full: bool = False) -> dict[str, Any]:
    screening = flows.latest_screening(db, case)
    out: dict[str, Any] = {
        "id": case.id,
        "reference": case.reference,
        "measure": case.measure,
        "treaty": case.treaty,
        "requesting_state": case.requesting_state,
        "requested_state": case.requested_state,
        "status": case.status,
        "assigned_to": case.assigned_to,
        "urgent": case.urgent,
        "intrusive": case.intrusive,
        "received_at": case.received_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "standing": POLICY.standing(case.received_at, case.due_at, datetime.now(UTC)).value,
        "screening": {
            "seq": screening.seq,
            "outcome": screening.outcome,
            **case_views.displayed_of(screening).model_dump(),
            "treaty": screening.treaty,
            "as_of": screening.as_of.isoformat(),
            "bundle_revision": screening.bundle_revision,
        },
    }
    if full:
        out["request"] = case.request
        out["screening"]["decision"] = screening.decision
        out["approval"] = approval_state(db, case).model_dump(mode="json")
        out["steps"] = case_views.steps_of(db, case, date.today()).model_dump(mode="json")
    return out


def _cursor(case: Case) -> str:
    raw = json.dumps([case.due_at.isoformat(), case.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    """The position a cursor of ``_cursor`` holds; anything else is refused, whatever it
    decodes to (another shape, a time without its offset, a time past the calendar)."""
    try:
        due, case_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = datetime.fromisoformat(due)
        if when.tzinfo is None or not isinstance(case_id, str) or inputs.unstorable(case_id):
            raise ValueError("not a cursor of this API")
        return inputs.as_utc(when), case_id
    except (ValueError, TypeError):
        raise RogatoryError(
            "request.invalid_cursor", "field cursor: not a cursor returned by this API"
        ) from None


@router.post(
    "",
    operation_id="createCase",
    status_code=201,
    response_model=CaseSummaryOut,
    responses={
        200: {
            "model": CaseSummaryOut,
            "description": "a retry with the same Idempotency-Key: the case created first",
        }
    },
)
def create_case(
    response: Response,
    actor: Writer,
    db: Db,
    svc: Svc,
    document: Annotated[
        dict[str, Any],
        Body(
            description="The request document (see /api/v1/schema/request)",
            examples=[EXAMPLE_REQUEST],
        ),
    ],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    treaty: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=r"^[a-z0-9_-]+$",
            description="the treaty to screen under (a bundle id); default: the service's",
        ),
    ] = None,
) -> dict[str, Any]:
    """Create a case from a request document; it is screened at once, under ``treaty``, which
    the case keeps. A retried request with the same Idempotency-Key returns the case created
    the first time (200, not 201)."""
    case, created = flows.intake(
        db,
        actor,
        document,
        svc.screener,
        policy=POLICY,
        idempotency_key=idempotency_key,
        treaty=treaty,
    )
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return case_json(db, case)


@router.get("", operation_id="listCases", response_model=CasePageOut)
def list_cases(
    actor: Reader,
    db: Db,
    status: Annotated[Status | None, Query()] = None,
    measure: Annotated[str | None, Query()] = None,
    requesting_state: Annotated[str | None, Query(min_length=2, max_length=3)] = None,
    due_before: Annotated[Instant | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=254)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Cases of the caller's organisation by deadline, with filters and a cursor.
    ``assignee`` is an email, or ``-`` for cases nobody is assigned; ``q`` searches the
    reference and the request's text (identifiers among it)."""
    filters = queue_.Filters(status, measure, requesting_state, due_before, assignee, q)
    query = queue_.select_cases(actor, filters)
    if cursor is not None:
        due, case_id = _decode(cursor)
        query = query.where(or_(Case.due_at > due, and_(Case.due_at == due, Case.id > case_id)))
    rows = db.execute(query.limit(limit + 1)).scalars().all()
    page = rows[:limit]
    return {
        "items": [case_json(db, c) for c in page],
        "next_cursor": _cursor(page[-1]) if len(rows) > limit else None,
    }


@router.get("/{case_id}", operation_id="getCase", response_model=CaseOut)
def get_case(case_id: str, actor: Reader, db: Db) -> dict[str, Any]:
    """One case with its request and latest screening decision."""
    return case_json(db, flows.get_or_raise(db, actor, case_id), full=True)


@router.post("/{case_id}/transitions", operation_id="transitionCase", response_model=CaseSummaryOut)
def transition_case(
    case_id: str, body: TransitionIn, actor: Writer, db: Db, svc: Svc
) -> dict[str, Any]:
    """Move a case; refused moves answer 409, failed guards 422 with every reason."""
    grounds = [Ground(g.reason, g.provision, g.ground) for g in body.grounds]
    case = flows.transition(
        db, actor, case_id, body.to, svc.lifecycle, note=body.note, grounds=grounds
    )
    return case_json(db, case)


@router.post(
    "/{case_id}/acknowledgements",
    operation_id="acknowledgeFinding",
    status_code=201,
    response_model=AcknowledgementOut,
)
def acknowledge(case_id: str, body: AcknowledgementIn, actor: Writer, db: Db) -> dict[str, Any]:
    """Acknowledge a review finding of the latest screening, with a note."""
    ack = flows.acknowledge(db, actor, case_id, body.rule, body.note)
    return {"rule": ack.rule, "note": ack.note, "by": ack.by, "at": ack.at.isoformat()}


@router.post("/{case_id}/approvals", operation_id="approveCase")
def approve(case_id: str, body: ApprovalIn, actor: Writer, db: Db, svc: Svc) -> ApprovedCaseOut:
    """Approve a case on its latest screening; intrusive measures need two different
    approvers. A screening other than proceed or review is approved only with an
    ``override`` (another basis and a reason) given by two different approvers."""
    given = body.override
    override = Override.of(given.kind, given.citation, given.reason) if given else None
    case = flows.approve(
        db,
        actor,
        case_id,
        svc.lifecycle,
        note=body.note,
        partial=body.partial,
        override=override,
    )
    return ApprovedCaseOut.model_validate(
        {**case_json(db, case), "approval": approval_state(db, case)}
    )


@router.put("/{case_id}/request", operation_id="amendRequest", response_model=CaseOut)
def amend_request(
    case_id: str,
    actor: Writer,
    db: Db,
    svc: Svc,
    document: Annotated[
        dict[str, Any],
        Body(description="The amended request document (see /api/v1/schema/request)"),
    ],
    note: Annotated[LongText | None, Query()] = None,
) -> dict[str, Any]:
    """Supply the information an ``info_requested`` case waits for: the amended document
    replaces the current one (kept as a version), and the case is screened again."""
    case = flows.amend(db, actor, case_id, document, svc.screener, svc.lifecycle, note=note)
    return case_json(db, case, full=True)


class RescreenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: Day | None = Field(default=None, description="the legal date; default: the request's")


def screening_json(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "outcome": row.outcome,
        **case_views.displayed_of(row).model_dump(),
        "treaty": row.treaty,
        "as_of": row.as_of.isoformat(),
        "bundle_revision": row.bundle_revision,
        "screened_at": row.screened_at.isoformat(),
        "screened_by": row.screened_by,
    }


@router.post(
    "/{case_id}/screenings",
    operation_id="rescreenCase",
    status_code=201,
    response_model=ScreeningDecisionOut,
)
def rescreen(case_id: str, body: RescreenIn, actor: Writer, db: Db, svc: Svc) -> dict[str, Any]:
    """Screen the case again (as of another date, or under newer law); the history is kept
    and the new decision's review findings need acknowledging afresh."""
    row = flows.rescreen(db, actor, case_id, svc.screener, body.on)
    return {**screening_json(row), "decision": row.decision}


@router.get("/{case_id}/screenings", operation_id="listScreenings", response_model=ScreeningsOut)
def list_screenings(case_id: str, actor: Reader, db: Db) -> dict[str, Any]:
    """Every screening decision of the case, oldest first."""
    return {"items": [screening_json(r) for r in flows.screenings(db, actor, case_id)]}


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: ShortText | None = Field(default=None, description="an email; null to unassign")


@router.put("/{case_id}/assignment", operation_id="assignCase", response_model=CaseSummaryOut)
def assign(case_id: str, body: AssignmentIn, actor: Writer, db: Db) -> dict[str, Any]:
    """Give the case to a person of the organisation who works cases (or to nobody)."""
    return case_json(db, assignment.assign(db, actor, case_id, body.assignee))


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifiers: list[Identifier] = Field(min_length=1, max_length=inputs.MAX_IDENTIFIERS)
    days: int = Field(ge=1, le=3650)
    start: Day | None = None


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expiry: Day


class NonDisclosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ordered_on: Day
    ends_on: Day | None = None


def hold_json(db: Session, row: Any, on: date | None = None) -> dict[str, Any]:
    """A hold with its effective status on ``on`` (default today)."""
    return case_views.hold_of(db, row, on or date.today()).model_dump(mode="json")


@router.post(
    "/{case_id}/holds", operation_id="placeHold", status_code=201, response_model=case_views.HoldOut
)
def place_hold(case_id: str, body: HoldIn, actor: Writer, db: Db, svc: Svc) -> dict[str, Any]:
    """Preserve data for a case: never shorter than the minimum its treaty sets, in force on
    the case's screening date (UN Convention Art 42: 60 days, level model; Budapest Art 29(7):
    sixty days)."""
    case = flows.get_or_raise(db, actor, case_id)
    minimum = flows.hold_minimum(db, case, svc.screener)
    row = custody.place_hold(
        db,
        actor,
        case_id,
        body.identifiers,
        body.start or date.today(),
        body.days,
        minimum_days=minimum.days,
        minimum_basis=minimum.basis,
    )
    return hold_json(db, row)


@router.post(
    "/{case_id}/holds/{hold_id}/extension",
    operation_id="extendHold",
    response_model=case_views.HoldOut,
)
def extend_hold(
    case_id: str, hold_id: HoldId, body: ExtensionIn, actor: Writer, db: Db
) -> dict[str, Any]:
    """Extend an active (or continued) hold to a later expiry."""
    row = custody.extend_hold(db, actor, case_id, hold_id, body.expiry, date.today())
    return hold_json(db, row)


@router.post(
    "/{case_id}/holds/{hold_id}/release",
    operation_id="releaseHold",
    response_model=case_views.HoldOut,
)
def release_hold(case_id: str, hold_id: HoldId, actor: Writer, db: Db) -> dict[str, Any]:
    """Release an active (or continued) hold."""
    return hold_json(db, custody.release_hold(db, actor, case_id, hold_id, date.today()))


@router.put(
    "/{case_id}/non-disclosure", operation_id="orderNonDisclosure", response_model=NonDisclosureOut
)
def order_non_disclosure(
    case_id: str, body: NonDisclosureIn, actor: Writer, db: Db
) -> dict[str, Any]:
    """Record a non-disclosure order and when it ends; user notification falls due then."""
    row = custody.order_non_disclosure(db, actor, case_id, body.ordered_on, body.ends_on)
    return {
        "ordered_on": row.ordered_on.isoformat(),
        "ends_on": row.ends_on.isoformat() if row.ends_on else None,
    }


queue = APIRouter(prefix="/api/v1/queue", tags=["queue"])


@queue.get("/attention", operation_id="needsAttention", response_model=AttentionOut)
def needs_attention(
    actor: Reader, db: Db, on: Annotated[Day | None, Query()] = None
) -> dict[str, Any]:
    """What must not be missed today: overdue and at-risk cases, holds to renew, holds that
    lapsed and holds continued pending a follow-up request's decision, postponements to
    review, confidentiality to answer, users to tell."""
    day = on or date.today()
    now = datetime.combine(day, datetime.now(UTC).timetz()) if on else datetime.now(UTC)
    standing = custody.by_standing(db, actor, now, POLICY)
    return {
        "as_of": day.isoformat(),
        "overdue": [case_json(db, c) for c in standing[deadlines.Standing.OVERDUE]],
        "at_risk": [case_json(db, c) for c in standing[deadlines.Standing.AT_RISK]],
        "hold_reminders": [
            {"case_id": c.id, **hold_json(db, h, day)}
            for c, h in custody.reminders_due(db, actor, day)
        ],
        **{
            key: [
                {"case_id": c.id, **hold_json(db, h, day)}
                for c, h in custody.by_status(db, actor, day, wanted)
            ]
            for key, wanted in (
                ("holds_continued", HoldStatus.CONTINUED),
                ("holds_lapsed", HoldStatus.EXPIRED),
            )
        },
        "postponements_to_review": [
            {"case_id": c.id, "review_on": on_.isoformat()}
            for c, on_ in deferral.due_for_review(db, actor, day)
        ],
        "confidentiality_pending": [c.id for c in custody.confidentiality_pending(db, actor)],
        "notifications_due": [c.id for c in custody.notifications_due(db, actor, day)],
    }

"""``/api/v1/cases/{id}/…``: the steps of a case beyond approving and refusing it.

Postponing (model UNTOC Art 18(25)) and consulting the requesting State (18(26)); the
follow-up request of a preservation case, which keeps its holds from lapsing until decided
(Art 42; model Budapest Art 29(7)); the answer to a request for confidentiality (18(20)); and
the disclosure of preserved traffic data, a step of a preservation case (Art 43; model
Budapest Art 30). Each error is a documented problem+json naming the field and the rule.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from rogatory.accounts.service import Scope
from rogatory.api import case_views
from rogatory.api.cases import CaseOut, case_json
from rogatory.api.deps import Db, RowId, Svc, needs
from rogatory.api.problems import documented
from rogatory.inputs import Day
from rogatory.requests import custody, flows, follow_up, traffic
from rogatory.requests.transitions import TEXT_MAX, Consultation, Postponement, Status

router = APIRouter(prefix="/api/v1/cases", tags=["case steps"])
Reader = Annotated[flows.Actor, Depends(needs(Scope.CASES_READ))]
Writer = Annotated[flows.Actor, Depends(needs(Scope.CASES_WRITE))]
MOVE_ERRORS = ("case.invalid_transition", "case.guard_failed", "request.invalid")


class PostponementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proceedings: str = Field(
        min_length=1,
        max_length=TEXT_MAX,
        description="the ongoing investigation, prosecution or judicial proceeding that "
        "execution would interfere with",
    )
    review_on: Day = Field(description="when to review the postponement; after today")
    reason: str = Field(min_length=1, max_length=TEXT_MAX)


class ConsultationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    considering: Literal["refusal", "postponement"] = Field(
        description="the decision the consultation comes before"
    )
    proposal: str = Field(
        min_length=1,
        max_length=TEXT_MAX,
        description="what was proposed: the terms and conditions on which assistance might "
        "still be given",
    )
    reason: str = Field(min_length=1, max_length=TEXT_MAX)


@router.post(
    "/{case_id}/postponement",
    operation_id="postponeCase",
    response_model=CaseOut,
    responses=documented("case.invalid_postponement", *MOVE_ERRORS),
)
def postpone(case_id: str, body: PostponementIn, actor: Writer, db: Db, svc: Svc) -> dict[str, Any]:
    """Postpone execution because it would interfere with ongoing domestic proceedings: from
    ``in_review`` or ``in_consultation``, by a reviewer or approver, every review finding
    acknowledged. Resume with a transition to ``in_review`` (with a note)."""
    postponement = Postponement.of(body.proceedings, body.review_on, date.today())
    case = flows.transition(
        db,
        actor,
        case_id,
        Status.POSTPONED,
        svc.lifecycle,
        note=body.reason,
        postponement=postponement,
    )
    return case_json(db, case, full=True)


@router.post(
    "/{case_id}/consultations",
    operation_id="consultRequestingState",
    response_model=CaseOut,
    responses=documented("case.invalid_consultation", *MOVE_ERRORS),
)
def consult(case_id: str, body: ConsultationIn, actor: Writer, db: Db, svc: Svc) -> dict[str, Any]:
    """Consult the requesting State before refusing or postponing, recording what was
    proposed. End it with a transition to ``in_review`` (a note on the outcome), or refuse or
    postpone from ``in_consultation``."""
    consultation = Consultation.of(body.considering, body.proposal)
    case = flows.transition(
        db,
        actor,
        case_id,
        Status.IN_CONSULTATION,
        svc.lifecycle,
        note=body.reason,
        consultation=consultation,
    )
    return case_json(db, case, full=True)


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received_on: Day
    reference: str = Field(min_length=1, max_length=follow_up.REFERENCE_MAX)
    follow_up_case_id: str | None = Field(
        default=None, description="the case in rogatory that handles the follow-up request"
    )


class FollowUpDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decided_on: Day
    outcome: follow_up.Outcome


FOLLOW_UP_ERRORS = ("case.not_preservation", "case.not_open", "case.invalid_follow_up")


@router.post(
    "/{case_id}/follow-up",
    operation_id="recordFollowUpReceived",
    status_code=201,
    responses=documented("case.follow_up_recorded", *FOLLOW_UP_ERRORS, "request.invalid"),
)
def follow_up_received(
    case_id: str, body: FollowUpIn, actor: Writer, db: Db
) -> case_views.FollowUpOut:
    """Record that the follow-up request for mutual legal assistance of a preservation case
    was received: its holds then do not lapse at their end date until it is decided."""
    follow_up.received(
        db,
        actor,
        case_id,
        body.received_on,
        body.reference,
        body.follow_up_case_id,
        today=date.today(),
    )
    return _follow_up(db, actor, case_id)


@router.post(
    "/{case_id}/follow-up/decision",
    operation_id="recordFollowUpDecision",
    responses=documented(
        "case.follow_up_missing", "case.follow_up_decided", *FOLLOW_UP_ERRORS, "request.invalid"
    ),
)
def follow_up_decided(
    case_id: str, body: FollowUpDecisionIn, actor: Writer, db: Db
) -> case_views.FollowUpOut:
    """Record the decision on the follow-up request; from that day the holds may lapse."""
    follow_up.decided(db, actor, case_id, body.decided_on, body.outcome.value, today=date.today())
    return _follow_up(db, actor, case_id)


def _follow_up(db: Db, actor: flows.Actor, case_id: str) -> case_views.FollowUpOut:
    found = case_views.follow_up_of(db, flows.get_or_raise(db, actor, case_id), date.today())
    assert found is not None
    return found


class ConfidentialityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Literal["keep", "cannot"]
    reason: str | None = Field(
        default=None,
        max_length=TEXT_MAX,
        description="required for 'cannot': the reason the requesting State was given",
    )
    told_on: Day | None = Field(
        default=None, description="for 'cannot': when the requesting State was told (today)"
    )


@router.put(
    "/{case_id}/confidentiality",
    operation_id="answerConfidentiality",
    responses=documented(
        "case.confidentiality_not_requested", "case.invalid_confidentiality", "request.invalid"
    ),
)
def answer_confidentiality(
    case_id: str, body: ConfidentialityIn, actor: Writer, db: Db
) -> case_views.ConfidentialityOut:
    """Answer a request that asked to be kept confidential: kept, or it cannot be, with the
    reason the requesting State was promptly given (model UNTOC Art 18(20))."""
    today = date.today()
    custody.answer_confidentiality(
        db, actor, case_id, body.answer, body.reason, body.told_on or today, today=today
    )
    return case_views.confidentiality_of(db, flows.get_or_raise(db, actor, case_id), today)


class TrafficDisclosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_state: str = Field(min_length=3, max_length=3, examples=["XAC"])
    provider: str = Field(min_length=1, max_length=traffic.LIMITS["provider"])
    traffic_data: str = Field(
        min_length=1,
        max_length=traffic.LIMITS["traffic_data"],
        description="a short description of the traffic data disclosed: enough to identify "
        "the provider and the path of the communication",
    )
    grounds_note: str = Field(
        min_length=1,
        max_length=traffic.LIMITS["grounds_note"],
        description="the reviewer's note on the grounds on which it may be withheld",
    )
    withheld_on: list[str] = Field(
        default_factory=list,
        description="grounds it is withheld on, from the listed grounds only; empty: disclose",
    )


class TrafficApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=TEXT_MAX)


@router.get(
    "/{case_id}/traffic-disclosures",
    operation_id="listTrafficDisclosures",
    responses=documented("case.not_preservation"),
)
def list_traffic(case_id: str, actor: Reader, db: Db) -> case_views.TrafficDisclosuresOut:
    """A preservation case's disclosures of preserved traffic data, and the grounds (with
    their citations and verification levels) on which one may be withheld."""
    case = flows.get_or_raise(db, actor, case_id)
    follow_up.require_preservation(case, "a disclosure of preserved traffic data")
    return case_views.traffic_of(db, case)


@router.post(
    "/{case_id}/traffic-disclosures",
    operation_id="prepareTrafficDisclosure",
    status_code=201,
    responses=documented(
        "case.not_preservation",
        "case.not_approved",
        "case.invalid_traffic_disclosure",
        "request.invalid",
    ),
)
def prepare_traffic(
    case_id: str, body: TrafficDisclosureIn, actor: Writer, db: Db
) -> case_views.TrafficDisclosuresOut:
    """Prepare a partial disclosure of preserved traffic data on an approved preservation
    case (Art 43): the other State, the provider found, the data, the note on the grounds."""
    traffic.prepare(
        db,
        actor,
        case_id,
        other_state=body.other_state,
        provider=body.provider,
        traffic_data=body.traffic_data,
        grounds_note=body.grounds_note,
        withheld_on=body.withheld_on,
    )
    return case_views.traffic_of(db, flows.get_or_raise(db, actor, case_id))


@router.post(
    "/{case_id}/traffic-disclosures/{step_id}/approvals",
    operation_id="approveTrafficDisclosure",
    responses=documented("case.step_decided", "case.guard_failed", "request.invalid"),
)
def approve_traffic(
    case_id: str, step_id: RowId, body: TrafficApprovalIn, actor: Writer, db: Db
) -> case_views.TrafficDisclosuresOut:
    """Approve a pending disclosure; the case's usual rule says how many different approvers
    (two for four eyes), never its preparer."""
    traffic.approve(db, actor, case_id, step_id, body.note)
    return case_views.traffic_of(db, flows.get_or_raise(db, actor, case_id))

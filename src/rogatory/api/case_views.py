"""Read models of a case's steps: its follow-up request, its confidentiality task, its
postponements and consultations, and its disclosures of preserved traffic data.

Each is built from the stored rows by the ``requests`` functions that hold the rules, so the
API and the case page say the same thing; each legal rule shown carries its citation and the
verification level of that citation.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from rogatory.law.citation import Citation, Level
from rogatory.requests import custody, deferral, follow_up, traffic
from rogatory.requests.confidentiality import CONSTANT as CONFIDENTIALITY
from rogatory.requests.confidentiality import Task
from rogatory.requests.displayed import displayed
from rogatory.requests.holds import HoldStatus
from rogatory.requests.models import Case, HoldRow, Screening


class CiteOut(BaseModel):
    label: str = Field(examples=["UNCC Art. 42"])
    provision: str = Field(examples=["uncc:art-42"])
    verification: Level
    model: str | None = Field(default=None, examples=["ETS185 Art. 29(7)"])

    @classmethod
    def of(cls, cite: Citation) -> CiteOut:
        return cls(
            label=cite.label,
            provision=cite.provision_id,
            verification=cite.verification,
            model=cite.model,
        )


def _constant_cite(name: str | None, on: date, treaty: str) -> CiteOut | None:
    cite = deferral.citation(name, on, treaty) if name else None
    return CiteOut.of(cite) if cite else None


class DisplayedOut(BaseModel):
    """The stored outcome as today's rules name it (``outcome`` itself is never rewritten)."""

    displayed_outcome: str
    outcome_note: str | None


def displayed_of(row: Screening) -> DisplayedOut:
    shown = displayed(row.outcome, row.decision)
    return DisplayedOut(displayed_outcome=shown.outcome, outcome_note=shown.note)


class HoldOut(BaseModel):
    id: int
    identifiers: list[str]
    start: date
    expiry: date
    released_on: date | None
    extensions: list[str]
    status: HoldStatus = Field(
        description="effective today: 'continued' past the end date while the follow-up "
        "request is pending decision"
    )


def hold_of(db: Session, row: HoldRow, on: date) -> HoldOut:
    return HoldOut(
        id=row.id,
        identifiers=row.identifiers,
        start=row.start,
        expiry=row.expiry,
        released_on=row.released_on,
        extensions=row.extensions,
        status=custody.status(db, row, on),
    )


class FollowUpOut(BaseModel):
    received_on: date
    reference: str
    follow_up_case_id: str | None
    recorded_by: str
    decided_on: date | None
    outcome: follow_up.Outcome | None
    pending: bool = Field(description="received and not yet decided, as of today")
    continues_pending_decision: bool = Field(
        description="the bundle's preservation.mla_continues_pending_decision on the day it "
        "was received: the holds do not lapse while it is pending"
    )
    cite: CiteOut | None


def follow_up_of(db: Session, case: Case, on: date) -> FollowUpOut | None:
    row = follow_up.of_case(db, case.id)
    if row is None:
        return None
    fact = follow_up.domain(row)
    assert fact is not None
    return FollowUpOut(
        received_on=row.received_on,
        reference=row.reference,
        follow_up_case_id=row.follow_up_case_id,
        recorded_by=row.recorded_by,
        decided_on=row.decided_on,
        outcome=follow_up.Outcome(row.outcome) if row.outcome else None,
        pending=fact.pending(on),
        continues_pending_decision=follow_up.by_law(fact, case.treaty, case.measure),
        cite=_constant_cite(
            follow_up.continues_constant(case.treaty, case.measure), row.received_on, case.treaty
        ),
    )


class ConfidentialityOut(BaseModel):
    requested: bool
    task: Task = Field(description="pending: keep it confidential, or tell the requesting State")
    answer: str | None
    reason: str | None
    told_on: date | None
    by: str | None
    cite: CiteOut | None


def confidentiality_of(db: Session, case: Case, on: date) -> ConfidentialityOut:
    state, row = custody.confidentiality_task(db, case)
    return ConfidentialityOut(
        requested=state is not Task.NOT_REQUESTED,
        task=state,
        answer=row.answer if row else None,
        reason=row.reason if row else None,
        told_on=row.told_on if row else None,
        by=row.by if row else None,
        cite=_constant_cite(CONFIDENTIALITY, on, case.treaty),
    )


class EndedOut(BaseModel):
    to: str
    by: str
    at: datetime
    note: str | None


class DeferralOut(BaseModel):
    kind: str = Field(examples=["postponement", "consultation"])
    by: str
    at: datetime
    reason: str | None
    details: dict[str, str]
    ended: EndedOut | None


class DeferralsOut(BaseModel):
    steps: list[DeferralOut]
    consulted_before_decision: bool | None = Field(
        description="for a refused or postponed case: whether the requesting State was "
        "consulted first; null otherwise"
    )
    notice: str | None
    postponement_cite: CiteOut | None
    consultation_cite: CiteOut | None


def deferrals_of(db: Session, case: Case, on: date) -> DeferralsOut:
    found = deferral.of_case(db, case)
    return DeferralsOut(
        steps=[
            DeferralOut(
                kind=s.kind,
                by=s.by,
                at=s.at,
                reason=s.reason,
                details=s.details,
                ended=EndedOut(to=s.ended.to, by=s.ended.by, at=s.ended.at, note=s.ended.note)
                if s.ended
                else None,
            )
            for s in found.steps
        ],
        consulted_before_decision=found.consulted,
        notice=found.notice(on, case.treaty),
        postponement_cite=_constant_cite(deferral.POSTPONE, on, case.treaty),
        consultation_cite=_constant_cite(deferral.CONSULT, on, case.treaty),
    )


class TrafficGroundOut(BaseModel):
    rule: str
    statement: str
    cites: list[CiteOut]


class TrafficApprovalOut(BaseModel):
    by: str
    at: datetime
    note: str | None


class TrafficDisclosureOut(BaseModel):
    id: int
    other_state: str
    provider: str
    traffic_data: str
    grounds_note: str
    withheld_on: list[str]
    status: traffic.StepStatus
    prepared_by: str
    prepared_at: datetime
    approved_at: datetime | None
    approvals: list[TrafficApprovalOut]
    needed: int


class TrafficDisclosuresOut(BaseModel):
    """The case's disclosures of preserved traffic data, and the only grounds on which one
    may be withheld (the bundle's measures table), each with its citations."""

    items: list[TrafficDisclosureOut]
    grounds: list[TrafficGroundOut]
    grounds_closed: bool
    grounds_cite: CiteOut


def traffic_ground_list(treaty: str) -> list[TrafficGroundOut]:
    return [
        TrafficGroundOut(rule=g.rule, statement=g.statement, cites=[CiteOut.of(c) for c in g.cites])
        for g in traffic.grounds(treaty)
    ]


def traffic_of(db: Session, case: Case) -> TrafficDisclosuresOut:
    needed = traffic.needed(db, case)
    facts = traffic.facts(case.treaty)
    return TrafficDisclosuresOut(
        items=[
            TrafficDisclosureOut(
                id=r.id,
                other_state=r.other_state,
                provider=r.provider,
                traffic_data=r.traffic_data,
                grounds_note=r.grounds_note,
                withheld_on=r.withheld_on,
                status=traffic.StepStatus(r.status),
                prepared_by=r.prepared_by,
                prepared_at=r.prepared_at,
                approved_at=r.approved_at,
                approvals=[
                    TrafficApprovalOut(by=a.by, at=a.at, note=a.note)
                    for a in traffic.approvals(db, r)
                ],
                needed=needed,
            )
            for r in traffic.of_case(db, case)
        ],
        grounds=traffic_ground_list(case.treaty),
        grounds_closed=facts.grounds_closed,
        grounds_cite=CiteOut.of(facts.grounds_cite),
    )


class StepsOut(BaseModel):
    """Everything about a case beyond its status, request and screening."""

    follow_up: FollowUpOut | None
    confidentiality: ConfidentialityOut
    deferrals: DeferralsOut
    traffic_disclosures: TrafficDisclosuresOut | None = Field(
        description="only on preservation cases"
    )


def steps_of(db: Session, case: Case, on: date) -> StepsOut:
    preservation = follow_up.is_preservation(case)
    return StepsOut(
        follow_up=follow_up_of(db, case, on),
        confidentiality=confidentiality_of(db, case, on),
        deferrals=deferrals_of(db, case, on),
        traffic_disclosures=traffic_of(db, case) if preservation else None,
    )

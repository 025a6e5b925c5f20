"""The partial disclosure of preserved traffic data: a step of a preservation case (Art 43).

While executing a request to preserve traffic data, the requested State may discover that a
service provider in another State was involved in the transmission. It then discloses
expeditiously enough traffic data to identify that provider and the path of the
communication (model: Budapest Art 30(1)). This is not a request of its own: it is taken on
the preservation case, once the preservation is approved, and it may only be withheld on the
grounds the bundle's measures table lists for ``traffic_disclosure`` (model: Budapest
Art 30(2), a political offence or essential interests; the persecution clause is kept for
every measure). The reviewer records the other State, the provider, the data disclosed and a
note on those grounds; the step is approved under the case's usual rule (``approvals_needed``:
two different approvers where the case needs four eyes), never by the one who prepared it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.errors import RogatoryError
from rogatory.law.bundle import MeasureFacts
from rogatory.law.citation import Citation, parse_provision_id
from rogatory.requests import flows, permissions
from rogatory.requests.flows import APPROVED, Actor, get_or_raise, record
from rogatory.requests.models import Case, TrafficApproval, TrafficDisclosureRow
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Status, approvals_needed
from rogatory.safeguards import engine
from rogatory.treaty import catalogue

MEASURE = "traffic_disclosure"
EXECUTING = APPROVED | {Status.FULFILLED}  # the preservation is being, or was, executed
STATE = re.compile(r"^[A-Z]{3}$")
LIMITS = {"provider": 200, "traffic_data": 2000, "grounds_note": 2000}


class StepStatus(StrEnum):
    PENDING = "pending"  # waiting for approval
    DISCLOSED = "disclosed"
    WITHHELD = "withheld"  # on a ground the table allows


@dataclass(frozen=True)
class Ground:
    """A ground on which the disclosure may be withheld, with what it rests on."""

    rule: str
    statement: str
    cites: tuple[Citation, ...]


def facts(bundle_id: str) -> MeasureFacts:
    return catalogue.get(bundle_id).measures[MEASURE]


def grounds(bundle_id: str) -> list[Ground]:
    """The grounds the measures table allows for the step, each with its citations (and
    their verification levels), in the table's order."""
    bundle, rules = catalogue.get(bundle_id), engine.registry()
    out: list[Ground] = []
    for rule_id in facts(bundle_id).grounds:
        rule = rules.get(rule_id)
        cites = tuple(
            bundle.citation(article, paragraph)
            for _, article, paragraph in map(parse_provision_id, bundle.screening.get(rule_id, ()))
        )
        out.append(Ground(rule_id, engine.statement(rule, bundle), cites))
    return out


def _field(name: str, message: str) -> RogatoryError:
    return RogatoryError("case.invalid_traffic_disclosure", f"field {name}: {message}")


def _text(name: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > LIMITS[name]:
        raise _field(name, f"1 to {LIMITS[name]} characters ({len(value)} given)")
    return value


def prepare(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    other_state: str,
    provider: str,
    traffic_data: str,
    grounds_note: str,
    withheld_on: list[str] | None = None,
) -> TrafficDisclosureRow:
    """Record the step on a preservation case, pending approval."""
    permissions.require(actor.roles, Action.PREPARE_TRAFFIC_DISCLOSURE)
    case = get_or_raise(session, actor, case_id)
    table = facts(case.treaty)
    step_of = table.step_of
    if case.measure != step_of:
        raise RogatoryError(
            "case.not_preservation",
            f"the disclosure of preserved traffic data is a step of a {step_of} case "
            f"(Art {table.articles[0]}), not of a {case.measure} case",
        )
    if Status(case.status) not in EXECUTING:
        raise RogatoryError(
            "case.not_approved",
            f"traffic data is disclosed in the course of executing an approved preservation; "
            f"this case is {case.status}",
        )
    state = other_state.strip().upper()
    if not STATE.match(state):
        raise _field("other_state", f"{other_state!r} is not a three-letter State code")
    if state == case.requested_state:
        raise _field(
            "other_state",
            f"the provider found is in another State than the requested one ({state})",
        )
    allowed = [g.rule for g in grounds(case.treaty)]
    withheld = list(dict.fromkeys(withheld_on or []))
    bad = [g for g in withheld if g not in allowed]
    if bad:
        cite = table.grounds_cite
        raise _field(
            "withheld_on",
            f"{', '.join(bad)}: the disclosure may only be withheld on {', '.join(allowed)} "
            f"({cite.label}, {cite.verification.mark}"
            f"{', model ' + cite.model if cite.model else ''})",
        )
    row = TrafficDisclosureRow(
        case_id=case.id,
        other_state=state,
        provider=_text("provider", provider),
        traffic_data=_text("traffic_data", traffic_data),
        grounds_note=_text("grounds_note", grounds_note),
        withheld_on=withheld,
        status=StepStatus.PENDING.value,
        prepared_by=actor.user,
        prepared_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    record(
        session,
        case,
        actor,
        "traffic_disclosure.prepared",
        {
            "step": row.id,
            "other_state": row.other_state,
            "provider": row.provider,
            "withheld_on": withheld,
        },
    )
    return row


def approvals(session: Session, row: TrafficDisclosureRow) -> list[TrafficApproval]:
    return list(
        session.execute(
            select(TrafficApproval)
            .where(TrafficApproval.disclosure_id == row.id)
            .order_by(TrafficApproval.id)
        ).scalars()
    )


def needed(session: Session, case: Case) -> int:
    """The case's usual rule: one approver, two for four eyes."""
    return approvals_needed(flows.state_of(session, case))


def approve(
    session: Session, actor: Actor, case_id: str, step_id: int, note: str | None = None
) -> TrafficDisclosureRow:
    """An approval of a pending step; with enough different approvers, neither its preparer,
    the data is disclosed (or withheld, on the grounds it names)."""
    permissions.require(actor.roles, Action.APPROVE_TRAFFIC_DISCLOSURE)
    case = get_or_raise(session, actor, case_id)
    row = session.execute(
        select(TrafficDisclosureRow).where(
            TrafficDisclosureRow.id == step_id, TrafficDisclosureRow.case_id == case.id
        )
    ).scalar_one_or_none()
    if row is None:
        raise RogatoryError("case.not_found", f"no traffic disclosure {step_id} on this case")
    if row.status != StepStatus.PENDING.value:
        raise RogatoryError("case.step_decided", f"this disclosure is already {row.status}")
    given = [a.by for a in approvals(session, row)]
    if actor.user == row.prepared_by:
        raise RogatoryError(
            "case.guard_failed", "the reviewer who prepared the disclosure cannot approve it"
        )
    if actor.user in given:
        raise RogatoryError(
            "case.guard_failed",
            "a second approval must come from a different approver (four eyes)",
        )
    session.add(
        TrafficApproval(disclosure_id=row.id, by=actor.user, at=datetime.now(UTC), note=note)
    )
    count, need = len(given) + 1, needed(session, case)
    summary = {"step": row.id, "approvals": count, "needed": need, "note": note}
    if count >= need:
        row.status = (StepStatus.WITHHELD if row.withheld_on else StepStatus.DISCLOSED).value
        row.approved_at = datetime.now(UTC)
    session.flush()
    action = "traffic_disclosure." + (
        "approval_recorded" if row.status == StepStatus.PENDING.value else row.status
    )
    record(session, case, actor, action, summary)
    return row


def of_case(session: Session, case: Case) -> list[TrafficDisclosureRow]:
    return list(
        session.execute(
            select(TrafficDisclosureRow)
            .where(TrafficDisclosureRow.case_id == case.id)
            .order_by(TrafficDisclosureRow.id)
        ).scalars()
    )

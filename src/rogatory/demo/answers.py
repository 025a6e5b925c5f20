"""The demo's last chapter for each organisation: answering the requesting authorities.

After the cases have moved, a few are postponed or approved in part, a confidentiality that
cannot be kept is answered, and replies are drafted from the decisions through the real
services: refusals approved by a second person and sent (one delivered), requests for more
information sent, a postponement and a refusal waiting for their second person, a partial
approval, a confidentiality notice and acknowledgements of preservation sent. It picks its
cases in a fixed order and draws nothing at random, so the rest of the story is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial as partial_
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.law.decision import Outcome
from rogatory.replies import facts, service
from rogatory.replies.kinds import Kind, needs_second_person
from rogatory.replies.templates import Templates
from rogatory.requests import custody, flows
from rogatory.requests.basis import blocks
from rogatory.requests.models import Case
from rogatory.requests.transitions import Lifecycle, Postponement, Role, Status

Step = Callable[[Callable[[Session], Any]], Any]
CANNOT = "Our law obliges us to tell the account holder of a production order within 30 days."


def _cases(step: Step, org: str) -> list[tuple[str, str, bool]]:
    """The organisation's cases (id, status, asks for confidentiality), oldest first."""

    def read(s: Session) -> list[tuple[str, str, bool]]:
        rows = s.execute(
            select(Case.id, Case.status, Case.request)
            .where(Case.org_id == org)
            .order_by(Case.received_at)
        )
        return [(i, st, bool(req.get("confidentiality_requested"))) for i, st, req in rows]

    found: list[tuple[str, str, bool]] = step(read)
    return found


def _acknowledge_all(s: Session, who: flows.Actor, case_id: str) -> Outcome:
    case = flows.get_or_raise(s, who, case_id)
    state = flows.state_of(s, case)
    for rule in sorted(state.review_findings - state.acknowledged):
        flows.acknowledge(
            s, who, case_id, rule, "Read against the request and the facts it states."
        )
    return state.outcome


def _postpone(s: Session, who: flows.Actor, case_id: str, lifecycle: Lifecycle) -> None:
    flows.transition(
        s,
        who,
        case_id,
        Status.POSTPONED,
        lifecycle,
        note="Executing the request now would alert the suspects of our own investigation.",
        postponement=Postponement(
            "Investigation 2026/118 of the National Prosecutor into the same group",
            date.today() + timedelta(days=30),
        ),
    )


def _partially(
    s: Session, approvers: list[flows.Actor], case_id: str, lifecycle: Lifecycle
) -> None:
    for approver in approvers:
        case = flows.approve(
            s,
            approver,
            case_id,
            lifecycle,
            partial=True,
            note="The subscriber information is provided; the traffic data beyond the last "
            "30 days is no longer held and cannot be produced.",
        )
        if case.status != Status.IN_REVIEW.value:
            return


def _reply(
    step: Step,
    templates: Templates,
    drafter: flows.Actor,
    approver: flows.Actor | None,
    case_id: str,
    kind: Kind,
    *,
    send: bool = True,
    delivered: bool = False,
) -> bool:
    """Draft, approve where four eyes apply, send and deliver a reply, each its own step."""

    def available(s: Session) -> bool:
        return kind in facts.available(s, flows.get_or_raise(s, drafter, case_id))

    if not step(available):
        return False
    reply_id = step(lambda s: service.draft(s, drafter, case_id, kind.value, templates).id)
    if not send:
        return True
    if approver is not None and needs_second_person(kind):
        step(lambda s: service.approve(s, approver, case_id, reply_id))
    step(lambda s: service.send(s, drafter, case_id, reply_id))
    if delivered:
        step(lambda s: service.mark_delivered(s, drafter, case_id, reply_id, "download"))
    return True


def answer(
    step: Step,
    org: str,
    who: dict[Role, list[flows.Actor]],
    lifecycle: Lifecycle,
    templates: Templates,
) -> None:
    reviewer, approvers = who[Role.REVIEWER][0], who[Role.APPROVER]
    cases = _cases(step, org)
    reviewing = [c for c, st, _ in cases if st == Status.IN_REVIEW.value]
    postponed: list[str] = []
    partial: list[str] = []
    for case_id in reviewing:
        if len(postponed) == 2 and len(partial) == 2:
            break
        outcome = step(partial_(_acknowledge_all, who=reviewer, case_id=case_id))
        if len(postponed) < 2:
            step(partial_(_postpone, who=reviewer, case_id=case_id, lifecycle=lifecycle))
            postponed.append(case_id)
        elif not blocks(outcome):
            step(partial_(_partially, approvers=approvers, case_id=case_id, lifecycle=lifecycle))
            partial.append(case_id)
    cases = _cases(step, org)
    confidential = [c for c, st, asks in cases if asks and st not in ("withdrawn", "closed")]
    for n, case_id in enumerate(confidential[:2]):
        step(
            partial_(
                custody.answer_confidentiality,
                actor=reviewer,
                case_id=case_id,
                answer="cannot" if n == 0 else "keep",
                reason=CANNOT if n == 0 else None,
                told_on=date.today(),
                today=date.today(),
            )
        )
        if n == 0:
            _reply(step, templates, reviewer, None, case_id, Kind.CONFIDENTIALITY_NOTICE)
    by_status: dict[str, list[str]] = {}
    for case_id, status, _ in cases:
        by_status.setdefault(status, []).append(case_id)
    first, second = approvers[0], approvers[1]
    for n, case_id in enumerate(by_status.get(Status.REFUSED.value, [])[:4]):
        # three refusals sent (the first delivered), the fourth waiting for its second person
        _reply(
            step, templates, reviewer, first, case_id, Kind.REFUSAL, send=n < 3, delivered=n == 0
        )
    for case_id in by_status.get(Status.INFO_REQUESTED.value, [])[:3]:
        _reply(step, templates, reviewer, None, case_id, Kind.INFO_REQUEST)
    for case_id in postponed[:1]:
        _reply(step, templates, reviewer, second, case_id, Kind.POSTPONEMENT, send=False)
    for case_id in partial:
        _reply(step, templates, reviewer, second, case_id, Kind.PARTIAL_APPROVAL)
    preserved = by_status.get(Status.APPROVED.value, []) + by_status.get(Status.FULFILLED.value, [])
    acknowledged = 0
    for case_id in preserved:
        if acknowledged == 3:
            break
        acknowledged += _reply(step, templates, reviewer, None, case_id, Kind.PRESERVATION_ACK)

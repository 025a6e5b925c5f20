"""The case page's forms for a case's steps: postpone, consult, the follow-up request, the
confidentiality answer, and the disclosure of preserved traffic data.

Each runs like every case-page action (``cases._act``): in a savepoint, with the session's
CSRF token; a refusal brings the page back with the reason beside the panel that asked.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from rogatory.api.deps import Db, Svc
from rogatory.errors import RogatoryError
from rogatory.requests import custody, flows, follow_up, traffic
from rogatory.requests.transitions import Consultation, Postponement, Status
from rogatory.web.auth import Posted, Poster, actor
from rogatory.web.pages.cases import _act, _date, _fields

router = APIRouter(include_in_schema=False)


def _given(value: str, name: str) -> date:
    """A date the form must carry, with the field named when it does not."""
    if not value.strip():
        raise RogatoryError("case.invalid_date", f"field {name}: give a date (YYYY-MM-DD)")
    return _date(value.strip(), name)


@router.post("/cases/{case_id}/postpone")
def postpone(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)

    def run() -> None:
        given = Postponement.of(
            f.get("proceedings", ""), _given(f.get("review_on", ""), "review_on"), date.today()
        )
        flows.transition(
            db,
            actor(who),
            case_id,
            Status.POSTPONED,
            svc.lifecycle,
            note=f.get("reason") or None,
            postponement=given,
        )

    return _act(request, db, svc, who, case_id, "decision", run)


@router.post("/cases/{case_id}/consult")
def consult(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)

    def run() -> None:
        given = Consultation.of(f.get("considering", ""), f.get("proposal", ""))
        flows.transition(
            db,
            actor(who),
            case_id,
            Status.IN_CONSULTATION,
            svc.lifecycle,
            note=f.get("reason") or None,
            consultation=given,
        )

    return _act(request, db, svc, who, case_id, "decision", run)


@router.post("/cases/{case_id}/follow-up")
def follow_up_received(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "holds",
        lambda: follow_up.received(
            db,
            actor(who),
            case_id,
            _given(f.get("received_on", ""), "received_on"),
            f.get("reference", ""),
            f.get("follow_up_case_id", "").strip() or None,
            today=date.today(),
        ),
    )


@router.post("/cases/{case_id}/follow-up/decision")
def follow_up_decided(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "holds",
        lambda: follow_up.decided(
            db,
            actor(who),
            case_id,
            _given(f.get("decided_on", ""), "decided_on"),
            f.get("outcome", ""),
            today=date.today(),
        ),
    )


@router.post("/cases/{case_id}/confidentiality")
def confidentiality(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    today = date.today()
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "confidentiality",
        lambda: custody.answer_confidentiality(
            db, actor(who), case_id, f.get("answer", ""), f.get("reason"), today, today=today
        ),
    )


@router.post("/cases/{case_id}/traffic-disclosures")
def prepare_traffic(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    withheld = [v for v in form.getlist("withheld_on") if isinstance(v, str)]
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "traffic",
        lambda: traffic.prepare(
            db,
            actor(who),
            case_id,
            other_state=f.get("other_state", ""),
            provider=f.get("provider", ""),
            traffic_data=f.get("traffic_data", ""),
            grounds_note=f.get("grounds_note", ""),
            withheld_on=withheld,
        ),
    )


@router.post("/cases/{case_id}/traffic-disclosures/{step_id}/approve")
def approve_traffic(
    request: Request, case_id: str, step_id: int, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "traffic",
        lambda: traffic.approve(db, actor(who), case_id, step_id, f.get("note") or None),
    )

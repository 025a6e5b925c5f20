"""The case page and what can be done on it: review, decisions, holds, evidence, disclosure.

Every action is a form posted with the session's CSRF token. It runs in a savepoint: when a
guard refuses it, nothing it began is kept, and the page comes back with the reason beside
the panel that asked (four eyes, unacknowledged findings, a refusal without a cited ground).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rogatory.accounts import assignment
from rogatory.accounts import service as accounts
from rogatory.accounts.sessions import SignedIn
from rogatory.api import evidence as evidence_api
from rogatory.api.cases import POLICY
from rogatory.api.deps import Db, HoldId, Services, Svc
from rogatory.api.problems import status_for
from rogatory.audit.models import AuditEvent
from rogatory.authorities import store as requesters
from rogatory.errors import ProblemList, RogatoryError
from rogatory.evidence import service as evidence
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.evidence.spool import Spooled
from rogatory.law.bundle import Bundle
from rogatory.law.citation import ProvisionId
from rogatory.requests import call_backs, custody, flows, permissions
from rogatory.requests.basis import OVERRIDE_KINDS, Override, blocks
from rogatory.requests.models import Acknowledgement, HoldRow, NonDisclosureRow, Transition
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import OPEN, Ground, Role, Status, approvals_needed
from rogatory.safeguards import side_by_side
from rogatory.web import reading_view, steps_view, templating
from rogatory.web.auth import Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)
UPLOAD = "/cases/{case_id}/evidence"
STREAMED = (("POST", UPLOAD),)  # past the body limit: see api.guard


# moves with a panel of their own: approval, postponement and consultation
OWN_PANEL = (Status.APPROVED, Status.PARTIALLY_APPROVED, Status.POSTPONED, Status.IN_CONSULTATION)


def _transitions(svc: Services, status: Status, roles: frozenset[Role]) -> list[Status]:
    """The moves this person may offer from here (those in ``OWN_PANEL`` have their own)."""
    offered: list[Status] = []
    for to in svc.lifecycle.allowed(status):
        rule = svc.lifecycle.table[(status, to)]
        if rule.roles & roles and to not in OWN_PANEL:
            offered.append(to)
    return offered


def _grounds(bundle: Bundle, measure: str, decision: dict[str, Any]) -> list[str]:
    """Provisions a refusal could cite: those of the findings that failed or ask for review,
    then those of the grounds the treaty allows for the measure (its measures table), each as
    the treaty's screening rules cite it."""
    cited = [
        str(ProvisionId(bundle.id, c["article"], c["paragraph"]))
        for f in decision["findings"]
        if f["result"] in ("fail", "review")
        for c in f["cites"]
    ]
    usual = [
        pid
        for ground in bundle.measures[measure].grounds
        for pid in bundle.screening.get(ground, ())
    ]
    return list(dict.fromkeys([*cited, *usual]))


def _of_case(db: Session, model: Any, case_id: str, order: Any) -> list[Any]:
    """The rows of one of a case's tables, in ``order``."""
    return list(db.execute(select(model).where(model.case_id == case_id).order_by(order)).scalars())


def context(db: Session, svc: Services, who: SignedIn, case_id: str) -> dict[str, Any]:
    me = actor(who)
    case = flows.get_or_raise(db, me, case_id)
    screening = flows.latest_screening(db, case)
    state = flows.state_of(db, case)
    acks = {
        a.rule: a
        for a in db.execute(
            select(Acknowledgement).where(Acknowledgement.screening_id == screening.id)
        ).scalars()
    }
    holds = _of_case(db, HoldRow, case.id, HoldRow.id)
    files = _of_case(db, EvidenceFile, case.id, EvidenceFile.uploaded_at)
    disclosures = _of_case(db, Disclosure, case.id, Disclosure.handed_over_at)
    events = list(
        db.execute(
            select(AuditEvent)
            .where(AuditEvent.chain == case.org_id, AuditEvent.case_id == case.id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )
    status = Status(case.status)
    roles = who.principal.roles
    history = flows.screenings(db, me, case_id)
    return {
        **steps_view.context(db, case, who.principal, holds, history, date.today()),
        **reading_view.context(db, svc, case, screening, events, roles),
        "case": case,
        "screening": screening,
        "history": history,
        "decision": screening.decision,
        "state": state,
        "acks": acks,
        "holds": holds,
        "nda": db.get(NonDisclosureRow, case.id),
        "files": files,
        "disclosures": disclosures,
        "events": events,
        "standing": POLICY.standing(case.received_at, case.due_at, datetime.now(UTC)).value,
        "is_open": status in OPEN,
        "moves": _transitions(svc, status, roles),
        "grounds": _grounds(
            svc.screener.under(screening.treaty).law.bundle, case.measure, screening.decision
        ),
        "can_review": permissions.allows(roles, Action.ACKNOWLEDGE),
        "can_approve": Role.APPROVER in roles and status is Status.IN_REVIEW,
        "can_work": permissions.allows(roles, Action.WORK),
        "can_amend": permissions.allows(roles, Action.AMEND),
        "info_note": db.execute(
            select(Transition.note)
            .where(
                Transition.case_id == case.id, Transition.to_status == Status.INFO_REQUESTED.value
            )
            .order_by(Transition.id.desc())
            .limit(1)
        ).scalar_one_or_none(),
        "members": accounts.members(db, case.org_id),
        "needed_approvals": approvals_needed(state),
        "blocked": blocks(state.outcome),
        "basis_kinds": OVERRIDE_KINDS,
        "request_json": json.dumps(case.request, indent=2, ensure_ascii=False),
        # what each other treaty the service screens under would decide (read, not stored)
        "elsewhere": side_by_side.under_each(
            svc.screener, case.request, case.treaty, screening.as_of
        )
        if len(svc.screener.members()) > 1
        else [],
        "today": date.today(),
        "errors": {},
        # who is asking: how the sender was verified, and the numbers to call back on
        "requester": screening.decision.get("requester") or {},
        "call_backs": requesters.call_backs(db, case.id),
        # the 24/7 points of contact first: the emergency's channel (Art 41)
        "call_back_numbers": [
            (a.name, phone)
            for a in sorted(
                requesters.registry(
                    db, case.org_id, svc.screener.law.register.notifications
                ).records,
                key=lambda a: (a.kind.value != "contact_point_24_7", a.name),
            )
            if a.state == case.requesting_state
            for phone in a.phones
        ],
        "can_call_back": permissions.allows(roles, Action.RECORD_CALL_BACK) and status in OPEN,
    }


def _page(
    request: Request,
    db: Session,
    svc: Services,
    who: SignedIn,
    case_id: str,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    ctx = context(db, svc, who, case_id)
    ctx["errors"] = errors or {}
    return templating.render(request, "case.html", status, **ctx)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, who: Viewer, db: Db, svc: Svc) -> Response:
    return _page(request, db, svc, who, case_id)


def _messages(exc: RogatoryError) -> list[str]:
    if isinstance(exc, ProblemList):
        return [p.message for p in exc.problems]
    return [exc.message + (f" ({exc.help})" if exc.help else "")]


def _act(
    request: Request,
    db: Session,
    svc: Services,
    who: SignedIn,
    case_id: str,
    panel: str,
    action: Callable[[], object],
    refused: Callable[[RogatoryError], None] | None = None,
) -> Response:
    """Run one action in a savepoint; on a refusal, the page with the reason in its panel.
    ``refused`` may keep a record of the refusal, written after the savepoint rolled back."""
    flows.get_or_raise(db, actor(who), case_id)  # another organisation's case: not found
    try:
        with db.begin_nested():
            action()
    except RogatoryError as exc:
        if exc.code == "case.not_found":
            raise
        if refused is not None:
            refused(exc)
        return _page(request, db, svc, who, case_id, status_for(exc.code), {panel: _messages(exc)})
    return RedirectResponse(f"/cases/{case_id}#{panel}", status_code=303)


def _fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RogatoryError("case.invalid_date", f"field {name}: not a date (YYYY-MM-DD)") from None


@router.post("/cases/{case_id}/acknowledge")
def acknowledge(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "review",
        lambda: flows.acknowledge(db, actor(who), case_id, f.get("rule", ""), f.get("note", "")),
    )


@router.post("/cases/{case_id}/transition")
def move(request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc) -> Response:
    f = _fields(form)

    def run() -> None:
        try:
            to = Status(f.get("to", ""))
        except ValueError:
            raise RogatoryError("case.invalid_transition", "field to: not a status") from None
        reason, provision = f.get("ground_reason", "").strip(), f.get("ground_provision", "")
        grounds = (
            [Ground(reason, provision)] if reason or (to is Status.REFUSED and provision) else []
        )
        flows.transition(
            db, actor(who), case_id, to, svc.lifecycle, note=f.get("note") or None, grounds=grounds
        )

    return _act(request, db, svc, who, case_id, "decision", run)


@router.post("/cases/{case_id}/approve")
def approve(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    """An approval; with the override fields, an approval over a screening that blocks."""
    f = _fields(form)

    def run() -> None:
        kind = f.get("override_kind", "")
        override = (
            Override.of(kind, f.get("override_citation", ""), f.get("override_reason", ""))
            if kind
            else None
        )
        flows.approve(
            db,
            actor(who),
            case_id,
            svc.lifecycle,
            note=f.get("note") or None,
            partial=f.get("partial") == "yes",
            override=override,
        )

    return _act(request, db, svc, who, case_id, "decision", run)


@router.post("/cases/{case_id}/rescreen")
def rescreen(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    on = f.get("on", "").strip()
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "screening",
        lambda: flows.rescreen(
            db, actor(who), case_id, svc.screener, _date(on, "on") if on else None
        ),
    )


@router.post("/cases/{case_id}/assign")
def assign(request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "summary",
        lambda: assignment.assign(db, actor(who), case_id, f.get("assignee") or None),
    )


@router.post("/cases/{case_id}/holds")
def place_hold(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)

    def run() -> None:
        me = actor(who)
        case = flows.get_or_raise(db, me, case_id)
        minimum = flows.hold_minimum(db, case, svc.screener)
        try:
            days = int(f.get("days", ""))
        except ValueError:
            raise RogatoryError("hold.invalid_days", "field days: a whole number of days") from None
        identifiers = [
            line.strip() for line in f.get("identifiers", "").splitlines() if line.strip()
        ]
        custody.place_hold(
            db,
            me,
            case_id,
            identifiers,
            date.today(),
            days,
            minimum_days=minimum.days,
            minimum_basis=minimum.basis,
        )

    return _act(request, db, svc, who, case_id, "holds", run)


@router.post("/cases/{case_id}/holds/{hold_id}/extend")
def extend_hold(
    request: Request, case_id: str, hold_id: HoldId, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    f = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "holds",
        lambda: custody.extend_hold(
            db, actor(who), case_id, hold_id, _date(f.get("expiry", ""), "expiry"), date.today()
        ),
    )


@router.post("/cases/{case_id}/holds/{hold_id}/release")
def release_hold(
    request: Request, case_id: str, hold_id: HoldId, who: Poster, db: Db, svc: Svc
) -> Response:
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "holds",
        lambda: custody.release_hold(db, actor(who), case_id, hold_id, date.today()),
    )


@router.post("/cases/{case_id}/call-backs")
def call_back(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    """A call made to confirm the request, on a number from the registry; screened again."""
    fields = _fields(form)
    return _act(
        request,
        db,
        svc,
        who,
        case_id,
        "requester",
        lambda: call_backs.record(
            db,
            actor(who),
            case_id,
            svc.screener,
            number=fields.get("number", ""),
            outcome=fields.get("outcome", ""),
            note=fields.get("note"),
        ),
    )


@router.post(UPLOAD)
async def upload(request: Request, case_id: str, who: Poster, form: Posted, svc: Svc) -> Response:
    """The file as the raw body (the page's script, with a progress bar), or as a
    multipart form field ``file`` (without JavaScript). The body is received whole into the
    spool first; the write lock is taken only to record the row, in a worker thread."""
    me = actor(who)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            errors = {"evidence": ["field file: choose a file"]}
            return await run_in_threadpool(_read_page, request, svc, who, case_id, 422, errors)

        def chunks() -> Iterator[bytes]:
            while block := upload.file.read(evidence_api.CHUNK):
                yield block

        name = upload.filename
        try:
            evidence.check_upload(me, name)
            incoming = await run_in_threadpool(
                evidence.spool,
                chunks(),
                base_dir=svc.evidence_dir,
                max_bytes=svc.max_evidence_bytes,
            )
        except RogatoryError as exc:
            errors = {"evidence": _messages(exc)}
            return await run_in_threadpool(
                _read_page, request, svc, who, case_id, status_for(exc.code), errors
            )
        return await run_in_threadpool(
            _store_form_upload, request, svc, who, case_id, name, incoming
        )
    name = request.query_params.get("name", "")
    try:
        evidence.check_upload(me, name)
        incoming = await evidence_api.received(request, svc)
        row = await run_in_threadpool(evidence_api.record_upload, svc, me, case_id, name, incoming)
    except RogatoryError as exc:
        return JSONResponse(
            {"code": exc.code, "detail": exc.message}, status_code=status_for(exc.code)
        )
    return JSONResponse(evidence_api.file_json(row), status_code=201)


def _read_page(
    request: Request,
    svc: Services,
    who: SignedIn,
    case_id: str,
    status: int,
    errors: dict[str, list[str]],
) -> Response:
    with svc.readers.begin() as s:
        return _page(request, s, svc, who, case_id, status, errors)


def _store_form_upload(
    request: Request, svc: Services, who: SignedIn, case_id: str, name: str, incoming: Spooled
) -> Response:
    try:
        with svc.sessions.begin() as s:
            return _act(
                request,
                s,
                svc,
                who,
                case_id,
                "evidence",
                lambda: evidence.store(
                    s, actor(who), case_id, name, incoming, base_dir=svc.evidence_dir
                ),
            )
    finally:
        incoming.discard()


@router.post("/cases/{case_id}/disclose")
def disclose(
    request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc
) -> Response:
    files = [v for v in form.getlist("files") if isinstance(v, str)]
    recipient = {
        "name": str(form.get("recipient_name") or "").strip(),
        "authority": str(form.get("recipient_authority") or "").strip() or None,
        "reference": str(form.get("recipient_reference") or "").strip() or None,
    }

    def run() -> None:
        if not recipient["name"]:
            raise RogatoryError("evidence.no_recipient", "field recipient_name: who receives it")
        evidence.hand_over(db, actor(who), case_id, files, recipient)

    def refused(exc: RogatoryError) -> None:
        if isinstance(exc, evidence.Tampered):
            evidence.record_refused(db, actor(who), case_id, exc)

    return _act(request, db, svc, who, case_id, "evidence", run, refused)


@router.get("/cases/{case_id}/disclosures/{disclosure_id}/receipt.json")
def receipt(case_id: str, disclosure_id: str, who: Viewer, db: Db) -> Response:
    """The signed custody receipt, as the file ``rogatory receipt verify`` checks."""
    case = flows.get_or_raise(db, actor(who), case_id)
    row = db.get(Disclosure, disclosure_id)
    if row is None or row.case_id != case.id:
        raise RogatoryError("case.not_found", f"no receipt {disclosure_id!r}")
    return Response(
        json.dumps(row.receipt, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="receipt-{row.id}.json"'},
    )

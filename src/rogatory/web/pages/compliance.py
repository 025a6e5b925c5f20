"""Compliance: the organisation's assessments (new from a form or YAML, the report with its
map of countries, each requirement's status, owner, due date, evidence and history, reviews
and what changed since the last one), the national register with its change log, Atom feed
and subscriptions, and the obligations catalogue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Db, ReadDb, RowId, Services, Svc
from rogatory.api.problems import status_for
from rogatory.assessments import service as store
from rogatory.compliance import assessment, feed, footprint
from rogatory.compliance.laws import SAFEGUARD_WORDS, Safeguard
from rogatory.errors import RogatoryError
from rogatory.law.obligations import DataCategory, ServiceKind
from rogatory.parties import service as parties
from rogatory.parties.register import Register
from rogatory.requests import permissions
from rogatory.requests.permissions import Action
from rogatory.web import compliance_report, query, templating
from rogatory.web.auth import Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)
CAPABILITY_FLAGS = (
    "realtime_traffic",
    "interception",
    "confidentiality_procedure",
    "contact_24_7",
    "requester_verification",
)
EXAMPLE = """company: Example Mail Ltd
services:
  - name: mail
    kind: communication
    countries: [XAA, XAC]
    establishments: [XAC]
    data:
      - {category: traffic, retention_days: 30, stored_in: [XAC]}
    capabilities: {preservation_hours: 24, production_days: 10, confidentiality_procedure: true}
"""


def _register(svc: Services) -> Register:
    """The service's own party register when it runs the UN Convention (the demo's fictional
    accessions included), the shipped one otherwise."""
    law = svc.screener.law
    return law.register if law.bundle.id == "uncc" else parties.load()


def _can(who: SignedIn, action: Action) -> bool:
    return permissions.allows(who.principal.roles, action)


def _assess(svc: Services, db: Session, doc: footprint.Footprint, on: Any) -> dict[str, Any]:
    register = _register(svc)
    laws = store.stored_register(db, register.bundle)
    return assessment.assess(doc, register, laws, on).json()


def _list(
    request: Request, who: SignedIn, db: Session, status: int = 200, **extra: Any
) -> Response:
    rows = store.assessments(db, actor(who))
    base: dict[str, Any] = {
        "rows": rows,
        "can_assess": _can(who, Action.ASSESS),
        "example": EXAMPLE,
        "errors": [],
        "kinds": [k.value for k in ServiceKind],
        "categories": [c.value for c in DataCategory],
        "flags": CAPABILITY_FLAGS,
        "values": {},
    }
    return templating.render(request, "compliance.html", status, **(base | extra))


@router.get("/compliance")
def compliance_page(request: Request, who: Viewer, db: ReadDb) -> Response:
    return _list(request, who, db)


def _csv(value: str) -> list[str]:
    return [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]


def _from_form(form: FormData) -> dict[str, Any]:
    """The structured form as a footprint document (one service; YAML takes more)."""
    text = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    data = []
    for category in DataCategory:
        days = text.get(f"retention_{category.value}", "").strip()
        where = _csv(text.get(f"stored_{category.value}", ""))
        if days or where:
            data.append({"category": category.value, "retention_days": days, "stored_in": where})
    capabilities: dict[str, Any] = {flag: flag in form for flag in CAPABILITY_FLAGS}
    for name in ("preservation_hours", "production_days"):
        if text.get(name, "").strip():
            capabilities[name] = text[name].strip()
    return {
        "company": text.get("company", ""),
        "services": [
            {
                "name": text.get("service", ""),
                "kind": text.get("kind", ""),
                "countries": _csv(text.get("countries", "")),
                "establishments": _csv(text.get("establishments", "")),
                "data": data,
                "capabilities": capabilities,
            }
        ],
    }


@router.post("/compliance/assessments")
def create(request: Request, who: Poster, form: Posted, svc: Svc, db: Db) -> Response:
    on_text = str(form.get("on") or "")
    raw = str(form.get("footprint_yaml") or "")
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        day = query.day(on_text)
        if form.get("mode") == "yaml":
            try:
                data = yaml.safe_load(raw) if raw.strip() else None
            except yaml.YAMLError as exc:
                raise RogatoryError(
                    "footprint.invalid", f"the footprint is not valid YAML: {exc}"
                ) from None
            doc = footprint.parse(data, label="footprint")
        else:
            doc = footprint.parse(_from_form(form), label="form")
        with db.begin_nested():
            row = store.store(db, actor(who), _assess(svc, db, doc, day))
    except RogatoryError as exc:
        if exc.code == "compliance.forbidden":
            raise
        errors = [f"{p.location or ''}: {p.message}".lstrip(": ") for p in exc.problems]
        return _list(request, who, db, status_for(exc.code), errors=errors, values=values)
    return RedirectResponse(f"/compliance/assessments/{row.id}", status_code=303)


def _assessment_page(
    request: Request,
    who: SignedIn,
    svc: Services,
    db: Session,
    assessment_id: str,
    status: int = 200,
    error: str | None = None,
) -> Response:
    row = store.get(db, actor(who), assessment_id)
    now = _assess(svc, db, footprint.parse(row.footprint), datetime.now(UTC).date())
    reqs = store.requirements(db, row)
    return templating.render(
        request,
        "compliance_assessment.html",
        status,
        row=row,
        report=compliance_report.context(row.result),
        requirements=[(r, store.history(db, r), store.evidence(db, r)) for r in reqs],
        statuses=[s.value for s in store.RequirementStatus],
        reviews=store.reviews(db, row),
        changed=store.since_review(db, row, now),
        can_assess=_can(who, Action.ASSESS),
        error=error,
    )


@router.get("/compliance/assessments/{assessment_id}")
def assessment_page(
    request: Request, assessment_id: str, who: Viewer, svc: Svc, db: ReadDb
) -> Response:
    return _assessment_page(request, who, svc, db, assessment_id[:36])


@router.get("/compliance/assessments/{assessment_id}/report")
def printable(request: Request, assessment_id: str, who: Viewer, db: ReadDb) -> Response:
    row = store.get(db, actor(who), assessment_id[:36])
    return templating.render(
        request, "compliance_print.html", **compliance_report.context(row.result)
    )


@router.get("/compliance/assessments/{assessment_id}/report.pdf")
def printable_pdf(assessment_id: str, who: Viewer, db: ReadDb) -> Response:
    """The stored assessment's report as PDF: the printable report, printed by WeasyPrint."""
    row = store.get(db, actor(who), assessment_id[:36])
    name = f"assessment-{row.as_of.isoformat()}-{row.id[:8]}.pdf"
    return Response(
        compliance_report.pdf(row.result),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _change(
    request: Request, who: SignedIn, svc: Services, db: Session, assessment_id: str, change: Any
) -> Response:
    try:
        with db.begin_nested():
            change()
    except RogatoryError as exc:
        if exc.code in ("compliance.forbidden", "compliance.not_found"):
            raise
        return _assessment_page(
            request, who, svc, db, assessment_id, status_for(exc.code), exc.message
        )
    return RedirectResponse(f"/compliance/assessments/{assessment_id}", status_code=303)


@router.post("/compliance/requirements/{requirement_id}")
def set_requirement(
    request: Request, requirement_id: RowId, who: Poster, form: Posted, svc: Svc, db: Db
) -> Response:
    req = store.requirement(db, actor(who), requirement_id)
    return _change(
        request,
        who,
        svc,
        db,
        req.assessment_id,
        lambda: store.set_requirement(
            db,
            actor(who),
            requirement_id,
            status=str(form.get("status") or ""),
            owner=str(form.get("owner") or "") or None,
            due_on=str(form.get("due_on") or "") or None,
            note=str(form.get("note") or ""),
        ),
    )


@router.post("/compliance/requirements/{requirement_id}/evidence")
def attach(
    request: Request, requirement_id: RowId, who: Poster, form: Posted, svc: Svc, db: Db
) -> Response:
    req = store.requirement(db, actor(who), requirement_id)
    upload = form.get("file")

    def save() -> None:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise RogatoryError("evidence.empty", "field file: choose a file to attach")
        data = upload.file.read(store.MAX_EVIDENCE + 1)
        store.attach(
            db, actor(who), requirement_id, upload.filename, data, base_dir=svc.evidence_dir
        )

    return _change(request, who, svc, db, req.assessment_id, save)


@router.post("/compliance/assessments/{assessment_id}/review")
def review(
    request: Request, assessment_id: str, who: Poster, form: Posted, svc: Svc, db: Db
) -> Response:
    row = store.get(db, actor(who), assessment_id[:36])
    now = _assess(svc, db, footprint.parse(row.footprint), datetime.now(UTC).date())
    return _change(
        request,
        who,
        svc,
        db,
        row.id,
        lambda: store.review(db, actor(who), row.id, now, str(form.get("note") or "")),
    )


# ---- the national register ------------------------------------------------------------------


def _laws_page(
    request: Request,
    who: SignedIn,
    svc: Services,
    db: Session,
    on: str | None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    permissions.require(who.principal.roles, Action.READ_COMPLIANCE, code="compliance.forbidden")
    day = query.day(on)
    register = store.stored_register(db, _register(svc).bundle)
    rows = [(state, record, record.status_on(day)) for state, record in register.all_records()]
    return templating.render(
        request,
        "compliance_laws.html",
        status,
        on=day,
        rows=rows,
        words=SAFEGUARD_WORDS,
        safeguards=list(Safeguard),
        log=[(c, store.as_change(c)) for c in store.change_log(db, limit=50)],
        subscriptions=store.subscriptions(db, actor(who)),
        can_subscribe=_can(who, Action.MAINTAIN_LAWS),
        error=error,
    )


@router.get("/compliance/laws")
def laws_page(
    request: Request,
    who: Viewer,
    svc: Svc,
    db: ReadDb,
    on: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    return _laws_page(request, who, svc, db, on)


@router.post("/compliance/laws/subscribe")
def subscribe(request: Request, who: Poster, form: Posted, svc: Svc, db: Db) -> Response:
    try:
        with db.begin_nested():
            store.subscribe(db, actor(who), str(form.get("state") or ""))
    except RogatoryError as exc:
        if exc.code == "compliance.forbidden":
            raise
        return _laws_page(request, who, svc, db, None, status_for(exc.code), exc.message)
    return RedirectResponse("/compliance/laws", status_code=303)


@router.get("/compliance/laws/feed.atom")
def laws_feed(request: Request, who: Viewer, db: ReadDb) -> Response:
    permissions.require(who.principal.roles, Action.READ_COMPLIANCE, code="compliance.forbidden")
    changes = [store.as_change(c) for c in store.change_log(db, limit=200)]
    text = feed.atom(
        changes,
        feed_id="tag:rogatory,2026:laws",
        title="National implementation of the UN Convention against Cybercrime",
        link=str(request.url),
        updated=datetime.now(UTC),
    )
    return Response(text, media_type="application/atom+xml")


@router.get("/compliance/obligations")
def obligations_page(request: Request, who: Viewer, svc: Svc) -> Response:
    bundle = _register(svc).bundle
    return templating.render(
        request, "compliance_obligations.html", catalogue=assessment.catalogue(bundle)
    )

"""Guided intake: choose the measure, fill in only what it needs, see what is missing while
typing (HTMX posts the form to the screening engine's completeness rules), and submit.

An incomplete request is refused with the message beside each field; nothing is stored until
the request is complete, and then it is screened in full at intake like any other case.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from rogatory.accounts.sessions import SignedIn
from rogatory.api.cases import POLICY
from rogatory.api.deps import Db, Services, Svc
from rogatory.api.problems import status_for
from rogatory.errors import RogatoryError
from rogatory.requesters import submit as own_intake
from rogatory.requests import flows, permissions
from rogatory.requests.models import Case
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Role, Status
from rogatory.safeguards.engine import Screener
from rogatory.safeguards.request import Measure
from rogatory.web import intake_form, templating
from rogatory.web.auth import AnyPoster, AnyViewer, Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)
AMEND_TITLE = "Supply the requested information"


def _may_take(roles: frozenset[Role]) -> None:
    """Checked before a form is shown, so nobody fills in a form they cannot submit: the
    provider's intake, or a requesting authority's account submitting its own request."""
    own = permissions.own_requests_only(roles)
    permissions.require(roles, Action.SUBMIT_OWN if own else Action.TAKE_IN)


def _take_in(
    db: Session,
    who: SignedIn,
    document: dict[str, Any],
    screener: Screener,
    key: str | None,
    treaty: str | None,
) -> Response:
    """Take the request in and show it: a requester's account through its own intake (the
    requesting State must be its authority's), and to its own request page."""
    if permissions.own_requests_only(who.principal.roles):
        case, _ = own_intake.submit(
            db, actor(who), document, screener, policy=POLICY, idempotency_key=key, treaty=treaty
        )
        return RedirectResponse(f"/my/requests/{case.id}", status_code=303)
    case, _ = flows.intake(
        db, actor(who), document, screener, policy=POLICY, idempotency_key=key, treaty=treaty
    )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _measure(value: str) -> Measure:
    try:
        return Measure(value)
    except ValueError:
        raise RogatoryError("case.not_found", f"no intake form for {value!r}") from None


def _requestable(value: str, screener: Screener) -> Measure:
    """A measure a request can be made for: a step of another case has no intake form."""
    measure = _measure(value)
    step_of = screener.law.bundle.measures[measure.value].step_of
    if step_of is not None:
        raise RogatoryError(
            "case.not_found",
            f"no intake form for {value!r}: it is a step of a {step_of} case, taken on that "
            "case's page, not a request of its own",
        )
    return measure


def _screener(svc: Services, treaty: str | None) -> Screener:
    """The screener of the treaty the request is made under (default: the service's)."""
    return svc.screener.under(treaty or svc.screener.treaty)


def _treaty_of(values: dict[str, list[str]]) -> str | None:
    return (values.get("treaty") or [""])[0] or None


def _submitted(form: FormData) -> dict[str, list[str]]:
    return {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}


def _form_page(
    request: Request,
    measure: Measure,
    values: dict[str, list[str]],
    check: intake_form.Check | None,
    status: int = 200,
    *,
    action: str | None = None,
    title: str | None = None,
    screener: Screener,
) -> Response:
    return templating.render(
        request,
        "intake.html",
        status,
        measure=measure,
        action=action or f"/intake/{measure.value}",
        title=title or intake_form.MEASURE_TITLES[measure],
        measure_title=intake_form.MEASURE_TITLES[measure],
        sections=intake_form.sections_for(measure, screener),
        treaty=screener.treaty,
        treaty_title=screener.law.bundle.manifest.short_title,
        values=values,
        check=check,
        idempotency_key=uuid.uuid4().hex,
    )


@router.get("/intake")
def choose(request: Request, who: AnyViewer, svc: Svc) -> Response:
    _may_take(who.principal.roles)
    return _choose_page(request, svc)


def _choose_page(
    request: Request, svc: Services, status: int = 200, errors: list[str] | None = None
) -> Response:
    return templating.render(
        request,
        "intake_choose.html",
        status,
        measures=[
            (m, intake_form.MEASURE_TITLES[m]) for m in intake_form.requestable(svc.screener)
        ],
        treaties=[(s.treaty, s.law.bundle.manifest.short_title) for s in svc.screener.members()],
        upload_errors=errors or [],
        idempotency_key=uuid.uuid4().hex,
    )


@router.post("/intake/document")
def upload_document(request: Request, who: AnyPoster, form: Posted, db: Db, svc: Svc) -> Response:
    """A request document received as a file (plain, or signed by the requesting authority:
    its signature is checked against the registry and a replay refused), screened at once."""
    _may_take(who.principal.roles)
    upload = form.get("document")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _choose_page(request, svc, 422, ["field document: choose a JSON file"])
    raw = upload.file.read(svc.max_body_bytes + 1)
    treaty = form.get("treaty")
    key = form.get("idempotency_key")
    try:
        if len(raw) > svc.max_body_bytes:
            raise RogatoryError(
                "request.too_large", f"field document: more than {svc.max_body_bytes} bytes"
            )
        try:
            document = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise RogatoryError(
                "request.invalid_json", f"field document: not a JSON file: {exc}"
            ) from None
        with db.begin_nested():
            return _take_in(
                db,
                who,
                document,
                svc.screener,
                f"web:{key[:64]}" if isinstance(key, str) and key else None,
                treaty if isinstance(treaty, str) and treaty else None,
            )
    except RogatoryError as exc:
        return _choose_page(request, svc, status_for(exc.code), [p.render() for p in exc.problems])


@router.get("/intake/{measure}")
def form(
    request: Request,
    measure: str,
    who: AnyViewer,
    svc: Svc,
    treaty: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    _may_take(who.principal.roles)
    screener = _screener(svc, treaty)
    chosen = _requestable(measure, screener)
    values = {"submitted_on": [intake_form.default_date()]}
    check = intake_form.check(chosen, intake_form.document(chosen, values), screener)
    return _form_page(request, chosen, values, check, screener=screener)


@router.post("/intake/{measure}/check")
def live_check(request: Request, measure: str, who: AnyPoster, form: Posted, svc: Svc) -> Response:
    """The checklist and the messages beside the fields, for the form as typed so far."""
    _may_take(who.principal.roles)
    values = _submitted(form)
    screener = _screener(svc, _treaty_of(values))
    chosen = _requestable(measure, screener)
    check = intake_form.check(chosen, intake_form.document(chosen, values), screener)
    return templating.render(
        request,
        "intake_check.html",
        check=check,
        fields=intake_form.fields_for(chosen, screener),
        oob=True,
    )


@router.post("/intake/{measure}")
def submit(
    request: Request,
    measure: str,
    who: AnyPoster,
    form: Posted,
    db: Db,
    svc: Svc,
) -> Response:
    _may_take(who.principal.roles)
    values = _submitted(form)
    screener = _screener(svc, _treaty_of(values))
    chosen = _requestable(measure, screener)
    document = intake_form.document(chosen, values)
    check = intake_form.check(chosen, document, screener)
    if not check.complete:
        return _form_page(request, chosen, values, check, 422, screener=screener)
    # The form's key makes a double-submitted form one case, not two.
    key = (values.get("idempotency_key") or [""])[0][:64] or None
    return _take_in(db, who, document, svc.screener, f"web:{key}" if key else None, screener.treaty)


def _waiting(db: Db, who: SignedIn, case_id: str) -> tuple[Case, Measure]:
    case = flows.get_or_raise(db, actor(who), case_id)
    _may_take(who.principal.roles)
    if case.status != Status.INFO_REQUESTED.value:
        raise RogatoryError(
            "case.not_waiting", f"a {case.status} case is not waiting for information"
        )
    return case, Measure(case.measure)


@router.get("/cases/{case_id}/amend")
def amend_form(request: Request, case_id: str, who: Viewer, db: Db, svc: Svc) -> Response:
    """The intake form for this measure, filled in with what the case holds."""
    case, measure = _waiting(db, who, case_id)
    screener = _screener(svc, case.treaty)
    values = intake_form.values_from(measure, case.request)
    document = intake_form.document(measure, values, case.request)
    check = intake_form.check(measure, document, screener)
    return _form_page(
        request,
        measure,
        values,
        check,
        action=f"/cases/{case_id}/amend",
        title=AMEND_TITLE,
        screener=screener,
    )


@router.post("/cases/{case_id}/amend")
def amend(request: Request, case_id: str, who: Poster, form: Posted, db: Db, svc: Svc) -> Response:
    """The amended request replaces the current one (kept as a version); screened again."""
    case, measure = _waiting(db, who, case_id)
    values = _submitted(form)
    screener = _screener(svc, case.treaty)  # an amendment stays under the case's treaty
    document = intake_form.document(measure, values, case.request)
    check = intake_form.check(measure, document, screener)
    action = f"/cases/{case_id}/amend"
    if not check.complete:
        return _form_page(
            request,
            measure,
            values,
            check,
            422,
            action=action,
            title=AMEND_TITLE,
            screener=screener,
        )
    note = (values.get("amend_note") or [""])[0].strip() or None
    try:
        with db.begin_nested():
            flows.amend(db, actor(who), case.id, document, svc.screener, svc.lifecycle, note=note)
    except RogatoryError as exc:
        check.field_errors.setdefault("(document)", []).append(exc.message)
        return _form_page(
            request,
            measure,
            values,
            check,
            status_for(exc.code),
            action=action,
            title=AMEND_TITLE,
            screener=screener,
        )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)

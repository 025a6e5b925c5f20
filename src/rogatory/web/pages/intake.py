"""Guided intake: choose the measure, fill in only what it needs, see what is missing while
typing (HTMX posts the form to the screening engine's completeness rules), and submit.

An incomplete request is refused with the message beside each field; nothing is stored until
the request is complete, and then it is screened in full at intake like any other case.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from rogatory.api.cases import POLICY
from rogatory.api.deps import Db, Services, services
from rogatory.errors import RogatoryError
from rogatory.requests import flows
from rogatory.requests.transitions import Role
from rogatory.safeguards.request import Measure
from rogatory.web import intake_form, templating
from rogatory.web.auth import Poster, Viewer, actor

router = APIRouter(include_in_schema=False)


def _may_take(roles: frozenset[Role]) -> None:
    """Checked before a form is shown, so nobody fills in a form they cannot submit."""
    if not (flows.INTAKE_ROLES & roles):
        raise RogatoryError(
            "case.forbidden", "taking in requests needs the intake or reviewer role"
        )


def _measure(value: str) -> Measure:
    try:
        return Measure(value)
    except ValueError:
        raise RogatoryError("case.not_found", f"no intake form for {value!r}") from None


async def _submitted(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    return {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}


def _form_page(
    request: Request,
    measure: Measure,
    values: dict[str, list[str]],
    check: intake_form.Check | None,
    status: int = 200,
) -> Response:
    return templating.render(
        request,
        "intake.html",
        status,
        measure=measure,
        title=intake_form.MEASURE_TITLES[measure],
        sections=intake_form.sections_for(measure),
        values=values,
        check=check,
        idempotency_key=uuid.uuid4().hex,
    )


@router.get("/intake")
def choose(request: Request, who: Viewer) -> Response:
    _may_take(who.principal.roles)
    return templating.render(
        request, "intake_choose.html", measures=list(intake_form.MEASURE_TITLES.items())
    )


@router.get("/intake/{measure}")
def form(request: Request, measure: str, who: Viewer) -> Response:
    _may_take(who.principal.roles)
    chosen = _measure(measure)
    values = {"submitted_on": [intake_form.default_date()]}
    check = intake_form.check(chosen, intake_form.document(chosen, values))
    return _form_page(request, chosen, values, check)


@router.post("/intake/{measure}/check")
async def live_check(request: Request, measure: str, who: Poster) -> Response:
    """The checklist and the messages beside the fields, for the form as typed so far."""
    _may_take(who.principal.roles)
    chosen = _measure(measure)
    values = await _submitted(request)
    check = intake_form.check(chosen, intake_form.document(chosen, values))
    return templating.render(
        request,
        "intake_check.html",
        check=check,
        fields=intake_form.fields_for(chosen),
        oob=True,
    )


@router.post("/intake/{measure}")
async def submit(
    request: Request,
    measure: str,
    who: Poster,
    db: Db,
    svc: Annotated[Services, Depends(services)],
) -> Response:
    _may_take(who.principal.roles)
    chosen = _measure(measure)
    values = await _submitted(request)
    document = intake_form.document(chosen, values)
    check = intake_form.check(chosen, document)
    if not check.complete:
        return _form_page(request, chosen, values, check, 422)
    # The form's key makes a double-submitted form one case, not two.
    key = (values.get("idempotency_key") or [""])[0][:64] or None
    case, _ = flows.intake(
        db,
        actor(who),
        document,
        svc.screener,
        policy=POLICY,
        idempotency_key=f"web:{key}" if key else None,
    )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)

"""A requesting authority's own pages: sign-up, the emailed link, TOTP enrolment, the code
step of signing in, "My requests" and a request's page; and the admin's approval list.

The pages before sign-in carry a double-submit CSRF token like the sign-in form (the cookie
``login.LOGIN_CSRF``); the verification link only shows a button on GET, so that a mail
scanner fetching the link does not spend it. The steps between pages (from the link to the
enrolment, from the password to the code) are single-use tickets in HttpOnly cookies
(``accounts.tickets``), never in a URL.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts import sessions
from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Db, Services, Svc
from rogatory.api.problems import retry_after, status_for
from rogatory.errors import RogatoryError
from rogatory.notifications import outbox
from rogatory.requesters import service as requesters
from rogatory.requesters import views
from rogatory.requests.models import Organisation
from rogatory.signing import envelope
from rogatory.web import templating
from rogatory.web.auth import Posted, Poster, RequesterViewer, Viewer, actor
from rogatory.web.pages.login import CODE_COOKIE, LOGIN_CSRF, _address, _safe_next, _secure

router = APIRouter(include_in_schema=False)
ENROL_COOKIE = "rogatory_enrol"


def _fresh(
    request: Request, svc: Services, name: str, status: int = 200, **context: Any
) -> Response:
    """A page before sign-in, with a fresh CSRF token in its form and in its cookie."""
    token = secrets.token_urlsafe(24)
    response = templating.render(request, name, status, form_csrf=token, **context)
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", secure=_secure(request, svc)
    )
    return response


def _csrf_ok(request: Request, submitted: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF, "")
    return bool(cookie and submitted and hmac.compare_digest(cookie, submitted))


STALE = "The form expired; please try again."


def _organisations(db: Session) -> list[tuple[str, str]]:
    return [
        (o.id, o.name) for o in db.execute(select(Organisation).order_by(Organisation.id)).scalars()
    ]


# ---- sign-up, the link, enrolment -----------------------------------------------------------


@router.get("/requesters/sign-up")
def sign_up_page(request: Request, svc: Svc, db: Db) -> Response:
    return _fresh(
        request,
        svc,
        "requester_signup.html",
        organisations=_organisations(db),
        error=None,
        values={},
    )


@router.post("/requesters/sign-up")
def sign_up(
    request: Request,
    svc: Svc,
    db: Db,
    organisation: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    values = {"organisation": organisation, "name": name, "email": email}
    orgs = _organisations(db)
    if not _csrf_ok(request, csrf_token):
        return _fresh(
            request,
            svc,
            "requester_signup.html",
            400,
            organisations=orgs,
            error=STALE,
            values=values,
        )
    try:
        with db.begin_nested():
            done = requesters.sign_up(
                db,
                org=organisation,
                email=email,
                name=name,
                password=password,
                base_url=outbox.configured_base_url(),
            )
    except RogatoryError as exc:
        return _fresh(
            request,
            svc,
            "requester_signup.html",
            status_for(exc.code),
            organisations=orgs,
            error=exc.message,
            values=values,
        )
    return templating.render(
        request,
        "requester_message.html",
        title="Check your email",
        lines=[
            f"Your account is linked to {done.authority.name} ({done.authority.state}), the "
            f"authority of {dict(orgs).get(organisation, organisation)}'s registry that your "
            "address belongs to.",
            f"We sent a link to {done.user.email}. Follow it within 24 hours to confirm the "
            "address; it works once.",
        ],
    )


@router.get("/requesters/verify")
def verify_page(
    request: Request, svc: Svc, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    return _fresh(request, svc, "requester_verify.html", token=token, error=None)


@router.post("/requesters/verify")
def verify(
    request: Request,
    svc: Svc,
    db: Db,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf_token):
        return _fresh(request, svc, "requester_verify.html", 400, token=token, error=STALE)
    try:
        with db.begin_nested():
            _, ticket = requesters.verify_email(db, token)
    except RogatoryError as exc:
        return _fresh(
            request,
            svc,
            "requester_verify.html",
            status_for(exc.code),
            token=token,
            error=f"{exc.message}. {exc.help or ''}".strip(),
        )
    response = RedirectResponse("/requesters/enrol", status_code=303)
    response.set_cookie(
        ENROL_COOKIE,
        ticket,
        httponly=True,
        samesite="strict",
        secure=_secure(request, svc),
        path="/requesters/enrol",
    )
    return response


@router.get("/requesters/enrol")
def enrol_page(request: Request, svc: Svc, db: Db) -> Response:
    """The TOTP secret, made now and shown on this page only; a reload makes a new one."""
    try:
        with db.begin_nested():
            user, uri = requesters.begin_enrolment(
                db, request.cookies.get(ENROL_COOKIE, ""), envelope.configured()
            )
    except RogatoryError as exc:
        return templating.render(
            request,
            "requester_message.html",
            status_for(exc.code),
            title="Enrol your second factor",
            lines=[exc.message, exc.help or "Follow your verification link again."],
        )
    secret = uri.split("secret=")[1].split("&")[0]
    return _fresh(
        request, svc, "requester_enrol.html", uri=uri, secret=secret, email=user.email, error=None
    )


@router.post("/requesters/enrol")
def enrol(
    request: Request,
    svc: Svc,
    db: Db,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    ticket = request.cookies.get(ENROL_COOKIE, "")
    problem: RogatoryError | None = None
    if not _csrf_ok(request, csrf_token):
        problem = RogatoryError("auth.csrf", STALE)
    else:
        try:
            with db.begin_nested():
                requesters.confirm_enrolment(db, ticket, code, envelope.configured())
        except RogatoryError as exc:
            problem = exc
    if problem is not None:
        # The secret shown stays the one to confirm: the page says so rather than make another.
        return templating.render(
            request,
            "requester_message.html",
            status_for(problem.code),
            title="Enrol your second factor",
            lines=[problem.message, "Go back, check your device's clock and enter the next code."],
            back="/requesters/enrol",
        )
    response = templating.render(
        request,
        "requester_message.html",
        title="Second factor enrolled",
        lines=[
            "Your authenticator app is set up. The provider's admin now checks your account; "
            "once it is approved you sign in with your password and the app's code.",
        ],
    )
    response.delete_cookie(ENROL_COOKIE, path="/requesters/enrol")
    return response


# ---- the code step of signing in --------------------------------------------------------------


@router.get("/login/code")
def code_page(request: Request, svc: Svc, next: Annotated[str, Query()] = "/my") -> Response:
    return _fresh(request, svc, "login_code.html", next=_safe_next(next), error=None)


@router.post("/login/code")
def code(
    request: Request,
    svc: Svc,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/my",
) -> Response:
    if not _csrf_ok(request, csrf_token):
        return _fresh(request, svc, "login_code.html", 400, next=_safe_next(next), error=STALE)
    try:
        _, secret = sessions.second_step(
            svc.sessions, request.cookies.get(CODE_COOKIE, ""), code, address=_address(request)
        )
    except RogatoryError as exc:
        if exc.code.startswith("account.token"):  # the step expired or was used: start again
            return RedirectResponse("/login", status_code=303)
        page = _fresh(
            request,
            svc,
            "login_code.html",
            status_for(exc.code),
            next=_safe_next(next),
            error=exc.message,
        )
        page.headers.update(retry_after(exc))
        return page
    target = _safe_next(next)
    response = RedirectResponse("/my" if target == "/queue" else target, status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        secret,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request, svc),
        path="/",
    )
    response.delete_cookie(CODE_COOKIE, path="/login/code")
    response.delete_cookie(LOGIN_CSRF)
    return response


# ---- my requests ------------------------------------------------------------------------------


@router.get("/my")
def my_requests(request: Request, who: RequesterViewer, db: Db) -> Response:
    me = actor(who)
    return templating.render(
        request,
        "my_requests.html",
        account=requesters.of(db, me),
        requests=views.mine(db, me),
    )


@router.get("/my/requests/{case_id}")
def my_request(request: Request, case_id: str, who: RequesterViewer, db: Db) -> Response:
    return templating.render(
        request, "my_request.html", got=views.followed(db, actor(who), case_id)
    )


@router.get("/my/requests/{case_id}/disclosures/{disclosure_id}/receipt.json")
def my_receipt(case_id: str, disclosure_id: str, who: RequesterViewer, db: Db) -> Response:
    handed = views.disclosure(db, actor(who), case_id, disclosure_id)
    return Response(
        json.dumps(handed.receipt, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="receipt-{handed.id}.json"'},
    )


@router.get("/my/requests/{case_id}/disclosures/{disclosure_id}/files/{index}")
def my_file(case_id: str, disclosure_id: str, index: int, who: RequesterViewer, db: Db) -> Response:
    name, path = views.disclosed_file(db, actor(who), case_id, disclosure_id, index)
    return FileResponse(path, filename=name, media_type="application/octet-stream")


# ---- the admin's approval list --------------------------------------------------------------


def _admin_page(
    request: Request, db: Session, who: SignedIn, status: int = 200, error: str | None = None
) -> Response:
    return templating.render(
        request,
        "requesters.html",
        status,
        requesters=requesters.listed(db, actor(who)),
        error=error,
    )


@router.get("/requesters")
def requesters_page(request: Request, who: Viewer, db: Db) -> Response:
    return _admin_page(request, db, who)


def _change(
    request: Request,
    db: Session,
    who: SignedIn,
    form: Any,
    act: Callable[..., requesters.Requester],
) -> Response:
    email = str(form.get("email") or "")
    try:
        with db.begin_nested():
            act(db, actor(who), email)
    except RogatoryError as exc:
        if exc.code == "user.forbidden":
            raise
        return _admin_page(request, db, who, status_for(exc.code), exc.message)
    return RedirectResponse("/requesters", status_code=303)


@router.post("/requesters/approve")
def approve(request: Request, who: Poster, form: Posted, db: Db) -> Response:
    return _change(request, db, who, form, requesters.approve)


@router.post("/requesters/suspend")
def suspend(request: Request, who: Poster, form: Posted, db: Db) -> Response:
    return _change(request, db, who, form, requesters.suspend)

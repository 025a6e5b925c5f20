"""Sign in and sign out. The sign-in form carries its own CSRF token (a double-submit cookie),
so nobody can sign a victim's browser into another account (login CSRF)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from rogatory.accounts import sessions
from rogatory.api.deps import Db, Services, Svc
from rogatory.api.problems import retry_after, status_for
from rogatory.errors import RogatoryError
from rogatory.web import templating
from rogatory.web.auth import AnyPoster

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "rogatory_login_csrf"
CODE_COOKIE = "rogatory_code"  # the step from a requester's right password to its TOTP code


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/queue"


def _address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, the one uvicorn's
    --forwarded-allow-ips trusts to name it)."""
    return request.client.host if request.client else "unknown"


def _secure(request: Request, svc: Services) -> bool:
    return svc.secure_cookies or request.url.scheme == "https"


def _form(
    request: Request,
    svc: Services,
    status: int = 200,
    *,
    error: str | None = None,
    email: str = "",
    next: str | None = None,
) -> Response:
    """The sign-in form with a fresh login CSRF token, in the form and in its cookie."""
    token = secrets.token_urlsafe(24)
    response = templating.render(
        request,
        "login.html",
        status,
        login_csrf=token,
        next=_safe_next(next or request.query_params.get("next")),
        error=error,
        email=email,
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", secure=_secure(request, svc)
    )
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/login")
def login_page(request: Request, svc: Svc) -> Response:
    return _form(request, svc)


@router.post("/login")
def login(
    request: Request,
    svc: Svc,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF, "")
    if not (cookie and csrf_token and hmac.compare_digest(cookie, csrf_token)):
        return _form(
            request, svc, 400, error="The sign-in form expired; please try again.", next=next
        )
    try:
        result = sessions.attempt(svc.sessions, email, password, address=_address(request))
    except RogatoryError as exc:  # the attempt was counted (committed) before the check
        page = _form(request, svc, status_for(exc.code), error=exc.message, email=email, next=next)
        page.headers.update(retry_after(exc))
        return page
    if isinstance(result, sessions.CodeNeeded):
        return _code_step(request, svc, result.ticket, next)
    _, secret = result
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        secret,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request, svc),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


def _code_step(request: Request, svc: Services, ticket: str, next: str) -> Response:
    """A requester's right password: on to its TOTP code (``/login/code``), the step's
    single-use ticket in a cookie only that page receives."""
    target = next if next != "/queue" else "/my"
    response = RedirectResponse(f"/login/code?next={quote(_safe_next(target))}", status_code=303)
    response.set_cookie(
        CODE_COOKIE,
        ticket,
        max_age=300,
        httponly=True,
        samesite="strict",
        secure=_secure(request, svc),
        path="/login/code",
    )
    return response


@router.post("/logout")
def logout(who: AnyPoster, db: Db) -> Response:
    sessions.sign_out(db, who)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response

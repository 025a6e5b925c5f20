"""The whole application: the HTTP API under /api/v1 and the web pages at /.

Errors raised on a page are answered with a page (a not-found page for another
organisation's case, never its data); errors under /api keep their problem+json.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from rogatory.api import app as api_app
from rogatory.api.deps import Services
from rogatory.web import auth, templating
from rogatory.web.pages import (
    audit,
    authorities,
    basis,
    cases,
    compliance,
    docs,
    intake,
    login,
    notifications,
    people,
    queue,
    replies,
    reports,
    requesters,
    states,
    steps,
    treaty,
)

# Everything is served from this origin; inline scripts and styles are not needed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

TITLES = {404: "Not found", 403: "Not allowed", 401: "Sign in", 409: "Not possible now"}


def error_page(request: Request, status: int, code: str, message: str) -> Response:
    if status == 404:
        message = "There is no such page or case in your organisation."
    return templating.render(
        request,
        "error.html",
        status,
        title=TITLES.get(status, "Something went wrong"),
        code=code,
        message=message,
    )


def create_app(services: Services) -> FastAPI:
    app = api_app.create_app(services, streamed=cases.STREAMED)
    app.state.page = error_page  # the API's error handlers answer pages with it
    app.mount("/static", StaticFiles(directory=templating.STATIC), name="static")
    for module in (
        login,
        queue,
        intake,
        cases,
        steps,
        replies,
        treaty,
        states,
        basis,
        reports,
        compliance,
        audit,
        people,
        authorities,
        notifications,
        requesters,
        docs,
    ):
        app.include_router(module.router)

    @app.exception_handler(auth.SignInRequired)
    async def sign_in(_: Request, exc: auth.SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith("/api/"):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    return app

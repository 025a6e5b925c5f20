"""RFC 9457 problem details for every error, mapped from the one error scheme.

A 422 lists every bad field; an unexpected failure is a 500 with a request id that is logged,
never a traceback sent to the client.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from rogatory import error_codes
from rogatory.errors import ProblemList, RogatoryError

log = logging.getLogger("rogatory.api")
MEDIA = "application/problem+json"


def status_for(code: str) -> int:
    """The HTTP status of an error code, from the one catalogue (``rogatory.error_codes``)."""
    return error_codes.status_of(code)


class ProblemOut(BaseModel):
    """An RFC 9457 problem: ``code`` is the stable error code, ``errors`` every bad field."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None
    help: str | None = None


def documented(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for an operation: each status it may answer with, and the error
    codes behind it (mapped by ``status_for``, so the documentation cannot drift). The body of
    each, the shared Problem schema as problem+json, is added by ``api.openapi``."""
    by_status: dict[int, list[str]] = {}
    for code in ("auth.missing_token", "case.forbidden", "case.not_found", *codes):
        by_status.setdefault(status_for(code), []).append(code)
    return {
        status: {"description": "problem+json with code " + ", ".join(sorted(set(listed)))}
        for status, listed in sorted(by_status.items())
    }


def retry_after(exc: RogatoryError) -> dict[str, str]:
    """The Retry-After header of a busy (503) or throttled (429) answer: when to try again."""
    seconds = exc.details.get("retry_after")
    if status_for(exc.code) in (429, 503) and isinstance(seconds, int):
        return {"Retry-After": str(max(seconds, 1))}
    return {}


def type_of(code: str) -> str:
    """A problem's ``type``: a URI reference the API itself answers (``api.reference``)."""
    return f"/api/v1/problems/{code}"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    help: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_of(code),
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    if help:
        body["help"] = help
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


PageRenderer = Callable[[Request, int, str, str], Response]


def page_for(request: Request) -> PageRenderer | None:
    """The web application's error page, for a request that is not to the API."""
    page: PageRenderer | None = getattr(request.app.state, "page", None)
    return None if request.url.path.startswith("/api/") else page


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed(request: Request) -> str:
    """Every method the request's path takes: Starlette's 405 names those of one route only,
    while each method of a path is its own route here (RFC 9110: Allow lists them all)."""
    return ", ".join(
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(RogatoryError)
    async def rogatory_error(request: Request, exc: RogatoryError) -> Response:
        if (page := page_for(request)) is not None:
            answer = page(request, status_for(exc.code), exc.code, exc.message)
            answer.headers.update(retry_after(exc))
            return answer
        errors = None
        if isinstance(exc, ProblemList):
            errors = [
                {"code": p.code, "detail": p.message, "location": p.location} for p in exc.problems
            ]
        status = status_for(exc.code)
        headers = retry_after(exc) or None
        if status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(status, exc.code, exc.message, errors=errors, help=exc.help, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "code": "request.invalid_value",
                "field": ".".join(str(p) for p in e["loc"]),
                "detail": e["msg"],
            }
            for e in exc.errors()
        ]
        if (page := page_for(request)) is not None:
            listed = "; ".join(f"field {e['field']}: {e['detail']}" for e in errors)
            return page(request, 422, "request.invalid", listed)
        return problem(422, "request.invalid", f"{len(errors)} invalid field(s)", errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {
            404: "http.not_found",
            405: "http.method_not_allowed",
            408: "request.body_timeout",
        }.get(exc.status_code, "http.error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed(request) or headers.get("Allow", "")
        if (page := page_for(request)) is not None:
            answer = page(request, exc.status_code, code, str(exc.detail))
            answer.headers.update(headers)
            return answer
        # The exception's headers stay: a 405 keeps its Allow (RFC 9110).
        return problem(exc.status_code, code, str(exc.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        request_id = uuid.uuid4().hex
        log.exception("unexpected error %s on %s %s", request_id, request.method, request.url.path)
        message = f"an unexpected error occurred (request id {request_id})"
        if (page := page_for(request)) is not None:
            return page(request, 500, "internal", message)
        return problem(500, "internal", message)

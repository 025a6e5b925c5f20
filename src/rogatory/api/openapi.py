"""The OpenAPI document, completed in one place: the errors every operation may answer, the
bearer scheme, and the routers it is built from.

Each operation documents every error status the application can give it (the guard answers
413 and 422 before any route, authentication 401 and 403, the handlers 404, 409 and 422, a
busy database 503), each as ``application/problem+json`` of the one shared ``Problem`` schema,
so that a client, and the fuzzing in the tests, can hold every answer to the document. Routes
that list the error codes behind a status (``problems.documented``) keep that description.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from rogatory.api import (
    audit,
    authorities,
    cases,
    evidence,
    notifications,
    people,
    problems,
    reference,
    replies,
    requesters,
    steps,
)

ROUTERS: tuple[APIRouter, ...] = (
    cases.router,
    cases.queue,
    steps.router,
    replies.router,
    audit.router,
    evidence.router,
    people.router,
    notifications.router,
    authorities.router,
    requesters.router,
    reference.router,
)
PROBLEM = "Problem"
BEARER = "bearer"
ERRORS: dict[int, str] = {
    400: "the request cannot be read",
    401: "no API token, or one that is unknown, expired or revoked (scheme Bearer, any case)",
    403: "the token lacks the scope, or the person the role, this operation needs",
    404: "no such case, hold, step, user or token in the caller's organisation",
    408: "the request body stopped arriving",
    409: "not possible in the case's present state",
    413: "the request body is over the size limit",
    422: "a field breaks a rule: every bad field is listed in errors, each naming the field",
    429: "too many attempts: try again after Retry-After seconds",
    503: "the database is busy: try again after Retry-After seconds",
}


def install(app: FastAPI) -> None:
    """Include the API's routers and serve the completed document at ``/openapi.json``."""
    for router in ROUTERS:
        app.include_router(router)

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with the shared errors, the Problem schema and the bearer scheme."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[PROBLEM] = {
        **problems.ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}"),
        "title": PROBLEM,
    }
    schemas.pop(problems.ProblemOut.__name__, None)  # named Problem, once
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)  # FastAPI's own 422 body: this API answers problem+json
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "an API token (rogatory tokens create): Authorization: Bearer "
            "<token>; the scheme name is matched in any case (RFC 9110)",
        }
    }
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            public = path in reference.PUBLIC
            if not public:
                operation["security"] = [{BEARER: []}]
            _errors(operation, public=public)
    return doc


def _errors(operation: dict[str, Any], *, public: bool) -> None:
    """Every error status of the operation as a Problem: the shared ones (without 401 and 403
    on what needs no token) and any the route documented itself."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    shared = {s for s in ERRORS if not (public and s in (401, 403))}
    own = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
    for status in sorted(shared | own):
        given = responses.get(str(status), {})
        responses[str(status)] = {
            "description": given.get("description") or ERRORS.get(status, "a problem"),
            "content": {problems.MEDIA: {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}},
        }

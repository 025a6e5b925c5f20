"""What the API's answers and its document link to, served by the API itself.

A problem's ``type`` is ``/api/v1/problems/{code}``, and the request bodies of intake and
amendment point to ``/api/v1/schema/request``: both must resolve where the client already is,
without a token (they describe the API, they hold no case data), rather than name a site that
may not answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from rogatory import error_codes
from rogatory.api import problems
from rogatory.safeguards import request as request_document

router = APIRouter(prefix="/api/v1", tags=["reference"])
PROBLEMS = router.prefix + "/problems/{code}"
SCHEMA = router.prefix + "/schema/request"
PUBLIC = frozenset({PROBLEMS, SCHEMA})
CODE = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"

FAMILIES = {
    "auth": "the API token or the person's access",
    "case": "the rules of a case's workflow",
    "db": "the database",
    "evidence": "evidence files and their disclosure",
    "hold": "preservation holds",
    "http": "the HTTP request itself (no such route, a method it does not take)",
    "input": "text or numbers no database can keep",
    "internal": "an unexpected failure of the server, logged under a request id",
    "keys": "the organisation's signing keys",
    "request": "the request: its body, its fields or the request document",
    "token": "API tokens",
    "treaty": "the treaty data",
    "user": "the organisation's people",
    "organisation": "the organisations of the service",
    "receipt": "custody receipts",
    "checkpoint": "signed checkpoints of the audit chain",
    "audit": "the audit chain",
    "settings": "the deployment's settings",
    "law": "the law data's dated values",
    "party": "the States and their instruments",
    "rules": "the shipped law data",
    "crosswalk": "the crosswalk between two treaties",
    "text": "the treaties' authentic texts",
    "demo": "the demo data",
    "authority": "the authority registry",
    "signature": "signed request documents",
    "callback": "call-backs confirming a request",
}


class ProblemTypeOut(BaseModel):
    """What a problem type means: its code, the HTTP status it is answered with, and the
    part of the API it comes from."""

    type: str = Field(examples=["/api/v1/problems/case.not_found"])
    code: str = Field(examples=["case.not_found"])
    status: int = Field(examples=[404])
    about: str = Field(description="the part of the service the code comes from")
    meaning: str = Field(examples=["no such case in the caller's organisation"])


@router.get(PROBLEMS.removeprefix(router.prefix), operation_id="getProblemType")
def problem_type(
    code: Annotated[str, PathParam(max_length=100, pattern=CODE)],
) -> ProblemTypeOut:
    """The problem type a problem's ``type`` names: its status and what it means, from the
    catalogue of error codes."""
    meaning = error_codes.meaning_of(code)
    if meaning is None:
        raise HTTPException(404, f"no problem type {code}")
    family = code.split(".", 1)[0]
    return ProblemTypeOut(
        type=problems.type_of(code),
        code=code,
        status=problems.status_for(code),
        about=FAMILIES.get(family, family),
        meaning=meaning,
    )


@router.get(
    SCHEMA.removeprefix(router.prefix), operation_id="getRequestSchema", response_model=None
)
def request_schema() -> dict[str, Any]:
    """The request document's JSON Schema (draft 2020-12): the body of intake and of an
    amendment."""
    return request_document.schema()

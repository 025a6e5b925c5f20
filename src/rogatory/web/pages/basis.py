"""Legal bases: what binds two States on a date, under which instrument to send each kind of
request, and why (the web form of ``rogatory basis``).

The service's own register (with whatever instruments it was started with, the demo's
fictional accessions say) stands for its treaty; every other shipped treaty answers from its
shipped party data. Bilateral and regional treaties come from the agreements the service
was started with (``serve --agreements``).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from rogatory.api.deps import Svc
from rogatory.errors import RogatoryError
from rogatory.parties import service, states
from rogatory.parties.register import Register
from rogatory.safeguards import basis as legal_basis
from rogatory.treaty import catalogue
from rogatory.web import query, templating
from rogatory.web.auth import Viewer

router = APIRouter(include_in_schema=False)
KINDS = {
    "mutual_legal_assistance": "Requests for mutual legal assistance",
    "preservation": "Preservation requests",
    "contact_point_24_7": "Urgent requests through the 24/7 network",
}


@cache
def _shipped(bundle_id: str) -> Register:
    """A shipped treaty's register: package data, the same for the life of the process."""
    return service.load(bundle_id=bundle_id)


def _state(value: str, field: str) -> str:
    found = states.find(value)
    if found is None:
        raise RogatoryError(
            "input.unknown_state", f"field {field}: {states.unknown_state_message(value)}"
        )
    return found.code


@router.get("/basis")
def basis_page(
    request: Request,
    who: Viewer,
    svc: Svc,
    a: Annotated[str | None, Query(max_length=100)] = None,
    b: Annotated[str | None, Query(max_length=100)] = None,
    on: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    day = query.day(on)
    report = None
    if a and b:
        first, second = _state(a, "a"), _state(b, "b")
        if first == second:
            raise RogatoryError("input.same_state", "field b: give two different States")
        own = svc.screener.law.register
        registers = [
            own if bundle_id == own.bundle.id else _shipped(bundle_id)
            for bundle_id in catalogue.bundle_ids()
        ]
        report = legal_basis.between(registers, svc.screener.law.agreements, first, second, day)
    return templating.render(
        request,
        "basis.html",
        on=day,
        a=a or "",
        b=b or "",
        report=report,
        kinds=KINDS,
    )

"""States: every state's position on a chosen date, the count towards entry into force
(Art 65(1): 40 instruments), the entry-into-force date, and the chart of deposits over time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from markupsafe import Markup

from rogatory.api.deps import Svc
from rogatory.parties.instruments import Kind
from rogatory.parties.register import Status
from rogatory.web import chart, query, templating
from rogatory.web.auth import Viewer

router = APIRouter(include_in_schema=False)
CONSENT = frozenset({Kind.RATIFICATION, Kind.ACCEPTANCE, Kind.APPROVAL, Kind.ACCESSION})


@router.get("/states")
def states_page(
    request: Request,
    who: Viewer,
    svc: Svc,
    on: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    day = query.day(on)
    register = svc.screener.law.register
    eif = register.entry_into_force(day)
    statuses = register.statuses(day)
    counts = {s.value: 0 for s in Status}
    for st in statuses:
        counts[st.status.value] += 1
    signatures = [i.on for i in register.instruments if i.kind is Kind.SIGNATURE]
    consents = [i.on for i in register.instruments if i.kind in CONSENT]
    window = register.bundle.manifest.final_clauses.signature.opens
    drawn = chart.svg(
        [
            chart.Series("Signatures", "sig", signatures),
            chart.Series("Ratifications, acceptances, approvals, accessions", "rat", consents),
        ],
        start=min([window, *signatures, *consents]),
        end=max(day, window),
        threshold=eif.required,
        title=f"Signatures and consents to be bound up to {day.isoformat()}",
    )
    return templating.render(
        request,
        "states.html",
        on=day,
        eif=eif,
        statuses=[s for s in statuses if s.status is not Status.NON_SIGNATORY],
        counts=counts,
        chart=Markup(drawn),  # built from dates and labels the chart escapes itself
    )

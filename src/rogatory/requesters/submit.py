"""A requesting authority's account submitting its own request: the same intake as the
provider's staff (``flows.intake``: validated, screened, audited, an idempotency key honoured),
taken in the account's name, for the State of the authority it is linked to only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rogatory.errors import RogatoryError
from rogatory.requesters import service
from rogatory.requests import deadlines, flows
from rogatory.requests.flows import Actor
from rogatory.requests.models import Case
from rogatory.safeguards.engine import Screener


def submit(
    session: Session,
    actor: Actor,
    document: dict[str, Any],
    screener: Screener,
    *,
    policy: deadlines.Policy | None = None,
    idempotency_key: str | None = None,
    treaty: str | None = None,
) -> tuple[Case, bool]:
    """Take the request in; a request for another requesting State than the authority's is
    refused (the whole intake is rolled back with it)."""
    account = service.of(session, actor)
    case, created = flows.intake(
        session,
        actor,
        document,
        screener,
        policy=policy,
        idempotency_key=idempotency_key,
        treaty=treaty,
    )
    if case.requesting_state != account.state:
        raise RogatoryError(
            "requester.wrong_state",
            f"field requesting_state: {case.requesting_state} is not the State of your "
            f"authority ({account.authority_name}, {account.state})",
        )
    return case, created

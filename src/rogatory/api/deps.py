"""Request-scoped dependencies: one transaction per request, and who is asking.

Who is asking is found on a read-only session, so that on SQLite no request holds the
write lock before its handler writes: the body is read (FastAPI reads a JSON or form body
before the dependencies; an upload spools its body itself) while nothing is locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi import Path as PathParam
from sqlalchemy.orm import Session, sessionmaker

from rogatory import inputs
from rogatory.accounts import service as accounts
from rogatory.accounts.service import Principal, Scope
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.replies import templates as templates_
from rogatory.replies.templates import Templates
from rogatory.reports.store import FactStore
from rogatory.requests.flows import Actor
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards.engine import Screener


@dataclass(frozen=True)
class Services:
    sessions: sessionmaker[Session]
    screener: Screener
    lifecycle: Lifecycle
    evidence_dir: Path = Path("./evidence")
    max_evidence_bytes: int = inputs.DEFAULT_MAX_EVIDENCE_BYTES
    secure_cookies: bool = False  # always on outside development; on https in any case
    max_body_bytes: int = inputs.DEFAULT_MAX_BODY_BYTES  # any body but an evidence upload
    body_timeout: float = 30.0  # seconds without more of a request body before a 408
    # the analytical copy of the case facts the reports read (one per process)
    reports: FactStore = field(default_factory=FactStore, compare=False)
    templates_dir: Path | None = None  # the organisation's own templates (replies, case file)

    @property
    def templates(self) -> Templates:
        """The templates replies and case files are written from: the organisation's folder
        over the shipped ones."""
        return templates_.for_folder(self.templates_dir)

    @property
    def readers(self) -> sessionmaker[Session]:
        """Sessions that only read: they never take SQLite's write lock."""
        return dbe.read_only(self.sessions)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]
# A row id in a path: beyond what an integer column holds it names no row, and must not
# reach the database (which would fail on it rather than find nothing).
RowId = Annotated[int, PathParam(ge=1, le=inputs.MAX_ROW_ID)]
HoldId = RowId


def session(svc: Svc) -> Iterator[Session]:
    """A transaction for the whole request: committed on success, rolled back on any error.

    Always depended on with ``scope="function"``: the commit then happens before the
    response is sent, so a client that is told "created" can read what was created at once,
    and a failed commit is an error response, never a success for a write that was lost.
    """
    with svc.sessions.begin() as s:
        yield s


Db = Annotated[Session, Depends(session, scope="function")]


def read_session(svc: Svc) -> Iterator[Session]:
    """A read-only transaction for the request: for work that writes nothing and may be long
    (verifying the audit chain), so that it never holds the write lock."""
    with svc.readers.begin() as s:
        yield s


ReadDb = Annotated[Session, Depends(read_session, scope="function")]


def principal(
    svc: Svc,
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    scheme, _, token = (authorization or "").strip().partition(" ")
    # An authentication scheme's name is case-insensitive (RFC 9110, section 11.1).
    if scheme.lower() != "bearer" or not token.strip():
        raise RogatoryError(
            "auth.missing_token", "send an API token: Authorization: Bearer <token>"
        )
    with svc.readers.begin() as s:
        return accounts.authenticate(s, token.strip())


def needs(scope: Scope) -> Callable[[Principal], Actor]:
    """A dependency that checks the token's scope and returns the acting person."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Actor:
        if scope not in who.scopes:
            raise RogatoryError("auth.forbidden", f"this token lacks the scope {scope.value}")
        return Actor(who.email, who.org, who.roles)

    return check

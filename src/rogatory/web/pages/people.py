"""The People page: an admin sees the organisation's users, their roles and tokens, and cuts
off access (deactivate, change roles, revoke a token). Every form carries the CSRF token;
a refused change (the last admin) answers with the page and the reason, nothing changed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from rogatory.accounts import people
from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Db
from rogatory.api.problems import status_for
from rogatory.errors import RogatoryError
from rogatory.requests.transitions import Role
from rogatory.web import templating
from rogatory.web.auth import Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, db: Session, who: SignedIn, status: int = 200, error: str | None = None
) -> Response:
    return templating.render(
        request,
        "people.html",
        status,
        people=people.people(db, actor(who)),
        roles=[r for r in Role if r is not Role.REQUESTER],  # a requester signs up
        error=error,
    )


@router.get("/people")
def people_page(request: Request, who: Viewer, db: Db) -> Response:
    return _page(request, db, who)


def _change(request: Request, db: Session, who: SignedIn, change: Callable[[], object]) -> Response:
    """One change in a savepoint: on a refusal, the page with the reason and nothing kept."""
    try:
        with db.begin_nested():
            change()
    except RogatoryError as exc:
        if exc.code == "user.forbidden":
            raise
        return _page(request, db, who, status_for(exc.code), exc.message)
    return RedirectResponse("/people", status_code=303)


@router.post("/people/deactivate")
def deactivate(request: Request, who: Poster, form: Posted, db: Db) -> Response:
    email = str(form.get("email") or "")
    return _change(request, db, who, lambda: people.deactivate(db, actor(who), email))


@router.post("/people/roles")
def set_roles(request: Request, who: Poster, form: Posted, db: Db) -> Response:
    email = str(form.get("email") or "")
    roles = [v for v in form.getlist("roles") if isinstance(v, str)]
    return _change(request, db, who, lambda: people.set_roles(db, actor(who), email, roles))


@router.post("/people/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: str, who: Poster, db: Db) -> Response:
    return _change(request, db, who, lambda: people.revoke_token(db, actor(who), token_id))

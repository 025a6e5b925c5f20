"""Who is using the browser: the session cookie, CSRF on every form, and the acting person."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rogatory.accounts import sessions
from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Db
from rogatory.errors import RogatoryError
from rogatory.requests.flows import Actor


class SignInRequired(Exception):
    """Raised for a page that needs a signed-in user; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def signed_in(request: Request, db: Db) -> SignedIn:
    secret = request.cookies.get(sessions.COOKIE, "")
    try:
        who = sessions.resolve(db, secret)
    except RogatoryError:
        raise SignInRequired(request.url.path) from None
    request.state.signed_in = who
    return who


async def form_checked(request: Request, who: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
    """A signed-in user whose form (or HTMX request) carries this session's CSRF token."""
    submitted = request.headers.get("x-csrf-token")
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        submitted = value if isinstance(value, str) else None
    sessions.check_csrf(who, submitted)
    return who


def actor(who: SignedIn) -> Actor:
    return Actor(who.principal.email, who.principal.org, who.principal.roles)


Viewer = Annotated[SignedIn, Depends(signed_in)]
Poster = Annotated[SignedIn, Depends(form_checked)]

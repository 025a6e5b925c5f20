"""Who is using the browser: the session cookie, CSRF on every form, and the acting person.

The session is looked up on a read-only session and a posted form is read in full here,
before the handler's transaction: no request holds SQLite's write lock while its client is
still sending. Handlers that write are plain functions (run in a worker thread), so waiting
for the lock never stalls the event loop that serves everyone else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from rogatory.accounts import sessions
from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Svc
from rogatory.errors import RogatoryError
from rogatory.requests import permissions
from rogatory.requests.flows import Actor

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SignInRequired(Exception):
    """Raised for a page that needs a signed-in user; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def anyone(request: Request, svc: Svc) -> SignedIn:
    """Whoever is signed in: the provider's staff or a requesting authority's account."""
    secret = request.cookies.get(sessions.COOKIE, "")
    try:
        with svc.readers.begin() as s:
            who = sessions.resolve(s, secret)
    except RogatoryError:
        raise SignInRequired(request.url.path) from None
    request.state.signed_in = who
    return who


def _no_such_page() -> RogatoryError:
    return RogatoryError("http.not_found", "no such page")


def signed_in(who: Annotated[SignedIn, Depends(anyone)]) -> SignedIn:
    """Someone of the provider's staff. A requesting authority's account is answered 404 on
    every staff page (the queue, a case, the registry ...): as if the page did not exist,
    so nothing of the provider's cases is told to it."""
    if permissions.own_requests_only(who.principal.roles):
        raise _no_such_page()
    return who


def requester(who: Annotated[SignedIn, Depends(anyone)]) -> SignedIn:
    """A requesting authority's account (its own requests' pages); anyone else: 404."""
    if not permissions.own_requests_only(who.principal.roles):
        raise _no_such_page()
    return who


async def posted(request: Request) -> FormData:
    """The posted form, read in full (Starlette keeps it for the handler); empty for a body
    that is not a form."""
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        return await request.form()
    return FormData()


async def _csrf(request: Request, who: SignedIn) -> SignedIn:
    form = await posted(request)
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    sessions.check_csrf(who, submitted)
    return who


async def form_checked(request: Request, who: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
    """A signed-in member of staff whose form (or HTMX request) carries this session's CSRF
    token."""
    return await _csrf(request, who)


async def anyone_form(request: Request, who: Annotated[SignedIn, Depends(anyone)]) -> SignedIn:
    """Anyone signed in, with the session's CSRF token (signing out, the intake form)."""
    return await _csrf(request, who)


async def requester_form(
    request: Request, who: Annotated[SignedIn, Depends(requester)]
) -> SignedIn:
    return await _csrf(request, who)


def actor(who: SignedIn) -> Actor:
    return Actor(who.principal.email, who.principal.org, who.principal.roles)


Viewer = Annotated[SignedIn, Depends(signed_in)]
Poster = Annotated[SignedIn, Depends(form_checked)]
AnyViewer = Annotated[SignedIn, Depends(anyone)]
AnyPoster = Annotated[SignedIn, Depends(anyone_form)]
RequesterViewer = Annotated[SignedIn, Depends(requester)]
RequesterPoster = Annotated[SignedIn, Depends(requester_form)]
Posted = Annotated[FormData, Depends(posted)]

"""The Notifications page: the signed-in person chooses, per kind of notice and channel,
what they are told of. A box left as it was keeps the default (it is not written as a choice,
so a default that follows the roles keeps following them); "Back to the defaults" clears every
choice. Every change is audited; a form naming an unknown kind or channel is refused with
the field it named."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from rogatory.accounts.sessions import SignedIn
from rogatory.api.deps import Db
from rogatory.api.problems import status_for
from rogatory.errors import RogatoryError
from rogatory.notifications import preferences
from rogatory.notifications.kinds import WORDS, Kind
from rogatory.web import templating
from rogatory.web.auth import Posted, Poster, Viewer, actor

router = APIRouter(include_in_schema=False)
FIELD = "preferences"


def _page(
    request: Request,
    db: Session,
    who: SignedIn,
    status: int = 200,
    error: str | None = None,
    saved: bool = False,
) -> Response:
    user = preferences.person(db, actor(who))
    return templating.render(
        request,
        "notifications.html",
        status,
        shown=preferences.of(db, user),
        kinds=[(k.value, WORDS[k]) for k in Kind],
        channels=preferences.CHANNELS,
        field=FIELD,
        error=error,
        saved=saved,
    )


@router.get("/notifications")
def notifications_page(request: Request, who: Viewer, db: Db, saved: int = 0) -> Response:
    return _page(request, db, who, saved=bool(saved))


def _changes(form: Posted, shown: dict[str, dict[str, bool]]) -> dict[str, bool | None]:
    """The boxes that differ from what the person gets now, as choices; every posted field
    under ``preferences.`` checked as the API checks it (an unknown kind or channel named)."""
    posted: dict[str, dict[str, bool | None]] = {}
    for key in form:
        if key.startswith(FIELD + "."):
            kind, _, channel = key[len(FIELD) + 1 :].partition(".")
            posted.setdefault(kind, {})[channel] = True
    preferences.parse(posted, FIELD)  # refuses what is not a kind or a channel
    changes: dict[str, bool | None] = {}
    for kind, now in shown.items():
        for channel in preferences.CHANNELS:
            ticked = posted.get(kind, {}).get(channel) is True
            if ticked != now[channel]:
                changes[kind] = ticked
    return changes


@router.post("/notifications")
def save(request: Request, who: Poster, form: Posted, db: Db) -> Response:
    try:
        with db.begin_nested():
            user = preferences.person(db, actor(who))
            if form.get("reset"):
                changes: dict[str, bool | None] = dict.fromkeys((k.value for k in Kind), None)
            else:
                changes = _changes(form, preferences.of(db, user))
            preferences.choose(db, user, changes, by=who.principal.email)
    except RogatoryError as exc:
        return _page(request, db, who, status_for(exc.code), exc.message)
    return RedirectResponse("/notifications?saved=1", status_code=303)

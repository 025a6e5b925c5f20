"""``/api/v1/me/notification-preferences`` and ``/api/v1/users/{email}/notification-preferences``:
which notices a person is told of, per kind and channel.

Anyone signed in with a token reads and sets their own; an admin (a token with
``users:admin``) reads and sets those of another person of the organisation. An unknown kind
or channel is a 422 naming the field (``preferences.<kind>.<channel>``); every change is
audited in the organisation's chain with the user's state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from rogatory.accounts.service import Principal, Scope
from rogatory.api.deps import Db, needs, principal
from rogatory.api.problems import documented
from rogatory.errors import RogatoryError
from rogatory.notifications import preferences
from rogatory.requests.flows import Actor

router = APIRouter(prefix="/api/v1", tags=["notifications"])
AdminActor = Annotated[Actor, Depends(needs(Scope.USERS_ADMIN))]
Me = Annotated[Principal, Depends(principal)]
INVALID = documented(
    "notification.invalid_kind", "notification.invalid_channel", "notification.invalid_value"
)


class ChoiceOut(BaseModel):
    email: bool = Field(description="whether the person is told of this kind by email")
    chosen: bool = Field(description="their own choice (false: the default for their roles)")


class PreferencesOut(BaseModel):
    user: str
    channels: list[str] = Field(
        description="the channels a person chooses (webhooks are the organisation's)"
    )
    preferences: dict[str, ChoiceOut] = Field(description="every kind of notice")


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preferences: dict[str, dict[str, StrictBool | None]] = Field(
        description="per kind, per channel: true, false, or null (back to the default); "
        "kinds not named are left as they are",
        examples=[{"hold_lapsing": {"email": False}, "law_changed": {"email": None}}],
    )


def _out(db: Db, actor: Actor, email: str | None) -> PreferencesOut:
    user = preferences.person(db, actor, email)
    shown = preferences.of(db, user)
    return PreferencesOut(
        user=user.email,
        channels=list(preferences.CHANNELS),
        preferences={k: ChoiceOut(**v) for k, v in shown.items()},
    )


def _set(db: Db, actor: Actor, email: str | None, body: PreferencesIn) -> PreferencesOut:
    user = preferences.person(db, actor, email)
    preferences.choose(db, user, preferences.parse(body.preferences), by=actor.user)
    return _out(db, actor, user.email)


def _me(who: Principal) -> Actor:
    """The acting staff member. A requesting authority's token (``requests:own`` alone) has
    no preferences here: the provider's notices are never sent to it."""
    if Scope.REQUESTS_OWN in who.scopes:
        raise RogatoryError(
            "auth.forbidden",
            "a requesting authority's account receives none of the provider's notices, so it "
            "has no notification preferences",
        )
    return Actor(who.email, who.org, who.roles)


@router.get("/me/notification-preferences", operation_id="getMyNotificationPreferences")
def get_mine(who: Me, db: Db) -> PreferencesOut:
    """The signed-in person's preferences: every kind, whether they get it by email, and
    whether that is their own choice or the default for their roles."""
    return _out(db, _me(who), None)


@router.put(
    "/me/notification-preferences",
    operation_id="setMyNotificationPreferences",
    responses=INVALID,
)
def set_mine(body: PreferencesIn, who: Me, db: Db) -> PreferencesOut:
    """Change the signed-in person's preferences (audited); answers them as they now are."""
    return _set(db, _me(who), None, body)


@router.get(
    "/users/{email}/notification-preferences", operation_id="getUserNotificationPreferences"
)
def get_theirs(email: str, actor: AdminActor, db: Db) -> PreferencesOut:
    """Another person's preferences (admins; a person of another organisation is 404)."""
    return _out(db, actor, email)


@router.put(
    "/users/{email}/notification-preferences",
    operation_id="setUserNotificationPreferences",
    responses=INVALID,
)
def set_theirs(email: str, body: PreferencesIn, actor: AdminActor, db: Db) -> PreferencesOut:
    """Change another person's preferences (admins; audited as the admin's change)."""
    return _set(db, actor, email, body)

"""``/api/v1/users`` and ``/api/v1/tokens``: an admin cuts off access in their organisation.

Only admins, with a token carrying ``users:admin``, and only for their own organisation: a
user or token of another organisation is not found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from rogatory.accounts import people
from rogatory.accounts.models import ApiToken, User
from rogatory.accounts.service import Scope
from rogatory.api.deps import Db, needs
from rogatory.requests.flows import Actor
from rogatory.requests.transitions import Role

router = APIRouter(prefix="/api/v1", tags=["people"])
AdminActor = Annotated[Actor, Depends(needs(Scope.USERS_ADMIN))]


class TokenOut(BaseModel):
    id: str
    name: str
    user: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class UserOut(BaseModel):
    email: str
    name: str
    roles: list[Role]
    active: bool
    tokens: list[TokenOut]


class UsersOut(BaseModel):
    items: list[UserOut]


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(min_length=1, description="the user's roles from now on")


def token_out(row: ApiToken, email: str) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        user=email,
        scopes=row.scopes,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def user_out(user: User, tokens: list[ApiToken]) -> UserOut:
    return UserOut(
        email=user.email,
        name=user.name,
        roles=[Role(r) for r in user.roles],
        active=user.active,
        tokens=[token_out(t, user.email) for t in tokens],
    )


def _person(db: Db, user: User) -> UserOut:
    return user_out(user, people.tokens_of(db, user))


@router.get("/users", operation_id="listUsers")
def list_users(actor: AdminActor, db: Db) -> UsersOut:
    """The organisation's people, active or not, with their roles and API tokens."""
    return UsersOut(items=[user_out(p.user, p.tokens) for p in people.people(db, actor)])


@router.post("/users/{email}/deactivate", operation_id="deactivateUser")
def deactivate_user(email: str, actor: AdminActor, db: Db) -> UserOut:
    """Deactivate a user: their browser sessions end and their tokens are revoked at once.
    The last active admin of the organisation cannot be deactivated (409)."""
    return _person(db, people.deactivate(db, actor, email).user)


@router.put("/users/{email}/roles", operation_id="setUserRoles")
def set_user_roles(email: str, body: RolesIn, actor: AdminActor, db: Db) -> UserOut:
    """Replace a user's roles; taking the admin role from the last active admin is refused
    (409)."""
    return _person(db, people.set_roles(db, actor, email, [r.value for r in body.roles]))


@router.post("/tokens/{token_id}/revoke", operation_id="revokeToken")
def revoke_token(token_id: str, actor: AdminActor, db: Db) -> TokenOut:
    """Revoke an API token of the organisation; it stops working on the next request."""
    row = people.revoke_token(db, actor, token_id)
    owner = db.get(User, row.user_id)
    return token_out(row, owner.email if owner else "")

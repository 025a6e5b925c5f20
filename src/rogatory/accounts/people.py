"""Cutting off access: deactivating people, changing their roles, revoking API tokens.

These are incident-response tools, so they act at once: deactivating a user ends every
browser session and revokes every token they hold (``authenticate`` and ``sessions.resolve``
also refuse an inactive user, so nothing they held works on the next request). Each change
is appended to the organisation's audit chain. An organisation never loses its last active
admin this way: the admin changes are serialised per organisation (a row lock on it), so two
admins removing each other at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts import service as accounts
from rogatory.accounts.models import ApiToken, BrowserSession, User
from rogatory.audit import service as audit
from rogatory.errors import RogatoryError
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.models import Organisation
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Role


def _require_admin(admin: Actor) -> None:
    permissions.require(admin.roles, Action.MANAGE_PEOPLE, code="user.forbidden")


def _record(
    session: Session, admin: Actor, user_id: str, action: str, summary: dict[str, Any]
) -> None:
    """Audit a change to a user (or their tokens): the event records the user's new state."""
    audit.append(
        session,
        chain=admin.org,
        actor=admin.user,
        action=action,
        case_id=None,
        subject=f"user:{user_id}",
        summary=summary,
    )


def _user(session: Session, admin: Actor, email: str) -> User:
    user = session.execute(
        select(User).where(User.email == email.strip().lower(), User.org_id == admin.org)
    ).scalar_one_or_none()
    if user is None:
        raise RogatoryError("user.not_found", f"no user {email!r} in this organisation")
    return user


def _keep_an_admin(session: Session, user: User, roles: list[str], active: bool) -> None:
    """Refuse a change that leaves the organisation without an active admin (if it has one)."""
    # FOR NO KEY UPDATE: serialises admin changes per organisation without waiting on the
    # key-share locks of concurrent inserts that reference the organisation (a case's intake).
    session.execute(
        select(Organisation.id)
        .where(Organisation.id == user.org_id)
        .with_for_update(key_share=True)
    ).one()
    admins = [
        u
        for u in session.execute(
            select(User).where(User.org_id == user.org_id, User.active.is_(True))
        ).scalars()
        if Role.ADMIN.value in u.roles
    ]
    stays = active and Role.ADMIN.value in roles
    if admins and not stays and [u.id for u in admins] == [user.id]:
        raise RogatoryError(
            "user.last_admin",
            f"{user.email} is the last active admin of {user.org_id}; the organisation "
            "would have nobody to manage its people",
            help="give another user the admin role first",
        )


@dataclass(frozen=True)
class Deactivated:
    user: User
    tokens_revoked: list[str]  # ids of the tokens live until now
    sessions_ended: int


def deactivate(session: Session, admin: Actor, email: str) -> Deactivated:
    """Deactivate a user: their sessions end and their tokens are revoked, now. A user
    already inactive is left as they are."""
    _require_admin(admin)
    user = _user(session, admin, email)
    if not user.active:
        return Deactivated(user, [], 0)
    _keep_an_admin(session, user, user.roles, active=False)
    now = datetime.now(UTC)
    user.active = False
    tokens = _live(session, ApiToken, ApiToken.user_id == user.id, now)
    browsers = _live(session, BrowserSession, BrowserSession.user_id == user.id, now)
    for row in (*tokens, *browsers):
        row.revoked_at = now
    session.flush()
    done = Deactivated(user, sorted(t.id for t in tokens), len(browsers))
    _record(
        session,
        admin,
        user.id,
        "user.deactivated",
        {
            "email": user.email,
            "tokens_revoked": done.tokens_revoked,
            "sessions_ended": done.sessions_ended,
        },
    )
    return done


def _live(session: Session, model: Any, owned: Any, now: datetime) -> list[Any]:
    return list(
        session.execute(
            select(model).where(owned, model.revoked_at.is_(None), model.expires_at > now)
        ).scalars()
    )


def set_roles(session: Session, admin: Actor, email: str, roles: list[str]) -> User:
    """Replace a user's roles (at least one); the next request they make has the new ones."""
    _require_admin(admin)
    given = accounts.parse_roles(roles)
    parsed = sorted(r.value for r in given)
    if not parsed:
        raise RogatoryError(
            "user.invalid_role",
            "field roles: at least one role",
            help="to cut a person off entirely, deactivate them",
        )
    user = _user(session, admin, email)
    before = list(user.roles)
    if Role.REQUESTER.value in before or Role.REQUESTER in given:
        raise RogatoryError(
            "user.invalid_role",
            f"field roles: {user.email}: a requesting authority's account keeps the requester "
            "role alone, and no staff account can be given it",
            help="approve or suspend a requester with: rogatory requesters approve|suspend",
        )
    if parsed == sorted(before):
        return user
    _keep_an_admin(session, user, parsed, active=user.active)
    user.roles = parsed
    session.flush()
    _record(
        session,
        admin,
        user.id,
        "user.roles_changed",
        {"email": user.email, "from": before, "to": parsed},
    )
    return user


def revoke_token(session: Session, admin: Actor, token_id: str) -> ApiToken:
    """Revoke one API token of the organisation; revoking it again changes nothing."""
    _require_admin(admin)
    row, changed = accounts.revoke(session, token_id, admin.org)
    if changed:
        owner = session.get(User, row.user_id)
        _record(
            session,
            admin,
            row.user_id,
            "token.revoked",
            {"token": row.id, "name": row.name, "user": owner.email if owner else None},
        )
    return row


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A user's API tokens, newest first, live or not."""
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class Person:
    user: User
    tokens: list[ApiToken]


def people(session: Session, admin: Actor) -> list[Person]:
    """Every user of the organisation, active or not, with their tokens (newest first)."""
    _require_admin(admin)
    users = list(
        session.execute(select(User).where(User.org_id == admin.org).order_by(User.email)).scalars()
    )
    tokens: dict[str, list[ApiToken]] = {u.id: [] for u in users}
    for t in session.execute(
        select(ApiToken).where(ApiToken.org_id == admin.org).order_by(ApiToken.created_at.desc())
    ).scalars():
        tokens.setdefault(t.user_id, []).append(t)
    return [Person(u, tokens[u.id]) for u in users]


def operator_for(
    session: Session, by: str, *, email: str | None = None, token: str | None = None
) -> Actor:
    """The command line's operator (``cli:<login>``), acting as admin of the organisation of
    the user or token named: the CLI runs with the database's own credentials, beyond any
    one organisation, as ``users add`` does."""
    org: str | None = None
    if email is not None:
        org = session.execute(
            select(User.org_id).where(User.email == email.strip().lower())
        ).scalar_one_or_none()
        if org is None:
            raise RogatoryError("user.not_found", f"no user {email!r}")
    if token is not None:
        org = session.execute(
            select(ApiToken.org_id).where(ApiToken.id == token)
        ).scalar_one_or_none()
        if org is None:
            raise RogatoryError("token.not_found", f"no token {token!r}")
    assert org is not None
    return Actor(by, org, frozenset({Role.ADMIN}))

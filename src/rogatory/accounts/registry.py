"""Managing an organisation's authority registry: who may, and the one place that checks.

The registry's storage and audit are ``authorities.store``; here each change is allowed only
to the roles ``requests.permissions`` gives it (the admin manages the registry; the people
who work cases may read it), the same check for the API, the web page and the command line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from rogatory.authorities import store
from rogatory.authorities.registry import AuthorityRecord, RegisteredKey
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.permissions import Action


def _manage(actor: Actor) -> None:
    permissions.require(actor.roles, Action.MANAGE_AUTHORITIES, code="authority.forbidden")


def _read(actor: Actor) -> None:
    permissions.require(actor.roles, Action.READ_AUTHORITIES, code="authority.forbidden")


def listed(session: Session, actor: Actor, *, state: str | None = None) -> list[AuthorityRecord]:
    _read(actor)
    return store.records(session, actor.org, state=state)


def show(session: Session, actor: Actor, authority_id: str) -> AuthorityRecord:
    _read(actor)
    return store.show(session, actor.org, authority_id)


def add(session: Session, actor: Actor, record: AuthorityRecord) -> AuthorityRecord:
    _manage(actor)
    return store.add(session, actor.org, record, by=actor.user)


def add_key(
    session: Session, actor: Actor, authority_id: str, key: RegisteredKey
) -> AuthorityRecord:
    _manage(actor)
    return store.add_key(session, actor.org, authority_id, key, by=actor.user)


def revoke_key(
    session: Session,
    actor: Actor,
    kid: str,
    *,
    reason: str,
    revoked_from: datetime | None = None,
) -> AuthorityRecord:
    _manage(actor)
    return store.revoke_key(
        session, actor.org, kid, by=actor.user, reason=reason, revoked_from=revoked_from
    )

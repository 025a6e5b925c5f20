"""Each person's choice, per kind of notice and channel, of being told.

Email is the one channel a person chooses for themselves; webhooks are an organisation's
(``webhooks.py``), so ``CHANNELS`` names only it, and a form or a request naming another is
refused with the field it named. Every change is audited in the person's organisation, with
the user's state (``subject``), in the caller's transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts.models import User
from rogatory.audit import service as audit
from rogatory.errors import RogatoryError
from rogatory.notifications.kinds import PERSONAL, Kind
from rogatory.notifications.models import PreferenceRow
from rogatory.notifications.outbox import EMAIL, wants
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.permissions import Action

CHANNELS = (EMAIL,)
CHANGED = "notifications.preferences_changed"


def of(session: Session, user: User) -> dict[str, dict[str, bool]]:
    """Every kind: whether ``user`` gets it by email, and whether that is their own choice
    (else the default: their roles', or for a kind that concerns particular people, the
    case's assignee or a State's subscribers, on when it concerns them)."""
    chosen = {
        (p.user_id, p.kind): p.email
        for p in session.execute(
            select(PreferenceRow).where(PreferenceRow.user_id == user.id)
        ).scalars()
    }
    out = {}
    for k in Kind:
        mine = (user.id, k.value) in chosen
        email = wants(user, k, chosen) or (k in PERSONAL and not mine)
        out[k.value] = {"email": email, "chosen": mine}
    return out


def person(session: Session, actor: Actor, email: str | None = None) -> User:
    """Whose preferences ``actor`` reads or sets: their own (``email`` none or theirs), or,
    for an admin, another person's of the organisation; another organisation's person is not
    found, never forbidden."""
    wanted = (email or actor.user).strip().lower()
    if wanted != actor.user.lower():
        permissions.require(actor.roles, Action.MANAGE_PEOPLE, code="user.forbidden")
    user = session.execute(
        select(User).where(User.email == wanted, User.org_id == actor.org)
    ).scalar_one_or_none()
    if user is None:
        raise RogatoryError("user.not_found", f"no user {wanted!r} in this organisation")
    return user


def kind_of(value: str, field: str = "kind") -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise RogatoryError(
            "notification.invalid_kind",
            f"field {field}: {value!r} is not a kind of notice",
            details={"field": field},
            help="kinds: " + ", ".join(k.value for k in Kind),
        ) from None


def parse(document: Any, field: str = "preferences") -> dict[str, bool | None]:
    """``{kind: {channel: true | false | null}}`` (null: back to the default) as the changes
    ``choose`` takes; every wrong kind, channel or value named by its field."""
    if not isinstance(document, dict):
        raise RogatoryError(
            "notification.invalid_value",
            f"field {field}: expected an object of kinds, each an object of channels",
            details={"field": field},
        )
    changes: dict[str, bool | None] = {}
    for name, channels in document.items():
        where = f"{field}.{name}"
        kind = kind_of(str(name), where)
        if not isinstance(channels, dict):
            raise RogatoryError(
                "notification.invalid_value",
                f"field {where}: expected an object of channels ({', '.join(CHANNELS)})",
                details={"field": where},
            )
        for channel, value in channels.items():
            at = f"{where}.{channel}"
            if channel not in CHANNELS:
                raise RogatoryError(
                    "notification.invalid_channel",
                    f"field {at}: {channel!r} is not a channel a person chooses",
                    details={"field": at},
                    help="channels: "
                    + ", ".join(CHANNELS)
                    + " (webhooks are the organisation's: rogatory webhooks add)",
                )
            if value is not None and not isinstance(value, bool):
                raise RogatoryError(
                    "notification.invalid_value",
                    f"field {at}: expected true, false or null (the default), not {value!r}",
                    details={"field": at},
                )
            changes[kind.value] = value
    return changes


def choose(session: Session, user: User, changes: dict[str, bool | None], *, by: str) -> None:
    """Set (true/false) or clear (none: back to the default) ``user``'s choice per kind, and
    audit what changed (nothing is recorded when nothing changed)."""
    done: dict[str, bool | None] = {}
    for name, email in changes.items():
        kind = kind_of(name)
        row = session.get(PreferenceRow, (user.id, kind.value))
        if email is None:
            if row is not None:
                session.delete(row)
                done[kind.value] = None
            continue
        if row is None:
            row = PreferenceRow(user_id=user.id, kind=kind.value, email=email)
            session.add(row)
        elif row.email == email:
            continue
        row.email, row.changed_at = email, datetime.now(UTC)
        done[kind.value] = email
    session.flush()
    if done:
        audit.append(
            session,
            chain=user.org_id,
            actor=by,
            action=CHANGED,
            summary={"user": user.email, "email": done},
            subject=f"user:{user.id}",
        )

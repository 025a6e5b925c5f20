"""Each person's choice, per kind of notice, of being told by email."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts.models import User
from rogatory.errors import RogatoryError
from rogatory.notifications.kinds import Kind
from rogatory.notifications.models import PreferenceRow
from rogatory.notifications.outbox import wants


def of(session: Session, user: User) -> dict[str, dict[str, bool]]:
    """Every kind: whether ``user`` gets it by email, and whether that is their own choice
    (else the default for their roles)."""
    chosen = {
        (p.user_id, p.kind): p.email
        for p in session.execute(
            select(PreferenceRow).where(PreferenceRow.user_id == user.id)
        ).scalars()
    }
    return {
        k.value: {"email": wants(user, k, chosen), "chosen": (user.id, k.value) in chosen}
        for k in Kind
    }


def kind_of(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise RogatoryError(
            "notification.invalid_kind",
            f"field kind: {value!r} is not a kind of notice",
            help="kinds: " + ", ".join(k.value for k in Kind),
        ) from None


def choose(session: Session, user: User, changes: dict[str, bool | None]) -> None:
    """Set (true/false) or clear (none: back to the default) ``user``'s choice per kind."""
    for name, email in changes.items():
        kind = kind_of(name)
        row = session.get(PreferenceRow, (user.id, kind.value))
        if email is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = PreferenceRow(user_id=user.id, kind=kind.value, email=email)
            session.add(row)
        row.email, row.changed_at = email, datetime.now(UTC)
    session.flush()

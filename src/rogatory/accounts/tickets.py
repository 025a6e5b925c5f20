"""Single-use secrets of sign-up and sign-in: issued for one purpose, stored as SHA-256 only,
expiring, and spent by one conditional update, so two uses at once cannot both succeed.

The emailed verification link (a day), the step from a verified email to the TOTP enrolment
(half an hour), and the step from a right password to the TOTP code (five minutes).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm import Session

from rogatory.accounts.models import AccountToken
from rogatory.errors import RogatoryError


class Purpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    ENROL = "enrol"
    SIGN_IN = "sign_in"


LIFETIME = {
    Purpose.VERIFY_EMAIL: timedelta(hours=24),
    Purpose.ENROL: timedelta(minutes=30),
    Purpose.SIGN_IN: timedelta(minutes=5),
}
# What each ticket is called when it is refused, and where a person gets a new one.
_WHAT = {
    Purpose.VERIFY_EMAIL: ("the verification link", "sign up again to be sent a new link"),
    Purpose.ENROL: ("the enrolment step", "follow your verification link again"),
    Purpose.SIGN_IN: ("the sign-in step", "sign in again with your password"),
}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, user_id: str, purpose: Purpose, now: datetime) -> str:
    """A new ticket for ``user_id``; the secret is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            id=digest(secret),
            user_id=user_id,
            purpose=purpose.value,
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    session.flush()
    return secret


def holder(session: Session, secret: str, purpose: Purpose, now: datetime) -> AccountToken:
    """The live ticket ``secret`` stands for, or the error naming the field and the rule:
    ``account.token_unknown``, ``account.token_used``, ``account.token_expired``."""
    what, again = _WHAT[purpose]
    row = session.get(AccountToken, digest(secret)) if secret else None
    if row is None or row.purpose != purpose.value:
        raise RogatoryError(
            "account.token_unknown", f"field token: {what} is not one this site issued", help=again
        )
    if row.used_at is not None:
        raise RogatoryError(
            "account.token_used", f"field token: {what} was already used once", help=again
        )
    if row.expires_at <= now:
        hours = LIFETIME[purpose].total_seconds() / 3600
        valid = f"{hours:g} hours" if hours >= 1 else f"{hours * 60:g} minutes"
        raise RogatoryError(
            "account.token_expired",
            f"field token: {what} expired (it is valid for {valid})",
            help=again,
        )
    return row


def spend(session: Session, secret: str, purpose: Purpose, now: datetime) -> str:
    """Use the ticket up; returns its user. Checked, then spent by an update that succeeds
    only while it is unused, so of two concurrent uses one is refused."""
    row = holder(session, secret, purpose, now)
    spent = session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise RogatoryError(
            "account.token_used", f"field token: {_WHAT[purpose][0]} was already used once"
        )
    session.expire(row)
    return row.user_id

"""Browser sessions: password sign-in, the session cookie's secret, CSRF tokens, sign-out.

A session is a row, not a signed cookie: signing out, deactivating a user or an incident
response revokes it at once, which a self-contained signed cookie cannot do. The cookie holds
a random secret and the database only its SHA-256. Every form carries the session's CSRF token
(synchroniser token pattern), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import service as accounts
from rogatory.accounts import throttle
from rogatory.accounts.models import BrowserSession, User
from rogatory.accounts.service import Principal, Scope
from rogatory.audit import service as audit
from rogatory.errors import RogatoryError

LIFETIME = timedelta(hours=12)
COOKIE = "rogatory_session"
# The chain of failed sign-ins to no account. An unknown email belongs to no organisation:
# recording it in one would tell that organisation of guesses at other people's addresses
# and let anyone lengthen any organisation's chain at will. A chain of its own keeps them on
# the record (as many as the address throttle lets through), apart from every organisation's.
# Organisation ids are plain names; none has this colon-separated form.
UNKNOWN_ACCOUNTS = "system:sign-in"


@dataclass(frozen=True)
class SignedIn:
    """Who a browser is, with the CSRF token its forms must carry."""

    principal: Principal
    name: str
    csrf_token: str
    session_id: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign_in(
    factory: sessionmaker[Session],
    email: str,
    password: str,
    *,
    address: str,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Check the password and open a session; returns the user and the cookie's secret.

    Three steps, so that argon2 never runs inside a transaction (on SQLite, under the write
    lock every organisation shares): the attempt is counted for the client address and the
    account and the password hash read, in one short transaction that is committed; the
    password is checked with nothing held; a right password then opens the session in a
    second transaction. ``auth.throttled`` (with ``retry_after`` seconds) answers an attempt
    the throttle refuses, without checking the password at all."""
    when = now or datetime.now(UTC)
    login = email.strip().lower()
    with factory.begin() as s:
        refused = throttle.reserve(s, throttle.ADDRESS, address, when)
        if refused is None:
            refused = throttle.reserve(s, throttle.ACCOUNT, login, when)
        throttle.purge(s, when)
        found = s.execute(select(User).where(User.email == login)).scalar_one_or_none()
        active = found if found is not None and found.active else None
        user_id, known_hash = (active.id, active.password_hash) if active else (None, None)
        account = (found.id, found.org_id, found.active) if found is not None else None
    if refused is not None:
        raise refused
    if not accounts.password_matches(known_hash, password) or user_id is None:
        _failed(factory, login, address, account, when)
        raise accounts.invalid_credentials()
    secret = secrets.token_urlsafe(32)
    with factory.begin() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:  # deactivated while the password was checked
            raise accounts.invalid_credentials()
        throttle.succeeded(s, login, address)
        s.add(
            BrowserSession(
                id=_digest(secret),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=when,
                expires_at=when + LIFETIME,
            )
        )
        s.flush()
        audit.append(
            s,
            chain=user.org_id,
            actor=user.email,
            action="user.signed_in",
            case_id=None,
            summary={},
        )
    return user, secret


def _failed(
    factory: sessionmaker[Session],
    login: str,
    address: str,
    account: tuple[str, str, bool] | None,
    when: datetime,
) -> None:
    """Audit a failed sign-in, and the wait it started if it started one (the "lockout": an
    account is never locked outright, see ``throttle``), in the account's organisation chain,
    or ``UNKNOWN_ACCOUNTS``'s for an email that has no account.

    The failure is known only once argon2 has run, which it does with no transaction open;
    so it is recorded in a short transaction of its own: the chain's head, one or two inserts.
    Attempts refused during a wait are neither counted nor recorded: they change nothing."""
    chain = account[1] if account is not None else UNKNOWN_ACCOUNTS
    reason = (
        "no such account"
        if account is None
        else "wrong password"
        if account[2]
        else "account deactivated"
    )
    with factory.begin() as s:
        audit.append(
            s,
            chain=chain,
            actor="anonymous",
            action="user.sign_in_failed",
            summary={"email": login, "address": address, "reason": reason},
            at=when,
        )
        for delay in throttle.imposed(s, login, address, when):
            audit.append(
                s,
                chain=chain,
                actor="anonymous",
                action="user.sign_in_delayed",
                summary={
                    "for": delay.kind,
                    delay.kind: delay.value,
                    "attempts": delay.attempts,
                    "until": delay.until.isoformat(),
                    "seconds": int((delay.until - when).total_seconds()),
                },
                at=when,
            )


def resolve(session: Session, secret: str, now: datetime | None = None) -> SignedIn:
    """The signed-in user a cookie stands for, or ``auth.no_session``."""
    row = session.get(BrowserSession, _digest(secret)) if secret else None
    when = now or datetime.now(UTC)
    if row is None or row.revoked_at is not None or row.expires_at <= when:
        raise RogatoryError("auth.no_session", "please sign in")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise RogatoryError("auth.no_session", "please sign in")
    principal = Principal(
        user.id, user.email, user.org_id, accounts.roles_of(user), frozenset(Scope)
    )
    return SignedIn(principal, user.name, row.csrf_token, row.id)


def check_csrf(signed_in: SignedIn, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(signed_in.csrf_token, submitted):
        raise RogatoryError(
            "auth.csrf",
            "field csrf_token: the form is stale or did not come from this site",
            help="reload the page and submit the form again",
        )


def sign_out(session: Session, signed_in: SignedIn, now: datetime | None = None) -> None:
    row = session.get(BrowserSession, signed_in.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or datetime.now(UTC)
        session.flush()
        audit.append(
            session,
            chain=signed_in.principal.org,
            actor=signed_in.principal.email,
            action="user.signed_out",
            case_id=None,
            summary={},
        )

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

from rogatory.accounts import second_factor, throttle, tickets
from rogatory.accounts import service as accounts
from rogatory.accounts.models import BrowserSession, RequesterAccount, User
from rogatory.accounts.service import Principal
from rogatory.audit import service as audit
from rogatory.errors import RogatoryError
from rogatory.signing import envelope

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


@dataclass(frozen=True)
class CodeNeeded:
    """A right password for an account with a second factor (a requester's): the TOTP code
    comes next, on the sign-in step ``ticket`` (a single-use secret, ``tickets.SIGN_IN``)."""

    ticket: str
    email: str


def sign_in(
    factory: sessionmaker[Session],
    email: str,
    password: str,
    *,
    address: str,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Check the password and open a session; returns the user and the cookie's secret.
    An account with a second factor is refused here (``auth.code_required``): the web's
    sign-in takes it through ``attempt`` and ``second_step``."""
    result = attempt(factory, email, password, address=address, now=now)
    if isinstance(result, CodeNeeded):
        raise RogatoryError(
            "auth.code_required",
            "field code: this account signs in with its password and the 6-digit code of "
            "its authenticator app",
        )
    return result


def attempt(
    factory: sessionmaker[Session],
    email: str,
    password: str,
    *,
    address: str,
    now: datetime | None = None,
) -> tuple[User, str] | CodeNeeded:
    """Check the password; open a session, or for a requester's account issue the step to
    its TOTP code (``CodeNeeded``).

    Three steps, so that argon2 never runs inside a transaction (on SQLite, under the write
    lock every organisation shares): the attempt is counted for the client address and the
    account and the password hash read, in one short transaction that is committed; the
    password is checked with nothing held; a right password then opens the session in a
    second transaction. ``auth.throttled`` (with ``retry_after`` seconds) answers an attempt
    the throttle refuses, without checking the password at all. A requester's account that
    is not yet approved is told so (``auth.not_approved``), but only once its password was
    right: nobody else learns that the account exists."""
    when = now or datetime.now(UTC)
    login = email.strip().lower()
    with factory.begin() as s:
        refused = throttle.reserve(s, throttle.ADDRESS, address, when)
        if refused is None:
            refused = throttle.reserve(s, throttle.ACCOUNT, login, when)
        throttle.purge(s, when)
        found = s.execute(select(User).where(User.email == login)).scalar_one_or_none()
        requester = s.get(RequesterAccount, found.id) if found is not None else None
        pending = requester is not None and requester.status != "suspended"
        checked = found if found is not None and (found.active or pending) else None
        user_id, known_hash = (checked.id, checked.password_hash) if checked else (None, None)
        account = (found.id, found.org_id, found.active) if found is not None else None
        status = requester.status if requester is not None else None
    if refused is not None:
        raise refused
    if not accounts.password_matches(known_hash, password) or user_id is None:
        _failed(factory, login, address, account, when)
        raise accounts.invalid_credentials()
    if account is not None and not account[2]:  # a requester's right password, not approved
        _failed(factory, login, address, account, when, reason=f"not approved ({status})")
        raise RogatoryError(
            "auth.not_approved",
            f"this account is not approved yet (it is {status}): verify your email, enrol "
            "the second factor, then wait for the provider's approval",
        )
    if status is not None:
        with factory.begin() as s:
            ticket = tickets.issue(s, user_id, tickets.Purpose.SIGN_IN, when)
        return CodeNeeded(ticket, login)
    secret = secrets.token_urlsafe(32)
    with factory.begin() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:  # deactivated while the password was checked
            raise accounts.invalid_credentials()
        _open(s, user, login, address, secret, when)
    return user, secret


def second_step(
    factory: sessionmaker[Session],
    ticket: str,
    code: str,
    *,
    address: str,
    kek: envelope.Kek | None = None,
    now: datetime | None = None,
) -> tuple[User, str]:
    """The TOTP code after a right password: counted by the same throttle as passwords
    (the account and the address), a wrong or reused code audited as a failed sign-in; a
    right one spends the sign-in step and opens the session."""
    when = now or datetime.now(UTC)
    kek = kek or envelope.configured()
    with factory.begin() as s:
        row = tickets.holder(s, ticket, tickets.Purpose.SIGN_IN, when)
        user = s.get(User, row.user_id)
        if user is None:
            raise accounts.invalid_credentials()
        login, account = user.email, (user.id, user.org_id, user.active)
        refused = throttle.reserve(s, throttle.ADDRESS, address, when)
        if refused is None:
            refused = throttle.reserve(s, throttle.ACCOUNT, login, when)
    if refused is not None:
        raise refused
    secret = secrets.token_urlsafe(32)
    with factory.begin() as s:
        user = s.get(User, account[0])
        requester = s.get(RequesterAccount, account[0])
        if user is None or not user.active or requester is None:
            raise accounts.invalid_credentials()
        right = second_factor.use_code(s, requester, code, when, kek)
        if right:
            tickets.spend(s, ticket, tickets.Purpose.SIGN_IN, when)
            _open(s, user, login, address, secret, when)
    if not right:
        _failed(factory, login, address, account, when, reason="wrong or used code")
        raise RogatoryError(
            "auth.invalid_code",
            "field code: not the current 6-digit code of your authenticator app, or a code "
            "already used",
            help="wait for the next code and enter it",
        )
    return user, secret


def _open(s: Session, user: User, login: str, address: str, secret: str, when: datetime) -> None:
    """The session row and its audit event, once every factor was right."""
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


def _failed(
    factory: sessionmaker[Session],
    login: str,
    address: str,
    account: tuple[str, str, bool] | None,
    when: datetime,
    *,
    reason: str | None = None,
) -> None:
    """Audit a failed sign-in, and the wait it started if it started one (the "lockout": an
    account is never locked outright, see ``throttle``), in the account's organisation chain,
    or ``UNKNOWN_ACCOUNTS``'s for an email that has no account.

    The failure is known only once argon2 has run, which it does with no transaction open;
    so it is recorded in a short transaction of its own: the chain's head, one or two inserts.
    Attempts refused during a wait are neither counted nor recorded: they change nothing."""
    chain = account[1] if account is not None else UNKNOWN_ACCOUNTS
    reason = reason or (
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
    roles = accounts.roles_of(user)
    principal = Principal(user.id, user.email, user.org_id, roles, accounts.scopes_for(roles))
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

"""Creating users and tokens, and authenticating them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts.models import ApiToken, User
from rogatory.audit import service as audit
from rogatory.errors import RogatoryError
from rogatory.requests.models import Organisation
from rogatory.requests.transitions import Role

PREFIX = "rgt"
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no account has this password")


class Scope(StrEnum):
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    AUDIT_READ = "audit:read"
    USERS_ADMIN = "users:admin"  # people and tokens of the organisation (admins only)
    # A requesting authority's account: its own requests (/api/v1/my), and only that. Its
    # tokens carry this scope alone, and staff tokens never carry it.
    REQUESTS_OWN = "requests:own"


STAFF_SCOPES = frozenset(Scope) - {Scope.REQUESTS_OWN}
REQUESTER_SCOPES = frozenset({Scope.REQUESTS_OWN})


def scopes_for(roles: frozenset[Role]) -> frozenset[Scope]:
    """The scopes a browser session of someone with ``roles`` carries, and the most a token
    of theirs may: a requester's are its own requests only."""
    return REQUESTER_SCOPES if Role.REQUESTER in roles else STAFF_SCOPES


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    org: str
    roles: frozenset[Role]
    scopes: frozenset[Scope]


def parse_roles(values: list[str]) -> frozenset[Role]:
    try:
        roles = frozenset(Role(v) for v in values)
    except ValueError:
        raise RogatoryError(
            "user.invalid_role",
            f"field roles: unknown role in {values}",
            help=f"roles: {', '.join(r.value for r in Role)}",
        ) from None
    if Role.REQUESTER in roles and len(roles) > 1:
        # A requester sees only its own cases; a staff role would open every case to it.
        raise RogatoryError(
            "user.invalid_role",
            "field roles: requester cannot be combined with another role",
            help="a requesting authority's account has the requester role alone",
        )
    return roles


def _no_requester_here(roles: frozenset[Role]) -> None:
    """Requester accounts are made by signing up (``rogatory.requesters``), never given."""
    if Role.REQUESTER in roles:
        raise RogatoryError(
            "user.invalid_role",
            "field roles: the requester role comes only with a requesting authority's own "
            "sign-up (/requesters/sign-up), which links it to the authority registry",
        )


def add_user(
    session: Session,
    *,
    org: str,
    email: str,
    name: str,
    password: str,
    roles: list[str],
    by: str = "system",
    signed_up: bool = False,
) -> User:
    """A new active user of ``org``, audited in its chain as done ``by`` (who ran the command:
    ``cli:LOGIN``, the demo's seed, or a test's "system"). ``signed_up``: a requesting
    authority's own sign-up, whose user stays inactive until an admin approves it."""
    parsed_roles = parse_roles(roles)
    if not signed_up:
        _no_requester_here(parsed_roles)
    if len(password) < 12:
        raise RogatoryError("user.weak_password", "field password: at least 12 characters")
    if session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none():
        raise RogatoryError("user.exists", f"field email: {email} already has an account")
    user = User(
        id=str(uuid.uuid4()),
        org_id=org,
        email=email.lower(),
        name=name,
        password_hash=_hasher.hash(password),
        roles=sorted(r.value for r in parsed_roles),
        active=not signed_up,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        chain=org,
        actor=by,
        action="user.created",
        subject=f"user:{user.id}",
        summary={
            "email": user.email,
            "name": user.name,
            "roles": user.roles,
            **({"active": False} if signed_up else {}),
        },
    )
    return user


def invalid_credentials() -> RogatoryError:
    return RogatoryError("auth.invalid_credentials", "wrong email or password")


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from; no hash (no such
    account, or an inactive one) costs the same argon2 work and answers False, so the
    answer's timing does not tell which accounts exist. Touches no database."""
    try:
        _hasher.verify(password_hash or _dummy_hash(), password)
    except VerificationError:
        return False
    return password_hash is not None


def check_password(session: Session, email: str, password: str) -> User:
    """The user, if the password is theirs (``auth.invalid_credentials`` otherwise)."""
    user = session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()
    known = user.password_hash if user is not None and user.active else None
    if not password_matches(known, password) or user is None:  # argon2 runs in every case
        raise invalid_credentials()
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    user: User,
    *,
    name: str,
    scopes: list[str],
    days: int = 90,
    by: str = "system",
) -> tuple[ApiToken, str]:
    """A new token; the returned plaintext is shown once and never stored. Audited in the
    user's organisation chain as created ``by`` (as ``add_user``)."""
    try:
        parsed = sorted({Scope(s).value for s in scopes})
    except ValueError:
        raise RogatoryError(
            "token.invalid_scope",
            f"field scopes: unknown scope in {scopes}",
            help=f"scopes: {', '.join(s.value for s in Scope)}",
        ) from None
    allowed = scopes_for(roles_of(user))
    beyond = [s for s in parsed if Scope(s) not in allowed]
    if beyond:
        raise RogatoryError(
            "token.invalid_scope",
            f"field scopes: {', '.join(beyond)} is not for {user.email}'s roles",
            help=f"scopes for this user: {', '.join(sorted(s.value for s in allowed))}",
        )
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    row = ApiToken(
        id=token_id,
        org_id=user.org_id,
        user_id=user.id,
        name=name,
        secret_hash=_digest(secret),
        scopes=parsed,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        chain=user.org_id,
        actor=by,
        action="token.created",
        subject=f"user:{user.id}",
        summary={
            "token": token_id,
            "name": name,
            "user": user.email,
            "scopes": parsed,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return row, f"{PREFIX}_{token_id}_{secret}"


def revoke(session: Session, token_id: str, org: str) -> tuple[ApiToken, bool]:
    """Revoke an organisation's token; returns it and whether it was live until now (a token
    revoked again keeps the time it was first revoked)."""
    row = session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == org)
    ).scalar_one_or_none()
    if row is None:
        raise RogatoryError("token.not_found", f"no token {token_id!r} in this organisation")
    if row.revoked_at is not None:
        return row, False
    row.revoked_at = datetime.now(UTC)
    session.flush()
    return row, True


def authenticate(session: Session, raw: str, now: datetime | None = None) -> Principal:
    """The principal a bearer token stands for, or ``auth.invalid_token``."""
    parts = raw.split("_", 2)
    invalid = RogatoryError("auth.invalid_token", "the API token is unknown, expired or revoked")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise invalid
    row = session.get(ApiToken, parts[1])
    when = now or datetime.now(UTC)
    if row is None or not hmac.compare_digest(row.secret_hash, _digest(parts[2])):
        raise invalid
    if row.revoked_at is not None or row.expires_at <= when:
        raise invalid
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise invalid
    return Principal(
        user.id,
        user.email,
        user.org_id,
        roles_of(user),
        frozenset(Scope(s) for s in row.scopes),
    )


def roles_of(user: User) -> frozenset[Role]:
    return parse_roles(user.roles)


def members(session: Session, org: str) -> list[User]:
    """The organisation's active users, by name (for assignment and display)."""
    return list(
        session.execute(
            select(User).where(User.org_id == org, User.active.is_(True)).order_by(User.name)
        ).scalars()
    )


def directory(session: Session, org: str | None = None) -> list[tuple[User, Organisation]]:
    """Every user (active or not) with their organisation, by organisation then email; only
    ``org``'s if given, which must exist (a newcomer's typo is told the ids there are)."""
    if org is not None and session.get(Organisation, org) is None:
        known = ", ".join(
            session.execute(select(Organisation.id).order_by(Organisation.id)).scalars()
        )
        raise RogatoryError(
            "organisation.not_found",
            f"no organisation {org!r}",
            help=f"the organisations are: {known or '(none yet)'}",
        )
    query = select(User, Organisation).join(Organisation, Organisation.id == User.org_id)
    if org is not None:
        query = query.where(User.org_id == org)
    return [(u, o) for u, o in session.execute(query.order_by(Organisation.id, User.email))]

"""Users and API tokens (SQLAlchemy ORM only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime
from rogatory.requests import models as request_models

# Users and tokens reference organisations: their table must be on the same metadata.
ORGANISATIONS = request_models.Organisation.__table__


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email", name="uq_users_email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    roles: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BrowserSession(Base):
    """A signed-in browser. The cookie carries a random secret; only its SHA-256 is stored, so a
    copy of the database does not let anyone sign in, and signing out revokes the row."""

    __tablename__ = "browser_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie secret
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Sign-in attempts counted for one account or one client address (``key`` is
    ``account:EMAIL`` or ``address:IP``), to slow guessing down (see ``accounts.throttle``).

    One row per key, counted with a single upsert, so that concurrent guesses cannot all read
    the same count; the row is purged once its window has passed."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequesterAccount(Base):
    """A requesting authority's account (issue 12): the user it signs in as, the registry
    authority its official email domain linked it to at sign-up, and where it stands.

    ``status`` moves ``unverified`` (signed up) -> ``verified`` (the emailed link followed)
    -> ``enrolled`` (a TOTP code confirmed the second factor) -> ``approved`` (an admin let it
    in: only now is the user active) -> ``suspended`` (and back to ``approved``). The TOTP
    secret is sealed under the deployment's key-encryption key (``signing.envelope``), never
    returned once enrolment is confirmed; ``totp_last_step`` is the last 30-second step a code
    was accepted for, so a code cannot be used twice. Not part of the user's audited state
    (``db.state``): it changes at every sign-in; the gate itself, the user's ``active`` flag
    and roles, is."""

    __tablename__ = "requester_accounts"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    authority_id: Mapped[str] = mapped_column(String(64), nullable=False)  # its registry id
    authority_name: Mapped[str] = mapped_column(String(1000), nullable=False)
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_ciphertext: Mapped[str | None] = mapped_column(String(200))
    totp_wrapped_dek: Mapped[str | None] = mapped_column(String(200))
    totp_kek_id: Mapped[str | None] = mapped_column(String(16))
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountToken(Base):
    """A single-use secret sent to or held by a person during sign-up and sign-in: the email
    verification link (``verify_email``), the step from a verified email to the TOTP
    enrolment (``enrol``), and the step from a right password to the TOTP code (``sign_in``).
    Only its SHA-256 is stored; it expires, and ``used_at`` spends it."""

    __tablename__ = "account_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

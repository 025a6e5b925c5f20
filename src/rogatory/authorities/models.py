"""The authority registry, the signatures and senders of requests, and call-backs, as rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime


class AuthorityRow(Base):
    """An authority an organisation's registry holds (its own entries; the depositary's
    notifications come from the treaty bundle and are not stored)."""

    __tablename__ = "authorities"
    __table_args__ = (UniqueConstraint("org_id", "ident", name="uq_authorities_org_ident"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ident: Mapped[str] = mapped_column(String(64), nullable=False)  # its id in the registry
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    name: Mapped[str] = mapped_column(String(1000), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    domains: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    phones: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    verified_by: Mapped[str] = mapped_column(String(1000), nullable=False)
    verified_how: Mapped[str] = mapped_column(String(1000), nullable=False)
    added_by: Mapped[str] = mapped_column(String(200), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AuthorityKeyRow(Base):
    """A public key of a registered authority; a key id is unique within an organisation's
    registry, so a signature's ``kid`` names one key."""

    __tablename__ = "authority_keys"
    __table_args__ = (UniqueConstraint("org_id", "kid", name="uq_authority_keys_org_kid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    authority_id: Mapped[int] = mapped_column(
        ForeignKey("authorities.id"), nullable=False, index=True
    )
    kid: Mapped[str] = mapped_column(String(64), nullable=False)
    public_key: Mapped[str] = mapped_column(String(100), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(1000))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class RequesterRow(Base):
    """Who sent one version of a case's request, and the signature it came with.

    One row per case at intake (version 0) and per signed amendment. ``sender`` is the
    registered authority whose key signed it, else the address the document names: what the
    first-contact and burst signals count. A signed request keeps its ``jti`` (unique within
    the organisation: a second request with the same id is a replay, refused in the same
    transaction as the intake) and what is needed to verify it again later: the signed
    ``payload`` exactly as received (canonical JSON) and the detached ``jws``."""

    __tablename__ = "requesters"
    __table_args__ = (
        UniqueConstraint("org_id", "jti", name="uq_requesters_org_jti"),
        UniqueConstraint("case_id", "version", name="uq_requesters_case_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sender: Mapped[str | None] = mapped_column(String(254), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    signature: Mapped[str] = mapped_column(String(16), nullable=False)  # Signature value
    kid: Mapped[str | None] = mapped_column(String(64))
    authority_id: Mapped[str | None] = mapped_column(String(64))
    jti: Mapped[str | None] = mapped_column(String(128))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    jws: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)


class CallBackRow(Base):
    """A call made to confirm a request, to a number the registry gives for an authority of
    the requesting State: who called, when, which number, and what the authority said."""

    __tablename__ = "call_backs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    authority_id: Mapped[str] = mapped_column(String(64), nullable=False)
    authority_name: Mapped[str] = mapped_column(String(1000), nullable=False)
    number: Mapped[str] = mapped_column(String(32), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    called_by: Mapped[str] = mapped_column(String(200), nullable=False)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

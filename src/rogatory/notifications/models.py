"""The outbox, the webhooks an organisation registers, and each person's preferences (ORM)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime


class OutboxRow(Base):
    """One notice to one recipient (an email address or a webhook). ``dedup_key`` names what
    it is about (an event, or a hold's end on a date), so a notice is written once however
    often the scan runs; ``status`` moves pending -> sending -> sent (or failed after the
    last attempt), ``sending`` rows older than the lease are taken up again after a crash."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        UniqueConstraint("dedup_key", "channel", "recipient", name="uq_notification_outbox_dedup"),
        Index("ix_notification_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    dedup_key: Mapped[str] = mapped_column(String(200), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    case_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


class WebhookRow(Base):
    """An organisation's webhook: where notices of the kinds it lists are POSTed, signed with
    a shared secret (HMAC-SHA256) kept sealed under the deployment's key-encryption key."""

    __tablename__ = "notification_webhooks"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    kinds: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    secret_ciphertext: Mapped[str] = mapped_column(Text, nullable=False)
    secret_wrapped_dek: Mapped[str] = mapped_column(Text, nullable=False)
    secret_kek_id: Mapped[str] = mapped_column(String(16), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_by: Mapped[str] = mapped_column(String(254), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PreferenceRow(Base):
    """A person's choice for one kind of notice by email; without a row the default for their
    roles applies (``kinds.DEFAULT_ROLES``)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

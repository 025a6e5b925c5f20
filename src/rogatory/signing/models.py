"""Organisation signing keys and stored audit checkpoints (ORM only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, UTCDateTime
from rogatory.requests import models as request_models

ORGANISATIONS = request_models.Organisation.__table__  # keys belong to organisations


class SigningKey(Base):
    """One Ed25519 key of an organisation. The private key is stored sealed (see
    ``signing.envelope``); ``legacy_pem`` holds a plaintext key carried over from before
    encryption until its first use or ``rogatory keys encrypt`` seals it and clears it. The
    key with no ``valid_until`` is the organisation's current signing key; rotation closes its
    period and keeps it, so what it signed still verifies."""

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    ciphertext: Mapped[str | None] = mapped_column(Text)
    wrapped_dek: Mapped[str | None] = mapped_column(Text)
    kek_id: Mapped[str | None] = mapped_column(String(16))
    legacy_pem: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditCheckpoint(Base):
    """A signed copy of a chain's head (seq and hash) at a time. Append-only, like the chain
    (see the migration's triggers)."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_checkpoints_chain_seq"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    chain: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"), nullable=False)
    signature: Mapped[str] = mapped_column(String(100), nullable=False)

"""A reply to the requesting authority, as a stored row (SQLAlchemy ORM only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime


class ReplyRow(Base):
    """One reply of a case: drafted from one screening and one decision (``basis`` and its
    ``basis_digest``), edited, approved where four eyes apply, then sent with the SHA-256 of
    the exact text sent. ``delivery`` is null until sent, then ``pending`` until it is
    delivered (downloaded and handed over today; by the exchange between nodes later)."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    template: Mapped[str] = mapped_column(String(300), nullable=False)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), nullable=False)
    basis: Mapped[str] = mapped_column(String(200), nullable=False)
    basis_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    # what the reviewer must check before sending (unverified citations): not in the letter
    checks: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    drafted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    edited_by: Mapped[str | None] = mapped_column(String(200))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sha256: Mapped[str | None] = mapped_column(String(64))
    delivery: Mapped[str | None] = mapped_column(String(16))
    delivered_via: Mapped[str | None] = mapped_column(String(32))
    delivered_by: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the facts the draft was made from, as the template read them (for the case file)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)

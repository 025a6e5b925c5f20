"""Stored evidence files and disclosures (ORM only; the signing keys are in ``signing``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime
from rogatory.requests import models as request_models

CASES = request_models.Case.__table__  # evidence belongs to cases: same metadata


class EvidenceFile(Base):
    __tablename__ = "evidence_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    stored_path: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Disclosure(Base):
    __tablename__ = "disclosures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    handed_over_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)

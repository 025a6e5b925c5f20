"""The compliance tables (SQLAlchemy ORM only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime
from rogatory.requests import models as request_models

ORGS = request_models.Organisation.__table__  # assessments belong to organisations


class NationalLaws(Base):
    """One State's national records as last imported (the file, validated)."""

    __tablename__ = "national_laws"

    state: Mapped[str] = mapped_column(String(3), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


class LawChange(Base):
    """One change to one record, kept forever (the migration's triggers refuse UPDATE and
    DELETE): who changed it, when, and the record before and after."""

    __tablename__ = "national_law_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    state: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    record_id: Mapped[str] = mapped_column(String(100), nullable=False)
    change: Mapped[str] = mapped_column(String(16), nullable=False)  # added, changed, removed
    fields: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LawSubscription(Base):
    """A person following a State's implementation; ``notified_through`` is the last change
    the notification channel has sent them (0: none yet)."""

    __tablename__ = "law_subscriptions"
    __table_args__ = (
        UniqueConstraint("org_id", "email", "state", name="uq_law_subscriptions_who"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    email: Mapped[str] = mapped_column(String(200), nullable=False)
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    notified_through: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class AssessmentRow(Base):
    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    company: Mapped[str] = mapped_column(String(1000), nullable=False)
    footprint: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RequirementRow(Base):
    """One requirement of an assessment: a gap to close or an obligation to confirm."""

    __tablename__ = "assessment_requirements"
    __table_args__ = (
        UniqueConstraint("assessment_id", "key", name="uq_assessment_requirements_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("assessments.id"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # gap, obligation
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class RequirementEvent(Base):
    """The review history of a requirement (append-only): each status, owner or due date
    set, with who, when and why."""

    __tablename__ = "requirement_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_requirements.id"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class EvidenceRow(Base):
    """A file attached to a requirement as evidence: kept read-only with its SHA-256."""

    __tablename__ = "assessment_evidence"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_requirements.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    stored_path: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ReviewRow(Base):
    """A review of an assessment: who reviewed it, when, and the assessment as it stood
    (recomputed on the day), which the next review's "what changed" compares with."""

    __tablename__ = "assessment_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("assessments.id"), nullable=False, index=True
    )
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

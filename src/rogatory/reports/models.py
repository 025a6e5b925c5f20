"""Published reports: frozen, signed snapshots (ORM only). Append-only: a published report is
never edited; a new version supersedes it (see the migration's triggers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime
from rogatory.requests import models as request_models

ORGANISATIONS = request_models.Organisation.__table__  # reports belong to organisations


class PublishedReport(Base):
    """One published version of an organisation's report of a period: the signed snapshot as
    served at its public address, and the version it supersedes."""

    __tablename__ = "published_reports"
    __table_args__ = (
        UniqueConstraint(
            "org_id", "kind", "period_label", "version", name="uq_published_reports_version"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    period_label: Mapped[str] = mapped_column(String(40), nullable=False)
    period_from: Mapped[date] = mapped_column(Date, nullable=False)
    period_to: Mapped[date] = mapped_column(Date, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    supersedes: Mapped[str | None] = mapped_column(String(36))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    published_by: Mapped[str] = mapped_column(String(200), nullable=False)
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"), nullable=False)
    snapshot_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)

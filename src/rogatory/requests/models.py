"""Cases and what happens to them, as stored rows (SQLAlchemy ORM only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rogatory.orm import Base, JSONType, UTCDateTime


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("org_id", "idempotency_key", name="uq_cases_org_idempotency"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    reference: Mapped[str | None] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(32), nullable=False)
    # the treaty the case is screened under (its bundle id); every screening of it uses it
    treaty: Mapped[str] = mapped_column(String(32), nullable=False, server_default="uncc")
    requesting_state: Mapped[str] = mapped_column(String(3), nullable=False)
    requested_state: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    intrusive: Mapped[bool] = mapped_column(Boolean, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    prepared_by: Mapped[str | None] = mapped_column(String(200))
    assigned_to: Mapped[str | None] = mapped_column(String(254), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


class Screening(Base):
    """One screening decision, kept whole with the bundle revision and legal date it used."""

    __tablename__ = "screenings"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_screenings_case_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    treaty: Mapped[str] = mapped_column(String(32), nullable=False, server_default="uncc")
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    bundle_revision: Mapped[str] = mapped_column(String(80), nullable=False)
    decision: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    screened_by: Mapped[str] = mapped_column(String(200), nullable=False)


class Acknowledgement(Base):
    """A reviewer's note on one ``review`` finding of one screening."""

    __tablename__ = "acknowledgements"
    __table_args__ = (
        UniqueConstraint("screening_id", "rule", name="uq_acknowledgements_screening_rule"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), nullable=False)
    rule: Mapped[str] = mapped_column(String(100), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Approval(Base):
    """One approver's approval, of one screening, on one legal basis.

    It counts only while that screening is the case's latest and the case is in the same
    review round: screening again or amending the request voids it. ``basis_kind`` is
    ``convention`` (``basis_citation`` then names the article) or, for an override of a
    screening that blocks approval, ``instrument`` or ``domestic_law`` with the reason."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, nullable=False)  # which in_review period
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"), nullable=False)
    basis_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    basis_citation: Mapped[str] = mapped_column(String(500), nullable=False)
    override_reason: Mapped[str | None] = mapped_column(Text)


class Transition(Base):
    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    from_status: Mapped[str] = mapped_column(String(32), nullable=False)
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    grounds: Mapped[list[dict[str, str]]] = mapped_column(JSONType, nullable=False)
    # what a postponement or a consultation brings (``requests.transitions``), else null
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class HoldRow(Base):
    """A preservation hold on a case (the rules live in ``requests.holds``)."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    identifiers: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    start: Mapped[date] = mapped_column(Date, nullable=False)
    expiry: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    released_on: Mapped[date | None] = mapped_column(Date)
    extensions: Mapped[list[str]] = mapped_column(JSONType, nullable=False)


class NonDisclosureRow(Base):
    __tablename__ = "non_disclosure_orders"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    ordered_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)


class FollowUpRow(Base):
    """The follow-up request for mutual legal assistance of a preservation case: received,
    then decided. While it is pending, the case's holds do not lapse (``requests.holds``)."""

    __tablename__ = "follow_up_requests"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    reference: Mapped[str] = mapped_column(String(200), nullable=False)
    follow_up_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(200))


class ConfidentialityAnswerRow(Base):
    """The answer to a request to keep it confidential: kept, or cannot be (with the reason
    the requesting State was given). No row, on a case that asked, is the pending task."""

    __tablename__ = "confidentiality_answers"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    answer: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    told_on: Mapped[date | None] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class TrafficDisclosureRow(Base):
    """A step of a preservation case (Art 43): enough preserved traffic data disclosed to
    identify a service provider in another State and the path of the communication."""

    __tablename__ = "traffic_disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    other_state: Mapped[str] = mapped_column(String(3), nullable=False)
    provider: Mapped[str] = mapped_column(String(200), nullable=False)
    traffic_data: Mapped[str] = mapped_column(Text, nullable=False)
    grounds_note: Mapped[str] = mapped_column(Text, nullable=False)
    withheld_on: Mapped[list[str]] = mapped_column(JSONType, nullable=False)  # ground rule ids
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending, approved
    prepared_by: Mapped[str] = mapped_column(String(200), nullable=False)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TrafficApproval(Base):
    __tablename__ = "traffic_approvals"
    __table_args__ = (
        UniqueConstraint("disclosure_id", "by", name="uq_traffic_approvals_disclosure_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_disclosures.id"), nullable=False, index=True
    )
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


class RequestVersion(Base):
    """A request document a case held before it was amended (the current one is on the case).

    When a case comes back from ``info_requested`` with the information asked for, the
    document it was screened and reviewed on is kept here, so every earlier decision can be
    read against the text it was made on."""

    __tablename__ = "request_versions"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_request_versions_case_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    superseded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

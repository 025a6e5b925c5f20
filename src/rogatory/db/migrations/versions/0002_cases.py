"""Organisations, cases, screenings, acknowledgements, approvals and transitions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("measure", sa.String(32), nullable=False),
        sa.Column("requesting_state", sa.String(3), nullable=False),
        sa.Column("requested_state", sa.String(3), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("intrusive", sa.Boolean(), nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("request", JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("prepared_by", sa.String(200)),
        sa.Column("idempotency_key", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_cases_org_id_organisations"
        ),
        sa.UniqueConstraint("org_id", "idempotency_key", name="uq_cases_org_idempotency"),
    )
    op.create_index("ix_cases_org_id", "cases", ["org_id"])
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_due_at", "cases", ["due_at"])
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("bundle_revision", sa.String(80), nullable=False),
        sa.Column("decision", JSON, nullable=False),
        sa.Column("screened_at", WHEN, nullable=False),
        sa.Column("screened_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screenings"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_screenings_case_id_cases"),
        sa.UniqueConstraint("case_id", "seq", name="uq_screenings_case_seq"),
    )
    op.create_index("ix_screenings_case_id", "screenings", ["case_id"])
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acknowledgements"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_acknowledgements_case_id_cases"
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name="fk_acknowledgements_screening_id_screenings"
        ),
        sa.UniqueConstraint("screening_id", "rule", name="uq_acknowledgements_screening_rule"),
    )
    op.create_index("ix_acknowledgements_case_id", "acknowledgements", ["case_id"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_approvals_case_id_cases"),
    )
    op.create_index("ix_approvals_case_id", "approvals", ["case_id"])
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=False),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("grounds", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transitions"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_transitions_case_id_cases"),
    )
    op.create_index("ix_transitions_case_id", "transitions", ["case_id"])


def downgrade() -> None:
    for table in (
        "transitions",
        "approvals",
        "acknowledgements",
        "screenings",
        "cases",
        "organisations",
    ):
        op.drop_table(table)

"""Preservation holds and non-disclosure orders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("identifiers", JSON, nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date()),
        sa.Column("extensions", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_holds_case_id_cases"),
    )
    op.create_index("ix_holds_case_id", "holds", ["case_id"])
    op.create_index("ix_holds_expiry", "holds", ["expiry"])
    op.create_table(
        "non_disclosure_orders",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date()),
        sa.Column("notified_on", sa.Date()),
        sa.PrimaryKeyConstraint("case_id", name="pk_non_disclosure_orders"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_non_disclosure_orders_case_id_cases"
        ),
    )


def downgrade() -> None:
    op.drop_table("non_disclosure_orders")
    op.drop_table("holds")

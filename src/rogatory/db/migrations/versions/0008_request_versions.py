"""Earlier versions of a case's request document, kept when the case is amended.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "request_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_request_versions"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_request_versions_case_id_cases"
        ),
        sa.UniqueConstraint("case_id", "seq", name="uq_request_versions_case_seq"),
    )
    op.create_index("ix_request_versions_case_id", "request_versions", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_request_versions_case_id", table_name="request_versions")
    op.drop_table("request_versions")

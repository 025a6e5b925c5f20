"""Replies to the requesting authority: drafted from a screening and a decision, approved
where four eyes apply, sent with the SHA-256 of the text sent, then delivered.

A new table only: nothing stored is rewritten.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("template", sa.String(300), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(200), nullable=False),
        sa.Column("basis_digest", sa.String(64), nullable=False),
        sa.Column("checks", JSON, nullable=False),
        sa.Column("drafted_by", sa.String(200), nullable=False),
        sa.Column("drafted_at", WHEN, nullable=False),
        sa.Column("edited_by", sa.String(200)),
        sa.Column("edited_at", WHEN),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", WHEN),
        sa.Column("sent_by", sa.String(200)),
        sa.Column("sent_at", WHEN),
        sa.Column("sha256", sa.String(64)),
        sa.Column("delivery", sa.String(16)),
        sa.Column("delivered_via", sa.String(32)),
        sa.Column("delivered_by", sa.String(200)),
        sa.Column("delivered_at", WHEN),
        sa.Column("facts", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_replies"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_replies_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name="fk_replies_screening_id_screenings"
        ),
    )
    op.create_index("ix_replies_case_id", "replies", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_replies_case_id", table_name="replies")
    op.drop_table("replies")

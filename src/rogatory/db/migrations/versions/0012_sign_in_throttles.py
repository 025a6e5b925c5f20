"""Sign-in throttling per account and per client address, counted atomically.

The failure log (one row per failed attempt, counted with SELECT count) let concurrent
guesses all read the same count; it is replaced by one counter row per account and per
client address, counted with a single upsert. Past failures are not carried over: the
window they counted in is fifteen minutes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_sign_in_failures_email", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("key", name="pk_sign_in_throttles"),
    )
    op.create_index("ix_sign_in_throttles_last_at", "sign_in_throttles", ["last_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttles_last_at", table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failures"),
    )
    op.create_index("ix_sign_in_failures_email", "sign_in_failures", ["email"])

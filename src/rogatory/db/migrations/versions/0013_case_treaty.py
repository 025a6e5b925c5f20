"""Cases and screenings record the treaty they were screened under.

Until now every case was screened under the UN Convention, so every existing row becomes
``uncc``; the server default keeps a writer that predates the column correct as well.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: SQLite adds a column with a constant default in
    # place, without the table copy a batch operation makes (which referencing rows forbid).
    for table in ("cases", "screenings"):
        op.add_column(
            table, sa.Column("treaty", sa.String(32), nullable=False, server_default="uncc")
        )


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35 and later, PostgreSQL): no table copy either.
    for table in ("screenings", "cases"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN treaty")

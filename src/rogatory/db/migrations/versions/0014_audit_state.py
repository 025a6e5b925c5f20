"""The state each audit event produced: a nullable column, so existing chains still verify.

Events recorded before this revision have no state (null): they hash as they always did and
are simply not state-checked; the first event that changes a case or a user afterwards
records its state, and from then on ``rogatory audit verify --state`` checks it. The column is
added in place (no table rebuild), so the append-only triggers stay as they are.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "audit_events",
        sa.Column(
            "state",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True), "postgresql"
            ),
            nullable=True,
        ),
    )


def downgrade() -> None:
    """Refused once any event recorded a state: the state is part of what its hash covers, so
    dropping the column would break every chain that holds one. Otherwise in place on both
    databases (SQLite 3.35+), so the triggers stay too."""
    recorded = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM audit_events WHERE state IS NOT NULL"))
        .scalar_one()
    )
    if recorded:
        raise RuntimeError(
            f"{recorded} audit events recorded a state: dropping the column would break their "
            "chains; restore a backup from before revision 0014 instead"
        )
    op.execute("ALTER TABLE audit_events DROP COLUMN state")

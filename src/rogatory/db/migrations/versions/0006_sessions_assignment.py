"""Browser sessions, case assignment, and the audit index the case timeline reads.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_browser_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_browser_sessions_user_id_users"
        ),
    )
    op.create_index("ix_browser_sessions_user_id", "browser_sessions", ["user_id"])
    # A plain ADD COLUMN: batch mode would rebuild the cases table, which other tables
    # reference under enforced foreign keys.
    op.add_column("cases", sa.Column("assigned_to", sa.String(254)))
    op.create_index("ix_cases_assigned_to", "cases", ["assigned_to"])
    op.create_index("ix_audit_events_chain_case_id", "audit_events", ["chain", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_chain_case_id", table_name="audit_events")
    op.drop_index("ix_cases_assigned_to", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("assigned_to")
    op.drop_index("ix_browser_sessions_user_id", table_name="browser_sessions")
    op.drop_table("browser_sessions")

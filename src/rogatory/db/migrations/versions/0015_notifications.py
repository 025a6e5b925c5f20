"""Notifications: the outbox, the organisations' webhooks, each person's preferences.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("case_id", sa.String(36)),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("next_attempt_at"),
        _at("claimed_at", True),
        _at("sent_at", True),
        sa.Column("last_error", sa.String(500)),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_notification_outbox_org_id_organisations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_outbox"),
        sa.UniqueConstraint(
            "dedup_key", "channel", "recipient", name="uq_notification_outbox_dedup"
        ),
    )
    op.create_index("ix_notification_outbox_org_id", "notification_outbox", ["org_id"])
    op.create_index(
        "ix_notification_outbox_due", "notification_outbox", ["status", "next_attempt_at"]
    )
    op.create_table(
        "notification_webhooks",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("kinds", JSON, nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("secret_wrapped_dek", sa.Text(), nullable=False),
        sa.Column("secret_kek_id", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_notification_webhooks_org_id_organisations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_webhooks"),
    )
    op.create_index("ix_notification_webhooks_org_id", "notification_webhooks", ["org_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        _at("changed_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_notification_preferences_user_id_users"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_notification_preferences"),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    op.drop_index("ix_notification_webhooks_org_id", table_name="notification_webhooks")
    op.drop_table("notification_webhooks")
    op.drop_index("ix_notification_outbox_due", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_org_id", table_name="notification_outbox")
    op.drop_table("notification_outbox")

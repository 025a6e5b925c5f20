"""Requesting authorities' own accounts: the account of each (linked to an authority of the
registry, its status, its sealed TOTP secret and the last step a code was used for), and the
single-use hashed tokens of sign-up and sign-in (email verification, TOTP enrolment, the
second step of signing in).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "requester_accounts",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("authority_id", sa.String(64), nullable=False),
        sa.Column("authority_name", sa.String(1000), nullable=False),
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _at("created_at", False),
        _at("verified_at"),
        sa.Column("totp_ciphertext", sa.String(200)),
        sa.Column("totp_wrapped_dek", sa.String(200)),
        sa.Column("totp_kek_id", sa.String(16)),
        _at("enrolled_at"),
        sa.Column("totp_last_step", sa.BigInteger()),
        sa.Column("approved_by", sa.String(254)),
        _at("approved_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_requester_accounts_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_requester_accounts_org_id_organisations"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_requester_accounts"),
    )
    op.create_index("ix_requester_accounts_org_id", "requester_accounts", ["org_id"])
    op.create_index("ix_requester_accounts_status", "requester_accounts", ["status"])
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        _at("created_at", False),
        _at("expires_at", False),
        _at("used_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_account_tokens_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_account_tokens"),
    )
    op.create_index("ix_account_tokens_user_id", "account_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_account_tokens_user_id", table_name="account_tokens")
    op.drop_table("account_tokens")
    op.drop_index("ix_requester_accounts_status", table_name="requester_accounts")
    op.drop_index("ix_requester_accounts_org_id", table_name="requester_accounts")
    op.drop_table("requester_accounts")

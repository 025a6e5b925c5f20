"""Published reports: each a frozen, signed snapshot of an organisation's report of a period,
served at a public address. Append-only like the audit record (triggers refuse UPDATE and
DELETE): a published report is never edited, a new version supersedes it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
TABLE = "published_reports"

PG_FUNCTION = """
CREATE FUNCTION rogatory_reports_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published_reports is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("period_label", sa.String(40), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes", sa.String(36)),
        sa.Column("published_at", WHEN, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("snapshot_sha256", sa.String(64), nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_published_reports"),
        sa.UniqueConstraint(
            "org_id", "kind", "period_label", "version", name="uq_published_reports_version"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_published_reports_org_id_organisations"
        ),
        sa.ForeignKeyConstraint(
            ["key_id"], ["signing_keys.id"], name="fk_published_reports_key_id_signing_keys"
        ),
    )
    op.create_index("ix_published_reports_org_id", TABLE, ["org_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            f"CREATE TRIGGER published_reports_no_update_delete BEFORE UPDATE OR DELETE ON "
            f"{TABLE} FOR EACH ROW EXECUTE FUNCTION rogatory_reports_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER published_reports_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION rogatory_reports_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER published_reports_no_{operation.lower()} BEFORE {operation} "
                f"ON {TABLE} BEGIN SELECT RAISE(ABORT, 'published_reports is append-only: "
                f"{operation} is not allowed'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS published_reports_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS published_reports_no_update_delete ON {TABLE}")
        op.execute("DROP FUNCTION IF EXISTS rogatory_reports_append_only()")
    op.drop_index("ix_published_reports_org_id", table_name=TABLE)
    op.drop_table(TABLE)

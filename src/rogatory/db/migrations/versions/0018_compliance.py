"""Compliance: the national implementation register with its append-only change history,
subscriptions per State, and each organisation's assessments with their requirements,
review history, evidence and reviews.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("national_law_changes", "requirement_events")

PG_FUNCTION = """
CREATE FUNCTION rogatory_compliance_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "national_laws",
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("state", name="pk_national_laws"),
    )
    op.create_table(
        "national_law_changes",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_national_law_changes"),
    )
    op.create_index("ix_national_law_changes_state", "national_law_changes", ["state"])
    op.create_table(
        "law_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("notified_through", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_law_subscriptions"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_law_subscriptions_org_id_organisations"
        ),
        sa.UniqueConstraint("org_id", "email", "state", name="uq_law_subscriptions_who"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("company", sa.String(1000), nullable=False),
        sa.Column("footprint", JSON, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_assessments_org_id_organisations"
        ),
    )
    op.create_index("ix_assessments_org_id", "assessments", ["org_id"])
    op.create_table(
        "assessment_requirements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(8), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_requirements"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_assessment_requirements_assessment_id_assessments",
        ),
        sa.UniqueConstraint("assessment_id", "key", name="uq_assessment_requirements_key"),
    )
    op.create_index(
        "ix_assessment_requirements_assessment_id", "assessment_requirements", ["assessment_id"]
    )
    op.create_table(
        "requirement_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_requirement_events"),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["assessment_requirements.id"],
            name="fk_requirement_events_requirement_id_assessment_requirements",
        ),
    )
    op.create_index(
        "ix_requirement_events_requirement_id",
        "requirement_events",
        ["requirement_id"],
    )
    op.create_table(
        "assessment_evidence",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_evidence"),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["assessment_requirements.id"],
            name="fk_assessment_evidence_requirement_id_assessment_requirements",
        ),
    )
    op.create_index(
        "ix_assessment_evidence_requirement_id", "assessment_evidence", ["requirement_id"]
    )
    op.create_table(
        "assessment_reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("assessment_id", sa.String(36), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_reviews"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_assessment_reviews_assessment_id_assessments",
        ),
    )
    op.create_index("ix_assessment_reviews_assessment_id", "assessment_reviews", ["assessment_id"])
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FUNCTION)
    for table in APPEND_ONLY:
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rogatory_compliance_append_only()"
            )
        else:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{table} is append-only: {verb} is not allowed'); END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS rogatory_compliance_append_only()")
    for table in (
        "assessment_reviews",
        "assessment_evidence",
        "requirement_events",
        "assessment_requirements",
        "assessments",
        "law_subscriptions",
        "national_law_changes",
        "national_laws",
    ):
        op.drop_table(table)

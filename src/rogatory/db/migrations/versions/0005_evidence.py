"""Evidence files, organisation signing keys and disclosures.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_files"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_evidence_files_case_id_cases"),
    )
    op.create_index("ix_evidence_files_case_id", "evidence_files", ["case_id"])
    op.create_table(
        "organisation_keys",
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_organisation_keys"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_organisation_keys_org_id_organisations"
        ),
    )
    op.create_table(
        "disclosures",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("handed_over_at", WHEN, nullable=False),
        sa.Column("receipt", JSON, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disclosures"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_disclosures_case_id_cases"),
    )
    op.create_index("ix_disclosures_case_id", "disclosures", ["case_id"])


def downgrade() -> None:
    for table in ("disclosures", "organisation_keys", "evidence_files"):
        op.drop_table(table)

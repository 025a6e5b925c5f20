"""The steps of a case beyond its status: the follow-up request of a preservation case, the
answer to a request for confidentiality, the disclosure of preserved traffic data (Art 43)
with its approvals, and the details a postponement or a consultation brings to a transition.

Nothing stored is rewritten: existing transitions have no details, and a case that asked for
confidentiality without an answer shows the pending task (derived from its request).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("transitions", sa.Column("details", JSON))
    op.create_table(
        "follow_up_requests",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("follow_up_case_id", sa.String(36)),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("decided_on", sa.Date()),
        sa.Column("outcome", sa.String(32)),
        sa.Column("decided_by", sa.String(200)),
        sa.PrimaryKeyConstraint("case_id", name="pk_follow_up_requests"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_follow_up_requests_case_id_cases"
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_case_id"],
            ["cases.id"],
            name="fk_follow_up_requests_follow_up_case_id_cases",
        ),
    )
    op.create_table(
        "confidentiality_answers",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("told_on", sa.Date()),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_confidentiality_answers"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_confidentiality_answers_case_id_cases"
        ),
    )
    op.create_table(
        "traffic_disclosures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("other_state", sa.String(3), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("traffic_data", sa.Text(), nullable=False),
        sa.Column("grounds_note", sa.Text(), nullable=False),
        sa.Column("withheld_on", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("prepared_by", sa.String(200), nullable=False),
        sa.Column("prepared_at", WHEN, nullable=False),
        sa.Column("approved_at", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_traffic_disclosures"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_traffic_disclosures_case_id_cases"
        ),
    )
    op.create_index("ix_traffic_disclosures_case_id", "traffic_disclosures", ["case_id"])
    op.create_table(
        "traffic_approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_traffic_approvals"),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["traffic_disclosures.id"],
            name="fk_traffic_approvals_disclosure_id_traffic_disclosures",
        ),
        sa.UniqueConstraint("disclosure_id", "by", name="uq_traffic_approvals_disclosure_by"),
    )
    op.create_index(
        "ix_traffic_approvals_disclosure_id",
        "traffic_approvals",
        ["disclosure_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_traffic_approvals_disclosure_id", table_name="traffic_approvals")
    op.drop_table("traffic_approvals")
    op.drop_index("ix_traffic_disclosures_case_id", table_name="traffic_disclosures")
    op.drop_table("traffic_disclosures")
    op.drop_table("confidentiality_answers")
    op.drop_table("follow_up_requests")
    with op.batch_alter_table("transitions") as batch:
        batch.drop_column("details")

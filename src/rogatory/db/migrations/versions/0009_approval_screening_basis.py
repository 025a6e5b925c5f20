"""Each approval names the screening it was given on and the legal basis it rests on.

An approval counts only for the screening it approved: screening again or amending the
request voids it. Its basis is the Convention article of the measure, or, for an override
of a screening that blocks approval, another instrument or domestic law with a reason.

Existing approvals are tied to the latest screening made before them (the one they were
given on), and rest on the Convention article of their case's measure.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The first article of each measure, as ``requests.basis.convention_basis`` gives it today;
# frozen here so this migration means the same thing whatever the code becomes.
ARTICLE = {
    "preservation": 42,
    "traffic_disclosure": 43,
    "stored_data": 44,
    "realtime_traffic": 45,
    "interception": 46,
    "mla": 40,
    "emergency": 41,
}


def upgrade() -> None:
    op.add_column("approvals", sa.Column("screening_id", sa.Integer()))
    op.add_column("approvals", sa.Column("basis_kind", sa.String(16)))
    op.add_column("approvals", sa.Column("basis_citation", sa.String(500)))
    op.add_column("approvals", sa.Column("override_reason", sa.Text()))
    op.execute(
        """
        UPDATE approvals SET screening_id = COALESCE(
            (SELECT s.id FROM screenings s
              WHERE s.case_id = approvals.case_id AND s.screened_at <= approvals.at
              ORDER BY s.seq DESC LIMIT 1),
            (SELECT s.id FROM screenings s
              WHERE s.case_id = approvals.case_id ORDER BY s.seq LIMIT 1))
        """
    )
    cases = " ".join(f"WHEN '{m}' THEN 'uncc:art-{a}'" for m, a in ARTICLE.items())
    op.execute(
        f"""
        UPDATE approvals SET basis_kind = 'convention', basis_citation = COALESCE(
            (SELECT CASE c.measure {cases} END FROM cases c WHERE c.id = approvals.case_id),
            'uncc')
        """
    )
    # approvals is referenced by no other table: rebuilding it on SQLite is safe
    with op.batch_alter_table("approvals") as batch:
        batch.alter_column("screening_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("basis_kind", existing_type=sa.String(16), nullable=False)
        batch.alter_column("basis_citation", existing_type=sa.String(500), nullable=False)
        batch.create_foreign_key(
            "fk_approvals_screening_id_screenings", "screenings", ["screening_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_constraint("fk_approvals_screening_id_screenings", type_="foreignkey")
        batch.drop_column("override_reason")
        batch.drop_column("basis_citation")
        batch.drop_column("basis_kind")
        batch.drop_column("screening_id")

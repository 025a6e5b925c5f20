"""The authority registry, who sent each request (with its signature), and call-backs.

``authorities`` and ``authority_keys`` hold an organisation's registry (the depositary's
notifications are treaty data, not rows); ``requesters`` one row per received version of a
case's request, with the signed request's unique id under a unique constraint (replays);
``call_backs`` the calls made to confirm a request on a number from the registry.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _at(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ident", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(3), nullable=False),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("domains", JSON, nullable=False),
        sa.Column("phones", JSON, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date()),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("verified_by", sa.String(1000), nullable=False),
        sa.Column("verified_how", sa.String(1000), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        _at("added_at", False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_authorities_org_id_organisations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_authorities"),
        sa.UniqueConstraint("org_id", "ident", name="uq_authorities_org_ident"),
    )
    op.create_index("ix_authorities_org_id", "authorities", ["org_id"])
    op.create_table(
        "authority_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(100), nullable=False),
        _at("valid_from", False),
        _at("valid_until"),
        _at("revoked_from"),
        sa.Column("revoked_reason", sa.String(1000)),
        _at("revoked_at"),
        sa.Column("revoked_by", sa.String(200)),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_authority_keys_org_id_organisations"
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name="fk_authority_keys_authority_id_authorities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_authority_keys"),
        sa.UniqueConstraint("org_id", "kid", name="uq_authority_keys_org_kid"),
    )
    op.create_index("ix_authority_keys_authority_id", "authority_keys", ["authority_id"])
    op.create_table(
        "requesters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(254)),
        _at("received_at", False),
        sa.Column("signature", sa.String(16), nullable=False),
        sa.Column("kid", sa.String(64)),
        sa.Column("authority_id", sa.String(64)),
        sa.Column("jti", sa.String(128)),
        _at("issued_at"),
        sa.Column("jws", sa.Text()),
        sa.Column("payload", sa.Text()),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_requesters_org_id_organisations"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_requesters_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_requesters"),
        sa.UniqueConstraint("org_id", "jti", name="uq_requesters_org_jti"),
        sa.UniqueConstraint("case_id", "version", name="uq_requesters_case_version"),
    )
    op.create_index("ix_requesters_case_id", "requesters", ["case_id"])
    op.create_index("ix_requesters_sender", "requesters", ["sender"])
    op.create_table(
        "call_backs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("authority_id", sa.String(64), nullable=False),
        sa.Column("authority_name", sa.String(1000), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("called_by", sa.String(200), nullable=False),
        _at("called_at", False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_call_backs_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_call_backs"),
    )
    op.create_index("ix_call_backs_case_id", "call_backs", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_call_backs_case_id", table_name="call_backs")
    op.drop_table("call_backs")
    op.drop_index("ix_requesters_sender", table_name="requesters")
    op.drop_index("ix_requesters_case_id", table_name="requesters")
    op.drop_table("requesters")
    op.drop_index("ix_authority_keys_authority_id", table_name="authority_keys")
    op.drop_table("authority_keys")
    op.drop_index("ix_authorities_org_id", table_name="authorities")
    op.drop_table("authorities")

"""Signing keys with validity periods, sealed at rest; signed audit checkpoints.

The organisation keys of 0005 (one plaintext PEM per organisation) move to ``signing_keys``,
keyed by key id, with the plaintext in ``legacy_pem``. A migration cannot use the
application's key-encryption key, so it does not encrypt them: the application seals each one
at its first use, and ``rogatory db upgrade`` (which runs this) and ``rogatory keys encrypt``
seal them all; until then ``rogatory audit verify`` and ``rogatory keys list`` report them.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01
"""

import base64
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)

PG_FUNCTION = """
CREATE FUNCTION rogatory_checkpoints_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def _key_id(public_b64: str) -> str:
    """As ``disclosure.keys.key_id``: SHA-256 of the raw public key, 16 hex digits."""
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def upgrade() -> None:
    keys = op.create_table(
        "signing_keys",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=True),
        sa.Column("wrapped_dek", sa.Text(), nullable=True),
        sa.Column("kek_id", sa.String(16), nullable=True),
        sa.Column("legacy_pem", sa.Text(), nullable=True),
        sa.Column("valid_from", WHEN, nullable=False),
        sa.Column("valid_until", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signing_keys"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name="fk_signing_keys_org_id_organisations"
        ),
    )
    op.create_index("ix_signing_keys_org_id", "signing_keys", ["org_id"])
    old = sa.table(
        "organisation_keys",
        sa.column("org_id", sa.String),
        sa.column("private_pem", sa.Text),
        sa.column("public_key", sa.String),
        sa.column("created_at", WHEN),
    )
    rows = op.get_bind().execute(sa.select(old)).all()
    if rows:
        op.bulk_insert(
            keys,
            [
                {
                    "id": _key_id(r.public_key),
                    "org_id": r.org_id,
                    "public_key": r.public_key,
                    "legacy_pem": r.private_pem,
                    "valid_from": r.created_at,
                }
                for r in rows
            ],
        )
    op.drop_table("organisation_keys")
    op.create_table(
        "audit_checkpoints",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
        sa.UniqueConstraint("chain", "seq", name="uq_audit_checkpoints_chain_seq"),
        sa.ForeignKeyConstraint(
            ["key_id"], ["signing_keys.id"], name="fk_audit_checkpoints_key_id_signing_keys"
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON "
            "audit_checkpoints FOR EACH ROW EXECUTE FUNCTION rogatory_checkpoints_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints "
            "FOR EACH STATEMENT EXECUTE FUNCTION rogatory_checkpoints_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoints_no_{operation.lower()} BEFORE {operation} ON "
                "audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: "
                f"{operation} is not allowed'); END"
            )


def downgrade() -> None:
    """Back to one plaintext key per organisation: possible only while no key is sealed (a
    migration has no key-encryption key to open them) and none was rotated."""
    bind = op.get_bind()
    sealed = bind.execute(
        sa.text("SELECT count(*) FROM signing_keys WHERE legacy_pem IS NULL")
    ).scalar_one()
    if sealed:
        raise RuntimeError(
            f"cannot downgrade below 0010: {sealed} signing keys are encrypted, and 0005 stored "
            "keys in plaintext only"
        )
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_update_delete ON audit_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS rogatory_checkpoints_append_only()")
    op.drop_table("audit_checkpoints")
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
    op.execute(
        "INSERT INTO organisation_keys (org_id, private_pem, public_key, created_at) "
        "SELECT org_id, legacy_pem, public_key, valid_from FROM signing_keys"
    )
    op.drop_index("ix_signing_keys_org_id", table_name="signing_keys")
    op.drop_table("signing_keys")

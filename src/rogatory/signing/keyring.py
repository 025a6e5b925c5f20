"""The organisations' signing keys in the database: created on first use, sealed at rest,
rotated with their validity periods kept, and checked to be genuine.

A key is genuine when its sealed private key opens under this deployment's KEK and gives its
stored public key: someone who can write to the database but does not hold the KEK can add a
row with a public key of their own, but not one that opens, so a checkpoint signed with such a
key is refused. Keys carried over in plaintext from before encryption are sealed at their
first use, by ``rogatory db upgrade``, or by ``rogatory keys encrypt``; until then they are
reported and not trusted.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.disclosure import keys
from rogatory.errors import RogatoryError
from rogatory.requests.models import Organisation
from rogatory.signing import envelope
from rogatory.signing.models import SigningKey


def _current_row(session: Session, org: str) -> SigningKey | None:
    return session.execute(
        select(SigningKey)
        .where(SigningKey.org_id == org, SigningKey.valid_until.is_(None))
        .order_by(SigningKey.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()


def _lock_organisation(session: Session, org: str) -> None:
    """Serialise key creation and rotation per organisation (a row lock on PostgreSQL; SQLite
    has one writer), so an organisation never ends up with two current keys. Callers that
    also append to the organisation's audit chain take the chain's lock first (PostgreSQL
    would otherwise be free to deadlock a rotation against a checkpoint). FOR NO KEY UPDATE,
    not FOR UPDATE: the key-share lock every concurrent insert of a case (its foreign key to
    the organisation) holds must not block it, or a checkpoint taken under the chain's lock
    deadlocks against an intake waiting for that lock."""
    if session.get(Organisation, org, with_for_update={"key_share": True}) is None:
        raise RogatoryError("keys.unknown_organisation", f"no organisation {org!r}")


def check_kek(session: Session, kek: envelope.Kek) -> None:
    """Refuse to seal new keys under a KEK other than the one the existing keys use: a
    deployment started with the wrong secret must fail, not mix keys nobody can open."""
    other = session.execute(
        select(SigningKey.id, SigningKey.org_id, SigningKey.kek_id)
        .where(SigningKey.kek_id.is_not(None), SigningKey.kek_id != kek.id)
        .limit(1)
    ).first()
    if other is not None:
        raise envelope.wrong_kek(kek, other.kek_id or "", org=other.org_id, key_id=other.id)


def _seal(row: SigningKey, key: Ed25519PrivateKey, kek: envelope.Kek) -> None:
    sealed = envelope.seal(kek, keys.raw_private(key), org=row.org_id, key_id=row.id)
    row.ciphertext, row.wrapped_dek, row.kek_id = sealed.ciphertext, sealed.wrapped_dek, kek.id
    row.legacy_pem = None


def private_key(row: SigningKey, kek: envelope.Kek) -> Ed25519PrivateKey:
    """The row's private key, checked to belong to its public key."""
    if row.ciphertext is None or row.wrapped_dek is None or row.kek_id is None:
        if row.legacy_pem is None:
            raise RogatoryError("keys.tampered", f"signing key {row.id} of {row.org_id} is empty")
        key = keys.load_private_pem(row.legacy_pem.encode("ascii"), label=f"key {row.id}")
    else:
        sealed = envelope.Sealed(row.ciphertext, row.wrapped_dek, row.kek_id)
        raw = envelope.open_sealed(kek, sealed, org=row.org_id, key_id=row.id)
        key = Ed25519PrivateKey.from_private_bytes(raw)
    public = key.public_key()
    if keys.public_b64(public) != row.public_key or keys.key_id(public) != row.id:
        raise RogatoryError(
            "keys.tampered",
            f"signing key {row.id} of {row.org_id}: its private key does not match its public key",
        )
    return key


def _create(session: Session, org: str, kek: envelope.Kek, when: datetime) -> SigningKey:
    key = keys.generate()
    row = SigningKey(
        id=keys.key_id(key.public_key()),
        org_id=org,
        public_key=keys.public_b64(key.public_key()),
        valid_from=when,
    )
    _seal(row, key, kek)
    session.add(row)
    session.flush()
    return row


def current(
    session: Session, org: str, kek: envelope.Kek | None = None
) -> tuple[SigningKey, Ed25519PrivateKey]:
    """The organisation's current signing key, created on first use; a plaintext key carried
    over from before encryption is sealed here, at its first use."""
    kek = kek or envelope.configured()
    row = _current_row(session, org)
    if row is None:
        _lock_organisation(session, org)
        row = _current_row(session, org)
        if row is None:
            check_kek(session, kek)
            row = _create(session, org, kek, datetime.now(UTC))
    key = private_key(row, kek)
    if row.legacy_pem is not None:
        check_kek(session, kek)
        _seal(row, key, kek)
        session.flush()
    return row, key


def rotate(
    session: Session, org: str, *, actor: str, kek: envelope.Kek | None = None
) -> tuple[SigningKey | None, SigningKey]:
    """Retire the current key (its period ends now, it stays published) and make a new one
    the signing key. The old key is opened first, so a wrong KEK fails before anything
    changes. Recorded on the organisation's audit chain."""
    kek = kek or envelope.configured()
    audit.head(session, org)  # the chain's lock before the organisation's row, as every writer
    _lock_organisation(session, org)
    check_kek(session, kek)
    old = _current_row(session, org)
    when = datetime.now(UTC)
    if old is not None:
        retired = private_key(old, kek)
        old.valid_until = when
        if old.legacy_pem is not None:
            _seal(old, retired, kek)
        session.flush()
    new = _create(session, org, kek, when)
    audit.append(
        session,
        chain=org,
        actor=actor,
        action="keys.rotated",
        summary={"retired": old.id if old else None, "current": new.id},
        at=when,
    )
    return old, new


def all_keys(session: Session, org: str | None = None) -> list[SigningKey]:
    query = select(SigningKey).order_by(SigningKey.org_id, SigningKey.valid_from)
    if org is not None:
        query = query.where(SigningKey.org_id == org)
    return list(session.execute(query).scalars())


def published(row: SigningKey) -> keys.PublishedKey:
    return keys.PublishedKey(
        key_id=row.id,
        public_key=row.public_key,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def plaintext(session: Session) -> list[SigningKey]:
    """Keys still stored in plaintext (carried over from before encryption)."""
    return list(
        session.execute(
            select(SigningKey).where(SigningKey.legacy_pem.is_not(None)).order_by(SigningKey.id)
        ).scalars()
    )


def encrypt_plaintext(session: Session, kek: envelope.Kek | None = None) -> list[SigningKey]:
    """Seal every key still stored in plaintext and clear the plaintext."""
    kek = kek or envelope.configured()
    rows = plaintext(session)
    if rows:
        check_kek(session, kek)
    for row in rows:
        _seal(row, private_key(row, kek), kek)
    session.flush()
    return rows


def genuine(row: SigningKey, kek: envelope.Kek) -> str | None:
    """None if the key is genuine (sealed, opens under the KEK, matches its public key), else
    why it cannot be trusted."""
    if row.legacy_pem is not None:
        return f"key {row.id} is stored in plaintext: anyone with the database could have put it"
    try:
        private_key(row, kek)
    except RogatoryError as exc:
        if exc.code == "keys.wrong_kek":
            raise
        return exc.message
    return None

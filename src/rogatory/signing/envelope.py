"""Envelope encryption of private keys: a random data-encryption key (DEK) per private key,
itself encrypted ("wrapped") under one key-encryption key (KEK) that is never stored in the
database.

A copy of the database therefore holds no usable private key: each one is AES-256-GCM
ciphertext under its DEK, and each DEK is AES-256-GCM ciphertext under the KEK. The KEK comes
from ``ROGATORY_KEY_FILE`` (a file of at least 32 random bytes, which can be kept off the
database host and out of its backups) or, failing that, is derived from
``ROGATORY_SECRET_KEY``; either way through HKDF-SHA256 with a purpose label, so the same
secret never serves two purposes. The associated data of both encryptions binds the
ciphertext to its organisation and key id: a row copied onto another organisation's or
another key's row does not decrypt. Each row records the KEK's id (a hash of it), so a
deployment started with the wrong KEK is told so in those words instead of "decryption failed".
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rogatory import settings
from rogatory.canonical import canonical
from rogatory.errors import RogatoryError

KEK_INFO = b"rogatory/signing-keys/key-encryption-key/1"
MIN_KEY_FILE_BYTES = 32
NONCE = 12
KEK_HELP = (
    "start rogatory with the ROGATORY_KEY_FILE (or, without one, the ROGATORY_SECRET_KEY) "
    "that the signing keys were encrypted under"
)


@dataclass(frozen=True)
class Kek:
    """The key-encryption key, its public id, and where it came from (for error messages)."""

    key: bytes
    id: str
    source: str


@dataclass(frozen=True)
class Sealed:
    """A private key at rest: its ciphertext, its wrapped DEK, and the id of the KEK."""

    ciphertext: str
    wrapped_dek: str
    kek_id: str


def derive(material: bytes, source: str) -> Kek:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEK_INFO).derive(material)
    kek_id = hashlib.sha256(b"rogatory kek id\n" + key).hexdigest()[:16]
    return Kek(key, kek_id, source)


def configured(config: settings.Settings | None = None) -> Kek:
    """The KEK of this deployment: from the key file if one is set, else from the secret."""
    config = config or settings.load()
    if config.key_file is None:
        return derive(config.secret_key.encode("utf-8"), "ROGATORY_SECRET_KEY")
    path = config.key_file
    try:
        material = path.read_bytes()
    except FileNotFoundError:
        raise RogatoryError(
            "settings.key_file", f"ROGATORY_KEY_FILE {path}: file not found", help=KEK_HELP
        ) from None
    except OSError as exc:
        raise RogatoryError(
            "settings.key_file", f"ROGATORY_KEY_FILE {path}: cannot be read: {exc.strerror}"
        ) from None
    if len(material) < MIN_KEY_FILE_BYTES:
        raise RogatoryError(
            "settings.key_file",
            f"ROGATORY_KEY_FILE {path}: holds {len(material)} bytes, at least "
            f"{MIN_KEY_FILE_BYTES} random bytes are needed",
            help=f"create one with: head -c 32 /dev/urandom > {path}",
        )
    return derive(material, f"ROGATORY_KEY_FILE {path}")


def associated_data(org: str, key_id: str) -> bytes:
    return canonical({"purpose": "rogatory organisation signing key", "org": org, "key": key_id})


def _encrypt(key: bytes, plaintext: bytes, ad: bytes) -> str:
    nonce = os.urandom(NONCE)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, ad)).decode("ascii")


def _decrypt(key: bytes, sealed: str, ad: bytes) -> bytes:
    data = base64.b64decode(sealed, validate=True)
    return AESGCM(key).decrypt(data[:NONCE], data[NONCE:], ad)


def seal(kek: Kek, secret: bytes, *, org: str, key_id: str) -> Sealed:
    ad = associated_data(org, key_id)
    dek = AESGCM.generate_key(bit_length=256)
    return Sealed(_encrypt(dek, secret, ad), _encrypt(kek.key, dek, ad), kek.id)


def wrong_kek(kek: Kek, found: str, *, org: str, key_id: str) -> RogatoryError:
    return RogatoryError(
        "keys.wrong_kek",
        f"signing key {key_id} of {org} is encrypted under key-encryption key {found}, but "
        f"{kek.source} gives key-encryption key {kek.id}",
        help=KEK_HELP,
    )


def open_sealed(kek: Kek, sealed: Sealed, *, org: str, key_id: str) -> bytes:
    """The secret back, or ``keys.wrong_kek`` (another KEK sealed it) or ``keys.tampered``
    (right KEK, but the row was altered or copied from another organisation or key)."""
    if sealed.kek_id != kek.id:
        raise wrong_kek(kek, sealed.kek_id, org=org, key_id=key_id)
    ad = associated_data(org, key_id)
    try:
        dek = _decrypt(kek.key, sealed.wrapped_dek, ad)
        return _decrypt(dek, sealed.ciphertext, ad)
    except (InvalidTag, ValueError):
        pass
    raise RogatoryError(
        "keys.tampered",
        f"signing key {key_id} of {org} does not decrypt under its key-encryption key: its "
        "stored row was altered, or copied from another organisation or key",
    )

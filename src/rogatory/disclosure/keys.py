"""Ed25519 keys for signing custody receipts: generation, PEM files, public-key encoding, key
ids, and the list of an organisation's keys as it publishes them."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel

from rogatory.errors import RogatoryError


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_b64(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64: short enough to print, publish or pin."""
    return base64.b64encode(raw_public(key)).decode("ascii")


def raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A key's id: the first 16 hex digits of the SHA-256 of its raw public key. Anyone can
    recompute it from the public key, so a receipt or checkpoint naming a key id cannot name
    one key and carry another."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        return load_private_pem(path.read_bytes(), label=str(path))
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None


def load_private_pem(data: bytes, *, label: str = "key") -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise RogatoryError(
            "receipt.invalid_key", f"{label}: not an unencrypted PEM private key: {exc}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise RogatoryError("receipt.invalid_key", f"{label}: not an Ed25519 key")
    return key


def parse_public(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise RogatoryError(
            "receipt.invalid_key",
            f"not a base64 Ed25519 public key: {exc}",
            help="the key is the 44-character base64 text printed by 'rogatory keys generate'",
        ) from None


class PublishedKey(BaseModel):
    """One of an organisation's signing keys as published: which receipts and checkpoints it
    may have signed is given by its validity period (``valid_until`` is open for the current
    key); a signature dated outside it does not come from that key."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    public_key: str
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None

    def valid_at(self, when: datetime) -> bool:
        return self.valid_from <= when and (self.valid_until is None or when < self.valid_until)

    def period(self) -> str:
        until = f"until {self.valid_until:%Y-%m-%d %H:%M} UTC" if self.valid_until else "current"
        return f"valid from {self.valid_from:%Y-%m-%d %H:%M} UTC, {until}"


class PublishedKeys(RootModel[list[PublishedKey]]):
    """An organisation's published key list, as ``GET /api/v1/organisation/public-key`` gives
    it under ``keys``."""

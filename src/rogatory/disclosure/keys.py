"""Ed25519 keys for signing custody receipts: generation, PEM storage, public-key encoding."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rogatory.errors import RogatoryError


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_b64(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64: short enough to print, publish or pin."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


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

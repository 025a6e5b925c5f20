"""Custody receipts: a signed manifest of a hand-over, and its verification.

The signature covers the manifest's canonical JSON, so any change to a file hash, a size, the
recipient or the time invalidates it. Verification reports each check separately (format,
manifest hash, signature, expected key, each file) so a recipient sees exactly what failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from rogatory.canonical import canonical
from rogatory.disclosure import keys
from rogatory.errors import Problem, ProblemList, RogatoryError
from rogatory.law.loader import key_path

FORMAT: Literal["rogatory-custody-receipt/1"] = "rogatory-custody-receipt/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HandedOverFile(_Model):
    name: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class Recipient(_Model):
    name: str = Field(min_length=1)
    authority: str | None = None
    reference: str | None = None


class Manifest(_Model):
    receipt_id: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    case_reference: str = Field(min_length=1)
    recipient: Recipient
    handed_over_at: AwareDatetime
    legal_basis: list[str] = Field(default_factory=list)
    files: list[HandedOverFile] = Field(min_length=1)


class Receipt(_Model):
    format: Literal["rogatory-custody-receipt/1"] = FORMAT
    manifest: Manifest
    manifest_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str
    signature: str


def manifest_bytes(manifest: Manifest) -> bytes:
    return canonical(manifest.model_dump(mode="json"))


def sign(manifest: Manifest, key: Ed25519PrivateKey) -> Receipt:
    data = manifest_bytes(manifest)
    return Receipt(
        manifest=manifest,
        manifest_sha256=hashlib.sha256(data).hexdigest(),
        public_key=keys.public_b64(key.public_key()),
        signature=base64.b64encode(key.sign(data)).decode("ascii"),
    )


def sha256_file(path: Path, chunk: int = 1 << 20) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks so evidence of any size fits in memory."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


@dataclass
class Verification:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, name: str, ok: bool, message: str) -> None:
        self.checks.append((name, ok, message))

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], data: Any, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                "receipt.invalid",
                f"field {key_path([p for p in e['loc'] if isinstance(p, int | str)])}: {e['msg']}",
                file,
            )
            for e in exc.errors(include_url=False)
        ]
        raise ProblemList("receipt.invalid", file, problems) from None


def parse(data: Any, *, file: str) -> Receipt:
    return _validated(Receipt, data, file)


def parse_manifest(data: Any, *, file: str) -> Manifest:
    return _validated(Manifest, data, file)


def load(path: Path) -> Receipt:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RogatoryError("receipt.invalid", f"{path}: not a JSON receipt: {exc}") from None
    return parse(data, file=str(path))


def verify(
    receipt: Receipt, *, expected_key: Ed25519PublicKey | None = None, files_dir: Path | None = None
) -> Verification:
    """Every check a recipient can make with the receipt, the public key and the files."""
    result = Verification()
    data = manifest_bytes(receipt.manifest)
    digest = hashlib.sha256(data).hexdigest()
    result.add(
        "manifest_sha256",
        digest == receipt.manifest_sha256,
        "the manifest matches its recorded SHA-256"
        if digest == receipt.manifest_sha256
        else f"the manifest was changed: its SHA-256 is {digest}, the receipt says "
        f"{receipt.manifest_sha256}",
    )
    try:
        embedded = keys.parse_public(receipt.public_key)
        embedded.verify(base64.b64decode(receipt.signature, validate=True), data)
        result.add("signature", True, "the Ed25519 signature over the manifest is valid")
    except (InvalidSignature, ValueError, RogatoryError):
        result.add("signature", False, "the signature does not match the manifest and key")
        embedded = None
    if expected_key is not None:
        same = embedded is not None and keys.public_b64(embedded) == keys.public_b64(expected_key)
        result.add(
            "public_key",
            same,
            "signed with the expected organisation key"
            if same
            else "signed with a different key than the one expected: the receipt may not "
            "come from that organisation",
        )
    else:
        result.add(
            "public_key",
            True,
            "no expected key given: the signature proves integrity "
            "only; pass --public-key to prove origin",
        )
    if files_dir is not None:
        for item in receipt.manifest.files:
            path = files_dir / item.name
            if not path.is_file():
                result.add(f"file:{item.name}", False, f"{item.name} is missing from {files_dir}")
                continue
            sha, size = sha256_file(path)
            ok = sha == item.sha256 and size == item.size
            result.add(
                f"file:{item.name}",
                ok,
                f"{item.name} matches ({size} bytes)"
                if ok
                else f"{item.name} differs from what was handed over (SHA-256 {sha}, {size} bytes)",
            )
    return result

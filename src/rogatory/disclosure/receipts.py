"""Custody receipts: a signed manifest of a hand-over, and its verification.

The signature covers the manifest's canonical JSON, so any change to a file hash, a size, the
recipient, the time or the audit head invalidates it. Verification reports each check
separately (format, manifest hash, signature, key, audit head, each file) so a recipient sees
exactly what failed.

Format 2 names the signing key by its id (organisations rotate keys; the id says which of its
published keys to check against) and records the organisation's audit chain head (seq and
hash) at the hand-over: a signed copy of the head the recipient keeps, which
``rogatory audit verify --checkpoint`` accepts like a checkpoint. Format 1 receipts, issued
before, verify as they always did.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from rogatory.canonical import canonical
from rogatory.disclosure import keys
from rogatory.errors import Problem, ProblemList, RogatoryError
from rogatory.law.loader import key_path

FORMAT_1 = "rogatory-custody-receipt/1"
FORMAT: Literal["rogatory-custody-receipt/2"] = "rogatory-custody-receipt/2"


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


class AuditHead(_Model):
    """The disclosing organisation's audit chain head when the receipt was issued."""

    chain: str = Field(min_length=1)
    seq: int = Field(ge=0)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(_Model):
    receipt_id: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    case_reference: str = Field(min_length=1)
    recipient: Recipient
    handed_over_at: AwareDatetime
    legal_basis: list[str] = Field(default_factory=list)
    files: list[HandedOverFile] = Field(min_length=1)
    audit_head: AuditHead | None = None


class Receipt(_Model):
    format: Literal["rogatory-custody-receipt/1", "rogatory-custody-receipt/2"] = FORMAT
    manifest: Manifest
    manifest_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    public_key: str
    signature: str

    @model_validator(mode="after")
    def _fields_of_its_format(self) -> Receipt:
        if self.format == FORMAT and self.key_id is None:
            raise ValueError(f"a {FORMAT} receipt names its key_id")
        if self.format == FORMAT_1 and (self.key_id or self.manifest.audit_head):
            raise ValueError(f"a {FORMAT_1} receipt has no key_id and no audit_head")
        return self


def manifest_bytes(manifest: Manifest) -> bytes:
    """What is signed. A manifest without an audit head is signed without the field, so a
    format 1 manifest gives exactly the bytes it was signed as."""
    exclude = {"audit_head"} if manifest.audit_head is None else None
    return canonical(manifest.model_dump(mode="json", exclude=exclude))


def sign(manifest: Manifest, key: Ed25519PrivateKey) -> Receipt:
    data = manifest_bytes(manifest)
    return Receipt(
        manifest=manifest,
        manifest_sha256=hashlib.sha256(data).hexdigest(),
        key_id=keys.key_id(key.public_key()),
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


def validated(model: type[M], data: Any, file: str, *, code: str = "receipt.invalid") -> M:
    """The document validated, or one ProblemList naming every bad field (signed documents
    share this: receipts here, audit checkpoints in ``signing.checkpoint``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                code,
                f"field {key_path([p for p in e['loc'] if isinstance(p, int | str)])}: {e['msg']}",
                file,
            )
            for e in exc.errors(include_url=False)
        ]
        raise ProblemList(code, file, problems) from None


def parse(data: Any, *, file: str) -> Receipt:
    return validated(Receipt, data, file)


def parse_manifest(data: Any, *, file: str) -> Manifest:
    return validated(Manifest, data, file)


def read_json(path: Path, *, code: str = "receipt.invalid", what: str = "receipt") -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RogatoryError(code, f"{path}: not a JSON {what}: {exc}") from None


def load(path: Path) -> Receipt:
    return parse(read_json(path), file=str(path))


def _key_checks(
    result: Verification,
    receipt: Receipt,
    embedded: Ed25519PublicKey | None,
    expected_key: Ed25519PublicKey | None,
    published: list[keys.PublishedKey] | None,
) -> None:
    key_checks(
        result,
        key_id=receipt.key_id,
        embedded=embedded,
        when=receipt.manifest.handed_over_at,
        organisation=receipt.manifest.organisation,
        what="receipt",
        expected_key=expected_key,
        published=published,
    )


def key_checks(
    result: Verification,
    *,
    key_id: str | None,
    embedded: Ed25519PublicKey | None,
    when: datetime,
    organisation: str,
    what: str,
    expected_key: Ed25519PublicKey | None,
    published: list[keys.PublishedKey] | None,
) -> None:
    """Which key signed a document, and whether it is the organisation's: the one expected,
    or one of its published keys whose validity period covers the document's time (receipts
    here, published reports in ``reports.snapshot``)."""
    fingerprint = keys.key_id(embedded) if embedded is not None else None
    if key_id is not None:
        same = key_id == fingerprint
        result.add(
            "key_id",
            same,
            f"signed with key {key_id}"
            if same
            else f"the {what} names key {key_id}, but its public key is {fingerprint}",
        )
    if published is not None:
        match = next((k for k in published if k.key_id == fingerprint), None)
        if match is None or embedded is None or match.public_key != keys.public_b64(embedded):
            result.add(
                "public_key",
                False,
                f"key {fingerprint} is not one of {organisation}'s published "
                f"keys: the {what} does not come from that organisation",
            )
        else:
            result.add(
                "public_key",
                match.valid_at(when),
                f"one of the organisation's published keys, {match.period()}"
                if match.valid_at(when)
                else f"key {match.key_id} was not the organisation's signing key on "
                f"{when:%Y-%m-%d %H:%M} UTC ({match.period()})",
            )
    elif expected_key is not None:
        same = embedded is not None and keys.public_b64(embedded) == keys.public_b64(expected_key)
        result.add(
            "public_key",
            same,
            "signed with the expected organisation key"
            if same
            else f"signed with a different key than the one expected: the {what} may not "
            "come from that organisation",
        )
    else:
        result.add(
            "public_key",
            True,
            "no expected key given: the signature proves integrity only; pass --keys or "
            "--public-key to prove origin",
        )


def signature_check(
    result: Verification, public_key: str, signature: str, data: bytes, *, what: str
) -> Ed25519PublicKey | None:
    """Check an Ed25519 signature over ``data``; the embedded public key, if it parses."""
    embedded: Ed25519PublicKey | None = None
    try:
        embedded = keys.parse_public(public_key)
        embedded.verify(base64.b64decode(signature, validate=True), data)
        result.add("signature", True, f"the Ed25519 signature over the {what} is valid")
    except (InvalidSignature, ValueError, RogatoryError):
        result.add("signature", False, f"the signature does not match the {what} and key")
    return embedded


def _head_check(result: Verification, receipt: Receipt) -> None:
    head = receipt.manifest.audit_head
    if head is not None:
        result.add(
            "audit_head",
            True,
            f"issued at event {head.seq} of the audit chain {head.chain!r} (hash "
            f"{head.hash[:16]}...); check it against the organisation's chain with "
            "'rogatory audit verify --checkpoint'",
        )
    elif receipt.format == FORMAT_1:
        result.add("audit_head", True, f"a {FORMAT_1} receipt records no audit chain head")


def verify(
    receipt: Receipt,
    *,
    expected_key: Ed25519PublicKey | None = None,
    published: list[keys.PublishedKey] | None = None,
    files_dir: Path | None = None,
) -> Verification:
    """Every check a recipient can make with the receipt, the organisation's key (one expected
    key, or its published list) and the files."""
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
    embedded = signature_check(result, receipt.public_key, receipt.signature, data, what="manifest")
    _key_checks(result, receipt, embedded, expected_key, published)
    _head_check(result, receipt)
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

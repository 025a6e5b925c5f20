"""The checkpoint document: a chain's head (seq and hash) at a time, signed with the
organisation's key, small enough to keep anywhere (a customer's case file, an auditor's
archive, a ticket).

Whoever holds one can later prove that the chain had at least that many events and that its
event at that seq had that hash: deleting events from the end, deleting the chain, or
rewriting it with recomputed hashes then shows, and a checkpoint made up by someone without
the organisation's key fails its signature or names a key the organisation never had.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel

from rogatory.canonical import canonical
from rogatory.disclosure import keys, receipts
from rogatory.errors import RogatoryError

FORMAT: Literal["rogatory-audit-checkpoint/1"] = "rogatory-audit-checkpoint/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Head(_Model):
    """What is signed: the chain (the organisation's id), its last seq and hash, and when."""

    chain: str = Field(min_length=1)
    seq: int = Field(ge=1)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    at: AwareDatetime


class Checkpoint(_Model):
    format: Literal["rogatory-audit-checkpoint/1"] = FORMAT
    head: Head
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    public_key: str
    signature: str

    def describe(self) -> str:
        return f"checkpoint of chain {self.head.chain!r} at event {self.head.seq}"


def signed_bytes(head: Head) -> bytes:
    """The signature covers the format too, so it cannot be passed off as another document."""
    return canonical({"format": FORMAT, **head.model_dump(mode="json")})


def sign(head: Head, key: Ed25519PrivateKey) -> Checkpoint:
    public = key.public_key()
    return Checkpoint(
        head=head,
        key_id=keys.key_id(public),
        public_key=keys.public_b64(public),
        signature=base64.b64encode(key.sign(signed_bytes(head))).decode("ascii"),
    )


def signature_problem(checkpoint: Checkpoint) -> str | None:
    """None if the signature is the named key's over the head, else what is wrong."""
    try:
        public = keys.parse_public(checkpoint.public_key)
        public.verify(
            base64.b64decode(checkpoint.signature, validate=True), signed_bytes(checkpoint.head)
        )
    except (InvalidSignature, ValueError, RogatoryError):
        return "its signature does not match its content and key: it was altered or forged"
    if keys.key_id(public) != checkpoint.key_id:
        return (
            f"it names key {checkpoint.key_id} but carries the public key of {keys.key_id(public)}"
        )
    return None


class _Many(RootModel[list[Checkpoint]]):
    pass


def parse(data: Any, *, file: str) -> list[Checkpoint]:
    """One checkpoint, or a list of them (``rogatory audit checkpoint`` for every chain)."""
    listed = data if isinstance(data, list) else [data]
    return receipts.validated(_Many, listed, file, code="checkpoint.invalid").root


def load(path: Path) -> list[Checkpoint]:
    data = receipts.read_json(path, code="checkpoint.invalid", what="checkpoint")
    return parse(data, file=str(path))


def dump(checkpoints: list[Checkpoint]) -> str:
    data: Any = [c.model_dump(mode="json") for c in checkpoints]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False) + "\n"

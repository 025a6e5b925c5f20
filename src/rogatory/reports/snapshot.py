"""The published report document: a report frozen with its publication facts and signed with
the organisation's key, verified the way a custody receipt is (``disclosure.receipts``: the
same signature and key checks, against the organisation's published keys).

The signature covers the canonical JSON of the format, the publication facts and the report,
so changing one count, the period, the version or what it supersedes breaks it. The report
carries the organisation's audit chain head it was read at, which ``rogatory audit verify
--checkpoint`` can hold against the chain like a receipt's.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rogatory.canonical import canonical
from rogatory.disclosure import keys, receipts
from rogatory.errors import RogatoryError
from rogatory.signing import checkpoints

FORMAT: Literal["rogatory-published-report/1"] = "rogatory-published-report/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publication(_Model):
    id: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    period: str = Field(min_length=1)
    version: int = Field(ge=1)
    supersedes: str | None = None
    published_at: AwareDatetime
    url: str


class Snapshot(_Model):
    format: Literal["rogatory-published-report/1"] = FORMAT
    publication: Publication
    report: dict[str, Any]
    report_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    public_key: str
    signature: str


def signed_bytes(publication: Publication, report: dict[str, Any]) -> bytes:
    return canonical(
        {"format": FORMAT, "publication": publication.model_dump(mode="json"), "report": report}
    )


def sign(publication: Publication, report: dict[str, Any], key: Ed25519PrivateKey) -> Snapshot:
    public = key.public_key()
    return Snapshot(
        publication=publication,
        report=report,
        report_sha256=hashlib.sha256(canonical(report)).hexdigest(),
        key_id=keys.key_id(public),
        public_key=keys.public_b64(public),
        signature=base64.b64encode(key.sign(signed_bytes(publication, report))).decode("ascii"),
    )


def parse(data: Any, *, file: str) -> Snapshot:
    return receipts.validated(Snapshot, data, file, code="report.invalid")


def load(path: Path) -> Snapshot:
    data = receipts.read_json(path, code="report.invalid", what="published report")
    return parse(data, file=str(path))


def verify(
    snapshot: Snapshot,
    *,
    expected_key: Ed25519PublicKey | None = None,
    published: list[keys.PublishedKey] | None = None,
) -> receipts.Verification:
    """Every check a reader can make with the document and the organisation's keys."""
    result = receipts.Verification()
    digest = hashlib.sha256(canonical(snapshot.report)).hexdigest()
    result.add(
        "report_sha256",
        digest == snapshot.report_sha256,
        "the report matches its recorded SHA-256"
        if digest == snapshot.report_sha256
        else f"the report was changed: its SHA-256 is {digest}, the document says "
        f"{snapshot.report_sha256}",
    )
    embedded = receipts.signature_check(
        result,
        snapshot.public_key,
        snapshot.signature,
        signed_bytes(snapshot.publication, snapshot.report),
        what="report and its publication",
    )
    receipts.key_checks(
        result,
        key_id=snapshot.key_id,
        embedded=embedded,
        when=snapshot.publication.published_at,
        organisation=snapshot.publication.organisation,
        what="report",
        expected_key=expected_key,
        published=published,
    )
    same_org = snapshot.report.get("organisation") == snapshot.publication.organisation
    result.add(
        "organisation",
        same_org,
        f"a report of {snapshot.publication.organisation}"
        if same_org
        else "the report names another organisation than its publication",
    )
    head = snapshot.report.get("audit_head") or {}
    result.add(
        "audit_head",
        True,
        f"read at event {head.get('seq')} of the audit chain {head.get('chain')!r}; check it "
        "against the organisation's chain with 'rogatory audit verify --checkpoint'",
    )
    return result


def claim(snapshot: Snapshot, source: str) -> checkpoints.Claim:
    """The audit chain head a published report was read at, as a signed claim that
    ``rogatory audit verify --checkpoint`` holds against the chain (as a receipt's head)."""
    head = snapshot.report.get("audit_head") or {}
    if not head.get("seq") or not head.get("hash"):
        raise RogatoryError(
            "checkpoint.invalid", f"{source}: this report was read at an empty audit chain"
        )
    checks = verify(snapshot)
    bad = next((m for _, ok, m in checks.checks if not ok), None)
    return checkpoints.Claim(
        source,
        str(head["chain"]),
        int(head["seq"]),
        str(head["hash"]),
        snapshot.publication.published_at,
        snapshot.key_id,
        snapshot.public_key,
        bad,
    )

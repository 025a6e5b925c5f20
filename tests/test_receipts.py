"""Custody receipts: signing, verification by anyone with the public key, and tampering."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rogatory.disclosure import keys, receipts
from rogatory.errors import ProblemList
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def _files(folder: Path) -> list[receipts.HandedOverFile]:
    folder.mkdir(exist_ok=True)
    out = []
    for name, content in (
        ("subscriber.csv", b"account,name\n88123,A. Person\n"),
        ("traffic.log", b"2026-06-01T10:00Z 203.0.113.7 -> 198.51.100.2\n" * 50),
    ):
        (folder / name).write_bytes(content)
        sha, size = receipts.sha256_file(folder / name)
        out.append(receipts.HandedOverFile(name=name, sha256=sha, size=size))
    return out


def _manifest(folder: Path) -> receipts.Manifest:
    return receipts.Manifest(
        receipt_id="R-2026-0001",
        organisation="Example Hosting",
        case_reference="C-17",
        recipient=receipts.Recipient(name="Ministry of Justice of XAA", reference="MJ-2026-301"),
        handed_over_at=datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
        legal_basis=["uncc:art-44"],
        files=_files(folder),
    )


def test_a_signed_receipt_verifies_with_the_public_key_and_the_files(tmp_path: Path) -> None:
    key = keys.generate()
    receipt = receipts.sign(_manifest(tmp_path / "files"), key)
    result = receipts.verify(receipt, expected_key=key.public_key(), files_dir=tmp_path / "files")
    assert result.ok, result.checks
    assert [name for name, _, _ in result.checks] == [
        "manifest_sha256",
        "signature",
        "key_id",
        "public_key",
        "file:subscriber.csv",
        "file:traffic.log",
    ]


def test_any_change_to_the_manifest_invalidates_the_signature(tmp_path: Path) -> None:
    key = keys.generate()
    receipt = receipts.sign(_manifest(tmp_path / "files"), key)
    data = receipt.model_dump(mode="json")
    data["manifest"]["recipient"]["name"] = "Someone else"
    tampered = receipts.parse(data, file="t")
    result = receipts.verify(tampered)
    failed = {name for name, ok, _ in result.checks if not ok}
    assert failed == {"manifest_sha256", "signature"}


def test_a_receipt_re_signed_by_another_key_fails_the_expected_key(tmp_path: Path) -> None:
    real, forger = keys.generate(), keys.generate()
    forged = receipts.sign(_manifest(tmp_path / "files"), forger)
    assert receipts.verify(forged).ok  # integrity alone holds...
    result = receipts.verify(forged, expected_key=real.public_key())
    assert not result.ok  # ...but not origin
    assert [name for name, ok, _ in result.checks if not ok] == ["public_key"]


def test_a_changed_or_missing_file_is_named(tmp_path: Path) -> None:
    receipt = receipts.sign(_manifest(tmp_path / "files"), keys.generate())
    (tmp_path / "files" / "traffic.log").write_bytes(b"edited\n")
    (tmp_path / "files" / "subscriber.csv").unlink()
    result = receipts.verify(receipt, files_dir=tmp_path / "files")
    failed = {name: msg for name, ok, msg in result.checks if not ok}
    assert set(failed) == {"file:subscriber.csv", "file:traffic.log"}
    assert "missing" in failed["file:subscriber.csv"] and "differs" in failed["file:traffic.log"]


def test_a_malformed_receipt_names_its_fields() -> None:
    with pytest.raises(ProblemList) as info:
        receipts.parse({"format": "other", "manifest": {"files": []}}, file="r.json")
    fields = {p.message.split(":")[0] for p in info.value.problems}
    assert {
        "field format",
        "field manifest.files",
        "field manifest_sha256",
        "field signature",
    } <= fields


def test_the_cli_signs_and_verifies(cli: Cli, tmp_path: Path) -> None:
    generated = json.loads(cli("keys", "generate", str(tmp_path / "keys"), "--json").out)
    pem = Path(generated["private_key"])
    assert pem.stat().st_mode & 0o777 == 0o600
    again = cli("keys", "generate", str(tmp_path / "keys"))
    assert again.code == 2 and again.err.startswith("error[keys.exists]")
    manifest = _manifest(tmp_path / "files")
    (tmp_path / "manifest.json").write_text(json.dumps(manifest.model_dump(mode="json")))
    signed = cli(
        "receipt",
        "sign",
        str(tmp_path / "manifest.json"),
        "--key",
        str(pem),
        "--out",
        str(tmp_path / "receipt.json"),
    )
    assert signed.code == 0, signed.err
    ok = cli(
        "receipt",
        "verify",
        str(tmp_path / "receipt.json"),
        "--public-key",
        generated["public_key"],
        "--files",
        str(tmp_path / "files"),
        "--json",
    )
    assert ok.code == 0 and json.loads(ok.out)["valid"] is True
    data = json.loads((tmp_path / "receipt.json").read_text())
    data["manifest"]["files"][0]["size"] += 1
    (tmp_path / "tampered.json").write_text(json.dumps(data))
    bad = cli("receipt", "verify", str(tmp_path / "tampered.json"))
    assert bad.code == 1 and "FAIL manifest_sha256" in bad.out and "INVALID" in bad.out
    (tmp_path / "junk.json").write_text("[1, 2")
    junk = cli("receipt", "verify", str(tmp_path / "junk.json"))
    assert junk.code == 2 and junk.err.startswith("error[receipt.invalid]")
    wrong_key = cli("receipt", "verify", str(tmp_path / "receipt.json"), "--public-key", "abc")
    assert wrong_key.code == 2 and wrong_key.err.startswith("error[receipt.invalid_key]")

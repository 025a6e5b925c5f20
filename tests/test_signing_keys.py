"""Organisation signing keys on SQLite and PostgreSQL: sealed at rest, plaintext keys from
before sealed, a wrong key-encryption key named, rotation that keeps old receipts verifiable,
and forged receipts refused."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.disclosure import keys, receipts
from rogatory.errors import RogatoryError
from rogatory.evidence import service as evidence
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.models import Case
from rogatory.requests.transitions import Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.signing import envelope, keyring
from rogatory.signing.models import SigningKey
from rogatory.treaty import catalogue
from tests import postgres
from tests.conftest import CliResult, ratifications

Cli = Callable[..., CliResult]
DOC = json.loads(
    (
        Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"
    ).read_text()
)
DOC.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
STAFF = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE, Role.REVIEWER}))
APPROVER = flows.Actor("alma", "org-a", frozenset({Role.APPROVER}))
LIFE = Lifecycle(catalogue.get().has_provision)


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


@pytest.fixture
def url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test database, for the real CLI too."""
    found = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ROGATORY_DATABASE_URL", found)
    monkeypatch.setenv("ROGATORY_SECRET_KEY", "the-secret-the-keys-were-sealed-under")
    monkeypatch.delenv("ROGATORY_KEY_FILE", raising=False)
    return found


def _organisations(engine: Engine, *orgs: str) -> None:
    with dbe.sessions(engine).begin() as s:
        for org in orgs:
            flows.ensure_organisation(s, org, org)


def _disclose(
    engine: Engine, screener: screening.Screener, folder: Path, case_id: str | None = None
) -> receipts.Receipt:
    """A real hand-over of an approved case: intake, review, approval, upload, disclosure."""
    sessions = dbe.sessions(engine)
    if case_id is None:
        with sessions.begin() as s:
            flows.ensure_organisation(s, "org-a", "Example Hosting")
            case_id = flows.intake(s, STAFF, DOC, screener)[0].id
        with sessions.begin() as s:
            flows.transition(s, STAFF, case_id, Status.IN_REVIEW, LIFE)
            for rule in flows.state_of(s, s.get(Case, case_id)).review_findings:
                flows.acknowledge(s, STAFF, case_id, rule, "checked")
        with sessions.begin() as s:
            flows.approve(s, APPROVER, case_id, LIFE)
    with sessions.begin() as s:  # the file goes into place when its row is committed
        incoming = evidence.spool(iter([b"acct,name\n1,A\n"]), base_dir=folder, max_bytes=99)
        stored_id = evidence.store(s, STAFF, case_id, "records.csv", incoming, base_dir=folder).id
    with sessions.begin() as s:
        row = evidence.hand_over(s, STAFF, case_id, [stored_id], {"name": "MoJ XAA"})
    return receipts.parse(row.receipt, file="receipt")


def _dump(engine: Engine) -> bytes:
    """Everything a copy of the database holds: for SQLite the database files themselves
    (free pages and write-ahead log included) and their SQL dump; for PostgreSQL what
    pg_dump writes."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        conn = engine.raw_connection()
        try:
            dumped = "\n".join(conn.driver_connection.iterdump())  # type: ignore[union-attr]
        finally:
            conn.close()
        return raw + dumped.encode()
    bindir = postgres.binaries()
    assert bindir is not None
    libpq = engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    out = subprocess.run(
        [str(bindir / "pg_dump"), "--dbname", libpq], capture_output=True, check=True, timeout=60
    )
    return out.stdout


def _private_forms(key: object) -> list[bytes]:
    """Every way a private key could sit in a dump: raw, base64, hex, PEM and its body."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    assert isinstance(key, Ed25519PrivateKey)
    raw = keys.raw_private(key)
    pem = keys.private_pem(key)
    body = b"".join(pem.splitlines()[1:-1])
    return [raw, base64.b64encode(raw), raw.hex().encode(), pem, body, b"PRIVATE KEY"]


def test_a_database_dump_holds_no_private_key(
    engine: Engine, screener: screening.Screener, tmp_path: Path, url: str
) -> None:
    receipt = _disclose(engine, screener, tmp_path / "evidence")
    with dbe.sessions(engine)() as s:
        row, key = keyring.current(s, "org-a")
        assert row.ciphertext and row.wrapped_dek and row.legacy_pem is None
    assert receipt.key_id == row.id
    dump = _dump(engine)
    assert row.public_key.encode() in dump  # the dump is real: the public key is in it
    for form in _private_forms(key):
        assert form not in dump


def _earlier_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.HERE / "migrations"))
    found = ScriptDirectory.from_config(cfg).get_revision("0010")
    assert found is not None and isinstance(found.down_revision, str)
    return found.down_revision


@pytest.fixture
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of each kind migrated only up to the revision before this one."""
    kind = request.param
    if kind == "sqlite":
        eng = dbe.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        eng = dbe.make_engine(request.getfixturevalue("postgres_url"))
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate.upgrade(eng, _earlier_revision())
    yield eng
    eng.dispose()


@pytest.mark.parametrize("old_engine", ["sqlite", "postgresql"], indirect=True)
def test_a_plaintext_key_from_before_is_sealed_and_not_left_silently(
    old_engine: Engine, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = keys.generate()
    public, pem = keys.public_b64(key.public_key()), keys.private_pem(key).decode()
    with old_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, name, created_at) VALUES ('org-a', 'A', "
                "CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO organisation_keys (org_id, private_pem, public_key, created_at) "
                "VALUES ('org-a', :pem, :public, CURRENT_TIMESTAMP)"
            ),
            {"pem": pem, "public": public},
        )
    monkeypatch.setenv("ROGATORY_DATABASE_URL", old_engine.url.render_as_string(False))
    monkeypatch.setenv("ROGATORY_SECRET_KEY", "the-secret-the-keys-were-sealed-under")
    migrate.upgrade(old_engine)  # as the migration alone leaves it: plaintext, and said so
    listed = cli("keys", "list")
    assert listed.code == 0 and "plaintext" in listed.out
    assert f"key {keys.key_id(key.public_key())} is stored in plaintext" in listed.err
    verified = cli("audit", "verify")
    assert "still stored in plaintext: run 'rogatory keys encrypt'" in verified.err

    upgraded = cli("db", "upgrade")  # db upgrade seals what the migration could not
    assert upgraded.code == 0, upgraded.err
    sealed = (
        f"encrypted 1 signing key(s) stored in plaintext: org-a {keys.key_id(key.public_key())}"
    )
    assert sealed in upgraded.out
    assert cli("keys", "encrypt").out.strip() == "no signing key is stored in plaintext"
    with dbe.sessions(old_engine)() as s:
        row, reopened = keyring.current(s, "org-a")
        assert row.legacy_pem is None and row.public_key == public  # the same key, sealed
        assert keys.raw_private(reopened) == keys.raw_private(key)
    dump = _dump(old_engine)  # SQLite's files too: sealing vacuumed the old pages away
    for form in _private_forms(key):
        assert form not in dump


def test_a_wrong_key_encryption_key_is_named_not_a_traceback(
    engine: Engine, cli: Cli, tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _organisations(engine, "org-a")
    assert cli("keys", "rotate", "--org", "org-a").code == 0
    assert cli("audit", "checkpoint", "--org", "org-a", "--out", str(tmp_path / "c.json")).code == 0
    monkeypatch.setenv("ROGATORY_SECRET_KEY", "another-secret-entirely")
    for command in (("keys", "rotate"), ("audit", "checkpoint"), ("audit", "verify")):
        wrong = cli(*command)
        assert wrong.code == 2, (command, wrong.out, wrong.err)
        assert wrong.err.startswith("error[keys.wrong_kek]: signing key "), wrong.err
        assert "but ROGATORY_SECRET_KEY gives key-encryption key" in wrong.err
        assert "help: start rogatory with the ROGATORY_KEY_FILE" in wrong.err
        assert "Traceback" not in wrong.err
    kek_file = tmp_path / "kek"
    kek_file.write_bytes(b"short")
    monkeypatch.setenv("ROGATORY_KEY_FILE", str(kek_file))
    short = cli("keys", "rotate")
    assert short.code == 2 and short.err.startswith("error[settings.key_file]: ROGATORY_KEY_FILE")
    assert "holds 5 bytes, at least 32" in short.err
    kek_file.unlink()
    missing = cli("keys", "rotate")
    assert missing.code == 2 and "file not found" in missing.err
    with dbe.sessions(engine)() as s:  # nothing was changed by the refused commands
        assert len(keyring.all_keys(s, "org-a")) == 1


def test_a_key_file_seals_instead_of_the_secret(
    engine: Engine, tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _organisations(engine, "org-a")
    (tmp_path / "kek").write_bytes(bytes(range(32)))
    monkeypatch.setenv("ROGATORY_KEY_FILE", str(tmp_path / "kek"))
    with dbe.sessions(engine).begin() as s:
        keyring.current(s, "org-a")
    monkeypatch.delenv("ROGATORY_KEY_FILE")  # the secret alone no longer opens the key
    with dbe.sessions(engine)() as s, pytest.raises(RogatoryError) as info:
        keyring.current(s, "org-a")
    assert info.value.code == "keys.wrong_kek" and "ROGATORY_SECRET_KEY gives" in info.value.message


def test_a_sealed_key_moved_to_another_row_does_not_open(engine: Engine, url: str) -> None:
    """The associated data binds a sealed key to its organisation and key id: copying one
    organisation's ciphertext onto another's row is caught, not used."""
    _organisations(engine, "org-a", "org-b")
    with dbe.sessions(engine).begin() as s:
        a, _ = keyring.current(s, "org-a")
        b, _ = keyring.current(s, "org-b")
        b.ciphertext, b.wrapped_dek = a.ciphertext, a.wrapped_dek
    with dbe.sessions(engine)() as s, pytest.raises(RogatoryError) as info:
        keyring.current(s, "org-b")
    assert info.value.code == "keys.tampered" and "altered, or copied" in info.value.message


def test_receipts_issued_before_a_rotation_verify_after_it_and_name_their_key(
    engine: Engine, screener: screening.Screener, tmp_path: Path, url: str, cli: Cli
) -> None:
    before = _disclose(engine, screener, tmp_path / "evidence")
    with dbe.sessions(engine)() as s:
        case_id = s.execute(select(Case.id)).scalar_one()
        old_key = keyring.current(s, "org-a")[0].id
    rotated = cli("keys", "rotate", "--org", "org-a", "--as", "admin@a.example")
    assert rotated.code == 0, rotated.err
    assert rotated.out.strip().startswith("org-a: signing key ")
    assert f"; {old_key} retired, still published" in rotated.out
    after = _disclose(engine, screener, tmp_path / "evidence", case_id)
    assert before.key_id == old_key and after.key_id not in (None, old_key)

    with dbe.sessions(engine)() as s:
        published = [keyring.published(k) for k in keyring.all_keys(s, "org-a")]
    assert [k.key_id for k in published] == [old_key, after.key_id]
    assert published[0].valid_until == published[1].valid_from and published[1].valid_until is None
    for receipt, key in ((before, published[0]), (after, published[1])):
        result = receipts.verify(receipt, published=published)
        assert result.ok, result.checks
        messages = {name: message for name, _, message in result.checks}
        assert messages["key_id"] == f"signed with key {key.key_id}"
        assert messages["public_key"].startswith("one of the organisation's published keys")

    # Through the CLI, with the key list as the API publishes it.
    listed = cli("keys", "list", "--org", "org-a", "--json")
    (tmp_path / "keys.json").write_text(json.dumps({"keys": json.loads(listed.out)}))
    (tmp_path / "before.json").write_text(json.dumps(before.model_dump(mode="json")))
    checked = cli(
        "receipt", "verify", str(tmp_path / "before.json"), "--keys", str(tmp_path / "keys.json")
    )
    assert checked.code == 0, checked.out
    assert f"ok   key_id: signed with key {old_key}" in checked.out
    assert "ok   public_key: one of the organisation's published keys, valid from" in checked.out

    # A receipt of the same hand-over signed by anyone else is refused, whatever key it names.
    forger = keys.generate()
    forged = receipts.sign(before.manifest, forger)
    refused = receipts.verify(forged, published=published)
    assert not refused.ok and [n for n, ok, _ in refused.checks if not ok] == ["public_key"]
    assert (
        "is not one of org-a's published keys" in {n: m for n, _, m in refused.checks}["public_key"]
    )
    posing = receipts.parse(forged.model_dump(mode="json") | {"key_id": old_key}, file="f")
    assert {n for n, ok, _ in receipts.verify(posing, published=published).checks if not ok} == {
        "key_id",
        "public_key",
    }
    (tmp_path / "forged.json").write_text(json.dumps(forged.model_dump(mode="json")))
    bad = cli(
        "receipt", "verify", str(tmp_path / "forged.json"), "--keys", str(tmp_path / "keys.json")
    )
    assert bad.code == 1 and "FAIL public_key" in bad.out and "INVALID" in bad.out
    # A retired key does not sign for later hand-overs, even in the hands of someone who got it.
    with dbe.sessions(engine)() as s:
        retired = keyring.private_key(s.get(SigningKey, old_key), envelope.configured())
    late = receipts.sign(after.manifest, retired)
    messages = {n: m for n, ok, m in receipts.verify(late, published=published).checks if not ok}
    assert list(messages) == ["public_key"]
    assert messages["public_key"].startswith(f"key {old_key} was not the organisation's signing")


def test_a_receipt_carries_the_audit_head_and_serves_as_a_checkpoint(
    engine: Engine, screener: screening.Screener, tmp_path: Path, url: str, cli: Cli
) -> None:
    from rogatory.audit import service as audit
    from tests.test_audit import _tamper

    receipt = _disclose(engine, screener, tmp_path / "evidence")
    head = receipt.manifest.audit_head
    assert head is not None and head.chain == "org-a"
    with dbe.sessions(engine)() as s:
        events = list(audit.stream(s, chain="org-a"))
    assert events[head.seq - 1].hash == head.hash  # the head just before the hand-over...
    assert events[head.seq].payload["action"] == "evidence.disclosed"  # ...which follows it
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt.model_dump(mode="json")))
    shown = cli("receipt", "verify", str(path), "--json")
    assert json.loads(shown.out)["audit_head"] == head.model_dump()
    assert any(
        c["check"] == "audit_head" and c["message"].startswith(f"issued at event {head.seq} of")
        for c in json.loads(shown.out)["checks"]
    )
    assert cli("audit", "verify", "--checkpoint", str(path)).code == 0
    _tamper(engine, f"DELETE FROM audit_events WHERE seq >= {head.seq}")
    _tamper(engine, "DELETE FROM audit_checkpoints")
    caught = cli("audit", "verify", "--checkpoint", str(path))
    assert caught.code == 1
    assert f"the chain ends at event {head.seq - 1}, the checkpoint saw {head.seq}" in caught.out

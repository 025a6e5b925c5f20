"""Signed checkpoints of the audit chain's head, on SQLite and PostgreSQL, against each attack
the chain alone cannot see: its last events deleted, the whole chain deleted, the chain
rewritten with recomputed hashes, and checkpoints forged."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from rogatory.audit import chain as chains
from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.disclosure import keys
from rogatory.requests import flows
from rogatory.signing import checkpoint, checkpoints, keyring
from rogatory.signing.models import AuditCheckpoint, SigningKey
from tests.conftest import CliResult
from tests.test_audit import _tamper

Cli = Callable[..., CliResult]
EVERY = 5


@pytest.fixture
def org(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """Organisation org-a, checkpointed every five events; the real CLI sees the same."""
    monkeypatch.setenv("ROGATORY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ROGATORY_SECRET_KEY", "checkpoint-test-secret")
    monkeypatch.setenv("ROGATORY_CHECKPOINT_EVERY", str(EVERY))
    monkeypatch.delenv("ROGATORY_KEY_FILE", raising=False)
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "Example Hosting")
    return "org-a"


def _events(engine: Engine, n: int, chain: str = "org-a") -> None:
    """n events, each in its own transaction, as the product writes them."""
    for i in range(n):
        with dbe.sessions(engine).begin() as s:
            audit.append(s, chain=chain, actor="ivan", action="case.transition", summary={"i": i})


def _verify(engine: Engine, *claims: checkpoints.Claim) -> checkpoints.Report:
    with dbe.sessions(engine, read_only=True)() as s:
        return checkpoints.verify(s, external=claims)


def _failures(report: checkpoints.Report) -> dict[tuple[str, int], str]:
    return {(f.claim.source, f.claim.seq): f.problem or "" for f in report.findings if not f.ok}


def _export(cli: Cli, tmp_path: Path) -> Path:
    out = tmp_path / "checkpoint.json"
    taken = cli("audit", "checkpoint", "--org", "org-a", "--out", str(out))
    assert taken.code == 0, taken.err
    assert taken.out.startswith("checkpoint of chain 'org-a' at event ")
    return out


def _rewrite_from(engine: Engine, first: int) -> None:
    """Rewrite every event from ``first`` on and recompute every hash after it, as someone
    who can write to the database and has read how the chain is hashed would."""
    with dbe.sessions(engine)() as s:
        events = list(audit.stream(s, chain="org-a"))
    prev = events[first - 2].hash
    for event in events[first - 1 :]:
        digest = chains.link(prev, dict(event.payload) | {"actor": "mallory"})
        _tamper(
            engine,
            f"UPDATE audit_events SET actor = 'mallory', prev_hash = '{prev}', hash = '{digest}' "
            f"WHERE chain = 'org-a' AND seq = {event.seq}",
        )
        prev = digest


def test_a_checkpoint_is_stored_every_n_events_and_holds(engine: Engine, org: str) -> None:
    _events(engine, 12)
    _events(engine, 7, chain="not-an-organisation")  # no key, no checkpoint, no failure
    with dbe.sessions(engine)() as s:
        stored = s.execute(select(AuditCheckpoint.chain, AuditCheckpoint.seq)).all()
    assert sorted(stored) == [("org-a", 5), ("org-a", 10)]
    report = _verify(engine)
    assert report.ok and report.chain.events == 19 and len(report.findings) == 2
    assert report.warnings == []


def test_deleting_the_last_events_is_caught(engine: Engine, org: str, cli: Cli) -> None:
    _events(engine, 12)
    _tamper(engine, "DELETE FROM audit_events WHERE seq > 8")
    report = _verify(engine)
    assert report.chain.ok and not report.ok  # the chain alone looks whole
    assert _failures(report) == {
        ("stored", 10): "the chain ends at event 8, the checkpoint saw 10: events 9-10 were "
        "deleted from its end"
    }
    shown = cli("audit", "verify")
    assert shown.code == 1
    assert "stored checkpoints: 1 of 2 hold (latest: chain 'org-a' at event 10)" in shown.out
    assert "FAIL checkpoint of chain 'org-a' at event 10 (stored): the chain ends at event 8" in (
        shown.out
    )


def test_deleting_the_whole_chain_is_caught(
    engine: Engine, org: str, cli: Cli, tmp_path: Path
) -> None:
    _events(engine, 7)
    exported = _export(cli, tmp_path)
    _tamper(engine, "DELETE FROM audit_events WHERE chain = 'org-a'")
    failed = _failures(_verify(engine))
    assert failed[("stored", 5)].startswith("the chain 'org-a' has no events at all")
    assert failed[("stored", 7)].endswith("the chain was deleted")
    # Deleting the stored checkpoints too hides it from the database...
    _tamper(engine, "DELETE FROM audit_checkpoints")
    assert cli("audit", "verify").code == 0
    # ...but not from the checkpoint kept elsewhere.
    held = cli("audit", "verify", "--checkpoint", str(exported), "--json")
    assert held.code == 1
    found = json.loads(held.out)
    assert found["ok"] is False and found["events"] == 0
    assert found["checkpoints"] == [
        {
            "source": str(exported),
            "chain": "org-a",
            "seq": 7,
            "ok": False,
            "problem": "the chain 'org-a' has no events at all, the checkpoint saw 7: the chain "
            "was deleted",
        }
    ]


def test_deleting_the_last_events_and_the_stored_checkpoints_is_caught_by_an_export(
    engine: Engine, org: str, cli: Cli, tmp_path: Path
) -> None:
    _events(engine, 12)
    exported = _export(cli, tmp_path)
    _tamper(engine, "DELETE FROM audit_events WHERE seq > 3")
    _tamper(engine, "DELETE FROM audit_checkpoints")
    assert cli("audit", "verify").code == 0
    held = cli("audit", "verify", "--checkpoint", str(exported))
    assert held.code == 1, held.out
    assert (
        f"FAIL checkpoint of chain 'org-a' at event 12 ({exported}): the chain ends at event 3, "
        "the checkpoint saw 12: events 4-12 were deleted from its end" in held.out
    )


def test_a_rewrite_with_recomputed_hashes_is_caught(
    engine: Engine, org: str, cli: Cli, tmp_path: Path
) -> None:
    _events(engine, 12)
    exported = _export(cli, tmp_path)
    _rewrite_from(engine, 3)
    report = _verify(engine, *map(_claim, checkpoint.load(exported)))
    assert report.chain.ok and not report.ok  # every link recomputes
    failed = _failures(report)
    assert set(failed) == {("stored", 5), ("stored", 10), ("stored", 12), ("file", 12)}
    assert all(p.endswith("the chain was rewritten") for p in failed.values())
    assert failed[("stored", 5)].startswith("event 5 has hash ")
    shown = cli("audit", "verify", "--checkpoint", str(exported))
    assert shown.code == 1 and "stored checkpoints: 0 of 3 hold" in shown.out


def _claim(doc: checkpoint.Checkpoint) -> checkpoints.Claim:
    return checkpoints.claim_of(doc, "file")


def test_a_forged_checkpoint_is_refused(engine: Engine, org: str, cli: Cli, tmp_path: Path) -> None:
    _events(engine, 6)
    exported = _export(cli, tmp_path)
    genuine = checkpoint.load(exported)[0]
    assert _verify(engine, _claim(genuine)).ok

    # Edited: a later head claimed under the organisation's real signature.
    edited = genuine.model_copy(update={"head": genuine.head.model_copy(update={"seq": 3})})
    assert "its signature does not match" in _failures(_verify(engine, _claim(edited)))[("file", 3)]
    (tmp_path / "edited.json").write_text(checkpoint.dump([edited]))
    shown = cli("audit", "verify", "--checkpoint", str(tmp_path / "edited.json"))
    assert shown.code == 1 and "its signature does not match its content and key" in shown.out

    # Made up and signed by someone else's key.
    made_up = checkpoint.sign(genuine.head, keys.generate())
    problem = _failures(_verify(engine, _claim(made_up)))[("file", 6)]
    assert problem.endswith("which is not one of 'org-a''s keys: it is forged")

    # The database rewritten, its checkpoints replaced by ones signed with a key the attacker
    # added: the key is not one this deployment sealed, so nothing it signed is trusted.
    _rewrite_from(engine, 2)
    _tamper(engine, "DELETE FROM audit_checkpoints")
    attacker = keys.generate()
    with dbe.sessions(engine)() as s:
        real = s.execute(select(SigningKey)).scalar_one()
        head_seq, head_hash = audit.head(s, "org-a")
    with dbe.sessions(engine).begin() as s:
        s.add(
            SigningKey(
                id=keys.key_id(attacker.public_key()),
                org_id="org-a",
                public_key=keys.public_b64(attacker.public_key()),
                ciphertext=base64.b64encode(os.urandom(60)).decode(),
                wrapped_dek=base64.b64encode(os.urandom(60)).decode(),
                kek_id=real.kek_id,
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        s.flush()
        head = checkpoint.Head(chain="org-a", seq=head_seq, hash=head_hash, at=datetime.now(UTC))
        forged = checkpoint.sign(head, attacker)
        s.add(
            AuditCheckpoint(
                chain="org-a",
                seq=head_seq,
                head_hash=head_hash,
                at=head.at,
                key_id=forged.key_id,
                signature=forged.signature,
            )
        )
    failed = _failures(_verify(engine))
    assert list(failed) == [("stored", 6)]
    assert failed[("stored", 6)].startswith("its key cannot be trusted: signing key ")
    assert "does not decrypt under its key-encryption key" in failed[("stored", 6)]


def test_checkpoints_are_taken_on_demand_for_each_organisation(
    engine: Engine, org: str, cli: Cli
) -> None:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-b", "Another")
    _events(engine, 2)
    empty = cli("audit", "checkpoint")
    assert empty.code == 2 and empty.err.startswith("error[audit.empty_chain]: the audit chain of")
    _events(engine, 3, chain="org-b")
    both = json.loads(cli("audit", "checkpoint").out)
    assert [(c["head"]["chain"], c["head"]["seq"]) for c in both] == [("org-a", 2), ("org-b", 3)]
    again = json.loads(cli("audit", "checkpoint", "--org", "org-a").out)
    assert again == both[0]  # the same head: the checkpoint already stored, not a second one
    unknown = cli("audit", "checkpoint", "--org", "nobody")
    assert unknown.code == 2 and unknown.err.startswith("error[keys.unknown_organisation]")
    junk = cli("audit", "verify", "--checkpoint", "/nonexistent/checkpoint.json")
    assert junk.code == 2 and junk.err.startswith("error[input.file_missing]")


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_checkpoints SET seq = 1", "DELETE FROM audit_checkpoints"]
)
def test_stored_checkpoints_are_append_only(engine: Engine, org: str, sql: str) -> None:
    _events(engine, EVERY)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    with dbe.sessions(engine)() as s:
        assert len(keyring.all_keys(s, "org-a")) == 1
        assert s.execute(select(AuditCheckpoint.seq)).scalars().all() == [EVERY]

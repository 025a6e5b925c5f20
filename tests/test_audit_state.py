"""The case data under the chain, on SQLite and PostgreSQL: every event that changes a case or a
user records the state it produced, and ``audit verify --state`` names the row edited by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from rogatory.accounts import people, sessions, throttle
from rogatory.accounts import service as accounts
from rogatory.accounts.models import ApiToken, User
from rogatory.audit import chain as chains
from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.db import state as states
from rogatory.errors import RogatoryError
from rogatory.evidence import service as evidence
from rogatory.evidence.models import EvidenceFile
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.models import Approval, Case, Screening
from rogatory.requests.transitions import Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import CliResult, ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
LIFE = Lifecycle(catalogue.get().has_provision)
INTAKE = flows.Actor("ivan@a.example", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita@a.example", "org-a", frozenset({Role.REVIEWER}))
APPROVER = flows.Actor("alma@a.example", "org-a", frozenset({Role.APPROVER}))
ADMIN = flows.Actor("ada@a.example", "org-a", frozenset({Role.ADMIN}))
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


@dataclass
class World:
    engine: Engine
    case: str
    user: str  # rita's id
    approval: int
    screening: int
    evidence: str


@pytest.fixture
def world(engine: Engine, screener: screening.Screener, tmp_path: Path) -> World:
    """An approved case with an uploaded evidence file, and its organisation's people."""
    doc = json.loads((EXAMPLES / "preservation-fraud.json").read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    factory = dbe.sessions(engine)
    with factory.begin() as s:
        flows.ensure_organisation(s, "org-a", "Example Hosting")
        for actor in (INTAKE, REVIEWER, APPROVER, ADMIN):
            accounts.add_user(
                s,
                org="org-a",
                email=actor.user,
                name=actor.user,
                password=PASSWORD,
                roles=[r.value for r in actor.roles],
            )
        case, _ = flows.intake(s, INTAKE, doc, screener)
    with factory.begin() as s:
        flows.transition(s, REVIEWER, case.id, Status.IN_REVIEW, LIFE)
    with factory.begin() as s:
        flows.approve(s, APPROVER, case.id, LIFE)
    spooled = evidence.spool([b"log lines\n"], base_dir=tmp_path / "ev", max_bytes=1000)
    with factory.begin() as s:
        row = evidence.store(s, REVIEWER, case.id, "log.txt", spooled, base_dir=tmp_path / "ev")
    with factory() as s:
        rita = s.execute(select(User.id).where(User.email == REVIEWER.user)).scalar_one()
        approval = s.execute(select(Approval.id).where(Approval.case_id == case.id)).scalar_one()
        screened = s.execute(select(Screening.id).where(Screening.case_id == case.id)).scalar_one()
    return World(engine, case.id, rita, approval, screened, row.id)


def _states(engine: Engine) -> states.StateReport:
    with dbe.sessions(engine, read_only=True)() as s:
        return states.verify(s)


def _edit(engine: Engine, statement: Any) -> None:
    """Change rows straight in the database, as someone with its credentials would."""
    with engine.begin() as conn:
        conn.execute(statement)


def _events(engine: Engine, action: str, chain: str = "org-a") -> list[AuditEvent]:
    with dbe.sessions(engine)() as s:
        return list(
            s.execute(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.chain == chain)
                .order_by(AuditEvent.seq)
            ).scalars()
        )


def test_untouched_rows_match_the_state_their_last_event_recorded(world: World) -> None:
    report = _states(world.engine)
    assert report.ok, report.describe()
    assert report.checked == {"case": 1, "user": 4}
    assert report.unchecked == {"case": 0, "user": 0} and report.warnings == []
    with dbe.sessions(world.engine)() as s:
        assert audit.verify(s).ok
        uploaded = s.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.uploaded")
        ).scalar_one()
    recorded = uploaded.state
    assert recorded is not None and recorded["subject"] == f"case:{world.case}"
    assert f"evidence_files/{world.evidence}" in recorded["rows"]
    assert f"approvals/{world.approval}" in recorded["rows"]
    assert all(len(h) == 16 for h in recorded["rows"].values())


Tamper = Callable[[World], tuple[Any, str]]
TAMPERS: dict[str, Tamper] = {
    "status": lambda w: (
        update(Case).where(Case.id == w.case).values(status="closed"),
        f"cases row {w.case} differs from",
    ),
    "request document": lambda w: (
        update(Case).where(Case.id == w.case).values(request={"measure": "search"}),
        f"cases row {w.case} differs from",
    ),
    "approval": lambda w: (
        update(Approval).where(Approval.id == w.approval).values(by="mallory@a.example"),
        f"approvals row {w.approval} differs from",
    ),
    "approval deleted": lambda w: (
        delete(Approval).where(Approval.id == w.approval),
        f"approvals row {w.approval} was deleted since",
    ),
    "evidence hash": lambda w: (
        update(EvidenceFile).where(EvidenceFile.id == w.evidence).values(sha256="0" * 64),
        f"evidence_files row {w.evidence} differs from",
    ),
    "screening outcome": lambda w: (
        update(Screening).where(Screening.id == w.screening).values(outcome="refuse"),
        f"screenings row {w.screening} differs from",
    ),
    "user's roles": lambda w: (
        update(User).where(User.id == w.user).values(roles=["admin", "reviewer"]),
        f"users row {w.user} differs from",
    ),
    "token added": lambda w: (
        insert(ApiToken).values(
            id="f" * 16,
            org_id="org-a",
            user_id=w.user,
            name="backdoor",
            secret_hash="0" * 64,
            scopes=["cases:write"],
            created_at=datetime.now(UTC),
            expires_at=datetime.now(UTC) + timedelta(days=9),
        ),
        f"api_tokens row {'f' * 16} was added since",
    ),
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_a_row_edited_by_hand_is_named(world: World, what: str) -> None:
    statement, named = TAMPERS[what](world)
    _edit(world.engine, statement)
    report = _states(world.engine)
    assert not report.ok
    [finding] = report.findings
    assert named in finding.problem and "the state recorded at event 'org-a'#" in finding.problem
    with dbe.sessions(world.engine)() as s:  # the chain itself is untouched: it still verifies
        assert audit.verify(s).ok


def test_a_change_made_through_the_application_is_not_a_difference(world: World) -> None:
    factory = dbe.sessions(world.engine)
    with factory.begin() as s:
        flows.transition(s, INTAKE, world.case, Status.FULFILLED, LIFE)
    with factory.begin() as s:
        people.set_roles(s, ADMIN, REVIEWER.user, ["reviewer", "approver"])
    with factory.begin() as s:
        rita = s.get(User, world.user)
        assert rita is not None
        row, _ = accounts.create_token(s, rita, name="ci", scopes=["cases:read"])
    with factory.begin() as s:
        people.revoke_token(s, ADMIN, row.id)
    with factory.begin() as s:
        people.deactivate(s, ADMIN, REVIEWER.user)
    assert _states(world.engine).ok


def test_an_event_that_changes_nothing_does_not_absorb_an_edit(
    world: World, tmp_path: Path
) -> None:
    """A refused disclosure and a sign-in touch no case or user row: they record no state, so
    an edit made before them is still found."""
    _edit(world.engine, update(Case).where(Case.id == world.case).values(status="closed"))
    factory = dbe.sessions(world.engine)
    with factory.begin() as s:
        evidence.record_refused(s, REVIEWER, world.case, evidence.Tampered([]))
    _edit(world.engine, update(User).where(User.id == world.user).values(roles=["admin"]))
    sessions.sign_in(factory, REVIEWER.user, PASSWORD, address="192.0.2.1")
    report = _states(world.engine)
    assert {f.subject for f in report.findings} == {f"case:{world.case}", f"user:{world.user}"}
    assert _events(world.engine, "evidence.disclosure_refused")[0].state is None
    assert _events(world.engine, "user.signed_in")[0].state is None


def test_an_edit_recorded_by_a_later_event_is_still_named(world: World, tmp_path: Path) -> None:
    """The next event on the case records the edited row as it finds it, but its transaction
    did not write that row: the change between the two recorded states is named."""
    _edit(
        world.engine,
        update(EvidenceFile).where(EvidenceFile.id == world.evidence).values(sha256="0" * 64),
    )
    _edit(world.engine, update(User).where(User.id == world.user).values(roles=["admin"]))
    factory = dbe.sessions(world.engine)
    spooled = evidence.spool([b"more\n"], base_dir=tmp_path / "ev", max_bytes=1000)
    with factory.begin() as s:
        evidence.store(s, REVIEWER, world.case, "more.txt", spooled, base_dir=tmp_path / "ev")
    with factory.begin() as s:
        rita = s.get(User, world.user)
        assert rita is not None
        accounts.create_token(s, rita, name="ci", scopes=["cases:read"])
    report = _states(world.engine)
    problems = {f.subject: f.problem for f in report.findings}
    assert problems.keys() == {f"case:{world.case}", f"user:{world.user}"}
    assert problems[f"case:{world.case}"].startswith(
        f"evidence_files row {world.evidence} differs from the state recorded at event 'org-a'#"
    )
    assert "without being written by event 'org-a'#" in problems[f"case:{world.case}"]
    assert "(evidence.uploaded), which recorded it as it found it" in problems[f"case:{world.case}"]
    assert problems[f"user:{world.user}"].startswith(f"users row {world.user} differs from")
    assert "(token.created), which recorded it" in problems[f"user:{world.user}"]


def test_a_case_put_in_by_hand_has_no_event_and_fails(world: World) -> None:
    with dbe.sessions(world.engine)() as s:
        values = {c.name: getattr(s.get(Case, world.case), c.key) for c in Case.__table__.columns}
    _edit(world.engine, insert(Case).values({**values, "id": "forged-case", "reference": "X"}))
    report = _states(world.engine)
    assert [f.problem for f in report.findings] == [
        "no audit event names this case: it was put in the database by hand"
    ]


def test_people_tokens_and_sign_ins_are_audited(world: World) -> None:
    factory = dbe.sessions(world.engine)
    created = _events(world.engine, "user.created")
    assert [e.summary["email"] for e in created] == [
        a.user for a in (INTAKE, REVIEWER, APPROVER, ADMIN)
    ]
    assert all(e.state is not None and e.state["subject"].startswith("user:") for e in created)
    with factory.begin() as s:
        rita = s.get(User, world.user)
        assert rita is not None
        token, _ = accounts.create_token(s, rita, name="ci", scopes=["cases:read"], by="cli:op")
    [made] = _events(world.engine, "token.created")
    assert made.actor == "cli:op" and made.summary["token"] == token.id
    assert made.state is not None and f"api_tokens/{token.id}" in made.state["rows"]

    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    for i in range(throttle.ACCOUNT.free):
        with pytest.raises(RogatoryError, match="wrong email or password"):
            sessions.sign_in(
                factory, REVIEWER.user, "wrong password!", address="198.51.100.7", now=now
            )
        now += timedelta(seconds=1 + i)
    failed = _events(world.engine, "user.sign_in_failed")
    assert len(failed) == throttle.ACCOUNT.free
    assert failed[0].summary == {
        "email": REVIEWER.user,
        "address": "198.51.100.7",
        "reason": "wrong password",
    }
    [delayed] = _events(world.engine, "user.sign_in_delayed")
    assert delayed.summary["for"] == "account" and delayed.summary["seconds"] == 30
    assert delayed.summary["attempts"] == throttle.ACCOUNT.free

    with pytest.raises(RogatoryError):
        sessions.sign_in(factory, "nobody@nowhere.example", PASSWORD, address="198.51.100.8")
    [unknown] = _events(world.engine, "user.sign_in_failed", chain=sessions.UNKNOWN_ACCOUNTS)
    assert unknown.summary["reason"] == "no such account"
    with factory.begin() as s:
        people.deactivate(s, ADMIN, APPROVER.user)
    with pytest.raises(RogatoryError):
        sessions.sign_in(factory, APPROVER.user, PASSWORD, address="198.51.100.9")
    assert _events(world.engine, "user.sign_in_failed")[-1].summary["reason"] == (
        "account deactivated"
    )
    with dbe.sessions(world.engine)() as s:
        assert audit.verify(s).ok
    assert _states(world.engine).ok


def test_events_of_before_0014_still_verify_and_are_not_state_checked(
    world: World, engine: Engine
) -> None:
    """An event without a state hashes as events always did: the chain verifies whatever the
    mix, and a subject whose events all lack one is counted as not state-checked."""
    # Build an event the way 0013 did (no state in the payload), after the world's events.
    with dbe.sessions(engine).begin() as s:
        seq, prev = audit.head(s, "org-a")
        at = datetime.now(UTC)
        payload = {
            "chain": "org-a",
            "seq": seq + 1,
            "at": at.isoformat(timespec="microseconds"),
            "actor": "old",
            "action": "case.created",
            "case_id": "old-case",
            "summary": {},
        }
        s.add(
            AuditEvent(
                chain="org-a",
                seq=seq + 1,
                at=at,
                actor="old",
                action="case.created",
                case_id="old-case",
                summary={},
                prev_hash=prev,
                hash=chains.link(prev, payload),
            )
        )
        values = {c.name: getattr(s.get(Case, world.case), c.key) for c in Case.__table__.columns}
        s.execute(insert(Case).values({**values, "id": "old-case"}))
    with dbe.sessions(engine)() as s:
        assert audit.verify(s).ok
    report = _states(engine)
    assert report.ok and report.unchecked["case"] == 1


def test_the_migration_keeps_an_existing_chain_verifying(tmp_path: Path) -> None:
    eng = dbe.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(eng, "0013")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    payload = {
        "chain": "org-a",
        "seq": 1,
        "at": at.isoformat(timespec="microseconds"),
        "actor": "u",
        "action": "case.created",
        "case_id": None,
        "summary": {"n": 1},
    }
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO audit_events (chain, seq, at, actor, action, case_id, summary, "
            "prev_hash, hash) VALUES ('org-a', 1, ?, 'u', 'case.created', NULL, ?, ?, ?)",
            (
                at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                json.dumps({"n": 1}),
                chains.GENESIS,
                chains.link(chains.GENESIS, payload),
            ),
        )
    migrate.upgrade(eng)
    with dbe.sessions(eng)() as s:
        assert audit.verify(s).ok
        assert s.execute(select(AuditEvent.state)).scalar_one() is None
    with dbe.sessions(eng).begin() as s:
        audit.append(s, chain="org-a", actor="u", action="x", summary={})
    with dbe.sessions(eng)() as s:
        assert audit.verify(s).events == 2
    eng.dispose()


def test_the_schema_does_not_go_back_past_recorded_states(world: World) -> None:
    """Dropping the column would break every chain whose events recorded a state."""
    from alembic import command

    with pytest.raises(RuntimeError, match="recorded a state: dropping the column would break"):
        command.downgrade(migrate.config(world.engine), "0013")
    with dbe.sessions(world.engine)() as s:
        assert audit.verify(s).ok


def test_the_command_checks_the_rows_only_with_state(
    world: World, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = world.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ROGATORY_DATABASE_URL", url)
    monkeypatch.setenv("ROGATORY_SECRET_KEY", "state-test-secret")
    ok = cli("audit", "verify", "--state")
    assert ok.code == 0, ok.out + ok.err
    assert "state: 1 case, 4 users match the state their last event recorded" in ok.out
    _edit(
        world.engine,
        update(EvidenceFile).where(EvidenceFile.id == world.evidence).values(sha256="0" * 64),
    )
    chain_only = cli("audit", "verify")
    assert chain_only.code == 0 and "no broken link" in chain_only.out
    broken = cli("audit", "verify", "--state")
    assert broken.code == 1
    assert f"case {world.case}: evidence_files row {world.evidence} differs from" in broken.out
    as_json = json.loads(cli("audit", "verify", "--state", "--json").out)
    assert as_json["ok"] is False and as_json["state"]["ok"] is False
    assert as_json["state"]["differences"][0]["subject"] == f"case:{world.case}"


def test_the_api_checks_the_rows_when_asked(
    world: World, screener: screening.Screener, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from rogatory.api.app import create_app
    from rogatory.api.deps import Services

    sessions_ = dbe.sessions(world.engine)
    with sessions_.begin() as s:
        auditor = accounts.add_user(
            s, org="org-a", email="aino@a.example", name="A", password=PASSWORD, roles=["auditor"]
        )
        token = accounts.create_token(s, auditor, name="t", scopes=["audit:read"])[1]
    services = Services(sessions_, screener, LIFE, tmp_path / "evidence", max_evidence_bytes=1024)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(services)) as client:
        plain = client.get("/api/v1/audit/verify", headers=headers).json()
        assert plain["ok"] and plain["state"] is None
        checked = client.get("/api/v1/audit/verify?state=true", headers=headers).json()
        assert checked["ok"] and checked["state"]["checked"] == {"case": 1, "user": 5}
        _edit(world.engine, update(Case).where(Case.id == world.case).values(status="closed"))
        broken = client.get("/api/v1/audit/verify?state=true", headers=headers).json()
        assert (
            broken["ok"] is False
            and client.get("/api/v1/audit/verify", headers=headers).json()["ok"]
        )
        [difference] = broken["state"]["differences"]
        assert difference["problem"].startswith(f"cases row {world.case} differs from")

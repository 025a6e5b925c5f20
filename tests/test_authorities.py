"""The authority registry and signed intake on SQLite and PostgreSQL: changes audited with
their state, signatures verified against the registry on the request's date, replays refused
in the intake's transaction, the sender's history, and the emergency call-back guard."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select

from rogatory.accounts import registry as admin
from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.authorities import signed, store
from rogatory.authorities.models import RequesterRow
from rogatory.authorities.registry import parse_records
from rogatory.db import engine as dbe
from rogatory.db import state as states
from rogatory.disclosure import keys
from rogatory.errors import ProblemList, RogatoryError
from rogatory.parties import service
from rogatory.requests import call_backs, flows
from rogatory.requests.transitions import Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications

LIFE = Lifecycle(catalogue.get().has_provision)
ADMIN = flows.Actor("ada", "org-a", frozenset({Role.ADMIN}))
INTAKE = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita", "org-a", frozenset({Role.REVIEWER}))
APPROVER = flows.Actor("alma", "org-a", frozenset({Role.APPROVER}))
OTHER_ORG = flows.Actor("olga", "org-b", frozenset(Role))
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NUMBER = "+9991005550124"


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def record(**changes: Any) -> Any:
    data: dict[str, Any] = {
        "id": "xaa-ncu",
        "state": "XAA",
        "name": "National Cybercrime Unit of XAA",
        "kind": "contact_point_24_7",
        "domains": ["ncu.xaa.example"],
        "phones": [NUMBER],
        "keys": [
            {
                "kid": "xaa-ncu-1",
                "public_key": keys.public_b64(KEY.public_key()),
                "valid_from": "2026-01-01T00:00:00+00:00",
            }
        ],
        "valid_from": "2026-01-01",
        "source": "demo",
        "verified_by": "tests",
        "verified_how": "made up for the tests",
    }
    data.update(changes)
    return parse_records([data], file="test")[0]


def doc(measure: str = "preservation", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "measure": measure,
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": date.today().isoformat(),
        "requesting_authority": {
            "name": "National Cybercrime Unit of XAA",
            "role": "contact_point_24_7",
            "reference": "XAA-1",
            "email": "duty@ncu.xaa.example",
        },
        "offence": {"description": "Phishing", "treaty_articles": [13], "max_penalty_years": 5},
        "facts": "The account was used to send phishing mail.",
        "necessity": "Logs are kept for 30 days.",
        "mla_to_follow": True,
        "preservation_days": 90,
        "data": {
            "categories": ["subscriber"],
            "identifiers": ["acct-1"],
            "relation_to_offence": "It sent the mail.",
            "custodian": "Nimbus",
        },
    }
    if measure == "emergency":
        base.pop("necessity")
        base["emergency"] = {
            "description": "A kidnapping victim's captors use the account.",
            "risk_to": ["life"],
            "imminent": True,
            "significant": True,
        }
    base.update(changes)
    return base


@pytest.fixture
def db(engine: Engine) -> Engine:
    with dbe.sessions(engine).begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        admin.add(s, ADMIN, record())
    return engine


def take_in(
    engine: Engine, screener: screening.Screener, document: dict[str, Any], **kw: Any
) -> str:
    with dbe.sessions(engine).begin() as s:
        case, _ = flows.intake(s, INTAKE, document, screener, **kw)
        return case.id


def latest(engine: Engine, case_id: str) -> dict[str, Any]:
    with dbe.sessions(engine)() as s:
        row = flows.latest_screening(s, flows.get_or_raise(s, INTAKE, case_id))
        return {f["rule"]: f for f in row.decision["findings"]} | {"_": row.decision}


def test_registry_changes_are_audited_with_their_state(db: Engine) -> None:
    with dbe.sessions(db).begin() as s:
        admin.add_key(
            s,
            ADMIN,
            "xaa-ncu",
            _key("xaa-ncu-2"),
        )
        done = admin.revoke_key(s, ADMIN, "xaa-ncu-2", reason="retired")
    assert [k.kid for k in done.keys] == ["xaa-ncu-1", "xaa-ncu-2"]
    assert done.keys[1].revoked_reason == "retired"
    with dbe.sessions(db)() as s:
        actions = [e.action for e in _events(s)]
        assert actions == ["authority.added", "authority.key_added", "authority.key_revoked"]
        report = states.verify(s)
        assert report.ok and report.checked["authority"] == 1, report.describe()
        # another organisation's registry is its own
        assert admin.listed(s, OTHER_ORG) == []
        with pytest.raises(RogatoryError) as info:
            admin.show(s, OTHER_ORG, "xaa-ncu")
        assert info.value.code == "authority.not_found"


def _events(s: Any) -> list[AuditEvent]:
    return list(
        s.execute(
            select(AuditEvent).where(AuditEvent.chain == "org-a").order_by(AuditEvent.seq)
        ).scalars()
    )


def _key(kid: str) -> Any:
    from rogatory.authorities.registry import parse_key

    return parse_key(
        {
            "kid": kid,
            "public_key": keys.public_b64(keys.generate().public_key()),
            "valid_from": "2026-06-01T00:00:00+00:00",
        },
        file="t",
    )


def test_only_an_admin_changes_the_registry_and_mistakes_are_named(db: Engine) -> None:
    with dbe.sessions(db).begin() as s:
        with pytest.raises(RogatoryError) as info:
            admin.add(s, REVIEWER, record(id="other"))
        assert info.value.code == "authority.forbidden"
        assert "managing the authority registry needs the admin role" in info.value.message
        with pytest.raises(RogatoryError) as dup:
            admin.add(s, ADMIN, record())
        assert dup.value.code == "authority.exists"
        with pytest.raises(RogatoryError) as kid:
            admin.add(s, ADMIN, record(id="again"))
        assert kid.value.code == "authority.key_exists"
    with pytest.raises(ProblemList) as bad:
        record(state="QQQ", phones=["12345"], domains=["not a domain"])
    messages = [p.message for p in bad.value.problems]
    assert any(
        m.startswith("field authorities[0].state: unknown state code 'QQQ'") for m in messages
    )
    assert any("is not an international number" in m for m in messages)
    assert any("is not a domain name" in m for m in messages)


def test_a_signed_request_is_verified_at_intake_and_its_id_kept(
    db: Engine, screener: screening.Screener
) -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1")
    case_id = take_in(db, screener, sent)
    found = latest(db, case_id)
    assert found["requester.signature"]["result"] == "pass"
    assert found["_"]["requester"]["authority"]["id"] == "xaa-ncu"
    assert found["requester.sender_domain"]["result"] == "pass"
    assert found["requester.first_contact"]["result"] == "pass"
    assert found["_"]["outcome"] == "proceed"
    with dbe.sessions(db)() as s:
        row = s.execute(select(RequesterRow)).scalar_one()
        assert row.jti == signed.open_envelope(sent).jti and row.sender == "authority:xaa-ncu"
        created = next(e for e in _events(s) if e.action == "case.created")
        assert created.summary["signature"] == "valid" and created.summary["kid"] == "xaa-ncu-1"


def test_a_replay_is_refused_and_leaves_nothing(db: Engine, screener: screening.Screener) -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1")
    take_in(db, screener, sent)
    again = signed.sign(doc(facts="Another text, the same id."), KEY, "xaa-ncu-1")
    again["signature"] = sent["signature"]  # the same signed id, sent as a new request
    for document in (sent, json.loads(json.dumps(sent))):
        with pytest.raises(RogatoryError) as info:
            take_in(db, screener, document)
        assert info.value.code == "request.replayed" and "already received" in info.value.message
    stale = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=datetime.now(UTC) - timedelta(hours=25))
    with pytest.raises(RogatoryError) as late:
        take_in(db, screener, stale)
    assert late.value.code == "request.replayed" and "more than 24 hours ago" in late.value.message
    with dbe.sessions(db)() as s:
        assert len(s.execute(select(RequesterRow)).all()) == 1
        assert audit.verify(s).ok


def test_a_retry_with_the_same_idempotency_key_is_no_replay(
    db: Engine, screener: screening.Screener
) -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1")
    first = take_in(db, screener, sent, idempotency_key="k")
    assert take_in(db, screener, sent, idempotency_key="k") == first


def test_signature_outcomes_at_intake(db: Engine, screener: screening.Screener) -> None:
    tampered = signed.sign(doc(), KEY, "xaa-ncu-1")
    tampered["request"]["data"]["identifiers"] = ["acct-666"]
    bad = latest(db, take_in(db, screener, tampered))
    assert bad["requester.signature"]["result"] == "fail" and bad["_"]["outcome"] == "invalid"
    unknown = signed.sign(doc(), keys.generate(), "nobody-1")
    found = latest(db, take_in(db, screener, unknown))
    assert found["requester.signature"]["result"] == "review"
    assert found["_"]["requester"]["signature"] == "unknown_key"


def test_a_later_screening_sees_a_key_revoked_from_before_it_signed(
    db: Engine, screener: screening.Screener
) -> None:
    case_id = take_in(db, screener, signed.sign(doc(), KEY, "xaa-ncu-1"))
    with dbe.sessions(db).begin() as s:
        admin.revoke_key(
            s,
            ADMIN,
            "xaa-ncu-1",
            reason="compromised",
            revoked_from=datetime.now(UTC) - timedelta(days=1),
        )
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        flows.rescreen(s, REVIEWER, case_id, screener)
    found = latest(db, case_id)
    assert found["requester.signature"]["result"] == "fail"
    assert "revoked from" in found["requester.signature"]["reason"]


def test_first_contact_and_burst_count_the_sender(db: Engine, screener: screening.Screener) -> None:
    plain = doc()
    plain["requesting_authority"]["email"] = "someone@ncu.xaa.example"
    first = latest(db, take_in(db, screener, plain))
    assert first["requester.first_contact"]["result"] == "review"
    second = latest(db, take_in(db, screener, dict(plain, facts="A second request.")))
    assert second["requester.first_contact"]["result"] == "pass"
    assert second["requester.burst"]["result"] == "pass"
    for n in range(4):
        last = take_in(db, screener, dict(plain, facts=f"Request {n}."))
    burst = latest(db, last)
    assert burst["requester.burst"]["result"] == "review"
    assert (
        "6 requests from someone@ncu.xaa.example within 24 hours"
        in burst["requester.burst"]["reason"]
    )


def test_an_emergency_is_approved_only_after_a_confirmed_call_back(
    db: Engine, screener: screening.Screener
) -> None:
    case_id = take_in(db, screener, signed.sign(doc("emergency"), KEY, "xaa-ncu-1"))
    with dbe.sessions(db).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        _acknowledge(s, case_id)
    with dbe.sessions(db).begin() as s, pytest.raises(ProblemList) as refused:
        flows.approve(s, APPROVER, case_id, LIFE)
    assert "only after a call-back to a number from the authority registry confirmed it" in (
        refused.value.problems[0].message
    )
    with dbe.sessions(db).begin() as s:
        with pytest.raises(RogatoryError) as stranger:
            call_backs.record(
                s, REVIEWER, case_id, screener, number="+44 20 7946 0000", outcome="confirmed"
            )
        assert stranger.value.code == "callback.invalid"
        assert "not a number the registry gives for an authority of XAA" in stranger.value.message
        with pytest.raises(RogatoryError) as who:
            call_backs.record(s, INTAKE, case_id, screener, number=NUMBER, outcome="confirmed")
        assert who.value.code == "callback.forbidden"
        row, screening_ = call_backs.record(
            s, REVIEWER, case_id, screener, number="+999 100 555 0124", outcome="confirmed"
        )
        assert row.number == NUMBER and row.authority_id == "xaa-ncu" and screening_.seq == 2
        _acknowledge(s, case_id)
    found = latest(db, case_id)
    assert found["channel.requesting_authority"]["result"] == "pass"
    assert (
        "confirmed by a call-back to National Cybercrime Unit of XAA"
        in (found["channel.requesting_authority"]["reason"])
    )
    with dbe.sessions(db).begin() as s:
        assert flows.approve(s, APPROVER, case_id, LIFE).status == "approved"
    with dbe.sessions(db)() as s:
        recorded = [e for e in _events(s) if e.action == "case.call_back_recorded"]
        assert recorded[0].summary["number"] == NUMBER and recorded[0].actor == "rita"
        assert states.verify(s).ok


def _acknowledge(s: Any, case_id: str) -> None:
    state = flows.state_of(s, flows.get_or_raise(s, REVIEWER, case_id))
    for rule in sorted(state.review_findings - state.acknowledged):
        flows.acknowledge(s, REVIEWER, case_id, rule, "Checked.")


def test_a_denied_call_back_keeps_the_emergency_from_approval(
    db: Engine, screener: screening.Screener
) -> None:
    case_id = take_in(db, screener, signed.sign(doc("emergency"), KEY, "xaa-ncu-1"))
    with dbe.sessions(db).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        call_backs.record(s, REVIEWER, case_id, screener, number=NUMBER, outcome="confirmed")
        call_backs.record(s, REVIEWER, case_id, screener, number=NUMBER, outcome="denied")
        _acknowledge(s, case_id)
    with dbe.sessions(db).begin() as s, pytest.raises(ProblemList):
        flows.approve(s, APPROVER, case_id, LIFE)


def test_an_unsigned_request_reads_as_before(db: Engine, screener: screening.Screener) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "requests"
    document = json.loads((example / "preservation-fraud.json").read_text())
    document.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    found = latest(db, take_in(db, screener, document))
    assert found["_"]["outcome"] == "proceed"
    assert found["requester.signature"]["result"] == "not_applicable"
    assert found["requester.first_contact"]["result"] == "not_applicable"  # no sender named


def test_an_amendment_is_verified_as_its_own_version(
    db: Engine, screener: screening.Screener
) -> None:
    """The signature belongs to the document it signed: a signed amendment is verified on its
    own, an unsigned one is unsigned, whatever the first version was."""
    case_id = take_in(db, screener, signed.sign(doc(), KEY, "xaa-ncu-1"))
    with dbe.sessions(db).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        flows.transition(s, REVIEWER, case_id, Status.INFO_REQUESTED, LIFE, note="More facts.")
        flows.amend(s, INTAKE, case_id, doc(facts="More facts."), screener, LIFE)
    assert latest(db, case_id)["requester.signature"]["result"] == "not_applicable"
    with dbe.sessions(db).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        flows.transition(s, REVIEWER, case_id, Status.INFO_REQUESTED, LIFE, note="Sign it.")
        again = signed.sign(doc(facts="More facts, signed."), KEY, "xaa-ncu-1")
        flows.amend(s, INTAKE, case_id, again, screener, LIFE)
    assert latest(db, case_id)["requester.signature"]["result"] == "pass"
    with dbe.sessions(db)() as s:
        versions = [r.version for r in store.received_versions(s, case_id)]
        assert versions == [0, 1, 2]

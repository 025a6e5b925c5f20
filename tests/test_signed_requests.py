"""Signed request documents (JWS, Ed25519, over the canonical request) and the requester
finding: every signature outcome, the channel that no self-declaration can bypass, and each
fraud signal with and without its trigger."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey

from rogatory.authorities import signed
from rogatory.authorities.assess import assess
from rogatory.authorities.registry import AuthorityRecord, RegisteredKey, Registry
from rogatory.canonical import canonical
from rogatory.disclosure import keys
from rogatory.errors import RogatoryError
from rogatory.law.decision import Flag, Outcome, Result
from rogatory.parties import service
from rogatory.safeguards import engine as screening
from rogatory.safeguards import request as request_doc
from rogatory.safeguards.requester import (
    NONE,
    CallBack,
    CallBackOutcome,
    RequesterEvidence,
    RequesterPolicy,
    SenderHistory,
    Signature,
)
from rogatory.treaty import catalogue
from tests.conftest import ratifications

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
SIGNED_AT = datetime(2026, 8, 31, 12, 0, tzinfo=UTC)
NOW = SIGNED_AT + timedelta(hours=1)
WINDOW = timedelta(hours=24)


def doc(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "measure": "preservation",
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": "2026-09-01",
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
    base.update(changes)
    return base


def key_record(**changes: Any) -> RegisteredKey:
    data: dict[str, Any] = {
        "kid": "xaa-ncu-1",
        "public_key": keys.public_b64(KEY.public_key()),
        "valid_from": datetime(2026, 1, 1, tzinfo=UTC),
    }
    data.update(changes)
    return RegisteredKey.model_validate(data)


def registry(key: RegisteredKey | None = None, **changes: Any) -> Registry:
    data: dict[str, Any] = {
        "id": "xaa-ncu",
        "state": "XAA",
        "name": "National Cybercrime Unit of XAA",
        "kind": "contact_point_24_7",
        "domains": ["ncu.xaa.example"],
        "phones": ["+999 100 555 0124"],
        "keys": [key or key_record()],
        "valid_from": "2026-01-01",
        "source": "demo",
        "verified_by": "tests",
        "verified_how": "made up for the tests",
    }
    data.update(changes)
    return Registry([AuthorityRecord.model_validate(data)])


def check(
    document: dict[str, Any],
    reg: Registry | None = None,
    *,
    now: datetime = NOW,
    window: timedelta | None = WINDOW,
) -> RequesterEvidence:
    envelope = signed.open_envelope(document)
    return assess(
        request_doc.parse(envelope.request),
        envelope,
        registry=reg if reg is not None else registry(),
        now=now,
        window=window,
    )


def failed(evidence: RequesterEvidence) -> list[str]:
    return [c.name for c in evidence.failed_checks()]


def test_a_valid_signature_of_a_registered_authority() -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT, jti="id-1")
    assert set(sent) == {"request", "signature"}
    head, payload, _ = sent["signature"].split(".")
    assert payload == ""  # the payload is detached: the request is readable beside it
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    assert header == {
        "alg": "Ed25519",
        "kid": "xaa-ncu-1",
        "typ": "rogatory-request+jws",
        "iat": int(SIGNED_AT.timestamp()),
        "jti": "id-1",
    }
    found = check(sent)
    assert found.signature is Signature.VALID, found.checks
    assert [c.name for c in found.checks] == [
        "header",
        "key",
        "signature",
        "key validity",
        "authority",
        "issue time",
    ]
    assert found.authority is not None and found.authority.id == "xaa-ncu"


def test_any_jose_library_can_check_it_over_the_canonical_request() -> None:
    """The signature is a plain RFC 7515 JWS over the canonical JSON: re-attached, the
    library verifies it with the public key alone."""
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    head, _, sig = sent["signature"].split(".")
    body = base64.urlsafe_b64encode(canonical(sent["request"])).rstrip(b"=").decode()
    whole = f"{head}.{body}.{sig}"
    found = jws.deserialize_compact(
        whole, OKPKey.import_key(KEY.public_key()), registry=signed.VERIFYING
    )
    assert json.loads(found.payload) == sent["request"]


def test_a_changed_byte_breaks_the_signature() -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    sent["request"]["data"]["identifiers"] = ["acct-2"]
    found = check(sent)
    assert found.signature is Signature.INVALID and failed(found) == ["signature"]


def test_a_changed_header_breaks_the_signature() -> None:
    """The id and issue time are signed: changing either to slip past replay protection
    breaks the signature."""
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT, jti="id-1")
    head, _, sig = sent["signature"].split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    header["jti"] = "id-2"
    forged = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    sent["signature"] = f"{forged}..{sig}"
    assert failed(check(sent)) == ["signature"]


def test_a_key_the_registry_does_not_hold_is_unknown() -> None:
    sent = signed.sign(doc(), OTHER, "somebody-1", issued_at=SIGNED_AT)
    found = check(sent)
    assert found.signature is Signature.UNKNOWN_KEY
    assert "no registered authority holds this key" in found.checks[-1].message


def test_another_key_under_a_registered_kid_is_invalid() -> None:
    sent = signed.sign(doc(), OTHER, "xaa-ncu-1", issued_at=SIGNED_AT)
    assert check(sent).signature is Signature.INVALID


def test_a_key_revoked_before_it_signed_is_invalid_and_one_revoked_after_is_not() -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    before = registry(
        key_record(revoked_from=SIGNED_AT - timedelta(days=1), revoked_reason="compromised")
    )
    found = check(sent, before)
    assert found.signature is Signature.INVALID and failed(found) == ["key validity"]
    assert "revoked from 2026-08-30 12:00 UTC (compromised)" in found.checks[3].message
    after = registry(key_record(revoked_from=SIGNED_AT + timedelta(minutes=1)))
    assert check(sent, after).signature is Signature.VALID


def test_an_expired_key_and_a_key_not_yet_valid_are_invalid() -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    expired = registry(key_record(valid_until=SIGNED_AT - timedelta(days=1)))
    found = check(sent, expired)
    assert failed(found) == ["key validity"] and "expired" in found.checks[3].message
    early = registry(key_record(valid_from=SIGNED_AT + timedelta(days=1)))
    assert "not yet valid" in check(sent, early).checks[3].message


def test_an_issue_time_outside_the_window_is_a_replay() -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    late = check(sent, now=SIGNED_AT + timedelta(hours=25))
    assert failed(late) == ["issue time"] and "more than 24 hours ago" in late.checks[-1].message
    ahead = check(sent, now=SIGNED_AT - timedelta(hours=1))
    assert failed(ahead) == ["issue time"] and "in the future" in ahead.checks[-1].message
    # a later screening checks the signature without the window
    assert check(sent, now=SIGNED_AT + timedelta(days=90), window=None).signature is Signature.VALID


def test_an_authority_of_another_state_or_out_of_date_is_invalid() -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    other = check(sent, registry(state="XAD"))
    assert failed(other) == ["authority"]
    assert "comes from XAA" in other.failed_checks()[0].message
    ended = check(sent, registry(valid_until="2026-08-01"))
    assert "not in effect on the request's date 2026-09-01" in ended.failed_checks()[0].message


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_rfc_8037_eddsa_with_an_ed25519_key_is_accepted() -> None:
    header = {"alg": "EdDSA", "kid": "xaa-ncu-1", "iat": int(SIGNED_AT.timestamp()), "jti": "x"}
    token = jws.serialize_compact(
        header, canonical(doc()), OKPKey.import_key(KEY), registry=signed.VERIFYING
    )
    sent = {"request": doc(), "signature": jws.detach_content(token)}
    assert check(sent).signature is Signature.VALID


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ({"alg": "HS256", "kid": "k", "iat": 1, "jti": "j"}, "alg 'HS256'"),
        ({"alg": "Ed25519", "iat": 1, "jti": "j"}, "['alg', 'iat', 'jti']"),
    ],
)
def test_a_header_without_what_the_format_needs_is_invalid(
    header: dict[str, Any], missing: str
) -> None:
    head = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    found = check({"request": doc(), "signature": f"{head}..c2ln"})
    assert found.signature is Signature.INVALID and failed(found) == ["header"]
    assert missing in found.checks[0].message


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"request": [], "signature": "a..b"}, "field request: must be a JSON object"),
        ({"request": {}, "signature": 5}, "field signature: must be a JWS"),
        ({"request": {}, "signature": "a.b.c"}, "a JWS with detached payload"),
        ({"request": {}, "signature": "!!..b"}, "not base64url JSON"),
        ({"request": {}, "signature": "a..b", "extra": 1}, "unknown members ['extra']"),
    ],
)
def test_a_document_that_cannot_be_checked_is_unusable(document: Any, says: str) -> None:
    with pytest.raises(RogatoryError) as info:
        signed.open_envelope(document)
    assert info.value.code == "signature.unusable" and says in info.value.message


def test_a_plain_request_document_is_not_signed() -> None:
    assert not signed.is_signed(doc())
    assert signed.is_signed({"request": {}, "signature": ""})


# ---- the screening's requester findings --------------------------------------------------


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def finding(
    screener: screening.Screener,
    document: dict[str, Any],
    evidence: RequesterEvidence = NONE,
    rule: str = "requester.signature",
) -> tuple[Result, str, Outcome]:
    decision = screener.screen(request_doc.parse(document), requester=evidence)
    f = decision.finding(rule)
    return f.result, f.reason, decision.outcome


def test_the_signature_finding_for_each_outcome(screener: screening.Screener) -> None:
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    valid = finding(screener, doc(), check(sent))
    assert valid[0] is Result.PASS and "registered as XAA's 24/7 point of contact" in valid[1]
    assert valid[2] is Outcome.PROCEED
    unknown = finding(screener, doc(), check(signed.sign(doc(), OTHER, "x-1", issued_at=SIGNED_AT)))
    assert unknown[0] is Result.REVIEW and unknown[2] is Outcome.REVIEW
    tampered = dict(sent, request=doc(facts="changed"))
    bad = finding(screener, doc(facts="changed"), check(tampered))
    assert bad[0] is Result.FAIL and bad[2] is Outcome.INVALID
    assert "the signature does not verify" in bad[1]
    unsigned = finding(screener, doc())
    assert unsigned[0] is Result.NOT_APPLICABLE and unsigned[2] is Outcome.PROCEED


def test_an_organisation_may_require_signed_requests() -> None:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    strict = screening.Screener(
        screening.build_law(
            register=register, requester_policy=RequesterPolicy(require_signed=True)
        )
    )
    result, reason, outcome = finding(strict, doc())
    assert result is Result.REVIEW and "requires signed requests" in reason
    assert outcome is Outcome.REVIEW


def test_the_declared_role_never_stands_in_for_the_registered_one(
    screener: screening.Screener,
) -> None:
    """A preservation request declaring itself from a central authority, signed by a key
    registered to a competent authority: the channel is the registered one (review), and the
    mismatch is a finding of its own."""
    lying = doc(requesting_authority={"name": "X", "role": "central_authority", "reference": "r"})
    sent = signed.sign(lying, KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    evidence = check(sent, registry(kind="competent_authority"))
    assert evidence.signature is Signature.VALID
    result, reason, _ = finding(screener, lying, evidence)
    assert result is Result.REVIEW and "declares itself from a central authority" in reason
    channel = finding(screener, lying, evidence, "channel.requesting_authority")
    assert channel[0] is Result.REVIEW and "not directly from a competent authority" in channel[1]
    honest = finding(screener, lying, RequesterEvidence(), "channel.requesting_authority")
    assert honest[0] is Result.PASS  # unsigned, the channel can only read the declared role


def _domain(screener: screening.Screener, email: str, evidence: RequesterEvidence) -> Any:
    authority = {"name": "X", "role": "contact_point_24_7", "reference": "r", "email": email}
    return finding(
        screener, doc(requesting_authority=authority), evidence, "requester.sender_domain"
    )


def test_sender_domain_with_and_without_its_triggers(screener: screening.Screener) -> None:
    reg = registry()

    def seen(email: str) -> RequesterEvidence:
        document = doc(
            requesting_authority={"name": "X", "role": "central_authority", "email": email}
        )
        return assess(request_doc.parse(document), None, registry=reg)

    official = _domain(screener, "duty@mail.ncu.xaa.example", seen("duty@mail.ncu.xaa.example"))
    assert official[0] is Result.PASS and "an official domain of National Cybercrime" in official[1]
    free = _domain(screener, "police.xaa@gmail.com", seen("police.xaa@gmail.com"))
    assert free[0] is Result.REVIEW and "free e-mail service" in free[1]
    unknown = _domain(screener, "duty@ncu-xaa.example", seen("duty@ncu-xaa.example"))
    assert unknown[0] is Result.REVIEW and "not an official domain" in unknown[1]
    offline = _domain(screener, "duty@ncu-xaa.example", RequesterEvidence())
    assert offline[0] is Result.NOT_APPLICABLE
    assert finding(screener, doc(requesting_authority={}), rule="requester.sender_domain")[0] is (
        Result.NOT_APPLICABLE
    )


def test_first_contact_with_and_without_its_trigger(screener: screening.Screener) -> None:
    unsigned_first = RequesterEvidence(history=SenderHistory(earlier=0, recent=1))
    first = finding(screener, doc(), unsigned_first, "requester.first_contact")
    assert first[0] is Result.REVIEW and "the first request from duty@ncu.xaa.example" in first[1]
    known = RequesterEvidence(history=SenderHistory(earlier=3, recent=1))
    assert finding(screener, doc(), known, "requester.first_contact")[0] is Result.PASS
    sent = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=SIGNED_AT)
    signed_first = RequesterEvidence(
        Signature.VALID, authority=check(sent).authority, history=SenderHistory(0, 1)
    )
    assert finding(screener, doc(), signed_first, "requester.first_contact")[0] is Result.PASS
    assert finding(screener, doc(), rule="requester.first_contact")[0] is Result.NOT_APPLICABLE


def test_a_burst_with_and_without_its_trigger(screener: screening.Screener) -> None:
    burst = RequesterEvidence(history=SenderHistory(earlier=9, recent=6))
    result, reason, _ = finding(screener, doc(), burst, "requester.burst")
    assert (
        result is Result.REVIEW and "6 requests from duty@ncu.xaa.example within 24 hours" in reason
    )
    decision = screener.screen(request_doc.parse(doc()), requester=burst)
    assert Flag.POLICY in decision.finding("requester.burst").flags
    calm = RequesterEvidence(history=SenderHistory(earlier=9, recent=5))
    assert finding(screener, doc(), calm, "requester.burst")[0] is Result.PASS


def test_many_accounts_with_and_without_its_trigger(screener: screening.Screener) -> None:
    many = doc(data={**doc()["data"], "identifiers": [f"acct-{i}" for i in range(11)]})
    result, reason, _ = finding(screener, many, rule="requester.many_accounts")
    assert result is Result.REVIEW and "names 11 identifiers (more than 10)" in reason
    few = doc(data={**doc()["data"], "identifiers": [f"acct-{i}" for i in range(10)]})
    assert finding(screener, few, rule="requester.many_accounts")[0] is Result.PASS


def test_emergency_wording_with_and_without_the_elements(screener: screening.Screener) -> None:
    pressed = doc(facts="URGENT: imminent threat to life, reply immediately.")
    result, reason, _ = finding(screener, pressed, rule="requester.emergency_wording")
    assert result is Result.REVIEW
    assert "speaks of immediately, imminent, threat to life, urgent" in reason
    assert "missing emergency.description" in reason
    shown = doc(
        measure="emergency",
        facts="A kidnapping victim is held; imminent threat to life.",
        emergency={
            "description": "The captors use the account.",
            "risk_to": ["life"],
            "imminent": True,
            "significant": True,
        },
    )
    assert finding(screener, shown, rule="requester.emergency_wording")[0] is Result.PASS
    calm = finding(screener, doc(), rule="requester.emergency_wording")
    assert calm[0] is Result.NOT_APPLICABLE


def test_the_emergency_channel_reads_the_recorded_call_back(screener: screening.Screener) -> None:
    emergency = doc(
        measure="emergency",
        emergency={
            "description": "The captors use the account.",
            "risk_to": ["life"],
            "imminent": True,
            "significant": True,
        },
    )
    rule = "channel.requesting_authority"
    waiting = finding(screener, emergency, rule=rule)
    assert (
        waiting[0] is Result.REVIEW
        and "by a call-back to a number from the authority" in waiting[1]
    )
    call = CallBack("+9991005550124", "NCU of XAA", "rita", NOW, CallBackOutcome.CONFIRMED)
    confirmed = finding(screener, emergency, RequesterEvidence(call_backs=(call,)), rule)
    assert confirmed[0] is Result.PASS and "confirmed by a call-back to NCU of XAA" in confirmed[1]
    denied = CallBack("+9991005550124", "NCU of XAA", "rita", NOW, CallBackOutcome.DENIED)
    assert finding(screener, emergency, RequesterEvidence(call_backs=(denied,)), rule)[0] is (
        Result.REVIEW
    )


def _configured(screener: screening.Screener) -> screening.Screener:
    """The screener with the policy the settings give (as ``serve`` and ``check`` build it)."""
    from rogatory.cli.common import requester_policy

    law = screener.law
    return screening.Screener(
        screening.build_law(register=law.register, requester_policy=requester_policy())
    )


def test_a_configured_burst_threshold_changes_the_finding(
    screener: screening.Screener, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    three = RequesterEvidence(history=SenderHistory(earlier=9, recent=3))
    assert finding(screener, doc(), three, "requester.burst")[0] is Result.PASS  # 3 <= 5
    policy = tmp_path / "fraud.yaml"
    policy.write_text("burst_count: 2\nburst_hours: 6\nfree_mail_domains: [mail.example]\n")
    monkeypatch.setenv("ROGATORY_FRAUD_POLICY_FILE", str(policy))
    strict = _configured(screener)
    result, reason, _ = finding(strict, doc(), three, "requester.burst")
    assert result is Result.REVIEW and "3 requests from" in reason and "within 6 hours" in reason
    assert "(more than 2)" in reason
    # A variable over the file: the threshold it names wins.
    monkeypatch.setenv("ROGATORY_FRAUD_BURST_COUNT", "3")
    assert finding(_configured(screener), doc(), three, "requester.burst")[0] is Result.PASS
    # The file's list replaces the shipped one: gmail.com is no longer a free mail service here.
    free = doc()
    free["requesting_authority"]["email"] = "duty@gmail.com"
    evidence = RequesterEvidence(sender_domain="gmail.com", registry_consulted=True)
    shipped = finding(screener, free, evidence, "requester.sender_domain")
    configured = finding(strict, free, evidence, "requester.sender_domain")
    assert "a free e-mail service" in shipped[1]
    assert "a free e-mail service" not in configured[1]  # still not an official domain


def test_a_bad_fraud_threshold_is_a_clear_error_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from rogatory.cli.common import requester_policy

    policy = tmp_path / "fraud.yaml"
    policy.write_text("burst_count: 0\nburst_hour: 6\nfree_mail_domains: [not a domain]\n")
    monkeypatch.setenv("ROGATORY_FRAUD_POLICY_FILE", str(policy))
    with pytest.raises(RogatoryError) as bad:
        requester_policy()
    assert bad.value.code == "policy.invalid"
    listed = {(p.code, p.message.split(":")[0]) for p in bad.value.problems}
    assert listed == {
        ("policy.invalid_value", "key burst_count"),
        ("policy.unknown_key", "key burst_hour"),
        ("policy.invalid_value", "key free_mail_domains[0]"),
    }
    monkeypatch.delenv("ROGATORY_FRAUD_POLICY_FILE")
    monkeypatch.setenv("ROGATORY_FRAUD_BURST_HOURS", "a day")
    with pytest.raises(RogatoryError) as env:
        requester_policy()
    assert env.value.code == "settings.invalid"
    assert env.value.message.startswith(
        "ROGATORY_FRAUD_BURST_HOURS: Input should be a valid integer"
    )

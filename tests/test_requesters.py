"""Requesting authorities' own accounts (issue 12), on SQLite and PostgreSQL: TOTP against
the RFC's vectors, sign-up only from a registered authority's domain, single-use expiring
verification links, approval before any sign-in, password and code at sign-in, and a
requester scoped to its own requests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import service as accounts
from rogatory.accounts import sessions, tickets, totp
from rogatory.accounts.models import AccountToken, RequesterAccount, User
from rogatory.audit.models import AuditEvent
from rogatory.authorities import store
from rogatory.authorities.registry import AuthorityRecord
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.notifications.models import OutboxRow
from rogatory.parties import service as parties
from rogatory.requesters import service as requesters
from rogatory.requesters import submit, views
from rogatory.requests import flows, permissions
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine as screening
from rogatory.signing import envelope
from rogatory.treaty import catalogue
from tests.conftest import ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
PASSWORD = "correct horse battery"
KEK = envelope.derive(b"tests: requesters" * 2, "tests")
ADMIN = flows.Actor("admin@a.example", "org-a", frozenset({Role.ADMIN}))
RFC_SEED = b"12345678901234567890"  # RFC 6238 Appendix B, the SHA-1 seed


# ---- TOTP (RFC 6238) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unix", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_totp_matches_the_rfc_6238_sha1_vectors(unix: int, code: str) -> None:
    assert totp.code_at(RFC_SEED, unix, digits=8) == code
    assert totp.code_at(RFC_SEED, unix) == code[-6:]  # six digits: the same value mod 10^6


def test_hotp_matches_the_rfc_4226_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    expected += ["254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(RFC_SEED, n) for n in range(10)] == expected


def test_totp_accepts_one_step_of_drift_either_side_and_no_more() -> None:
    now = 1234567890.0
    for offset, ok in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp.code_at(RFC_SEED, now + offset)
        assert (totp.matching_step(RFC_SEED, code, now) is not None) is ok, offset


def test_totp_refuses_a_replay_an_older_code_and_a_wrong_code() -> None:
    now = 1234567890.0
    code = totp.code_at(RFC_SEED, now)
    step = totp.accepted(RFC_SEED, code, now, None)
    assert step == totp.step_at(now)
    assert totp.accepted(RFC_SEED, code, now + 5, step) is None  # the same code again
    older = totp.code_at(RFC_SEED, now - 30)
    assert totp.accepted(RFC_SEED, older, now, step) is None  # within drift, but before
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert totp.accepted(RFC_SEED, wrong, now, None) is None
    assert totp.accepted(RFC_SEED, "12345", now, None) is None  # not six digits
    assert totp.accepted(RFC_SEED, "abcdef", now, None) is None


def test_the_otpauth_uri_spells_out_every_parameter() -> None:
    uri = totp.uri(RFC_SEED, account="ana@police.xaa.example", issuer="rogatory")
    assert uri.startswith("otpauth://totp/rogatory:ana@police.xaa.example?secret=")
    assert "algorithm=SHA1" in uri and "digits=6" in uri and "period=30" in uri
    assert totp.from_base32(uri.split("secret=")[1].split("&")[0]) == RFC_SEED


# ---- the account's life --------------------------------------------------------------------


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    made = dbe.sessions(engine)
    with made.begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        accounts.add_user(
            s, org="org-a", email=ADMIN.user, name="Admin", password=PASSWORD, roles=["admin"]
        )
        for ident, state, domain in (
            ("xaa-police", "XAA", "police.xaa.example"),
            ("xac-ministry", "XAC", "justice.xac.example"),
        ):
            store.add(
                s,
                "org-a",
                AuthorityRecord(
                    id=ident,
                    state=state,
                    name=f"Authority {ident}",
                    kind="central_authority",
                    domains=(domain,),
                    valid_from=date(2026, 1, 1),
                    verified_by="tests",
                    verified_how="made up",
                ),
                by="tests",
            )
    return made


def sign_up(
    factory: sessionmaker[Session], email: str, now: datetime | None = None
) -> requesters.SignedUp:
    with factory.begin() as s:
        return requesters.sign_up(
            s,
            org="org-a",
            email=email,
            name="Ana",
            password=PASSWORD,
            base_url="http://rogatory.test",
            now=now,
        )


def token_of(link: str) -> str:
    return link.split("token=")[1]


def enrolled(factory: sessionmaker[Session], email: str, at: datetime) -> bytes:
    """Sign up, verify, enrol: the TOTP secret the authenticator app would hold."""
    done = sign_up(factory, email, at)
    with factory.begin() as s:
        _, ticket = requesters.verify_email(s, token_of(done.link), at)
        _, uri = requesters.begin_enrolment(s, ticket, KEK, at)
    secret = totp.from_base32(uri.split("secret=")[1].split("&")[0])
    with factory.begin() as s:
        requesters.confirm_enrolment(s, ticket, totp.code_at(secret, at.timestamp()), KEK, at)
    return secret


def approved(factory: sessionmaker[Session], email: str, at: datetime) -> bytes:
    secret = enrolled(factory, email, at)
    with factory.begin() as s:
        requesters.approve(s, ADMIN, email, at)
    return secret


def test_sign_up_links_the_account_to_the_authority_of_its_domain_and_emails_a_link(
    factory: sessionmaker[Session],
) -> None:
    done = sign_up(factory, "Ana@Mail.Police.XAA.example")
    assert (done.authority.id, done.authority.state) == ("xaa-police", "XAA")
    with factory() as s:
        user = s.execute(
            select(User).where(User.email == "ana@mail.police.xaa.example")
        ).scalar_one()
        account = s.get(RequesterAccount, user.id)
        assert account is not None and account.status == "unverified"
        assert user.roles == ["requester"] and user.active is False
        mail = s.execute(select(OutboxRow).where(OutboxRow.recipient == user.email)).scalar_one()
        assert mail.channel == "email" and done.link in mail.body
        stored = s.execute(select(AccountToken.id)).scalars().all()
        assert token_of(done.link) not in stored  # only its hash is kept
        assert tickets.digest(token_of(done.link)) in stored
        actions = [
            e.action
            for e in s.execute(select(AuditEvent).where(AuditEvent.chain == "org-a")).scalars()
        ]
        assert "requester.signed_up" in actions and "user.created" in actions


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("ana@police.xab.example", "requester.domain_not_registered"),
        ("ana@notpolice.xaa.example", "requester.domain_not_registered"),
        ("not-an-address", "requester.invalid_email"),
    ],
)
def test_sign_up_from_a_domain_not_in_the_registry_is_refused(
    factory: sessionmaker[Session], email: str, code: str
) -> None:
    with pytest.raises(RogatoryError) as info:
        sign_up(factory, email)
    assert info.value.code == code and "field email" in info.value.message
    with factory() as s:
        assert s.execute(select(User).where(User.roles.is_not(None))).scalars().all()[0].email == (
            ADMIN.user
        )
        assert s.execute(select(RequesterAccount)).first() is None


def test_sign_up_is_refused_for_an_authority_not_yet_in_effect(
    factory: sessionmaker[Session],
) -> None:
    with pytest.raises(RogatoryError) as info:
        sign_up(factory, "ana@police.xaa.example", datetime(2025, 12, 31, tzinfo=UTC))
    assert info.value.code == "requester.domain_not_registered"
    assert "2025-12-31" in info.value.message


def test_a_verification_link_works_once_and_not_after_it_expired(
    factory: sessionmaker[Session],
) -> None:
    t0 = datetime.now(UTC)
    first = sign_up(factory, "ana@police.xaa.example", t0)
    with factory.begin() as s:
        requesters.verify_email(s, token_of(first.link), t0 + timedelta(hours=1))
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        requesters.verify_email(s, token_of(first.link), t0 + timedelta(hours=2))
    assert info.value.code == "account.token_used" and "field token" in info.value.message
    with factory() as s:  # the used link is no longer in the outbox
        body = s.execute(select(OutboxRow.body)).scalar_one()
        assert token_of(first.link) not in body
    late = sign_up(factory, "bo@police.xaa.example", t0)
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        requesters.verify_email(s, token_of(late.link), t0 + timedelta(hours=24, seconds=1))
    assert info.value.code == "account.token_expired" and "24 hours" in info.value.message
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        requesters.verify_email(s, "made-up", t0)
    assert info.value.code == "account.token_unknown"


def test_enrolment_needs_a_right_code_and_the_secret_is_sealed(
    factory: sessionmaker[Session],
) -> None:
    at = datetime.now(UTC)
    done = sign_up(factory, "ana@police.xaa.example", at)
    with factory.begin() as s:
        _, ticket = requesters.verify_email(s, token_of(done.link), at)
        _, uri = requesters.begin_enrolment(s, ticket, KEK, at)
    secret = totp.from_base32(uri.split("secret=")[1].split("&")[0])
    wrong = f"{(int(totp.code_at(secret, at.timestamp())) + 1) % 1_000_000:06d}"
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        requesters.confirm_enrolment(s, ticket, wrong, KEK, at)
    assert info.value.code == "requester.invalid_code" and "field code" in info.value.message
    with factory.begin() as s:
        requesters.confirm_enrolment(s, ticket, totp.code_at(secret, at.timestamp()), KEK, at)
    with factory() as s:
        account = s.execute(select(RequesterAccount)).scalar_one()
        assert account.status == "enrolled" and account.totp_ciphertext
        assert totp.base32(secret) not in json.dumps(
            {c: getattr(account, c) for c in ("totp_ciphertext", "totp_wrapped_dek")}
        )
    with factory.begin() as s, pytest.raises(RogatoryError) as info:  # never shown again
        requesters.begin_enrolment(s, ticket, KEK, at)
    assert info.value.code == "account.token_used"


def test_an_unapproved_account_cannot_sign_in_and_an_approved_one_needs_its_code(
    factory: sessionmaker[Session],
) -> None:
    at = datetime.now(UTC)
    secret = enrolled(factory, "ana@police.xaa.example", at)
    before = at - timedelta(minutes=20)  # outside the throttle's window of what follows
    with pytest.raises(RogatoryError) as info:
        sessions.attempt(
            factory, "ana@police.xaa.example", PASSWORD, address="192.0.2.1", now=before
        )
    assert info.value.code == "auth.not_approved" and "enrolled" in info.value.message
    with pytest.raises(RogatoryError) as info:  # a wrong password learns nothing more
        sessions.attempt(
            factory, "ana@police.xaa.example", "wrong password!", address="192.0.2.1", now=before
        )
    assert info.value.code == "auth.invalid_credentials"
    with factory.begin() as s:
        requesters.approve(s, ADMIN, "ana@police.xaa.example")
    with pytest.raises(RogatoryError) as info:  # the password alone is not enough
        sessions.sign_in(factory, "ana@police.xaa.example", PASSWORD, address="192.0.2.1")
    assert info.value.code == "auth.code_required"
    step = sessions.attempt(factory, "ana@police.xaa.example", PASSWORD, address="192.0.2.1")
    assert isinstance(step, sessions.CodeNeeded)
    later = datetime.now(UTC) + timedelta(seconds=31)  # past the code used to enrol
    code = totp.code_at(secret, later.timestamp())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(RogatoryError) as info:
        sessions.second_step(factory, step.ticket, wrong, address="192.0.2.1", kek=KEK, now=later)
    assert info.value.code == "auth.invalid_code"
    user, cookie = sessions.second_step(
        factory, step.ticket, code, address="192.0.2.1", kek=KEK, now=later
    )
    assert user.email == "ana@police.xaa.example" and cookie
    with factory() as s:
        who = sessions.resolve(s, cookie, later)
        assert who.principal.roles == {Role.REQUESTER}
        assert who.principal.scopes == {accounts.Scope.REQUESTS_OWN}
    again = sessions.attempt(factory, "ana@police.xaa.example", PASSWORD, address="192.0.2.1")
    assert isinstance(again, sessions.CodeNeeded)
    with pytest.raises(RogatoryError) as info:  # the same code a second time: refused
        sessions.second_step(factory, again.ticket, code, address="192.0.2.1", kek=KEK, now=later)
    assert info.value.code == "auth.invalid_code"
    with pytest.raises(RogatoryError) as info:  # the spent sign-in step cannot be reused
        sessions.second_step(factory, step.ticket, code, address="192.0.2.1", kek=KEK, now=later)
    assert info.value.code == "account.token_used"


def test_wrong_codes_are_throttled_like_passwords(factory: sessionmaker[Session]) -> None:
    at = datetime.now(UTC)
    approved(factory, "ana@police.xaa.example", at)
    step = sessions.attempt(factory, "ana@police.xaa.example", PASSWORD, address="192.0.2.7")
    assert isinstance(step, sessions.CodeNeeded)
    codes = []
    for n in range(8):
        try:
            sessions.second_step(
                factory, step.ticket, "000000" if n % 2 else "999999", address="192.0.2.7", kek=KEK
            )
        except RogatoryError as exc:
            codes.append(exc.code)
    assert "auth.throttled" in codes and codes[0] == "auth.invalid_code"


def test_approval_and_suspension_are_the_admins_and_audited(
    factory: sessionmaker[Session],
) -> None:
    at = datetime.now(UTC)
    sign_up(factory, "ana@police.xaa.example", at)
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        requesters.approve(s, ADMIN, "ana@police.xaa.example")
    assert info.value.code == "requester.not_ready"  # not verified nor enrolled
    enrolled(factory, "bo@police.xaa.example", at)
    reviewer = flows.Actor("rev@a.example", "org-a", frozenset({Role.REVIEWER}))
    requester = flows.Actor("bo@police.xaa.example", "org-a", frozenset({Role.REQUESTER}))
    for who in (reviewer, requester):
        with factory.begin() as s, pytest.raises(RogatoryError) as info:
            requesters.approve(s, who, "bo@police.xaa.example")
        assert info.value.code == "user.forbidden"
    other_admin = flows.Actor("admin@b.example", "org-b", frozenset({Role.ADMIN}))
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        requesters.approve(s, other_admin, "bo@police.xaa.example")
    assert info.value.code == "requester.not_found"
    with factory.begin() as s:
        listed = requesters.listed(s, ADMIN)
        assert [r.account.status for r in listed] == ["enrolled", "unverified"]
        requesters.approve(s, ADMIN, "bo@police.xaa.example")
    with factory.begin() as s:
        requesters.suspend(s, ADMIN, "bo@police.xaa.example")
    with factory() as s:
        user = s.execute(select(User).where(User.email == "bo@police.xaa.example")).scalar_one()
        assert user.active is False
        events = {
            e.action: e
            for e in s.execute(select(AuditEvent).where(AuditEvent.chain == "org-a")).scalars()
            if e.summary.get("email") == user.email
        }
        assert events["requester.approved"].state  # the user's state it left, recorded
        assert {"requester.approved", "requester.suspended", "user.deactivated"} <= set(events)
        assert events["requester.approved"].actor == ADMIN.user
    with pytest.raises(RogatoryError) as info:
        sessions.attempt(factory, "bo@police.xaa.example", PASSWORD, address="192.0.2.1")
    assert info.value.code == "auth.invalid_credentials"


def test_the_requester_role_is_never_given_nor_combined(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        accounts.add_user(
            s, org="org-a", email="x@a.example", name="x", password=PASSWORD, roles=["requester"]
        )
    assert info.value.code == "user.invalid_role"
    with pytest.raises(RogatoryError) as info:
        accounts.parse_roles(["requester", "reviewer"])
    assert info.value.code == "user.invalid_role"
    assert permissions.own_requests_only(frozenset({Role.REQUESTER}))
    assert not permissions.own_requests_only(frozenset(Role))


# ---- scoped to its own requests -------------------------------------------------------------


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = parties.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _doc(**changes: Any) -> dict[str, Any]:
    doc = json.loads((EXAMPLES / "preservation-fraud.json").read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


def test_a_requester_sees_its_own_requests_only(
    factory: sessionmaker[Session], screener: screening.Screener
) -> None:
    at = datetime.now(UTC)
    approved(factory, "ana@police.xaa.example", at)
    approved(factory, "bo@police.xaa.example", at)
    ana = flows.Actor("ana@police.xaa.example", "org-a", frozenset({Role.REQUESTER}))
    bo = flows.Actor("bo@police.xaa.example", "org-a", frozenset({Role.REQUESTER}))
    intake = flows.Actor("intake@a.example", "org-a", frozenset({Role.INTAKE}))
    with factory.begin() as s:
        mine, _ = submit.submit(s, ana, _doc(), screener)
        theirs, _ = submit.submit(s, bo, _doc(), screener)
        staff, _ = flows.intake(s, intake, _doc(), screener)
        ids = mine.id, theirs.id, staff.id
    with factory() as s:
        assert [c.id for c in views.mine(s, ana)] == [ids[0]]
        assert views.followed(s, ana, ids[0]).summary.status == "screening"
        for other in ids[1:]:
            with pytest.raises(RogatoryError) as info:
                views.followed(s, ana, other)
            assert info.value.code == "case.not_found"
        with pytest.raises(RogatoryError) as info:
            flows.acknowledge(s, ana, ids[0], "x", "y")
        assert info.value.code == "case.forbidden"
        with pytest.raises(RogatoryError) as info:
            views.mine(s, intake)
        assert info.value.code == "case.forbidden"
        assert not permissions.allows(ana.roles, Action.APPROVE_REQUESTERS)
    with factory.begin() as s, pytest.raises(RogatoryError) as info:
        submit.submit(s, ana, _doc(requesting_state="XAC", requested_state="XAB"), screener)
    assert info.value.code == "requester.wrong_state"
    assert "field requesting_state" in info.value.message


def test_the_admins_command_lists_approves_and_suspends(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    from tests.test_users_list import _run

    at = datetime.now(UTC)
    enrolled(factory, "ana@police.xaa.example", at)
    sign_up(factory, "bo@police.xaa.example", at)
    url = engine.url.render_as_string(hide_password=False)
    listed = _run(url, "requesters", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["requesters"]
    assert [(r["email"], r["status"], r["authority"]) for r in rows] == [
        ("ana@police.xaa.example", "enrolled", "xaa-police"),
        ("bo@police.xaa.example", "unverified", "xaa-police"),
    ]
    early = _run(url, "requesters", "approve", "bo@police.xaa.example")
    assert early.returncode == 2 and early.stderr.startswith("error[requester.not_ready]")
    done = _run(url, "requesters", "approve", "ana@police.xaa.example")
    assert done.returncode == 0 and "(approved)" in done.stdout, done.stderr
    cut = _run(url, "requesters", "suspend", "ana@police.xaa.example")
    assert cut.returncode == 0 and "(suspended)" in cut.stdout, cut.stderr
    table = _run(url, "requesters", "list", "--org", "org-a")
    assert "2 requester account(s), 0 awaiting approval" in table.stdout
    with factory() as s:
        actors = [
            e.actor
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.action == "requester.approved")
            ).scalars()
        ]
        assert actors and actors[0].startswith("cli")


def test_a_requester_is_never_emailed_notices_of_the_providers_cases(
    factory: sessionmaker[Session],
) -> None:
    from rogatory.notifications import outbox
    from rogatory.notifications.kinds import Kind

    approved(factory, "ana@police.xaa.example", datetime.now(UTC))
    with factory() as s:
        user = s.execute(select(User).where(User.email == "ana@police.xaa.example")).scalar_one()
        chose = {(user.id, Kind.NEW_REQUEST.value): True}  # even had it opted in
        assert not outbox.wants(user, Kind.NEW_REQUEST, chose)

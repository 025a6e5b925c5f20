"""A requesting authority's account, from sign-up to approval and suspension.

1. **Sign-up** with an official email address: its domain must be one of the official
   domains of an authority in the organisation's registry, in effect today; the account is
   linked to that authority (and its State). The user is created inactive, with the
   ``requester`` role alone, and a verification link goes out through the outbox.
2. **Verification**: the link's single-use ticket (hashed, a day) is spent; the person is
   handed the enrolment step (another ticket, half an hour).
3. **Enrolment** of the TOTP second factor: a secret is made and sealed, shown once as an
   ``otpauth://`` URI; a right code confirms it. It is never shown again.
4. **Approval** by the organisation's admin: only now is the user active and able to sign
   in (password and code). **Suspension** deactivates the user at once (sessions ended,
   tokens revoked) and an admin may approve it again.

Every change is appended to the organisation's audit chain in its own transaction, with the
user as subject (``user:ID``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts import people, second_factor, tickets, totp
from rogatory.accounts import service as accounts
from rogatory.accounts.models import RequesterAccount, User
from rogatory.audit import service as audit
from rogatory.authorities import store
from rogatory.authorities.registry import DOMAIN, AuthorityRecord
from rogatory.errors import RogatoryError
from rogatory.notifications import outbox
from rogatory.requests import permissions
from rogatory.requests.flows import Actor
from rogatory.requests.models import Organisation
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Role
from rogatory.signing import envelope

EMAIL = re.compile(r"^[^@\s]{1,64}@([^@\s]{1,253})$")


class Status(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    ENROLLED = "enrolled"  # awaiting the admin's approval
    APPROVED = "approved"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class SignedUp:
    user: User
    account: RequesterAccount
    authority: AuthorityRecord
    link: str  # the verification link emailed (returned for the caller's own tests only)


def _now() -> datetime:
    return datetime.now(UTC)


def _record(
    session: Session, org: str, actor: str, user_id: str, action: str, summary: dict[str, Any]
) -> None:
    audit.append(
        session,
        chain=org,
        actor=actor,
        action=action,
        case_id=None,
        subject=f"user:{user_id}",
        summary=summary,
    )


def domain_of(email: str) -> str:
    """The domain of an email address, or ``requester.invalid_email`` naming the field."""
    found = EMAIL.match(email.strip().lower())
    domain = found.group(1).rstrip(".") if found else ""
    if not domain or not DOMAIN.match(domain):
        raise RogatoryError(
            "requester.invalid_email",
            f"field email: {email!r} is not an email address (name@domain)",
        )
    return domain


def authority_for(session: Session, org: str, domain: str, on: datetime) -> AuthorityRecord:
    """The authority of ``org``'s registry, in effect on the day, whose official domains
    include ``domain`` (or a parent of it); the first by id if several do."""
    day = on.date()
    hits = sorted(
        (
            r
            for r in store.records(session, org)
            if r.in_effect_on(day)
            and any(domain == d or domain.endswith("." + d) for d in r.domains)
        ),
        key=lambda r: r.id,
    )
    if not hits:
        raise RogatoryError(
            "requester.domain_not_registered",
            f"field email: the domain {domain} is not an official domain of any authority in "
            f"{org}'s registry on {day.isoformat()}",
            help="sign up with your authority's official address; if it is missing, ask the "
            "provider to add your authority to its registry",
        )
    return hits[0]


def verification_link(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}/requesters/verify?token={secret}"


def sign_up(
    session: Session,
    *,
    org: str,
    email: str,
    name: str,
    password: str,
    base_url: str,
    now: datetime | None = None,
) -> SignedUp:
    """A new requester account linked to the authority its email's domain belongs to, and
    its verification link in the outbox."""
    when = now or _now()
    if session.get(Organisation, org) is None:
        raise RogatoryError(
            "organisation.not_found", f"field organisation: no organisation {org!r}"
        )
    address = email.strip().lower()
    authority = authority_for(session, org, domain_of(address), when)
    if not name.strip():
        raise RogatoryError("requester.invalid_name", "field name: your name is required")
    user = accounts.add_user(
        session,
        org=org,
        email=address,
        name=name.strip(),
        password=password,
        roles=[Role.REQUESTER.value],
        by=address,
        signed_up=True,
    )
    account = RequesterAccount(
        user_id=user.id,
        org_id=org,
        authority_id=authority.id,
        authority_name=authority.name,
        state=authority.state,
        status=Status.UNVERIFIED.value,
        created_at=when,
    )
    session.add(account)
    session.flush()
    secret = tickets.issue(session, user.id, tickets.Purpose.VERIFY_EMAIL, when)
    link = verification_link(base_url, secret)
    outbox.message(
        session,
        org=org,
        to=address,
        dedup_key=f"verify:{user.id}:{when.isoformat()}",
        subject="Confirm your email address",
        body="\n".join(
            [
                f"You signed up as a requesting authority ({authority.name}, {authority.state}).",
                "",
                f"Confirm this address within 24 hours: {link}",
                "",
                "The link works once. If you did not sign up, ignore this message.",
            ]
        ),
        now=when,
    )
    _record(
        session,
        org,
        address,
        user.id,
        "requester.signed_up",
        {
            "email": address,
            "authority": authority.id,
            "authority_name": authority.name,
            "state": authority.state,
        },
    )
    return SignedUp(user, account, authority, link)


def _account(session: Session, user_id: str) -> tuple[User, RequesterAccount]:
    user = session.get(User, user_id)
    account = session.get(RequesterAccount, user_id)
    if user is None or account is None:
        raise RogatoryError("account.token_unknown", "field token: no such account")
    return user, account


def verify_email(session: Session, token: str, now: datetime | None = None) -> tuple[User, str]:
    """Spend the verification link; returns the user and the enrolment step's ticket."""
    when = now or _now()
    user_id = tickets.spend(session, token, tickets.Purpose.VERIFY_EMAIL, when)
    user, account = _account(session, user_id)
    if account.status == Status.UNVERIFIED:
        account.status, account.verified_at = Status.VERIFIED.value, when
        session.flush()
        _record(session, account.org_id, user.email, user.id, "requester.email_verified", {})
    outbox.redact_prefix(session, f"verify:{user.id}:", "The verification link was used.")
    return user, tickets.issue(session, user.id, tickets.Purpose.ENROL, when)


def _enrolling(session: Session, ticket: str, when: datetime) -> tuple[User, RequesterAccount]:
    user, account = _account(
        session, tickets.holder(session, ticket, tickets.Purpose.ENROL, when).user_id
    )
    if account.status != Status.VERIFIED:
        raise RogatoryError(
            "requester.not_ready",
            f"field token: the account is {account.status}: a second factor is enrolled once, "
            "after the email is verified",
        )
    return user, account


def begin_enrolment(
    session: Session,
    ticket: str,
    kek: envelope.Kek,
    now: datetime | None = None,
    *,
    fixed_secret: bytes | None = None,
) -> tuple[User, str]:
    """A new TOTP secret for the account, sealed; returns the ``otpauth://`` URI to show
    once. Asking again (a reloaded page) replaces the secret not yet confirmed.
    ``fixed_secret``: the demo's published secret, for its one demo account only."""
    when = now or _now()
    user, account = _enrolling(session, ticket, when)
    secret = fixed_secret or totp.new_secret()
    second_factor.seal(account, secret, kek)
    session.flush()
    _record(session, account.org_id, user.email, user.id, "requester.totp_issued", {})
    return user, totp.uri(secret, account=user.email, issuer=second_factor.ISSUER)


def confirm_enrolment(
    session: Session, ticket: str, code: str, kek: envelope.Kek, now: datetime | None = None
) -> User:
    """A right code from the authenticator confirms the second factor; the account now
    waits for the admin's approval."""
    when = now or _now()
    user, account = _enrolling(session, ticket, when)
    if not second_factor.use_code(session, account, code, when, kek):
        raise RogatoryError(
            "requester.invalid_code",
            "field code: not the current 6-digit code of the secret shown (RFC 6238: 30-second "
            "steps, one step of drift either side, each code once)",
            help="check that your device's clock is right, then enter the next code",
        )
    tickets.spend(session, ticket, tickets.Purpose.ENROL, when)
    account.status, account.enrolled_at = Status.ENROLLED.value, when
    session.flush()
    _record(session, account.org_id, user.email, user.id, "requester.totp_enrolled", {})
    return user


@dataclass(frozen=True)
class Requester:
    user: User
    account: RequesterAccount


def _admin(admin: Actor) -> None:
    permissions.require(admin.roles, Action.APPROVE_REQUESTERS, code="user.forbidden")


def _find(session: Session, admin: Actor, email: str) -> Requester:
    row = session.execute(
        select(User, RequesterAccount)
        .join(RequesterAccount, RequesterAccount.user_id == User.id)
        .where(User.email == email.strip().lower(), User.org_id == admin.org)
    ).one_or_none()
    if row is None:
        raise RogatoryError(
            "requester.not_found", f"field email: no requester {email!r} in this organisation"
        )
    return Requester(row[0], row[1])


def listed(session: Session, admin: Actor, status: str | None = None) -> list[Requester]:
    """The organisation's requester accounts, those awaiting approval first, then by email."""
    _admin(admin)
    if status is not None and status not in {s.value for s in Status}:
        raise RogatoryError(
            "requester.invalid_status",
            f"field status: {status!r} is not one of {', '.join(s.value for s in Status)}",
        )
    query = (
        select(User, RequesterAccount)
        .join(RequesterAccount, RequesterAccount.user_id == User.id)
        .where(RequesterAccount.org_id == admin.org)
    )
    if status is not None:
        query = query.where(RequesterAccount.status == status)
    rows = [Requester(u, a) for u, a in session.execute(query)]
    return sorted(rows, key=lambda r: (r.account.status != Status.ENROLLED, r.user.email))


def approve(session: Session, admin: Actor, email: str, now: datetime | None = None) -> Requester:
    """Let an enrolled (or suspended) requester in: the user becomes active."""
    _admin(admin)
    found = _find(session, admin, email)
    account = found.account
    if account.status == Status.APPROVED:
        return found
    if account.status not in (Status.ENROLLED, Status.SUSPENDED):
        raise RogatoryError(
            "requester.not_ready",
            f"field email: {found.user.email} is {account.status}: it is approved once it has "
            "verified its email and enrolled its second factor",
        )
    when = now or _now()
    before = account.status
    account.status, account.approved_by, account.approved_at = (
        Status.APPROVED.value,
        admin.user,
        when,
    )
    found.user.active = True
    session.flush()
    _record(
        session,
        admin.org,
        admin.user,
        found.user.id,
        "requester.approved",
        {
            "email": found.user.email,
            "authority": account.authority_id,
            "state": account.state,
            "from": before,
        },
    )
    return found


def suspend(session: Session, admin: Actor, email: str) -> Requester:
    """Cut an approved requester off at once: its sessions end, its tokens are revoked."""
    _admin(admin)
    found = _find(session, admin, email)
    if found.account.status == Status.SUSPENDED:
        return found
    if found.account.status != Status.APPROVED:
        raise RogatoryError(
            "requester.not_ready",
            f"field email: {found.user.email} is {found.account.status}: only an approved "
            "account is suspended (one never approved cannot sign in)",
        )
    done = people.deactivate(session, admin, found.user.email)
    found.account.status = Status.SUSPENDED.value
    session.flush()
    _record(
        session,
        admin.org,
        admin.user,
        found.user.id,
        "requester.suspended",
        {
            "email": found.user.email,
            "tokens_revoked": done.tokens_revoked,
            "sessions_ended": done.sessions_ended,
        },
    )
    return found


def of(session: Session, actor: Actor) -> RequesterAccount:
    """The requester account acting as ``actor``."""
    permissions.require(actor.roles, Action.FOLLOW_OWN)
    account = session.execute(
        select(RequesterAccount)
        .join(User, User.id == RequesterAccount.user_id)
        .where(User.email == actor.user, RequesterAccount.org_id == actor.org)
    ).scalar_one_or_none()
    if account is None:
        raise RogatoryError("requester.not_found", f"no requester account {actor.user!r}")
    return account

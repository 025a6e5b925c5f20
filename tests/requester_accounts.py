"""A requesting authority's approved account, made the way a person makes one (sign-up,
the emailed link, TOTP enrolment, the admin's approval), for tests of what it may do."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from rogatory.accounts import totp
from rogatory.accounts.models import User
from rogatory.authorities import store
from rogatory.authorities.registry import AuthorityRecord
from rogatory.requesters import service as requesters
from rogatory.requests import flows
from rogatory.requests.transitions import Role
from rogatory.signing import envelope

PASSWORD = "correct horse battery"
KEK = envelope.derive(b"tests: requester accounts, 32 bytes or more", "tests")


def authority(session: Session, org: str, ident: str, state: str, domain: str) -> None:
    """Register the authority (once) whose official domain the requesters sign up from."""
    if any(r.id == ident for r in store.records(session, org)):
        return
    store.add(
        session,
        org,
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


def approved(
    session: Session, org: str, email: str, *, kek: envelope.Kek = KEK
) -> tuple[User, bytes]:
    """An approved requester of ``org`` (its authority registered first); returns the user
    and the TOTP secret its authenticator would hold."""
    at = datetime.now(UTC)
    done = requesters.sign_up(
        session, org=org, email=email, name=email, password=PASSWORD, base_url="http://t", now=at
    )
    _, ticket = requesters.verify_email(session, done.link.split("token=")[1], at)
    _, uri = requesters.begin_enrolment(session, ticket, kek, at)
    secret = totp.from_base32(uri.split("secret=")[1].split("&")[0])
    requesters.confirm_enrolment(session, ticket, totp.code_at(secret, at.timestamp()), kek, at)
    admin = flows.Actor("tests:admin", org, frozenset({Role.ADMIN}))
    return requesters.approve(session, admin, email, at).user, secret

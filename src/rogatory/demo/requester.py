"""The demo's requesting authority account: an officer of XAA's (fictional) Federal Police
with an account at Nimbus, signed up, verified, enrolled and approved the way a person does
it, with one request of its own to follow.

Its TOTP secret is FIXED and published in the README so that anyone can sign in to the
demo with an authenticator app (or ``oathtool --totp -b DEMO_TOTP_SECRET``): it is a demo
secret only, never to be used for a real account.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import totp
from rogatory.demo import authorities as demo_authorities
from rogatory.requesters import service as requesters
from rogatory.requesters import submit
from rogatory.requests.flows import Actor
from rogatory.requests.transitions import Role
from rogatory.safeguards.engine import Screener
from rogatory.signing import envelope

ORG = "nimbus"
EMAIL = "officer@police.xaa.example"  # XAA's demo authority domain (competent authority)
NAME = "Demo officer, Federal Police of XAA"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32; the demo's only, published


def seed(
    sessions: sessionmaker[Session],
    screener: Screener,
    password: str,
    document: dict[str, object],
    *,
    kek: envelope.Kek | None = None,
) -> str:
    """Create the account and submit ``document`` as it; returns the case id."""
    kek = kek or envelope.configured()
    at = datetime.now(UTC)
    secret = totp.from_base32(DEMO_TOTP_SECRET)
    with sessions.begin() as s:
        done = requesters.sign_up(
            s, org=ORG, email=EMAIL, name=NAME, password=password, base_url="http://demo", now=at
        )
        _, ticket = requesters.verify_email(s, done.link.split("token=")[1], at)
        requesters.begin_enrolment(s, ticket, kek, at, fixed_secret=secret)
        code = totp.code_at(secret, at.timestamp())
        requesters.confirm_enrolment(s, ticket, code, kek, at)
        admin = Actor("demo:seed", ORG, frozenset({Role.ADMIN}))
        requesters.approve(s, admin, EMAIL, at)
    own = Actor(EMAIL, ORG, frozenset({Role.REQUESTER}))
    with sessions.begin() as s:
        case, _ = submit.submit(s, own, demo_authorities.sender(dict(document)), screener)
        return case.id

"""The demo's authority registry: fictional authorities of the fictional test States, each
with an official domain, a number to call back on and an Ed25519 key, and the demo's requests
signed with those keys.

Nothing here is a real authority: the States are the test States XAA-XZZ, the domains end in
``.example`` (RFC 2606), the numbers begin +999 (no country has that code), and every record
says ``source: demo``. Requests from a real State (the demo's few from FRA) stay unsigned,
since no real authority's key is, or may be, invented here. The keys are derived from a fixed
seed, so two demo databases hold the same registry and the same signatures verify in both.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rogatory.authorities import signed
from rogatory.authorities.registry import AuthorityRecord, RegisteredKey, Source
from rogatory.disclosure import keys
from rogatory.parties import states
from rogatory.safeguards.request import Role

VALID_FROM = date(2025, 1, 1)
KINDS = {
    "contact_point_24_7": ("ncu", "National Cybercrime Unit", "0124"),
    "central_authority": ("justice", "Office of the Prosecutor General", "0100"),
    "competent_authority": ("police", "Federal Police, Digital Crime Division", "0150"),
}


def is_fictional(state: str) -> bool:
    return bool(states.TEST_STATE.match(state))


def _key(state: str, kind: str) -> Ed25519PrivateKey:
    """A demo key derived from a fixed seed (never use such a key for anything real)."""
    seed = hashlib.sha256(f"rogatory demo authority {state} {kind}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def kid(state: str, kind: str) -> str:
    return f"demo-{state.lower()}-{KINDS[kind][0]}-1"


def domain(state: str, kind: str) -> str:
    return f"{KINDS[kind][0]}.{state.lower()}.example"


def phone(state: str, kind: str) -> str:
    number = 100 + (int(hashlib.sha256(state.encode()).hexdigest(), 16) % 900)
    return f"+999{number}555{KINDS[kind][2]}"


def records(requesting: tuple[str, ...]) -> list[AuthorityRecord]:
    """The registry an organisation of the demo keeps: three authorities of each fictional
    State it receives requests from."""
    out = []
    for state in requesting:
        if not is_fictional(state):
            continue
        for kind, (short, name, _) in KINDS.items():
            key = _key(state, kind)
            out.append(
                AuthorityRecord(
                    id=f"demo-{state.lower()}-{short}",
                    state=state,
                    name=f"{name} of {state}",
                    kind=Role(kind),
                    domains=(domain(state, kind),),
                    phones=(phone(state, kind),),
                    keys=(
                        RegisteredKey(
                            kid=kid(state, kind),
                            public_key=keys.public_b64(key.public_key()),
                            valid_from=datetime.combine(VALID_FROM, datetime.min.time(), UTC),
                        ),
                    ),
                    valid_from=VALID_FROM,
                    source=Source.DEMO,
                    verified_by="demo:seed",
                    verified_how="a fictional authority of a test State (demo data, not real)",
                )
            )
    return out


def sender(doc: dict[str, Any]) -> dict[str, Any]:
    """The request as its demo authority sends it: with the authority's name and address,
    signed with its key when its State is fictional; unchanged for a real State."""
    state = doc["requesting_state"]
    authority = doc["requesting_authority"]
    kind = authority.get("role")
    if not is_fictional(state) or kind not in KINDS:
        return doc
    authority["name"] = f"{KINDS[kind][1]} of {state}"
    authority["email"] = f"duty@{domain(state, kind)}"
    return doc


def sign(doc: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The signed document, issued at ``at`` (when the demo has it received)."""
    state, kind = doc["requesting_state"], doc["requesting_authority"].get("role")
    if not is_fictional(state) or kind not in KINDS:
        return doc
    return signed.sign(doc, _key(state, kind), kid(state, kind), issued_at=at)

"""Who is asking: the verified facts about a request's sender that the screening reads.

The screening is pure and evaluated as of a date; checking a signature against an authority
registry, counting a sender's earlier requests and reading recorded call-backs are I/O. So
the service (at intake, or on a later screening) or the command line (``check --public-key``,
``--authorities``) computes a :class:`RequesterEvidence` and hands it to the screener, as it
hands it the law: the same evidence gives the same findings wherever it was computed, and
nothing the request document says about itself (its declared role, its sender's address)
counts as verified unless a registered key signed it.

The fraud signals and whether unsigned requests go to a person (:class:`RequesterPolicy`) are
this organisation's policy, not treaty values: their findings carry the ``policy`` flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rogatory.safeguards.request import Role


class Signature(StrEnum):
    """What the signature check found.

    ``valid``: the signature verifies with a key of a registered authority of the requesting
    State, valid and not revoked when the request was signed and on its date. ``unknown_key``:
    no registered authority holds the key named. ``invalid``: the signature does not verify
    (a changed byte), or the key was revoked, expired or not yet valid when it signed, or the
    authority is of another State than the request says. ``unsigned``: a plain document."""

    VALID = "valid"
    UNKNOWN_KEY = "unknown_key"
    INVALID = "invalid"
    UNSIGNED = "unsigned"


class CallBackOutcome(StrEnum):
    CONFIRMED = "confirmed"  # the authority confirmed it sent the request
    DENIED = "denied"  # the authority says it did not send it
    NO_ANSWER = "no_answer"


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the verification, as printed: its name, whether it held, and why."""

    name: str
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class RegisteredAuthority:
    """The registry's record of the authority whose key signed, as the screening needs it."""

    id: str
    state: str
    name: str
    kind: Role
    domains: tuple[str, ...] = ()
    source: str = "organisation"


@dataclass(frozen=True, slots=True)
class CallBack:
    """A call made to a number from the registry to confirm an emergency request."""

    number: str
    authority: str  # the registered authority's name
    by: str
    at: datetime
    outcome: CallBackOutcome


@dataclass(frozen=True, slots=True)
class SenderHistory:
    """What this organisation has received from the same sender before this request."""

    earlier: int  # requests before this one
    recent: int  # requests (this one included) within the policy's burst window


@dataclass(frozen=True, slots=True)
class RequesterEvidence:
    signature: Signature = Signature.UNSIGNED
    checks: tuple[Check, ...] = ()
    kid: str | None = None
    authority: RegisteredAuthority | None = None
    # the sender's e-mail domain (the request's requesting_authority.email) and the registered
    # authority whose official domains include it, if any; None: no registry was consulted
    sender_domain: str | None = None
    domain_authority: RegisteredAuthority | None = None
    registry_consulted: bool = False
    history: SenderHistory | None = None
    call_backs: tuple[CallBack, ...] = ()

    @property
    def verified_kind(self) -> Role | None:
        """The channel a valid signature proves: the registered kind of the signer, which a
        request's self-declared role never overrides."""
        if self.signature is Signature.VALID and self.authority is not None:
            return self.authority.kind
        return None

    @property
    def confirmed_call_back(self) -> CallBack | None:
        return next(
            (c for c in reversed(self.call_backs) if c.outcome is CallBackOutcome.CONFIRMED),
            None,
        )

    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


NONE = RequesterEvidence()


@dataclass(frozen=True, slots=True)
class RequesterPolicy:
    """What this organisation asks of a sender, and where a request shows signs of a forged
    or abusive one. A signal never refuses: it sends the request to a person (``review``,
    flagged policy). Set from the environment (``rogatory.settings``) by the service."""

    # Unsigned requests go to a person (ROGATORY_REQUIRE_SIGNED_REQUESTS); by default an
    # unsigned request is screened as before, its channel resting on its declared role.
    require_signed: bool = False
    # A signed request issued longer ago than this is refused at intake as a replay
    # (ROGATORY_REQUEST_WINDOW_HOURS).
    issue_window_hours: float = 24.0

    # Free e-mail services: an official request does not come from one.
    free_mail_domains: frozenset[str] = frozenset(
        {
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "aol.com",
            "gmx.com",
            "gmx.net",
            "mail.com",
            "proton.me",
            "protonmail.com",
            "icloud.com",
            "yandex.ru",
            "mail.ru",
            "qq.com",
            "163.com",
        }
    )
    # More identifiers than this in one request: accounts a person should see are related.
    max_identifiers: int = 10
    # More requests than this from one sender within the window: a burst.
    burst_count: int = 5
    burst_hours: int = 24
    # Wording that claims an emergency, looked for in the facts and the offence description.
    emergency_wording: tuple[str, ...] = (
        "emergency",
        "urgent",
        "urgently",
        "imminent",
        "life-threatening",
        "threat to life",
        "danger to life",
        "risk of death",
        "kidnapping",
        "kidnapped",
        "suicide",
        "bomb threat",
        "immediately",
    )

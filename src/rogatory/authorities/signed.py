"""Signed request documents: a JWS (RFC 7515) by the requesting authority's Ed25519 key.

The format (``rogatory-signed-request``), a JSON object of two members::

    {"request": { ...the request document... },
     "signature": "<protected header>..<signature>"}

``signature`` is a JWS Compact Serialization with a detached payload (RFC 7515 Appendix F):
the payload is the canonical JSON of ``request`` (``rogatory.canonical``: sorted keys, no
white space, UTF-8), so the document stays readable and any program that canonicalises the
same way can check it. The protected header holds ``alg`` (``Ed25519``, the fully specified
name of RFC 9864 for the Ed25519 curve of RFC 8037's ``OKP`` keys; ``EdDSA`` with an Ed25519
key is accepted too), ``kid`` (the key's id in the authority registry), ``typ``
(``rogatory-request+jws``), ``iat`` (the issue time, seconds since the epoch) and ``jti`` (a
unique id). The header is signed with the payload, so neither the id nor the time can be
changed without breaking the signature; a receiver refuses a ``jti`` it has seen and an
``iat`` outside its window (replays).

A document without ``signature`` is a plain request document, read as before.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from rogatory.authorities.registry import KID, AuthorityRecord, KeyStatus, RegisteredKey, Registry
from rogatory.canonical import canonical
from rogatory.errors import RogatoryError
from rogatory.safeguards.request import Request
from rogatory.safeguards.requester import Check, RequesterEvidence, Signature

FORMAT = "rogatory-signed-request"
TYP = "rogatory-request+jws"
ALG = "Ed25519"
ACCEPTED_ALGS = ("Ed25519", "EdDSA")  # RFC 9864's name, and RFC 8037's with an Ed25519 key
FUTURE_SKEW = timedelta(minutes=5)  # clocks differ: an issue time this far ahead is accepted

# joserfc warns that "EdDSA" is deprecated by RFC 9864; a signer that still uses it with an
# Ed25519 key signs exactly what "Ed25519" signs, so it is accepted without the warning.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", module="joserfc")


# The issue time and the id are header parameters of this format (their names as the JWT
# claims, RFC 7519 4.1.6-7): registered, so the library checks their types and refuses any
# other unknown header parameter.
_HEADERS = {
    "iat": HeaderParameter("Issued At", "int", True),
    "jti": HeaderParameter("Unique id", "str", True),
}
SIGNING = JWSRegistry(header_registry=_HEADERS, algorithms=[ALG])
VERIFYING = JWSRegistry(header_registry=_HEADERS, algorithms=list(ACCEPTED_ALGS))


def is_signed(document: Any) -> bool:
    """Whether a decoded document is a signed request (``request`` and ``signature``)."""
    return isinstance(document, dict) and "signature" in document and "request" in document


@dataclass(frozen=True, slots=True)
class Envelope:
    """A signed document taken apart: the request as sent, its protected header, and the
    detached JWS."""

    request: dict[str, Any]
    header: dict[str, Any]
    jws: str

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    @property
    def jti(self) -> str | None:
        jti = self.header.get("jti")
        return jti if isinstance(jti, str) and 0 < len(jti) <= 128 else None

    @property
    def issued_at(self) -> datetime | None:
        iat = self.header.get("iat")
        if isinstance(iat, bool) or not isinstance(iat, int):
            return None
        try:
            return datetime.fromtimestamp(iat, UTC)
        except (OverflowError, OSError, ValueError):
            return None

    @property
    def payload(self) -> bytes:
        """What was signed: the canonical JSON of the request."""
        return canonical(self.request)


def _unusable(message: str) -> RogatoryError:
    return RogatoryError(
        "signature.unusable",
        f"not a signed request: {message}",
        help=f"a signed request is {{'request': {{...}}, 'signature': '<JWS with detached "
        f"payload>'}} ({FORMAT}); 'rogatory request sign' makes one",
    )


def open_envelope(document: Any) -> Envelope:
    """The parts of a signed document, or ``signature.unusable`` naming what is wrong."""
    if not is_signed(document):
        raise _unusable("the document needs the members 'request' and 'signature'")
    extra = sorted(set(document) - {"request", "signature"})
    if extra:
        raise _unusable(f"unknown members {extra}")
    request, token = document["request"], document["signature"]
    if not isinstance(request, dict):
        raise _unusable("field request: must be a JSON object (the request document)")
    if not isinstance(token, str) or len(token) > 4096:
        raise _unusable("field signature: must be a JWS compact serialization (text)")
    parts = token.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise _unusable(
            "field signature: expected '<header>..<signature>' (a JWS with detached payload)"
        )
    try:
        header = json.loads(_b64(parts[0]))
    except (ValueError, UnicodeDecodeError):
        raise _unusable("field signature: the protected header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise _unusable("field signature: the protected header is not a JSON object")
    try:
        canonical(request)
    except (TypeError, ValueError) as exc:
        raise _unusable(f"field request: cannot be canonicalised: {exc}") from None
    return Envelope(request, header, token)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(
    request: Mapping[str, Any],
    key: Ed25519PrivateKey,
    kid: str,
    *,
    issued_at: datetime | None = None,
    jti: str | None = None,
) -> dict[str, Any]:
    """Sign a request document: the signed document, ready to send."""
    if not re.match(KID, kid):
        raise RogatoryError(
            "signature.invalid_kid", f"--kid {kid!r}: 1-64 letters, digits or . _ : -"
        )
    when = (issued_at or datetime.now(UTC)).astimezone(UTC)
    header = {
        "alg": ALG,
        "kid": kid,
        "typ": TYP,
        "iat": int(when.timestamp()),
        "jti": jti or str(uuid.uuid4()),
    }
    body = dict(request)
    token = jws.serialize_compact(header, canonical(body), OKPKey.import_key(key), registry=SIGNING)
    return {"request": body, "signature": jws.detach_content(token)}


def _checks_ok(checks: list[Check]) -> bool:
    return all(c.ok for c in checks)


def verify(
    envelope: Envelope,
    request: Request,
    *,
    registry: Registry | None = None,
    public_key: Ed25519PublicKey | None = None,
    now: datetime | None = None,
    window: timedelta | None = None,
) -> RequesterEvidence:
    """Check a signed request, step by step: against ``public_key`` when one is given,
    otherwise against the registry's key named by ``kid`` (valid and not revoked at the issue
    time; its authority of the requesting State and in effect on the request's date).
    ``window`` (at intake, or ``request verify``) also holds the issue time to the clock:
    not older than the window, nor ahead of it by more than a few minutes."""
    checks: list[Check] = []
    header = envelope.header
    alg = header.get("alg")
    kid, iat, jti = envelope.kid, envelope.issued_at, envelope.jti
    checks.append(
        Check(
            "header",
            alg in ACCEPTED_ALGS and kid is not None and iat is not None and jti is not None,
            f"alg {alg}, kid {kid}, issued {iat:%Y-%m-%d %H:%M:%S} UTC, id {jti}"
            if alg in ACCEPTED_ALGS and kid and iat and jti
            else "the protected header needs alg Ed25519 (or EdDSA), kid, iat (seconds) and "
            f"jti; it has {sorted(header)} with alg {alg!r}",
        )
    )
    if not _checks_ok(checks):
        return RequesterEvidence(Signature.INVALID, tuple(checks), kid=kid)
    assert kid is not None and iat is not None
    record: AuthorityRecord | None = None
    rk: RegisteredKey | None = None
    status = KeyStatus.VALID
    if public_key is not None:
        key = public_key
        checks.append(Check("key", True, f"{kid}: the public key given"))
    else:
        found = registry.key(kid) if registry is not None else None
        if found is None:
            why = (
                "no registered authority holds this key"
                if registry is not None
                else "no registry or key to check it against (--authorities FILE, --public-key)"
            )
            checks.append(Check("key", False, f"{kid}: {why}"))
            return RequesterEvidence(
                Signature.UNKNOWN_KEY,
                tuple(checks),
                kid=kid,
                registry_consulted=registry is not None,
            )
        record, rk = found
        from rogatory.disclosure import keys

        key = keys.parse_public(rk.public_key)
        status = rk.status_at(iat)
        checks.append(
            Check("key", True, f"{kid}: a key of {record.name} ({record.state}, {record.kind})")
        )
    try:
        jws.deserialize_compact(
            envelope.jws, OKPKey.import_key(key), registry=VERIFYING, payload=envelope.payload
        )
        checks.append(Check("signature", True, "the signature verifies over the canonical request"))
    except (JoseError, ValueError) as exc:
        name = type(exc).__name__
        checks.append(
            Check(
                "signature",
                False,
                f"the signature does not verify over the request as received ({name}): "
                "the document was changed after signing, or another key signed it",
            )
        )
    if record is not None and rk is not None:
        checks.append(Check("key validity", status is KeyStatus.VALID, _key_words(rk, status)))
        on = request.submitted_on
        in_effect = record.in_effect_on(on)
        same_state = record.state == request.requesting_state
        checks.append(
            Check(
                "authority",
                in_effect and same_state,
                f"{record.name} is registered for {record.state}, in effect on {on}"
                if in_effect and same_state
                else (
                    f"{record.name} is an authority of {record.state}, but the request says it "
                    f"comes from {request.requesting_state}"
                    if not same_state
                    else f"{record.name}'s record is not in effect on the request's date {on}"
                ),
            )
        )
    if window is not None:
        checks.append(issue_time_check(iat, now or datetime.now(UTC), window))
    ok = _checks_ok(checks)
    return RequesterEvidence(
        Signature.VALID if ok else Signature.INVALID,
        tuple(checks),
        kid=kid,
        authority=record.summary() if record is not None else None,
        registry_consulted=registry is not None,
    )


def _key_words(rk: RegisteredKey, status: KeyStatus) -> str:
    period = f"valid from {rk.valid_from:%Y-%m-%d %H:%M} UTC" + (
        f" until {rk.valid_until:%Y-%m-%d %H:%M} UTC" if rk.valid_until else ""
    )
    if status is KeyStatus.REVOKED and rk.revoked_from is not None:
        why = f" ({rk.revoked_reason})" if rk.revoked_reason else ""
        return f"revoked from {rk.revoked_from:%Y-%m-%d %H:%M} UTC{why}, before it signed"
    return {
        KeyStatus.VALID: f"valid when it signed ({period})",
        KeyStatus.NOT_YET_VALID: f"not yet valid when it signed ({period})",
        KeyStatus.EXPIRED: f"expired when it signed ({period})",
    }.get(status, status.value)


def issue_time_check(iat: datetime, now: datetime, window: timedelta) -> Check:
    """The issue time is within ``window`` before now (and not ahead by more than the skew):
    an old signed request sent again is a replay."""
    if iat > now + FUTURE_SKEW:
        return Check("issue time", False, f"issued {iat:%Y-%m-%d %H:%M:%S} UTC, in the future")
    if now - iat > window:
        hours = window.total_seconds() / 3600
        return Check(
            "issue time",
            False,
            f"issued {iat:%Y-%m-%d %H:%M:%S} UTC, more than {hours:g} hours ago (a replay, "
            "or sent too late)",
        )
    return Check("issue time", True, f"issued {iat:%Y-%m-%d %H:%M:%S} UTC, within the window")

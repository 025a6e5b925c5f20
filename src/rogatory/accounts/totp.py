"""Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226): the second factor of a
requesting authority's account.

The parameters every authenticator app uses by default, fixed here: 30-second steps from the
Unix epoch, 6 digits, HMAC-SHA-1. A code is accepted for the current step or one step either
side (a phone's clock a little off, a code typed as the step turned), never more. Which step
a code matched is returned, so the caller can refuse it a second time: a code seen once is
spent for its whole window (``accepted`` takes the last step used).

Pure: no database, no clock of its own (the caller passes the time). Written with ``hmac``
and ``hashlib`` from the standard library, since no OTP library is installed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # steps accepted either side of the current one
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for HMAC-SHA-1


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def base32(secret: bytes) -> str:
    """The secret as authenticator apps take it: base32 without padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def from_base32(text: str) -> bytes:
    cleaned = text.strip().replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def step_at(unix_seconds: float) -> int:
    return int(unix_seconds // STEP_SECONDS)


def hotp(secret: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 section 5.3: HMAC of the 8-byte counter, dynamic truncation, modulo 10^d."""
    mac = hmac.new(secret, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def code_at(secret: bytes, unix_seconds: float, digits: int = DIGITS, digest: str = "sha1") -> str:
    return hotp(secret, step_at(unix_seconds), digits, digest)


def matching_step(secret: bytes, code: str, unix_seconds: float) -> int | None:
    """The step within the drift window whose code ``code`` is, or None. Every candidate is
    compared in constant time and all of them are computed, whichever matches."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(unix_seconds)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(secret, step), code) and found is None:
            found = step
    return found


def accepted(secret: bytes, code: str, unix_seconds: float, last_step: int | None) -> int | None:
    """The step to remember as used if ``code`` is accepted now, else None: a code of a step
    at or before the last one used (a replay, or an older code) is refused."""
    step = matching_step(secret, code, unix_seconds)
    if step is None or (last_step is not None and step <= last_step):
        return None
    return step


def uri(secret: bytes, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI authenticator apps read (Key Uri Format), with the parameters
    spelled out, so an app that does not assume the defaults still gets them right."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": base32(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"

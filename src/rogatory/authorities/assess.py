"""What a registry says about a request's sender, without a database: the signature and the
sender's domain. The command line's ``check`` (with ``--authorities`` or ``--public-key``)
and the service's intake (``authorities.store``, which adds the sender's history and the
case's call-backs) both compute it here, so both give the same finding."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from rogatory.authorities import signed
from rogatory.authorities.registry import Registry
from rogatory.safeguards.request import Request
from rogatory.safeguards.requester import RequesterEvidence


def assess(
    request: Request,
    envelope: signed.Envelope | None,
    *,
    registry: Registry | None = None,
    public_key: Ed25519PublicKey | None = None,
    now: datetime | None = None,
    window: timedelta | None = None,
) -> RequesterEvidence:
    found = (
        signed.verify(
            envelope, request, registry=registry, public_key=public_key, now=now, window=window
        )
        if envelope is not None
        else RequesterEvidence()
    )
    domain = request.requesting_authority.email_domain
    owner = None
    if domain is not None and registry is not None:
        hit = registry.by_domain(domain, request.requesting_state, request.submitted_on)
        owner = hit.summary() if hit is not None else None
    return RequesterEvidence(
        signature=found.signature,
        checks=found.checks,
        kid=found.kid,
        authority=found.authority,
        sender_domain=domain,
        domain_authority=owner,
        registry_consulted=registry is not None,
    )

"""Who sent the request, and through which channel.

Requests for mutual legal assistance go between central authorities (Art 40, unverified);
preservation and urgent assistance may come through the 24/7 network (Art 41, unverified).
A request from elsewhere, or whose sender's role is not stated, goes to a person. Emergency
requests are always checked with the requesting State's 24/7 point of contact before anything
is disclosed: forged "emergency data requests" from compromised police mailboxes are a known
attack on providers.
"""

from __future__ import annotations

from rogatory.law.decision import Discretion, Flag, Kind, Result, Verdict
from rogatory.safeguards.context import MLA_MEASURES, REGISTRY, Context, governed_by, memoised
from rogatory.safeguards.request import Measure, Role

ROLE_NAMES = {
    Role.CENTRAL_AUTHORITY: "central authority",
    Role.CONTACT_POINT_24_7: "24/7 point of contact",
    Role.COMPETENT_AUTHORITY: "competent authority",
}


@REGISTRY.rule(
    id="channel.requesting_authority",
    kind=Kind.CONDITION,
    discretion=Discretion.MAY,
)
@memoised(
    lambda ctx: (
        ctx.request.requesting_authority.role,
        ctx.requester.verified_kind,
        ctx.requester.confirmed_call_back,
        ctx.request.measure,
        ctx.request.requesting_state,
        ctx.request.requested_state,
        ctx.on,
    )
)
def requesting_authority(ctx: Context) -> Verdict:
    """Requests for mutual legal assistance are transmitted by central authorities; requests for
    preservation and urgent assistance may come through the 24/7 network."""
    req = ctx.request
    verified = ctx.requester.verified_kind
    role = verified or req.requesting_authority.role
    read = (
        ("requesting_authority.role", req.requesting_authority.role),
        ("verified_kind", verified.value if verified else None),
    )
    if role is None:
        return Verdict(
            Result.REVIEW,
            "the requesting authority's role is not stated; the channel cannot be checked",
            read,
        )
    if req.measure is Measure.EMERGENCY:
        confirmed = ctx.requester.confirmed_call_back
        if confirmed is not None:
            return Verdict(
                Result.PASS,
                f"URGENT: confirmed by a call-back to {confirmed.authority} on "
                f"{confirmed.number} (a number from the registry), by {confirmed.by} at "
                f"{confirmed.at:%Y-%m-%d %H:%M} UTC",
                read,
                flags=(Flag.URGENT,),
            )
        return Verdict(
            Result.REVIEW,
            f"URGENT: confirm the request with {req.requesting_state}'s "
            "24/7 point of contact before disclosing anything, by a call-back to a number "
            "from the authority registry recorded on the case (forged emergency "
            "requests are a known attack)",
            read,
            flags=(Flag.URGENT,),
        )
    agreement = governed_by(ctx)
    if req.measure in MLA_MEASURES and agreement is not None:
        return Verdict(
            Result.NOT_APPLICABLE,
            f"the channel is {agreement.instrument}'s (it governs this request)",
            read,
        )
    if req.measure in MLA_MEASURES and role is not Role.CENTRAL_AUTHORITY:
        return Verdict(
            Result.REVIEW,
            f"a {req.measure.value} request is expected from "
            f"{req.requesting_state}'s central authority, not a "
            f"{ROLE_NAMES[role]}",
            read,
        )
    if req.measure is Measure.PRESERVATION and role is Role.COMPETENT_AUTHORITY:
        return Verdict(
            Result.REVIEW,
            "a preservation request is expected through the 24/7 "
            "network or the central authority, not directly from a competent "
            "authority",
            read,
        )
    how = "signed by a registered" if verified else "sent by a"
    return Verdict(
        Result.PASS,
        f"{how} {ROLE_NAMES[role]}, the expected channel for {req.measure.value}",
        read,
    )

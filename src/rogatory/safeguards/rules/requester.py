"""Who is asking: the requester's signature, and the signs of a forged or abusive sender.

Requests travel between central authorities (Art 40) or through the 24/7 network (Art 41),
and a provider must know a request comes from one. The document's own word (its declared
role, its sender's address) proves nothing: forged emergency requests from compromised police
mailboxes are a known attack. What counts is a signature by a key the authority registry
holds for an authority of the requesting State (``safeguards.requester``, computed outside
the screening). The fraud signals are this organisation's policy (flag ``policy``): each
sends the request to a person, none refuses it.
"""

from __future__ import annotations

from rogatory.law.decision import Discretion, Flag, Kind, Outcome, Result, Verdict
from rogatory.safeguards.context import EMERGENCY_WORDING, REGISTRY, Context, memoised
from rogatory.safeguards.request import Measure, Request
from rogatory.safeguards.requester import NONE, RequesterEvidence, Signature
from rogatory.safeguards.rules.channel import ROLE_NAMES
from rogatory.safeguards.rules.completeness import PRESENT

POLICY = (Flag.POLICY,)


def _evidence(ctx: Context) -> RequesterEvidence | None:
    """What was verified about the sender, as a memo key (None: nothing was)."""
    return None if ctx.requester is NONE else ctx.requester


@REGISTRY.rule(
    id="requester.signature",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.INVALID,
)
@memoised(
    lambda ctx: (
        _evidence(ctx),
        ctx.request.requesting_authority.role,
        ctx.request.requesting_state,
    )
)
def signature(ctx: Context) -> Verdict:
    """A request is taken as coming from the requesting State's authority only when a key the
    authority registry holds for that authority signed it, valid and not revoked when it
    signed; an unknown key goes to a person, a bad or revoked signature makes the request
    invalid. The request's declared role never stands in for the registered one."""
    ev = ctx.requester
    req = ctx.request
    read = (("signature", ev.signature.value), ("kid", ev.kid))
    failed = "; ".join(c.message for c in ev.failed_checks())
    if ev.signature is Signature.UNSIGNED:
        if ctx.law.requester_policy.require_signed:
            return Verdict(
                Result.REVIEW,
                "the request is not signed: who sent it is not verified, and this "
                "organisation requires signed requests",
                read,
                flags=POLICY,
            )
        return Verdict(
            Result.NOT_APPLICABLE,
            "the request is not signed: who sent it is not verified (the channel finding "
            "rests on the role the request declares)",
            read,
        )
    if ev.signature is Signature.INVALID:
        return Verdict(Result.FAIL, f"the signature is not valid: {failed}", read)
    if ev.signature is Signature.UNKNOWN_KEY:
        return Verdict(
            Result.REVIEW,
            f"signed with key {ev.kid!r}, which no registered authority holds: a person must "
            "verify the sender through the registry's channels before relying on it",
            read,
        )
    a = ev.authority
    if a is None:
        return Verdict(
            Result.PASS,
            f"signed with the key given for {ev.kid!r} (checked against that key, not the "
            "authority registry: the channel rests on the declared role)",
            read,
        )
    declared = req.requesting_authority.role
    if declared is not None and declared is not a.kind:
        return Verdict(
            Result.REVIEW,
            f"signed by {a.name}, registered as {req.requesting_state}'s {ROLE_NAMES[a.kind]}, "
            f"but the request declares itself from a {ROLE_NAMES[declared]}",
            read,
        )
    return Verdict(
        Result.PASS,
        f"signed by {a.name}, registered as {a.state}'s {ROLE_NAMES[a.kind]} (key {ev.kid})",
        read,
    )


def _sender(req: Request) -> str | None:
    return req.requesting_authority.email_domain


@REGISTRY.rule(id="requester.sender_domain", kind=Kind.CONDITION, discretion=Discretion.MAY)
@memoised(
    lambda ctx: (
        _evidence(ctx),
        ctx.request.requesting_authority.email,
        ctx.request.requesting_state,
    )
)
def sender_domain(ctx: Context) -> Verdict:
    """A request sent from a free e-mail service, or from a domain that is not an official
    domain of a registered authority of the requesting State, goes to a person (policy)."""
    ev, req = ctx.requester, ctx.request
    domain = _sender(req)
    read = (("requesting_authority.email", req.requesting_authority.email),)
    if domain is None:
        return Verdict(Result.NOT_APPLICABLE, "the request names no sender address", read)
    if domain in ctx.law.requester_policy.free_mail_domains:
        return Verdict(
            Result.REVIEW,
            f"sent from {domain}, a free e-mail service: an official request does not come "
            "from one",
            read,
            flags=POLICY,
        )
    if not ev.registry_consulted:
        return Verdict(
            Result.NOT_APPLICABLE,
            f"sent from {domain}; no authority registry was consulted (checked at intake)",
            read,
        )
    found = ev.domain_authority
    if found is None or found.state != req.requesting_state:
        return Verdict(
            Result.REVIEW,
            f"sent from {domain}, which is not an official domain of any registered authority "
            f"of {req.requesting_state}",
            read,
            flags=POLICY,
        )
    return Verdict(Result.PASS, f"sent from {domain}, an official domain of {found.name}", read)


def _who(ctx: Context) -> str | None:
    ev = ctx.requester
    if ev.verified_kind is not None and ev.authority is not None:
        return ev.authority.name
    return ctx.request.requesting_authority.email


@REGISTRY.rule(id="requester.first_contact", kind=Kind.CONDITION, discretion=Discretion.MAY)
@memoised(lambda ctx: (_evidence(ctx), ctx.request.requesting_authority.email))
def first_contact(ctx: Context) -> Verdict:
    """The first request from a sender whose signature does not verify against the registry
    goes to a person (policy): a forger's first message is its only one."""
    ev, who = ctx.requester, _who(ctx)
    read = (("sender", who),)
    if who is None or ev.history is None:
        return Verdict(
            Result.NOT_APPLICABLE,
            "the sender is not known or no history was consulted (checked at intake)",
            read,
        )
    if ev.history.earlier:
        return Verdict(Result.PASS, f"{ev.history.earlier} earlier requests from {who}", read)
    if ev.verified_kind is not None:
        return Verdict(
            Result.PASS,
            f"the first request from {who}, signed with its registered key",
            read,
        )
    return Verdict(
        Result.REVIEW,
        f"the first request from {who}, and its signature does not verify against the "
        "registry: confirm the sender through the registry's channels",
        read,
        flags=POLICY,
    )


@REGISTRY.rule(id="requester.burst", kind=Kind.CONDITION, discretion=Discretion.MAY)
@memoised(lambda ctx: (_evidence(ctx), ctx.request.requesting_authority.email))
def burst(ctx: Context) -> Verdict:
    """Many requests from one sender within a short time go to a person (policy): a
    compromised account is used quickly, before it is noticed."""
    ev, who, policy = ctx.requester, _who(ctx), ctx.law.requester_policy
    read = (("sender", who),)
    if who is None or ev.history is None:
        return Verdict(
            Result.NOT_APPLICABLE,
            "the sender is not known or no history was consulted (checked at intake)",
            read,
        )
    within = f"within {policy.burst_hours} hours"
    if ev.history.recent > policy.burst_count:
        return Verdict(
            Result.REVIEW,
            f"{ev.history.recent} requests from {who} {within} (more than "
            f"{policy.burst_count}): check the sender's account has not been taken over",
            read,
            flags=POLICY,
        )
    return Verdict(Result.PASS, f"{ev.history.recent} requests from {who} {within}", read)


@REGISTRY.rule(id="requester.many_accounts", kind=Kind.CONDITION, discretion=Discretion.MAY)
@memoised(lambda ctx: len(ctx.request.data.identifiers))
def many_accounts(ctx: Context) -> Verdict:
    """A request naming the identifiers of many accounts goes to a person (policy), to check
    that each is related to the offence and not a trawl."""
    count = len(ctx.request.data.identifiers)
    limit = ctx.law.requester_policy.max_identifiers
    read = (("data.identifiers", count),)
    if count > limit:
        return Verdict(
            Result.REVIEW,
            f"the request names {count} identifiers (more than {limit}): check each account "
            "is related to the offence",
            read,
            flags=POLICY,
        )
    named = f"{count} identifier{'' if count == 1 else 's'}"
    return Verdict(Result.PASS, f"{named} (at most {limit})", read)


EMERGENCY_ELEMENTS = (
    "emergency.description",
    "emergency.risk_to",
    "emergency.imminent",
    "emergency.significant",
)


def _wording_key(ctx: Context) -> tuple[object, ...]:
    """What the emergency-wording rule reads: the measure, the wording found, and where there
    is any, which elements of an emergency the request shows."""
    terms = ctx.signal_key(EMERGENCY_WORDING, "facts", "offence.description")
    if not terms:
        return (ctx.request.measure,)
    return ctx.request.measure, terms, tuple(PRESENT[f](ctx.request) for f in EMERGENCY_ELEMENTS)


@REGISTRY.rule(id="requester.emergency_wording", kind=Kind.CONDITION, discretion=Discretion.MAY)
@memoised(lambda ctx: _wording_key(ctx))
def emergency_wording(ctx: Context) -> Verdict:
    """Wording that claims an emergency without the elements of one (a significant and
    imminent risk to the life or safety of a natural person, Art 2(o)) goes to a person:
    pressure of urgency is how a forged request gets past a second look."""
    req = ctx.request
    terms = sorted(
        {
            t
            for hits in ctx.signals(EMERGENCY_WORDING, "facts", "offence.description").values()
            for t in hits
        }
    )
    read = (("wording", tuple(terms)),)
    if not terms:
        return Verdict(Result.NOT_APPLICABLE, "no emergency wording", read)
    missing = [f for f in EMERGENCY_ELEMENTS if not PRESENT[f](req)]
    if missing:
        what = "an emergency request" if req.measure is Measure.EMERGENCY else "the request"
        return Verdict(
            Result.REVIEW,
            f"{what} speaks of {', '.join(terms)} but does not show the elements of an "
            f"emergency (missing {', '.join(missing)}): do not let urgency replace the check",
            read,
            flags=POLICY,
        )
    return Verdict(
        Result.PASS,
        f"the wording ({', '.join(terms)}) comes with the elements of an emergency",
        read,
    )

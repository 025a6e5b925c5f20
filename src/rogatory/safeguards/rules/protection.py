"""Conditions and safeguards (Art 24) and the protection of personal data (Art 36).

Art 24's wording is unverified; its substance is confirmed in summary (S14): proportionality,
judicial or other independent review, an effective remedy. The engine applies it where a
machine can: intrusive measures (content data, real-time collection, interception) without a
judicial or independent authorisation go to a person; broad requests (many identifiers, long
periods, long interceptions) go to a person; real-time collection and interception always do,
because they rest on the requested State's domestic law (Arts 45, 46). Art 36's transfer
conditions are recorded on every request that carries personal data.
"""

from __future__ import annotations

from rogatory.law.decision import Discretion, Flag, Kind, Result, Verdict
from rogatory.safeguards.context import REAL_TIME, REGISTRY, Context, memoised
from rogatory.safeguards.request import Measure


def intrusive(ctx: Context) -> list[str]:
    """Why a request is intrusive, from the measures table: the measure itself, or a data
    category it asks for."""
    req = ctx.request
    return ctx.law.measure(req.measure).intrusive_because(c.value for c in req.data.categories)


@REGISTRY.rule(
    id="safeguards.authorisation",
    kind=Kind.SAFEGUARD,
    discretion=Discretion.MUST,
)
@memoised(
    lambda ctx: (
        ctx.request.measure,
        tuple(ctx.request.data.categories),
        ctx.request.requested_state,
        None if (a := ctx.request.authorisation) is None else (a.issuer, a.date, a.reference),
    )
)
def authorisation(ctx: Context) -> Verdict:
    """Intrusive powers are subject to judicial or other independent review, as appropriate in
    view of the nature of the power."""
    why = intrusive(ctx)
    if not why:
        return Verdict(
            Result.NOT_APPLICABLE, "no content data, real-time collection or interception requested"
        )
    auth = ctx.request.authorisation
    kinds = " and ".join(why)
    if auth is None or not (auth.issuer and auth.issuer.strip()):
        return Verdict(
            Result.REVIEW,
            f"LOCAL POLICY: the request concerns {kinds} but shows no judicial or "
            "independent authorisation in the requesting State (authorisation.issuer). "
            f"{ctx.law.basis('safeguards.authorisation', 'The Convention')} binds the State "
            f"that exercises the power: {ctx.request.requested_state}'s own "
            "conditions and safeguards apply to executing it; asking for the requesting "
            "State's authorisation is this organisation's policy, not a treaty condition",
            (("intrusive", tuple(why)),),
            flags=(Flag.POLICY,),
        )
    when = f" on {auth.date}" if auth.date else ""
    ref = f" ({auth.reference})" if auth.reference else ""
    return Verdict(
        Result.PASS,
        f"{kinds} authorised by {auth.issuer}{when}{ref}",
        (("intrusive", tuple(why)), ("authorisation.issuer", auth.issuer)),
    )


@REGISTRY.rule(
    id="safeguards.proportionality",
    kind=Kind.SAFEGUARD,
    discretion=Discretion.MUST,
)
@memoised(
    lambda ctx: (
        ctx.request.measure,
        len(ctx.request.data.identifiers),
        ctx.request.data.period is None,
        ctx.request.data.period.days if ctx.request.data.period else None,
        ctx.request.duration_days,
        tuple(ctx.request.data.categories),
    )
)
def proportionality(ctx: Context) -> Verdict:
    """Powers and procedures incorporate the principle of proportionality: a request broader
    than its purpose needs a person's judgement."""
    req = ctx.request
    limits = ctx.law.signals.proportionality
    count = len(req.data.identifiers)
    days = req.data.period.days if req.data.period else None
    read: tuple[tuple[str, object], ...] = (
        ("identifiers", count),
        ("period_days", days),
        ("duration_days", req.duration_days),
        ("categories", tuple(c.value for c in req.data.categories)),
    )
    concerns = []
    if count > limits.max_identifiers:
        concerns.append(f"{count} identifiers (more than {limits.max_identifiers})")
    if days is not None and days > limits.max_period_days:
        concerns.append(f"a period of {days} days (more than {limits.max_period_days})")
    if (
        req.measure in REAL_TIME
        and req.duration_days
        and req.duration_days > limits.max_interception_days
    ):
        concerns.append(
            f"a duration of {req.duration_days} days (more than {limits.max_interception_days})"
        )
    if (
        req.data.identifiers
        and req.data.period is None
        and req.measure is not Measure.PRESERVATION
        and req.measure not in REAL_TIME
    ):
        concerns.append("no period limits the data sought")
    if concerns:
        return Verdict(
            Result.REVIEW,
            "breadth to weigh against the purpose: "
            + "; ".join(concerns)
            + " (LOCAL POLICY thresholds from signals.yaml: the Convention sets no number)",
            read,
            flags=(Flag.POLICY,),
        )
    scope = f"{count} identifier{'s' if count != 1 else ''}"
    if days is not None:
        scope += f" over {days} days"
    return Verdict(Result.PASS, f"no breadth signal ({scope})", read)


@REGISTRY.rule(
    id="safeguards.domestic_law_measure",
    kind=Kind.SAFEGUARD,
    discretion=Discretion.MAY,
)
@memoised(lambda ctx: (ctx.request.measure, ctx.request.requested_state))
def domestic_law_measure(ctx: Context) -> Verdict:
    """Real-time collection of traffic data and interception of content data are given only to
    the extent permitted by the treaties applicable and the domestic law of the requested
    State: a person must always decide."""
    req = ctx.request
    if req.measure not in REAL_TIME:
        return Verdict(Result.NOT_APPLICABLE, f"{req.measure.value} is not a real-time measure")
    return Verdict(
        Result.REVIEW,
        f"{req.measure.value} rests on {req.requested_state}'s domestic "
        f"law ({ctx.law.article_of(req.measure)}); a person must confirm it is available and "
        "lawful there",
    )


@REGISTRY.rule(
    id="data_protection.transfer",
    kind=Kind.RECORD,
    discretion=Discretion.MUST,
)
@memoised(
    lambda ctx: (
        bool(ctx.request.data.categories or ctx.request.persons),
        ctx.request.requesting_state,
        ctx.request.requested_state,
    )
)
def transfer(ctx: Context) -> Verdict:
    """Personal data is transferred subject to the transferring State's law; it may impose
    conditions, received data must have effective and appropriate safeguards, and onward
    transfer needs its prior authorisation."""
    req = ctx.request
    if not (req.data.categories or req.persons):
        return Verdict(Result.NOT_APPLICABLE, "no personal data is sought")
    state = req.requested_state
    return Verdict(
        Result.PASS,
        f"personal data: any transfer is subject to {state}'s data-"
        f"protection law, {state} may impose conditions, {req.requesting_state} must "
        "apply effective and appropriate safeguards, and onward transfer to a third "
        f"State or organisation needs {state}'s prior authorisation",
    )

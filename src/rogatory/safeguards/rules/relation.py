"""Whether the Convention applies at all: in force between the states, and within its scope.

Art 65 (entry into force) decides whether both states are bound on the date; Art 35 with
Art 2(h) decides whether the request concerns an offence established under the Convention
(Arts 7-17) or electronic evidence of a serious crime. Outside either, there is no obligation
under the Convention: ``not_in_force`` or ``refuse``, with the reason.
"""

from __future__ import annotations

from rogatory.law.decision import Discretion, Kind, Outcome, Result, Verdict
from rogatory.safeguards.context import MEASURE_ARTICLES, REGISTRY, Context, memoised


@REGISTRY.rule(
    id="relation.in_force",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    cites=["uncc:art-65:para-1"],
    on_fail=Outcome.NOT_IN_FORCE,
)
@memoised(lambda ctx: (ctx.request.requesting_state, ctx.request.requested_state, ctx.on))
def in_force_between(ctx: Context) -> Verdict:
    """The Convention creates obligations between two states only when both are bound on the
    date of the request."""
    req = ctx.request
    between = ctx.law.register.in_force_between(req.requesting_state, req.requested_state, ctx.on)
    cites = tuple(
        c for p in between.parties for c in p.cites if c.article != 65 or c.paragraph != "1"
    )
    read = tuple((f"status[{p.state.code}]", p.status.value) for p in between.parties)
    if between.in_force:
        return Verdict(
            Result.PASS,
            f"both {req.requesting_state} and {req.requested_state} are bound on {ctx.on}",
            read,
            cites,
        )
    return Verdict(Result.FAIL, "; ".join(between.reasons), read, cites)


@REGISTRY.rule(
    id="scope.offence_or_serious_crime",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    cites=["uncc:art-35", "uncc:art-2:para-h", "uncc:art-3:para-b"],
    on_fail=Outcome.REFUSE,
)
@memoised(
    lambda ctx: (
        tuple(ctx.request.offence.treaty_articles),
        ctx.request.offence.max_penalty_years,
        ctx.request.offence.penalty_more_serious,
        ctx.on,
    )
)
def scope(ctx: Context) -> Verdict:
    """Cooperation covers offences established in accordance with the Convention (Arts 7-17) and
    the electronic evidence of any serious crime: an offence punishable by a maximum deprivation
    of liberty of at least four years or a more serious penalty."""
    offence = ctx.request.offence
    minimum = ctx.law.value("serious_crime.min_statutory_max_years", ctx.on)
    read: tuple[tuple[str, object], ...] = (
        ("offence.treaty_articles", tuple(offence.treaty_articles)),
        ("offence.max_penalty_years", offence.max_penalty_years),
        ("serious_crime.min_statutory_max_years", minimum),
    )
    if offence.treaty_articles:
        arts = ", ".join(f"Art {a}" for a in sorted(set(offence.treaty_articles)))
        cites = tuple(ctx.law.article_cite(a) for a in sorted(set(offence.treaty_articles)))
        return Verdict(
            Result.PASS,
            f"an offence established in accordance with the Convention ({arts})",
            read,
            cites,
        )
    if offence.penalty_more_serious:
        return Verdict(
            Result.PASS,
            "a serious crime: the penalty is more serious than deprivation of liberty",
            read,
        )
    if offence.max_penalty_years is None:
        return Verdict(
            Result.REVIEW,
            "the statutory maximum penalty is unknown and no Convention "
            "offence is named: whether this is a serious crime cannot be decided",
            read,
        )
    assert isinstance(minimum, int | float)
    if offence.max_penalty_years >= minimum:
        return Verdict(
            Result.PASS,
            f"a serious crime: statutory maximum "
            f"{offence.max_penalty_years:g} years, at least {minimum}",
            read,
        )
    return Verdict(
        Result.FAIL,
        f"outside the Convention: no Convention offence is named and the "
        f"statutory maximum of {offence.max_penalty_years:g} years is below the "
        f"{minimum} years of a serious crime; there is no obligation to assist under "
        "the Convention",
        read,
    )


@REGISTRY.rule(id="duty.assist", kind=Kind.DUTY, discretion=Discretion.MUST, cites=["uncc:art-40"])
@memoised(lambda ctx: ctx.request.measure)
def duty_to_assist(ctx: Context) -> Verdict:
    """Within scope and in force, the requested State shall afford the assistance, subject to
    the conditions and grounds for refusal of the Convention and its domestic law."""
    article = MEASURE_ARTICLES[ctx.request.measure][0]
    cite = ctx.law.article_cite(article)
    return Verdict(
        Result.PASS,
        f"{ctx.request.measure.value}: assistance under Art {article} "
        f"({cite.label}), subject to the grounds for refusal below",
        cites=(cite,),
    )

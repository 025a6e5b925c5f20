"""Reservations and declarations of the requested State that change the answer.

A reservation in effect on the date (the State bound, the reservation made and not withdrawn)
that concerns the article governing the measure, or the Chapter IV power it rests on, sends the
request to a person with the reservation's text. A reservation works both ways: one made by the
*requesting* State limits the requested State's obligation towards it to the same extent (the
law of treaties, VCLT Art 21(1)(b)), so it is read too. The one reservation whose effect the engine
knows is the preservation one (UN Convention Art 42, recollection; Budapest Art 29(4), the
treaty's ``preservation_reservation_article``): a State requiring dual criminality may refuse
preservation for offences *other than* those established under the treaty (UN Arts 7-17,
Budapest Arts 2-11), so it cannot reach a request about one of them. The articles whose
reservations concern every measure are the treaty's ``general_articles``.
"""

from __future__ import annotations

from rogatory.law.citation import parse_provision_id
from rogatory.law.decision import Discretion, Kind, Result, Verdict
from rogatory.parties.declarations import Statement
from rogatory.safeguards.context import REGISTRY, Context, memoised
from rogatory.safeguards.request import Measure


@REGISTRY.rule(
    id="reservations.requested_state",
    kind=Kind.CONDITION,
    discretion=Discretion.MAY,
)
@memoised(
    lambda ctx: (
        ctx.request.requested_state,
        ctx.request.requesting_state,
        ctx.request.measure,
        bool(ctx.request.offence.treaty_articles),
        tuple(ctx.request.offence.treaty_articles),
        ctx.on,
    )
)
def requested_state_reservations(ctx: Context) -> Verdict:
    """A reservation or declaration of the requested State modifies its obligations under the
    provision concerned, from the date the Convention binds it until it is withdrawn."""
    req = ctx.request
    articles = set(ctx.law.measure(req.measure).articles) | set(ctx.law.facts.general_articles)
    narrow = ctx.law.facts.preservation_reservation_article
    relevant = _concerning(ctx, req.requested_state, articles)
    theirs = _concerning(ctx, req.requesting_state, articles)
    reciprocal = [
        f"{s.concerns} (made by {req.requesting_state} {s.made_on}): {s.text}"
        for s, (_, article, _p) in theirs
        if s in ctx.law.register.reservations
        and not (
            article == narrow
            and req.measure is Measure.PRESERVATION
            and req.offence.treaty_articles
        )
    ]
    if not relevant and not reciprocal:
        return Verdict(
            Result.PASS,
            f"no reservation or declaration of {req.requested_state} in "
            f"effect on {ctx.on} concerns {req.measure.value}",
        )
    cites = tuple(ctx.law.article_cite(pid[1], pid[2]) for _, pid in relevant + theirs)
    read = tuple(("statement", s.concerns) for s, _ in relevant + theirs)
    engaged = []
    for statement, (_, article, _para) in relevant:
        if (
            article == narrow
            and req.measure is Measure.PRESERVATION
            and req.offence.treaty_articles
        ):
            continue  # the preservation reservation reaches only non-Convention offences
        engaged.append(f"{statement.concerns} (made {statement.made_on}): {statement.text}")
    if not engaged and not reciprocal:
        return Verdict(
            Result.PASS,
            f"{req.requested_state}'s reservation on Art {narrow} covers only "
            "offences not established under the Convention; this request names "
            f"Art {', '.join(str(a) for a in req.offence.treaty_articles)}",
            read,
            cites,
        )
    parts = []
    if engaged:
        parts.append(f"{req.requested_state} has, in effect on {ctx.on}: " + "; ".join(engaged))
    if reciprocal:
        cite = (
            ctx.law.bundle.constant("reservations.reciprocal", ctx.on).cite
            if "reservations.reciprocal" in ctx.law.bundle.constants
            else None
        )
        if cite is not None:
            cites += (cite,)
        parts.append(
            f"reciprocity ({cite.label if cite else 'law of treaties'}): "
            f"{req.requesting_state}'s "
            f"reservation limits {req.requested_state}'s obligation towards it to the same "
            "extent: " + "; ".join(reciprocal)
        )
    return Verdict(
        Result.REVIEW,
        ". ".join(parts) + ". A person must apply it to this request",
        read,
        cites,
    )


def _concerning(
    ctx: Context, state: str, articles: set[int]
) -> list[tuple[Statement, tuple[str, int, str | None]]]:
    """The statements of ``state`` in effect on the date that concern any of ``articles``."""
    statements = ctx.law.register.statements_in_effect(state, ctx.on)
    pairs = [(s, parse_provision_id(s.concerns)) for s in statements]
    return [(s, pid) for s, pid in pairs if pid[1] in articles]

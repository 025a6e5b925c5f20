"""What a request must contain, and whether its data fits the measure asked for.

Art 42 lists what a preservation request specifies; Art 40 what a request for mutual legal
assistance contains; Arts 45 and 46 add the duration and the communications concerned; an
emergency (Art 41 with Art 2(o)) must be a significant and imminent risk to life or safety.
Every missing item is listed at once, with the provision asking for it. Interception concerns
content data and real-time collection traffic data (Art 2(c), (d)); a mismatch is refused as
invalid rather than silently narrowed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date

from rogatory.law.bundle import DeadlineKind, MeasureFacts
from rogatory.law.decision import Discretion, Kind, Outcome, Result, Verdict
from rogatory.safeguards.context import (
    MLA_MEASURES,
    REGISTRY,
    Context,
    governed_by,
    governed_verdict,
    memoised,
)
from rogatory.safeguards.request import Category, Measure, Request

Item = tuple[str, str, Callable[[Request], bool]]


def _text(value: str | None) -> bool:
    return bool(value and value.strip())


# Whether a request holds the item a field stands for: one test per request field, whatever
# treaty lists it. A treaty's measures table names the fields its provisions require, in its
# own words; a field with no test here is refused when the law is loaded.
PRESENT: dict[str, Callable[[Request], bool]] = {
    "requesting_authority.name": lambda r: _text(r.requesting_authority.name),
    "offence.description": lambda r: _text(r.offence.description),
    "facts": lambda r: _text(r.facts),
    "data.identifiers": lambda r: bool(r.data.identifiers),
    "data.categories": lambda r: bool(r.data.categories),
    "data.relation_to_offence": lambda r: _text(r.data.relation_to_offence),
    "data.custodian": lambda r: _text(r.data.custodian),
    "necessity": lambda r: _text(r.necessity),
    "mla_to_follow": lambda r: r.mla_to_follow is True,
    "assistance_sought": lambda r: _text(r.assistance_sought),
    "duration_days": lambda r: r.duration_days is not None,
    "emergency.description": lambda r: r.emergency is not None and _text(r.emergency.description),
    "emergency.risk_to": lambda r: (
        r.emergency is not None and bool(set(r.emergency.risk_to) & {"life", "safety"})
    ),
    "emergency.imminent": lambda r: r.emergency is not None and r.emergency.imminent is True,
    "emergency.significant": lambda r: r.emergency is not None and r.emergency.significant is True,
}


def _contents(ctx: Context) -> Hashable:
    """What a contents rule reads: the measure, and which of its required items the request
    holds (the tests of the measure's row, found once per row)."""
    facts = ctx.law.measure(ctx.request.measure)
    known = _TESTS.get(id(facts))
    if known is None or known[0] is not facts:
        known = _TESTS[id(facts)] = (facts, tuple(test for _, _, test in required_items(facts)))
    request = ctx.request
    return request.measure, tuple(test(request) for test in known[1])


_TESTS: dict[int, tuple[MeasureFacts, tuple[Callable[[Request], bool], ...]]] = {}


def required_items(facts: MeasureFacts) -> tuple[Item, ...]:
    """What a request for the measure must contain, as its treaty's measures table lists it:
    (field, what the provision asks, present).

    The completeness rules check these; guided intake shows the same list while the user
    types, so the form and the screening can never disagree about what is missing.
    """
    return tuple((item.field, item.asks, PRESENT[item.field]) for item in facts.required)


def missing_items(request: Request, facts: MeasureFacts) -> list[tuple[str, str]]:
    """The (field, label) pairs ``request`` lacks for its measure (``facts``: the measure's
    row in the treaty's table)."""
    return _missing(request, required_items(facts))


def _missing(request: Request, items: tuple[Item, ...]) -> list[tuple[str, str]]:
    return [(field, label) for field, label, present in items if not present(request)]


def _verdict(missing: list[tuple[str, str]], what: str) -> Verdict:
    if missing:
        listed = "; ".join(f"{label} (field {field})" for field, label in missing)
        plural = "s" if len(missing) != 1 else ""
        return Verdict(
            Result.FAIL,
            f"{what} lacks {len(missing)} item{plural}: {listed}",
            (("missing", tuple(field for field, _ in missing)),),
        )
    return Verdict(Result.PASS, f"{what} contains every required item")


@REGISTRY.rule(
    id="completeness.preservation",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.INVALID,
)
@memoised(
    lambda ctx: (
        _contents(ctx),
        _text(ctx.request.data.custodian) or _text(ctx.request.data.location),
    )
)
def preservation_request(ctx: Context) -> Verdict:
    """A preservation request specifies the authority, the offence and a summary of facts, the
    data and its relation to the offence, any available information on the custodian or the
    location, the necessity of preservation, and the intention to request assistance."""
    req = ctx.request
    if req.measure is not Measure.PRESERVATION:
        return Verdict(Result.NOT_APPLICABLE, "not a preservation request")
    verdict = _verdict(missing_items(req, ctx.law.measure(req.measure)), "the preservation request")
    if verdict.result is Result.PASS and not (
        _text(req.data.custodian) or _text(req.data.location)
    ):
        return Verdict(
            Result.PASS,
            verdict.reason + "; no custodian or location is given, which "
            "(d) asks for only where available",
            verdict.read,
        )
    return verdict


@REGISTRY.rule(
    id="completeness.mla_request",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.INVALID,
)
@memoised(lambda ctx: (_contents(ctx), governed_by(ctx)))
def mla_request(ctx: Context) -> Verdict:
    """A request for mutual legal assistance contains the requesting authority, the subject
    matter and nature of the investigation, a summary of the facts, the assistance sought and
    its purpose; for data, the accounts or communications concerned; for real-time collection
    and interception, their duration."""
    req = ctx.request
    if req.measure not in MLA_MEASURES:
        return Verdict(
            Result.NOT_APPLICABLE,
            f"not a request for mutual legal assistance ({req.measure.value})",
        )
    agreement = governed_by(ctx)
    if agreement is not None:
        return governed_verdict(agreement)
    return _verdict(
        missing_items(req, ctx.law.measure(req.measure)), f"the {req.measure.value} request"
    )


@REGISTRY.rule(
    id="completeness.emergency",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.INVALID,
)
@memoised(_contents)
def emergency_request(ctx: Context) -> Verdict:
    """An emergency is a situation in which there is a significant and imminent risk to the
    life or safety of any natural person; a request made as an emergency must show it."""
    req = ctx.request
    if req.measure is not Measure.EMERGENCY:
        return Verdict(Result.NOT_APPLICABLE, "not an emergency request")
    return _verdict(missing_items(req, ctx.law.measure(req.measure)), "the emergency request")


FIT: dict[Measure, tuple[frozenset[Category], str, Category | None]] = {
    Measure.INTERCEPTION: (
        frozenset({Category.CONTENT}),
        "interception concerns content data",
        Category.CONTENT,
    ),
    Measure.REALTIME_TRAFFIC: (
        frozenset({Category.TRAFFIC}),
        "real-time collection concerns traffic data",
        Category.TRAFFIC,
    ),
    Measure.TRAFFIC_DISCLOSURE: (
        frozenset({Category.TRAFFIC}),
        "expedited disclosure concerns preserved traffic data",
        None,
    ),
}


def _fit_rule(ctx: Context, measure: Measure) -> str:
    """The fit rule with the treaty's articles: the measure's own, then where the treaty
    defines the category (UN Art 2(c), (d); Budapest defines traffic data in Art 1(d))."""
    _, words, category = FIT[measure]
    where = [ctx.law.article_of(measure)]
    defined = ctx.law.facts.definitions.get(category.value) if category else None
    if defined:
        where.append(defined)
    return f"{words} ({', '.join(where)})"


@REGISTRY.rule(
    id="data.fit_to_measure",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.INVALID,
)
@memoised(lambda ctx: (ctx.request.measure, tuple(ctx.request.data.categories)))
def fit_to_measure(ctx: Context) -> Verdict:
    """Interception of content data and real-time collection of traffic data are different
    measures with different conditions; a request must ask for the data its measure concerns."""
    req = ctx.request
    if req.measure not in FIT:
        return Verdict(Result.NOT_APPLICABLE, f"{req.measure.value} may concern any category")
    allowed, _, _ = FIT[req.measure]
    rule = _fit_rule(ctx, req.measure)
    asked = frozenset(req.data.categories)
    read = (("data.categories", tuple(sorted(c.value for c in asked))),)
    if not asked:
        return Verdict(Result.NOT_APPLICABLE, "no data category given (see completeness)", read)
    wrong = sorted(c.value for c in asked - allowed)
    if wrong:
        return Verdict(
            Result.FAIL,
            f"{rule}; the request also asks for {', '.join(wrong)} data, "
            "which needs a request of its own",
            read,
        )
    return Verdict(Result.PASS, rule, read)


@REGISTRY.rule(
    id="preservation.period",
    kind=Kind.RECORD,
    discretion=Discretion.MUST,
)
@memoised(
    lambda ctx: (
        ctx.request.measure,
        ctx.request.requested_state,
        ctx.request.preservation_days,
        ctx.on,
    )
)
def preservation_period(ctx: Context) -> Verdict:
    """Data preserved on request is kept for not less than {preservation.mla_min_days} days,
    and the preservation continues while the request for mutual legal assistance is
    decided."""
    req = ctx.request
    if req.measure is not Measure.PRESERVATION:
        return Verdict(Result.NOT_APPLICABLE, "not a preservation request")
    # The measures table names the constants: the treaty's deadlines for the measure.
    table = ctx.law.bundle
    at_least = table.measure_deadline(req.measure.value, DeadlineKind.PRESERVE_AT_LEAST)
    pending = table.measure_deadline(req.measure.value, DeadlineKind.CONTINUE_PENDING)
    if at_least is None or at_least.constant is None:
        return Verdict(
            Result.NOT_APPLICABLE, f"{table.manifest.short_title} sets no preservation period"
        )
    minimum = ctx.law.value(at_least.constant, ctx.on)
    continues = ctx.law.value(pending.constant, ctx.on) if pending and pending.constant else False
    domestic_max = ctx.law.value("preservation.domestic_max_days", ctx.on)
    assert isinstance(minimum, int) and isinstance(domestic_max, int)
    asked = req.preservation_days
    applied = max(asked or minimum, minimum)
    read = (
        ("preservation_days", asked),
        (at_least.constant, minimum),
        ("preservation.domestic_max_days", domestic_max),
    )
    parts = [f"{req.requested_state} will preserve for at least {applied} days"]
    if asked is None:
        parts.append(f"(no period requested; the minimum is {minimum})")
    elif asked < minimum:
        parts.append(f"(requested {asked}; the minimum is {minimum})")
    if continues:
        parts.append(
            "and the preservation continues while the request for mutual legal "
            "assistance is decided"
        )
    if applied > domestic_max:
        parts.append(
            f"; beyond the domestic maximum of {domestic_max} days ({_cited(ctx, ctx.on)}) it "
            "must be renewed"
        )
    return Verdict(Result.PASS, " ".join(parts), read)


def _cited(ctx: Context, on: date) -> str:
    """``Art 25``: the article the domestic maximum of preservation rests on in the treaty."""
    cite = ctx.law.bundle.constant("preservation.domestic_max_days", on).cite
    return f"Art {cite.article}" if cite is not None else "domestic law"

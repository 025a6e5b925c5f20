"""Grounds for refusal, and what is not a ground.

Each measure has its own list of grounds, read from the bundle's measures table: preservation
and the disclosure of preserved traffic data "may only be refused" for a political offence or
essential interests (the Budapest Art 29(5) and 30(2) model), while mutual legal assistance has
the Art 40 grounds (the UNTOC 18(21) model). A ground outside the measure's list is
``not_applicable`` and says why; where another treaty governs the request (UNTOC 18(7) model),
the Convention's grounds give way to it.

Every ground is discretionary under the Convention ("may be refused"), so an engaged ground is a
``review`` finding for a person. Only the requested State's own law can make one mandatory
(``mandatory_grounds`` in its domestic-law mapping): where such a ground is established by that
mapping (not merely signalled), the outcome is ``refuse``. Refusal grounds override the duty to
assist (``duty.assist``), which the decision then reports as overridden.

- Dual criminality (Art 40, Art 35, unverified): not required for preservation (Art 42,
  unverified); otherwise checked against the requested State's domestic-law mapping.
- Art 40(21) (paragraph number unverified; model UNTOC 18(21)): sovereignty, security, ordre
  public or other essential interests; prohibition in a similar domestic case; contrary to the
  legal system. The nationality of a person concerned is not among them (it is a protected
  characteristic of the persecution clause, and matters in extradition, not here).
- Preservation and its disclosure step (model Budapest 29(5)(a), 30(2)(a)): a political offence.
- Art 40(22) with Art 6(2): the persecution clause, with a human-rights flag.
- Not grounds: the fiscal character of the offence alone; bank secrecy (Art 40, unverified).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from rogatory.law.decision import Discretion, Flag, Kind, Outcome, Result, Verdict
from rogatory.safeguards.context import (
    REGISTRY,
    Context,
    governed_by,
    governed_verdict,
    memo_key,
    memoised,
    unwrapped,
)
from rogatory.safeguards.request import Measure

Read = tuple[tuple[str, object], ...]


def _terms(found: dict[str, list[str]]) -> list[str]:
    return [term for terms in found.values() for term in terms]


def _not_assessed(state: str) -> Verdict:
    """A ground that needs the requested State's domestic law, which was not supplied."""
    return Verdict(
        Result.NOT_APPLICABLE,
        f"not assessed: no domestic-law mapping of {state}; the ground remains open",
    )


RuleFunction = Callable[[Context], Verdict]


def refusal_ground(
    rule_id: str, *, governed: bool = True
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a ground for refusal that overrides the duty to assist.

    The ground applies only to the measures whose list in the bundle names it, and (where
    ``governed``) only while no other treaty governs the request: both are checked here, once,
    before the ground's own function runs.
    """

    def wrap(func: RuleFunction) -> RuleFunction:
        def gate(ctx: Context, inner: RuleFunction) -> Verdict:
            facts = ctx.law.measure(ctx.request.measure)
            if rule_id not in facts.grounds:
                closed = "may only be refused on" if facts.grounds_closed else "has the grounds"
                listed = ", ".join(g.removeprefix("refusal.") for g in facts.grounds)
                cite = facts.grounds_cite
                return Verdict(
                    Result.NOT_APPLICABLE,
                    f"not a ground for {ctx.request.measure.value}: it {closed} {listed} "
                    f"({cite.label}{', model ' + cite.model if cite.model else ''})",
                    (("measure.grounds", tuple(facts.grounds)),),
                    (cite,),
                )
            agreement = governed_by(ctx) if governed else None
            if agreement is not None:
                return governed_verdict(agreement)
            return inner(ctx)

        plain = unwrapped(func)

        @wraps(func)
        def gated(ctx: Context) -> Verdict:
            return gate(ctx, func)

        def gated_plain(ctx: Context) -> Verdict:
            return gate(ctx, plain)

        # what the gate reads (the measure's grounds, the governing treaty) and the ground's
        # own key: the screener memoises the ground's whole finding on both
        key = memo_key(func)
        gated.memo_key = (  # type: ignore[attr-defined]
            None
            if key is None
            else lambda ctx: (
                ctx.request.measure,
                governed_by(ctx) if governed else None,
                key(ctx),
            )
        )
        gated.__wrapped__ = gated_plain

        return REGISTRY.rule(
            id=rule_id,
            kind=Kind.REFUSAL_GROUND,
            discretion=Discretion.MAY,
            on_fail=Outcome.REFUSE,
            overrides="duty.assist",
        )(gated)

    return wrap


def _mandatory(ctx: Context, rule_id: str) -> bool:
    """Whether the requested State's own law (its mapping) makes this ground mandatory."""
    law = ctx.law.domestic.get(ctx.request.requested_state)
    return law is not None and rule_id in law.mandatory_grounds


def _established(ctx: Context, rule_id: str, reason: str, read: Read = ()) -> Verdict:
    """A ground the mapped law establishes: ``refuse`` where that law makes it mandatory,
    otherwise ``review`` for the requested State's discretion."""
    state = ctx.request.requested_state
    if _mandatory(ctx, rule_id):
        return Verdict(
            Result.FAIL,
            f"{reason}; {state}'s law makes this ground mandatory, so {state} must refuse",
            (*read, ("mandatory", True)),
        )
    return Verdict(Result.REVIEW, reason, read)


@refusal_ground("refusal.dual_criminality")
@memoised(
    lambda ctx: (
        ctx.request.measure,
        ctx.request.requested_state,
        tuple(ctx.request.offence.treaty_articles),
        ctx.on,
    )
)
def dual_criminality(ctx: Context) -> Verdict:
    """Where dual criminality is required, it is deemed fulfilled if the conduct is a criminal
    offence under the laws of both States, whatever its label; its absence may be a ground for
    refusal. It is not required to preserve data."""
    req = ctx.request
    state = req.requested_state
    if req.measure is Measure.PRESERVATION:
        required = ctx.law.value("preservation.dual_criminality_required", ctx.on)
        if not required:
            return Verdict(
                Result.NOT_APPLICABLE,
                "dual criminality is not a condition for "
                f"preservation ({ctx.law.article_of(Measure.PRESERVATION)}); a reservation may "
                "change this for offences not established under the Convention (see "
                "reservations)",
                (("preservation.dual_criminality_required", required),),
            )
    law = ctx.law.domestic.get(state)
    if law is None:
        return Verdict(
            Result.REVIEW,
            f"dual criminality is unknown: no domestic-law mapping of "
            f"{state} was supplied (--domestic-law); a person must compare the conduct "
            f"with {state}'s law",
        )
    articles = req.offence.treaty_articles
    if law.treaty != ctx.law.bundle.id:
        return Verdict(
            Result.REVIEW,
            f"{state}'s domestic-law mapping names the offence articles of {law.treaty}, not "
            f"of {ctx.law.bundle.id}: the conduct cannot be matched with its mapped offences; a "
            f"person must compare the conduct with {state}'s law",
            (("domestic_law.treaty", law.treaty),),
        )
    if not articles:
        return Verdict(
            Result.REVIEW,
            f"no Convention article is named for the conduct, so it "
            f"cannot be matched with {state}'s mapped offences; a person must compare "
            "the conduct with its law",
        )
    matches = law.offences_for(articles)
    read = (
        ("offence.treaty_articles", tuple(articles)),
        ("domestic_offences", tuple(o.provision for o in matches)),
    )
    if matches:
        provisions = "; ".join(f"{o.provision} ({o.description})" for o in matches)
        return Verdict(Result.PASS, f"the conduct is criminal in {state} too: {provisions}", read)
    arts = ", ".join(str(a) for a in articles)
    return _established(
        ctx,
        "refusal.dual_criminality",
        f"no offence in {state}'s mapped law covers the conduct of "
        f"Art {arts}: the absence of dual criminality is a ground on which {state} may "
        f"refuse coercive assistance ({ctx.law.basis('refusal.dual_criminality', 'Convention')}"
        "); non-coercive assistance should still be considered",
        read,
    )


@refusal_ground("refusal.essential_interests")
@memoised(
    lambda ctx: (
        ctx.request.requested_state,
        ctx.signal_key("essential_interests", "offence.description", "facts", "assistance_sought"),
    )
)
def essential_interests(ctx: Context) -> Verdict:
    """Assistance may be refused if executing the request is likely to prejudice the
    sovereignty, security, ordre public or other essential interests of the requested State.
    The nationality of a person concerned is not such an interest."""
    req = ctx.request
    hits = _terms(
        ctx.signals("essential_interests", "offence.description", "facts", "assistance_sought")
    )
    read = (("signals", tuple(hits)),)
    if hits:
        return Verdict(
            Result.REVIEW,
            f"the request mentions {', '.join(hits)}: {req.requested_state} may consider "
            "whether execution would prejudice its sovereignty, security, ordre public "
            "or other essential interests",
            read,
        )
    return Verdict(
        Result.PASS,
        "no signal of prejudice to essential interests; the ground "
        f"remains open to {req.requested_state}'s discretion",
        read,
    )


@refusal_ground("refusal.political_offence")
@memoised(
    lambda ctx: (
        ctx.request.requested_state,
        ctx.signal_key("political_offence", "offence.description", "facts"),
    )
)
def political_offence(ctx: Context) -> Verdict:
    """A request for preservation, or the disclosure of preserved traffic data, may be refused
    where the request concerns an offence the requested State considers a political offence or
    an offence connected with a political offence."""
    req = ctx.request
    hits = _terms(ctx.signals("political_offence", "offence.description", "facts"))
    read = (("signals", tuple(hits)),)
    if hits:
        return Verdict(
            Result.REVIEW,
            f"the offence or facts mention {', '.join(hits)}: {req.requested_state} may "
            "consider whether it is a political offence or connected with one",
            read,
        )
    return Verdict(
        Result.PASS,
        "no signal of a political offence; the ground remains open to "
        f"{req.requested_state}'s view",
        read,
    )


@refusal_ground("refusal.domestic_prohibition")
@memoised(lambda ctx: (ctx.request.requested_state, ctx.request.measure))
def domestic_prohibition(ctx: Context) -> Verdict:
    """Assistance may be refused if the requested State's authorities would be prohibited by
    its domestic law from carrying out the action requested in a similar domestic case."""
    req = ctx.request
    law = ctx.law.domestic.get(req.requested_state)
    if law is None:
        return _not_assessed(req.requested_state)
    if req.measure in law.prohibited_measures:
        return _established(
            ctx,
            "refusal.domestic_prohibition",
            f"{req.requested_state}'s law prohibits {req.measure.value} in a similar domestic case",
            (("measure", req.measure.value),),
        )
    return Verdict(
        Result.PASS,
        f"{req.requested_state}'s mapped law does not prohibit "
        f"{req.measure.value} in a similar domestic case",
    )


@refusal_ground("refusal.legal_system")
@memoised(lambda ctx: (ctx.request.requested_state, ctx.request.measure))
def legal_system(ctx: Context) -> Verdict:
    """Assistance may be refused if granting the request would be contrary to the legal system
    of the requested State."""
    req = ctx.request
    law = ctx.law.domestic.get(req.requested_state)
    if law is None:
        return _not_assessed(req.requested_state)
    if req.measure in law.unavailable_measures:
        return _established(
            ctx,
            "refusal.legal_system",
            f"{req.requested_state}'s legal system does not provide for {req.measure.value}",
            (("measure", req.measure.value),),
        )
    return Verdict(
        Result.PASS, f"{req.requested_state}'s mapped law provides for {req.measure.value}"
    )


@refusal_ground("refusal.persecution", governed=False)
@memoised(lambda ctx: ctx.signal_key("persecution.", "offence.description", "facts"))
def persecution(ctx: Context) -> Verdict:
    """There is no obligation to assist where there are substantial grounds for believing that
    the request aims at prosecuting or punishing a person on account of sex, race, language,
    religion, nationality, ethnic origin or political opinions; nothing in the Convention
    permits the suppression of freedom of expression, conscience, religion, assembly or
    association."""
    hits = {
        g.removeprefix("persecution."): w
        for g, w in ctx.signals("persecution.", "offence.description", "facts").items()
    }
    read = tuple((f"signals.{group}", tuple(words)) for group, words in hits.items())
    if hits:
        found = "; ".join(
            f"{group.replace('_', ' ')} ({', '.join(words)})" for group, words in hits.items()
        )
        return Verdict(
            Result.REVIEW,
            f"HUMAN RIGHTS: the offence or facts show signals of {found}. "
            "A person must decide whether there are substantial grounds to believe the "
            "request aims at punishing protected conduct or a person for a protected "
            "characteristic; it can never be cleared automatically",
            read,
            flags=(Flag.HUMAN_RIGHTS,),
        )
    return Verdict(Result.PASS, "no signal of persecution in the offence description or facts")


@REGISTRY.rule(id="not_grounds.fiscal", kind=Kind.RECORD, discretion=Discretion.MUST)
@memoised(
    lambda ctx: (
        hits := ctx.signal_key("fiscal", "offence.description", "facts"),
        hits
        and (
            ctx.request.requested_state,
            tuple(ctx.request.offence.treaty_articles),
            governed_by(ctx),
        ),
    )
)
def fiscal(ctx: Context) -> Verdict:
    """A request may not be refused on the sole ground that the offence is also considered to
    involve fiscal matters."""
    hits = _terms(ctx.signals("fiscal", "offence.description", "facts"))
    if not hits:
        return Verdict(Result.NOT_APPLICABLE, "no fiscal aspect mentioned")
    if ctx.law.facts.fiscal_not_a_ground_for == "treaty_offences":
        return _fiscal_for_treaty_offences(ctx, hits)
    agreement = governed_by(ctx)
    if agreement is not None:
        return governed_verdict(agreement)
    return Verdict(
        Result.PASS,
        f"the request has a fiscal aspect ({', '.join(hits)}); that alone "
        "is not a ground for refusal",
        (("signals", tuple(hits)),),
    )


def _fiscal_for_treaty_offences(ctx: Context, hits: list[str]) -> Verdict:
    """Where the bar protects only the treaty's own offences (Budapest Art 25(4): "in relation
    to the offences referred to in Articles 2 through 11"), whatever treaty governs the request:
    for any other offence a fiscal character may be a ground under the requested State's law."""
    req = ctx.request
    offences = ctx.law.facts.offences
    basis = ctx.law.basis("not_grounds.fiscal", "the Convention")
    read = (
        ("signals", tuple(hits)),
        ("offence.treaty_articles", tuple(req.offence.treaty_articles)),
    )
    if req.offence.treaty_articles:
        arts = ", ".join(f"Art {a}" for a in req.offence.treaty_articles)
        return Verdict(
            Result.PASS,
            f"the request has a fiscal aspect ({', '.join(hits)}); for an offence of "
            f"{offences.label} ({arts}) {req.requested_state} shall not refuse solely because "
            f"it considers it a fiscal offence ({basis})",
            read,
        )
    return Verdict(
        Result.REVIEW,
        f"the request has a fiscal aspect ({', '.join(hits)}) and names no offence of "
        f"{offences.label}: the bar on refusing a fiscal offence ({basis}) covers only those; "
        f"for this offence {req.requested_state}'s law or the applicable treaty may allow it",
        read,
    )


@REGISTRY.rule(
    id="not_grounds.bank_secrecy",
    kind=Kind.RECORD,
    discretion=Discretion.MUST,
)
@memoised(
    lambda ctx: ctx.signal_key("bank_secrecy", "data.custodian", "facts", "assistance_sought")
)
def bank_secrecy(ctx: Context) -> Verdict:
    """Mutual legal assistance may not be declined on the ground of bank secrecy."""
    hits = _terms(ctx.signals("bank_secrecy", "data.custodian", "facts", "assistance_sought"))
    if not hits:
        return Verdict(Result.NOT_APPLICABLE, "no bank or bank secrecy mentioned")
    return Verdict(
        Result.PASS,
        f"the data is held by or concerns a bank ({', '.join(hits)}); bank "
        "secrecy is not a ground for refusal",
        (("signals", tuple(hits)),),
    )

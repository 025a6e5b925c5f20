"""Whether the treaty applies at all, and under which legal basis.

Its entry-into-force clause (UN Art 65; Budapest Arts 36, 37) decides whether both states are
bound on the date. The scope follows the measure and the treaty's ``treaty:`` facts in
screening.yaml: for an offence established in accordance with the treaty (UN Arts 7-17 with
participation and attempt, Art 19; Budapest Arts 2-11 with Art 11) every form of cooperation is
in scope; beyond them the UN Convention (Art 35 with Arts 2(h), 3(b)) reaches only electronic
evidence of a serious crime, Budapest (Arts 23, 25(1)) evidence in electronic form of any
criminal offence and every form of co-operation for offences related to computer systems and
data. Outside it the treaty imposes no obligation: the outcome is ``outside_scope`` (not a
refusal), naming the other bases that may apply. Where another mutual legal assistance treaty
binds the two States, its provisions govern the request (the UNTOC 18(7) model, Budapest
Art 27(1)), which ``basis.governing_treaty`` says.
"""

from __future__ import annotations

from rogatory.law.citation import parse_provision_id
from rogatory.law.decision import Discretion, Kind, Outcome, Result, Verdict
from rogatory.safeguards import agreements
from rogatory.safeguards.context import (
    REGISTRY,
    STAND_ALONE_KINDS,
    Context,
    governed_by,
    memoised,
)
from rogatory.safeguards.request import AssistanceKind, Measure, OffenceForm

Read = tuple[tuple[str, object], ...]


@REGISTRY.rule(
    id="relation.in_force",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.NOT_IN_FORCE,
)
@memoised(lambda ctx: (ctx.request.requesting_state, ctx.request.requested_state, ctx.on))
def in_force_between(ctx: Context) -> Verdict:
    """The Convention creates obligations between two states only when both are bound on the
    date of the request."""
    req = ctx.request
    between = ctx.law.register.in_force_between(req.requesting_state, req.requested_state, ctx.on)
    cites = tuple(c for p in between.parties for c in p.cites)
    read = tuple((f"status[{p.state.code}]", p.status.value) for p in between.parties)
    if between.in_force:
        return Verdict(
            Result.PASS,
            f"both {req.requesting_state} and {req.requested_state} are bound on {ctx.on}",
            read,
            cites,
        )
    return Verdict(Result.FAIL, "; ".join(between.reasons), read, cites)


def _other_bases(ctx: Context) -> str:
    """The legal bases a request outside the Convention may still rest on."""
    req = ctx.request
    report = ctx.law.bases(req.requesting_state, req.requested_state, ctx.on)
    own = ctx.law.bundle.instrument
    listed = "; ".join(x.instrument for x in report.bases if x.in_force and x.instrument != own)
    treaties = (
        f"the treaties in force between them ({listed})"
        if listed
        else ("a bilateral or regional treaty between them, if any (--agreements)")
    )
    return (
        f"Other legal bases may apply: {treaties}, {req.requested_state}'s domestic law on "
        "mutual assistance, or reciprocity"
    )


def _offence_articles(ctx: Context) -> tuple[tuple[int, ...], str]:
    """The Convention articles the conduct falls under, and whose reading that is: the
    requested State's own characterisation, once it has made one, decides its obligation."""
    offence = ctx.request.offence
    if offence.requested_state_articles is not None:
        return tuple(sorted(set(offence.requested_state_articles))), ctx.request.requested_state
    return tuple(sorted(set(offence.treaty_articles))), ctx.request.requesting_state


@REGISTRY.rule(
    id="scope.offence_or_serious_crime",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.OUTSIDE_SCOPE,
)
@memoised(
    lambda ctx: (
        ctx.request.measure,
        ctx.request.assistance_kind,
        tuple(ctx.request.offence.treaty_articles),
        None
        if ctx.request.offence.requested_state_articles is None
        else tuple(ctx.request.offence.requested_state_articles),
        ctx.request.offence.form,
        ctx.request.offence.max_penalty_years,
        ctx.request.offence.penalty_more_serious,
        ctx.request.offence.computer_related,
        ctx.request.requesting_state,
        ctx.request.requested_state,
        ctx.on,
    )
)
def scope(ctx: Context) -> Verdict:
    """Every form of cooperation is in scope for an offence established in accordance with the
    Convention (Arts 7-17, including participation and attempt); for any other serious crime (a
    maximum deprivation of liberty of at least {serious_crime.min_statutory_max_years} years, or
    a more serious penalty) only
    collecting, obtaining, preserving and sharing evidence in electronic form is."""
    req = ctx.request
    offence = req.offence
    treaty = ctx.law.facts
    articles, reader = _offence_articles(ctx)
    if treaty.evidence_of != "serious_crime":
        return _scope_any_offence(ctx, articles, reader)
    minimum = ctx.law.value("serious_crime.min_statutory_max_years", ctx.on)
    read: tuple[tuple[str, object], ...] = (
        ("measure", req.measure.value),
        ("offence.treaty_articles", tuple(offence.treaty_articles)),
        ("offence.requested_state_articles", offence.requested_state_articles),
        ("offence.form", offence.form.value),
        ("offence.max_penalty_years", offence.max_penalty_years),
        ("serious_crime.min_statutory_max_years", minimum),
        ("assistance_kind", req.assistance_kind.value if req.assistance_kind else None),
    )
    if articles:
        unconfirmed = _form_unconfirmed(ctx, articles)
        if unconfirmed is None:
            return _treaty_offence(ctx, articles, reader, read)
        return _optional_form(unconfirmed, _serious_crime(ctx, read, minimum), read)
    return _serious_crime(ctx, read, minimum)


def _serious_crime(ctx: Context, read: Read, minimum: object) -> Verdict:
    """Beyond the Convention's own offences: electronic evidence of a serious crime."""
    req = ctx.request
    offence = req.offence
    facts = ctx.law.measure(req.measure)
    serious: bool | None
    if offence.penalty_more_serious:
        serious, why = True, "the penalty is more serious than deprivation of liberty"
    elif offence.max_penalty_years is None:
        serious, why = None, "the statutory maximum penalty is unknown"
    else:
        assert isinstance(minimum, int | float)
        serious = offence.max_penalty_years >= minimum
        why = f"statutory maximum {offence.max_penalty_years:g} years, " + (
            f"at least {minimum}" if serious else f"below the {minimum} years of a serious crime"
        )
    if offence.requested_state_articles == []:
        why += f"; {req.requested_state} finds no Convention offence in the conduct"
    if serious is False:
        return Verdict(
            Result.FAIL,
            f"outside the Convention: no Convention offence and not a serious crime ({why}); "
            f"the Convention imposes no obligation to assist. {_other_bases(ctx)}",
            read,
        )
    evidence = facts.evidence or req.assistance_kind is AssistanceKind.ELECTRONIC_EVIDENCE
    if serious is None:
        return Verdict(
            Result.REVIEW,
            f"{why} and no Convention offence is named: whether this is a serious crime "
            "(and so within the Convention for electronic evidence) cannot be decided",
            read,
        )
    if evidence:
        return Verdict(
            Result.PASS,
            f"a serious crime ({why}): collecting, obtaining, preserving and sharing "
            f"electronic evidence of it ({req.measure.value}) is in scope",
            read,
        )
    if req.assistance_kind is None:
        return Verdict(
            Result.REVIEW,
            f"a serious crime ({why}), not a Convention offence: only electronic evidence is "
            "in scope, and the request does not say what assistance it seeks "
            "(assistance_kind)",
            read,
        )
    return Verdict(
        Result.FAIL,
        f"outside the Convention: for a serious crime that is not a Convention offence "
        f"({why}), only electronic evidence is in scope, and this request seeks "
        f"assistance of another kind ({req.assistance_kind.value.replace('_', ' ')}); the "
        "Convention imposes no obligation "
        f"to assist. {_other_bases(ctx)}",
        read,
    )


def _form_unconfirmed(ctx: Context, articles: tuple[int, ...]) -> str | None:
    """Why an offence in this form is not yet known to be the treaty's own, or None.

    A form the treaty leaves to each State (UN Art 19: attempt and preparation "may" be
    established, recollection), or one the requested State has reserved under the forms
    article (Budapest Art 11(3) for attempt), is the treaty's offence only where the requested
    State says it established it: by its own characterisation of the conduct
    (``offence.requested_state_articles``) or its domestic-law mapping (``offences[].forms``).
    """
    req = ctx.request
    form = req.offence.form
    labels = ctx.law.facts.offences
    if form is OffenceForm.COMMISSION or form.value not in labels.forms:
        return None
    reserved = [
        s.concerns
        for s in ctx.law.register.reservations_in_effect(req.requested_state, ctx.on)
        if parse_provision_id(s.concerns)[1] == labels.forms_article
    ]
    if form.value not in labels.optional_forms and not reserved:
        return None
    if req.offence.requested_state_articles:
        return None
    law = ctx.law.domestic.get(req.requested_state)
    if (
        law is not None
        and law.treaty == ctx.law.bundle.id
        and any(form in o.forms for o in law.offences_for(list(articles)))
    ):
        return None
    why = (
        f"{req.requested_state} has a reservation to Art {labels.forms_article} in effect "
        f"({', '.join(reserved)})"
        if reserved
        else f"Art {labels.forms_article} lets each State choose whether to establish "
        f"{' and '.join(labels.optional_forms)} as offences"
    )
    arts = ", ".join(f"Art {a}" for a in articles)
    return (
        f"{form.value} of an offence of {arts}: {why}, and neither {req.requested_state}'s "
        "characterisation of the conduct (offence.requested_state_articles) nor its "
        "domestic-law mapping (offences[].forms) says it made this form an offence, so it is "
        "not known to be an offence established in accordance with the Convention"
    )


def _optional_form(unconfirmed: str, fallback: Verdict, read: Read) -> Verdict:
    """An offence in an optional form: in scope anyway where the rest of the scope reaches it
    (electronic evidence of a serious crime), otherwise for a person, never silently."""
    if fallback.result is Result.PASS:
        return Verdict(Result.PASS, f"{unconfirmed}; but {fallback.reason}", read)
    return Verdict(
        Result.REVIEW,
        f"{unconfirmed}: a person must ask the requested State or check its law. If it has "
        f"not: {fallback.reason}",
        read,
    )


def _treaty_offence(
    ctx: Context, articles: tuple[int, ...], reader: str, read: tuple[tuple[str, object], ...]
) -> Verdict:
    """An offence established in accordance with the treaty: every form of co-operation."""
    offence = ctx.request.offence
    arts = ", ".join(f"Art {a}" for a in articles)
    form = (
        ""
        if offence.form is OffenceForm.COMMISSION
        else f" ({offence.form.value}, Art {ctx.law.facts.offences.forms_article})"
    )
    return Verdict(
        Result.PASS,
        f"an offence established in accordance with the Convention ({arts}{form}, as "
        f"{reader} characterises it): every form of cooperation is in scope",
        read,
        tuple(ctx.law.article_cite(a) for a in articles),
    )


def _scope_any_offence(ctx: Context, articles: tuple[int, ...], reader: str) -> Verdict:
    """The scope of a treaty with no threshold of seriousness (Budapest Arts 23, 25(1)): its own
    offences and, where it says so, any criminal offence related to computer systems and data
    for every form of co-operation; the collection of evidence in electronic form of any
    criminal offence."""
    req = ctx.request
    offence = req.offence
    treaty = ctx.law.facts
    read: tuple[tuple[str, object], ...] = (
        ("measure", req.measure.value),
        ("offence.treaty_articles", tuple(offence.treaty_articles)),
        ("offence.requested_state_articles", offence.requested_state_articles),
        ("offence.form", offence.form.value),
        ("offence.computer_related", offence.computer_related),
        ("assistance_kind", req.assistance_kind.value if req.assistance_kind else None),
    )
    labels = treaty.offences
    note = ""
    if (
        articles
        and offence.form is not OffenceForm.COMMISSION
        and offence.form.value not in labels.forms
    ):
        note = (
            f" ({offence.form.value} is not among the forms Art {labels.forms_article} "
            f"establishes: {', '.join(labels.forms)})"
        )
        articles = ()
    if articles:
        unconfirmed = _form_unconfirmed(ctx, articles)
        if unconfirmed is None:
            return _treaty_offence(ctx, articles, reader, read)
        return _optional_form(unconfirmed, _beyond_own(ctx, (), reader, read, ""), read)
    return _beyond_own(ctx, articles, reader, read, note)


def _beyond_own(
    ctx: Context, articles: tuple[int, ...], reader: str, read: Read, note: str
) -> Verdict:
    """Beyond the treaty's own offences: offences related to computer systems and data, and
    evidence in electronic form of any criminal offence."""
    req = ctx.request
    offence = req.offence
    treaty = ctx.law.facts
    labels = treaty.offences
    if offence.requested_state_articles == []:
        note += f" ({req.requested_state} finds no offence of {labels.label} in the conduct)"
    evidence = (
        ctx.law.measure(req.measure).evidence
        or req.assistance_kind is AssistanceKind.ELECTRONIC_EVIDENCE
    )
    if evidence:
        return Verdict(
            Result.PASS,
            f"no offence of {labels.label} is named{note}: the collection of evidence in "
            f"electronic form of any criminal offence ({req.measure.value}) is in scope, with "
            "no threshold of seriousness",
            read,
        )
    related = "related to computer systems and data"
    if treaty.related_offences and offence.computer_related:
        return Verdict(
            Result.PASS,
            f"a criminal offence {related} (offence.computer_related){note}: every form of "
            "co-operation is in scope",
            read,
        )
    if treaty.related_offences and offence.computer_related is None:
        return Verdict(
            Result.REVIEW,
            f"no offence of {labels.label} is named{note} and the request does not say "
            f"whether the offence is {related} (offence.computer_related): if it is not, "
            "only the collection of evidence in electronic form is in scope",
            read,
        )
    if req.assistance_kind is None:
        return Verdict(
            Result.REVIEW,
            f"not an offence of {labels.label} nor one {related}{note}: only evidence in "
            "electronic form is in scope, and the request does not say what assistance it "
            "seeks (assistance_kind)",
            read,
        )
    return Verdict(
        Result.FAIL,
        f"outside the Convention: the offence is not one of {labels.label} nor one "
        f"{related}{note}, and this request seeks assistance of another kind "
        f"({req.assistance_kind.value.replace('_', ' ')}) than the collection of evidence in "
        f"electronic form; the Convention imposes no obligation to assist. {_other_bases(ctx)}",
        read,
    )


@REGISTRY.rule(
    id="scope.measure_requested_alone",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
    on_fail=Outcome.INVALID,
)
@memoised(lambda ctx: ctx.request.measure)
def measure_requested_alone(ctx: Context) -> Verdict:
    """Some measures are steps the requested State takes while executing another request (the
    disclosure of preserved traffic data, while preserving); they are not requested alone."""
    facts = ctx.law.measure(ctx.request.measure)
    if facts.step_of is None:
        return Verdict(Result.PASS, f"{ctx.request.measure.value} is requested on its own")
    return Verdict(
        Result.FAIL,
        f"{facts.title} is a step of executing a {facts.step_of} request (the requested "
        "State discloses enough traffic data to identify another provider or State in the "
        "chain), not a request of its own: to obtain traffic data, send a stored_data "
        f"({ctx.law.article_of(Measure.STORED_DATA)}) or realtime_traffic "
        f"({ctx.law.article_of(Measure.REALTIME_TRAFFIC)}) request",
        (("step_of", facts.step_of),),
        (ctx.law.article_cite(facts.articles[0]),),
    )


@REGISTRY.rule(
    id="basis.governing_treaty",
    kind=Kind.CONDITION,
    discretion=Discretion.MUST,
)
@memoised(
    lambda ctx: (
        ctx.request.measure,
        ctx.request.requesting_state,
        ctx.request.requested_state,
        ctx.on,
    )
)
def governing_treaty(ctx: Context) -> Verdict:
    """Where the two States are bound by another treaty of mutual legal assistance, its
    provisions govern the request's form, contents and grounds for refusal, unless they agree
    to apply the Convention's paragraphs instead; bank secrecy is never a ground."""
    req = ctx.request
    found = agreements.between(
        ctx.law.agreements, req.requesting_state, req.requested_state, ctx.on
    )
    read = (("agreements", tuple(a.instrument for a in found)),)
    if ctx.law.measure(req.measure).kind in STAND_ALONE_KINDS:
        return Verdict(
            Result.NOT_APPLICABLE,
            f"{req.measure.value} has its own article; another treaty does not displace it",
            read,
        )
    agreement = governed_by(ctx)
    if agreement is not None:
        return Verdict(
            Result.REVIEW,
            f"{agreement.instrument} binds {req.requesting_state} and {req.requested_state} on "
            f"{ctx.on}: its provisions govern this request's form, contents and grounds for "
            f"refusal ({ctx.law.basis('basis.governing_treaty', 'the Convention')}); apply "
            "that instrument"
            + (
                ". Bank secrecy is still no ground "
                f"({ctx.law.basis('not_grounds.bank_secrecy', 'the Convention')})"
                if ctx.law.applies("not_grounds.bank_secrecy")
                else ""
            ),
            read,
        )
    if found:
        return Verdict(
            Result.PASS,
            f"{', '.join(a.instrument for a in found)} binds the States, which apply the "
            "Convention's paragraphs instead",
            read,
        )
    return Verdict(
        Result.PASS,
        "no other treaty between the States is known (--agreements): the Convention's "
        "paragraphs apply",
        read,
    )


@REGISTRY.rule(id="duty.assist", kind=Kind.DUTY, discretion=Discretion.MUST)
@memoised(lambda ctx: ctx.request.measure)
def duty_to_assist(ctx: Context) -> Verdict:
    """Within scope and in force, the requested State shall afford the assistance, subject to
    the conditions and grounds for refusal of the Convention and its domestic law."""
    article = ctx.law.measure(ctx.request.measure).articles[0]
    cite = ctx.law.article_cite(article)
    return Verdict(
        Result.PASS,
        f"{ctx.request.measure.value}: assistance under Art {article} "
        f"({cite.label}), subject to the grounds for refusal below",
        cites=(cite,),
    )

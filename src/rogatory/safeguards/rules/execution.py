"""What a central authority checks before executing: where the data is, the request's language,
and whether it must be kept confidential.

- Preservation and access reach data stored in the requested State's territory (the model
  Budapest Arts 29(1) and 31(1): data "located within the territory"); data said to be elsewhere
  is for a person to route (another State, or the 24/7 network for the provider's location).
- A request is made in a language the requested State accepts, as it notified (the model
  UNTOC 18(14)); the notifications come from the party register.
- A requesting State may ask that the request and its contents be kept confidential; the
  requested State complies or promptly says it cannot (the model UNTOC 18(20)). The finding
  tells the case workflow to place a non-disclosure order.
"""

from __future__ import annotations

from rogatory.law.decision import Discretion, Kind, Result, Verdict
from rogatory.parties import states
from rogatory.parties.declarations import Subject
from rogatory.safeguards.context import REGISTRY, Context, memoised


@REGISTRY.rule(
    id="territory.data_location",
    kind=Kind.CONDITION,
    discretion=Discretion.MAY,
)
@memoised(lambda ctx: (ctx.request.data.location, ctx.request.requested_state))
def data_location(ctx: Context) -> Verdict:
    """Preservation and access concern data stored in the requested State's territory; data
    located elsewhere is a matter for the State where it is."""
    req = ctx.request
    where = (req.data.location or "").strip()
    read = (("data.location", where or None),)
    if not where:
        return Verdict(Result.NOT_APPLICABLE, "no location of the data is given", read)
    state = states.find(where)
    if state is None:
        return Verdict(
            Result.PASS,
            f"the data is located at {where!r}, not named as a State; a person confirms it is in "
            f"{req.requested_state}'s territory",
            read,
        )
    if state.code == req.requested_state:
        return Verdict(
            Result.PASS, f"the data is located in {state.code}, the requested State", read
        )
    return Verdict(
        Result.REVIEW,
        f"the data is said to be located in {state.code}, not in {req.requested_state}: "
        "preservation and access reach data in the requested State's territory "
        f"({ctx.law.basis('territory.data_location', 'the Convention')}); consider telling "
        f"{req.requesting_state} to ask "
        f"{state.code}, or the 24/7 network to locate the provider",
        read,
    )


@REGISTRY.rule(
    id="channel.language",
    kind=Kind.CONDITION,
    discretion=Discretion.MAY,
)
@memoised(lambda ctx: (ctx.request.language, ctx.request.requested_state, ctx.on))
def language(ctx: Context) -> Verdict:
    """A request is made in a language acceptable to the requested State, as notified to the
    Secretary-General."""
    req = ctx.request
    notes = ctx.law.register.notifications_in_effect(req.requested_state, ctx.on)
    notified = notes.get(Subject.LANGUAGES)
    asked = (req.language or "").strip()
    read: tuple[tuple[str, object], ...] = (("language", asked or None),)
    if notified is None:
        return Verdict(
            Result.NOT_APPLICABLE,
            f"{req.requested_state} has notified no accepted languages (as of {ctx.on})",
            read,
        )
    accepted = [notified.details] if isinstance(notified.details, str) else notified.details
    read = (*read, ("accepted", tuple(accepted)))
    if not asked:
        return Verdict(
            Result.REVIEW,
            f"the request does not state its language (language); {req.requested_state} "
            f"accepts {', '.join(accepted)}",
            read,
        )
    if asked.casefold() in {a.strip().casefold() for a in accepted}:
        return Verdict(
            Result.PASS, f"written in {asked}, which {req.requested_state} accepts", read
        )
    return Verdict(
        Result.REVIEW,
        f"written in {asked}; {req.requested_state} accepts {', '.join(accepted)} (notified "
        f"{notified.made_on}): ask for a translation or accept it",
        read,
    )


@REGISTRY.rule(
    id="confidentiality.requested",
    kind=Kind.RECORD,
    discretion=Discretion.MUST,
)
@memoised(lambda ctx: (ctx.request.confidentiality_requested, ctx.request.requesting_state))
def confidentiality(ctx: Context) -> Verdict:
    """Where the requesting State asks, the requested State keeps the request and its contents
    confidential, except as needed to execute it; if it cannot, it promptly says so."""
    req = ctx.request
    read = (("confidentiality_requested", req.confidentiality_requested),)
    if not req.confidentiality_requested:
        return Verdict(Result.NOT_APPLICABLE, "no confidentiality is asked for", read)
    return Verdict(
        Result.PASS,
        f"{req.requesting_state} asks that the request be kept confidential: keep it so "
        "(a non-disclosure order on the case), or promptly tell it that this cannot be done "
        f"({ctx.law.basis('confidentiality.requested', 'the Convention')})",
        read,
    )

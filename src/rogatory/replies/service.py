"""Replies through their life: drafted from the decision, edited, approved where four eyes
apply, sent, delivered. Every change is audited in the transaction that makes it.

A reply is bound to what it was drafted from: the case's latest screening and the digest of
the decision's facts (``facts.Drafting``). Approving and sending check the binding again, so a
reply drafted from screening N cannot be sent once the case was screened again, and a refusal
drafted before its grounds changed cannot go out with the old ones (``reply.stale``: draft it
again). The text sent is stored with its SHA-256; delivery is a status of its own, so the
exchange between nodes can later pick up the sent replies still ``pending``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory import inputs
from rogatory.errors import RogatoryError
from rogatory.replies import facts as facts_
from rogatory.replies import templates as templates_
from rogatory.replies.kinds import TITLES, Channel, Delivery, Kind, ReplyStatus, needs_second_person
from rogatory.replies.models import ReplyRow
from rogatory.replies.templates import Templates
from rogatory.requests import flows, permissions
from rogatory.requests.flows import Actor
from rogatory.requests.models import Case
from rogatory.requests.permissions import Action

TEXT_MAX = inputs.LONG_TEXT
OPEN = frozenset({ReplyStatus.DRAFT, ReplyStatus.APPROVED})


@dataclass(frozen=True)
class Offer:
    """A reply the case can be answered with now: its kind, languages, and whether a second
    person must approve it."""

    kind: Kind
    title: str
    languages: list[str]
    language: str  # the default: the request document's, where a template exists for it
    four_eyes: bool
    basis: str
    checks: tuple[str, ...]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def default_language(case: Case, languages: list[str]) -> str:
    """The request document's language where a template is written in it, else English."""
    wanted = templates_.language_of(case.request.get("language"))
    if wanted in languages:
        return wanted
    return templates_.DEFAULT_LANGUAGE if templates_.DEFAULT_LANGUAGE in languages else languages[0]


def offers(session: Session, case: Case, templates: Templates) -> list[Offer]:
    out = []
    for kind, drafting in facts_.available(session, case).items():
        languages = templates.languages(kind.value)
        if not languages:
            continue
        out.append(
            Offer(
                kind,
                TITLES[kind],
                languages,
                default_language(case, languages),
                needs_second_person(kind),
                drafting.basis,
                drafting.checks,
            )
        )
    return out


def of_case(session: Session, case: Case) -> list[ReplyRow]:
    return list(
        session.execute(
            select(ReplyRow).where(ReplyRow.case_id == case.id).order_by(ReplyRow.id)
        ).scalars()
    )


def get(session: Session, actor: Actor, case_id: str, reply_id: int) -> tuple[Case, ReplyRow]:
    """The case and one of its replies; another organisation's, or another case's, is not
    found."""
    case = flows.get_or_raise(session, actor, case_id)
    row = session.get(ReplyRow, reply_id)
    if row is None or row.case_id != case.id:
        raise RogatoryError("reply.not_found", f"no reply {reply_id} on this case")
    return case, row


def context(
    session: Session, case: Case, drafting: facts_.Drafting, language: str, signatory: str
) -> dict[str, Any]:
    """What a template reads: the letter's frame, the kind's facts, the date, who signs."""
    screening = flows.latest_screening(session, case)
    return {
        **facts_.frame(session, case, screening),
        "kind": drafting.kind.value,
        "language": language,
        "facts": drafting.facts,
        "today": date.today().isoformat(),
        "signatory": signatory,
    }


def render(templates: Templates, kind: Kind, language: str, ctx: dict[str, Any]) -> tuple[str, str]:
    """The letter's text and the template it came from (``fr/refusal.txt``)."""
    name = f"{language}/{kind.value}.txt"
    text = templates_.render(templates.replies, name, templates.origin(name), ctx)
    return text.strip() + "\n", name


def _offered(session: Session, case: Case, kind: Kind) -> facts_.Drafting:
    found = facts_.available(session, case)
    if kind not in found:
        can = ", ".join(k.value for k in found) or "none"
        raise RogatoryError(
            "reply.not_available",
            f"the case ({case.status}) has no decision or step a {kind.value} answers",
            help=f"replies this case can be answered with now: {can}",
        )
    return found[kind]


def draft(
    session: Session,
    actor: Actor,
    case_id: str,
    kind: str,
    templates: Templates,
    *,
    language: str | None = None,
) -> ReplyRow:
    """Draft a reply of ``kind`` from the case as it stands, in ``language`` (default: the
    request document's, where a template exists, else English)."""
    permissions.require(actor.roles, Action.DRAFT_REPLY)
    case = flows.get_or_raise(session, actor, case_id)
    try:
        chosen = Kind(kind)
    except ValueError:
        raise RogatoryError(
            "reply.not_available",
            f"field kind: {kind!r} is not a kind of reply",
            help="kinds: " + ", ".join(k.value for k in Kind),
        ) from None
    drafting = _offered(session, case, chosen)
    languages = templates.languages(chosen.value)
    lang = templates_.language_of(language) if language else default_language(case, languages)
    if lang not in languages:
        raise RogatoryError(
            "reply.invalid_language",
            f"field language: no {chosen.value} template in {language!r}",
            help=f"languages with a {chosen.value} template: {', '.join(languages)}",
        )
    who = facts_.names(session, case.org_id)
    ctx = context(session, case, drafting, lang, who.get(actor.user, actor.user))
    text, template = render(templates, chosen, lang, ctx)
    row = ReplyRow(
        case_id=case.id,
        kind=chosen.value,
        language=lang,
        status=ReplyStatus.DRAFT.value,
        text=text,
        template=template,
        screening_id=drafting.screening_id,
        basis=drafting.basis,
        basis_digest=drafting.digest,
        checks=list(drafting.checks),
        drafted_by=actor.user,
        drafted_at=_now(),
        facts=drafting.facts,
    )
    session.add(row)
    session.flush()
    flows.record(
        session,
        case,
        actor,
        "reply.drafted",
        {
            "reply": row.id,
            "kind": row.kind,
            "language": row.language,
            "template": templates.origin(template),
            "basis": row.basis,
            "screening": ctx["screening"]["seq"],
            "sha256": sha256(text),
        },
    )
    return row


def stale(session: Session, case: Case, row: ReplyRow) -> str | None:
    """Why the reply no longer answers the case as it stands (None: it still does)."""
    screening = flows.latest_screening(session, case)
    if screening.id != row.screening_id:
        return (
            f"it was drafted from an earlier screening; the case was screened again "
            f"(screening {screening.seq} is the latest)"
        )
    now = facts_.available(session, case).get(Kind(row.kind))
    if now is None:
        return f"the case ({case.status}) no longer has the decision it answered ({row.basis})"
    if now.basis != row.basis or now.digest != row.basis_digest:
        return f"the decision it answered changed since it was drafted (now {now.basis})"
    return None


def _still_bound(session: Session, case: Case, row: ReplyRow, doing: str) -> None:
    why = stale(session, case, row)
    if why is not None:
        raise RogatoryError(
            "reply.stale",
            f"reply {row.id} cannot be {doing}: {why}",
            help="draft the reply again from the case as it stands",
        )


def _must_be(row: ReplyRow, allowed: frozenset[ReplyStatus], doing: str) -> None:
    if ReplyStatus(row.status) not in allowed:
        raise RogatoryError("reply.wrong_status", f"a {row.status} reply cannot be {doing}")


def edit(session: Session, actor: Actor, case_id: str, reply_id: int, text: str) -> ReplyRow:
    """Replace the draft's text. An approved reply goes back to draft: the approval was of
    the text as it was."""
    permissions.require(actor.roles, Action.DRAFT_REPLY)
    case, row = get(session, actor, case_id, reply_id)
    _must_be(row, OPEN, "edited")
    text = text.replace("\r\n", "\n")
    problem = inputs.unstorable(text)
    if not text.strip() or len(text) > TEXT_MAX or problem:
        raise RogatoryError(
            "reply.invalid_text",
            f"field text: 1 to {TEXT_MAX} characters of storable text"
            + (f" ({problem})" if problem else f" ({len(text)} given)"),
        )
    voided = row.status == ReplyStatus.APPROVED.value
    row.text = text if text.endswith("\n") else text + "\n"
    row.edited_by, row.edited_at = actor.user, _now()
    row.status = ReplyStatus.DRAFT.value
    row.approved_by = row.approved_at = None
    session.flush()
    flows.record(
        session,
        case,
        actor,
        "reply.edited",
        {"reply": row.id, "sha256": sha256(row.text), "approval_voided": voided},
    )
    return row


def _authors(row: ReplyRow) -> set[str]:
    return {row.drafted_by, *([row.edited_by] if row.edited_by else [])}


def approve(session: Session, actor: Actor, case_id: str, reply_id: int) -> ReplyRow:
    """The second person's approval of the text as it stands: never the one who drafted or
    last edited it."""
    permissions.require(actor.roles, Action.APPROVE_REPLY)
    case, row = get(session, actor, case_id, reply_id)
    _must_be(row, frozenset({ReplyStatus.DRAFT}), "approved")
    if actor.user in _authors(row):
        raise RogatoryError(
            "reply.own_draft",
            "the person who drafted or last edited a reply cannot approve it (four eyes)",
            help="ask another approver",
        )
    _still_bound(session, case, row, "approved")
    row.status = ReplyStatus.APPROVED.value
    row.approved_by, row.approved_at = actor.user, _now()
    session.flush()
    flows.record(
        session, case, actor, "reply.approved", {"reply": row.id, "sha256": sha256(row.text)}
    )
    return row


def send(session: Session, actor: Actor, case_id: str, reply_id: int) -> ReplyRow:
    """Send the reply: its text is fixed, hashed and recorded, and it waits for delivery."""
    permissions.require(actor.roles, Action.DRAFT_REPLY)
    case, row = get(session, actor, case_id, reply_id)
    _must_be(row, OPEN, "sent")
    kind = Kind(row.kind)
    if needs_second_person(kind) and row.status != ReplyStatus.APPROVED.value:
        raise RogatoryError(
            "reply.approval_needed",
            f"a {kind.value} reply is sent only once a second person approved it (four eyes)",
            help="an approver other than the one who drafted or edited it approves it first",
        )
    _still_bound(session, case, row, "sent")
    screening = flows.latest_screening(session, case)
    row.status = ReplyStatus.SENT.value
    row.sent_by, row.sent_at = actor.user, _now()
    row.sha256 = sha256(row.text)
    row.delivery = Delivery.PENDING.value
    session.flush()
    flows.record(
        session,
        case,
        actor,
        "reply.sent",
        {
            "reply": row.id,
            "kind": row.kind,
            "language": row.language,
            "sha256": row.sha256,
            "screening": screening.seq,
            "basis": row.basis,
            "approved_by": row.approved_by,
        },
    )
    return row


def discard(session: Session, actor: Actor, case_id: str, reply_id: int) -> ReplyRow:
    permissions.require(actor.roles, Action.DRAFT_REPLY)
    case, row = get(session, actor, case_id, reply_id)
    _must_be(row, OPEN, "discarded")
    row.status = ReplyStatus.DISCARDED.value
    session.flush()
    flows.record(session, case, actor, "reply.discarded", {"reply": row.id})
    return row


def mark_delivered(
    session: Session, actor: Actor, case_id: str, reply_id: int, via: str
) -> ReplyRow:
    """Record that a sent reply reached the requesting authority, and how."""
    permissions.require(actor.roles, Action.DRAFT_REPLY)
    case, row = get(session, actor, case_id, reply_id)
    if row.status != ReplyStatus.SENT.value or row.delivery != Delivery.PENDING.value:
        raise RogatoryError(
            "reply.wrong_status",
            f"only a sent reply waiting for delivery is delivered; this one is {row.status}"
            + (f", {row.delivery}" if row.delivery else ""),
        )
    try:
        channel = Channel(via)
    except ValueError:
        raise RogatoryError(
            "reply.invalid_channel",
            f"field via: {via!r} is not one of " + ", ".join(c.value for c in Channel),
        ) from None
    row.delivery = Delivery.DELIVERED.value
    row.delivered_via, row.delivered_by, row.delivered_at = channel.value, actor.user, _now()
    session.flush()
    flows.record(
        session,
        case,
        actor,
        "reply.delivered",
        {"reply": row.id, "via": channel.value, "sha256": row.sha256},
    )
    return row


def pending_delivery(session: Session, actor: Actor) -> list[ReplyRow]:
    """The organisation's sent replies not yet delivered: what an exchange would pick up."""
    return list(
        session.execute(
            select(ReplyRow)
            .join(Case, Case.id == ReplyRow.case_id)
            .where(Case.org_id == actor.org, ReplyRow.delivery == Delivery.PENDING.value)
            .order_by(ReplyRow.sent_at)
        ).scalars()
    )

"""What each reply is drafted from: the decision or step it answers, and the facts it states.

A reply is drafted from the case as it stands: the decision the workflow recorded (the last
move to ``info_requested``, ``refused``, ``postponed`` or ``partially_approved``), the
confidentiality answer, or the preservation holds, and always the latest screening. Each
kind that the case can answer now is a :class:`Drafting`: its ``basis`` names the row it
rests on, its ``facts`` are what the letter states (grounds with their reasons and
citations, missing items with the provision asking for each, periods), and its ``digest``
binds them. A reply is sent only while the digest of the case as it then stands is the one it
was drafted from, so a letter cannot go out for a decision it was not drafted from.

Citations carry their verification level. A letter quotes a provision's words only where the
bundle holds them at a verified level (read in the authentic text); every other citation is
cited by number, and the reviewer is told to check it (``checks``), never shown invented text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.accounts.models import User
from rogatory.canonical import canonical
from rogatory.errors import RogatoryError
from rogatory.evidence.models import Disclosure
from rogatory.law.bundle import Bundle, DeadlineKind
from rogatory.law.citation import Citation, parse_provision_id
from rogatory.law.provisions import TextKind
from rogatory.parties import states
from rogatory.replies.kinds import Kind
from rogatory.requests import custody, deferral, flows, follow_up
from rogatory.requests.confidentiality import CONSTANT as CONFIDENTIALITY
from rogatory.requests.confidentiality import Answer
from rogatory.requests.models import (
    Case,
    ConfidentialityAnswerRow,
    HoldRow,
    Organisation,
    Screening,
    Transition,
)
from rogatory.requests.transitions import Status
from rogatory.treaty import catalogue

# The moves that decide what the requesting State is told, and the reply each calls for.
DECISIONS = {
    Status.INFO_REQUESTED.value: Kind.INFO_REQUEST,
    Status.REFUSED.value: Kind.REFUSAL,
    Status.POSTPONED.value: Kind.POSTPONEMENT,
    Status.PARTIALLY_APPROVED.value: Kind.PARTIAL_APPROVAL,
    Status.APPROVED.value: None,
}
# Where the case must stand for the reply to a decision to be drafted: a request for more
# information is moot once the information came, a postponement once the case resumed.
STANDS = {
    Kind.INFO_REQUEST: {Status.INFO_REQUESTED},
    Kind.REFUSAL: {Status.REFUSED, Status.CLOSED},
    Kind.POSTPONEMENT: {Status.POSTPONED},
    Kind.PARTIAL_APPROVAL: {Status.PARTIALLY_APPROVED, Status.FULFILLED, Status.CLOSED},
}
REASONS = "mla.reasons_for_refusal"
MINIMUM = "preservation.mla_min_days"


@dataclass(frozen=True)
class Drafting:
    """One reply the case can be answered with now, and everything it rests on."""

    kind: Kind
    basis: str  # the row it answers: "transition:12", "confidentiality:<case>", "holds:3,4"
    facts: dict[str, Any]  # JSON: what the letter states
    screening_id: int
    checks: tuple[str, ...] = field(default=())  # for the reviewer, not for the letter

    @property
    def digest(self) -> str:
        bound = {"basis": self.basis, "facts": self.facts, "screening": self.screening_id}
        return hashlib.sha256(canonical(bound)).hexdigest()


class Cites:
    """Citations as the letters read them, and what the reviewer must check of each."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.checks: list[str] = []

    def of(self, c: Citation) -> dict[str, Any]:
        article = self.bundle.article(c.article) if c.instrument == self.bundle.instrument else None
        para = article.find(c.paragraph.split(".")) if article and c.paragraph else None
        # quoted only as the authentic wording read at a verified level, never a translation,
        # a summary or a recollection
        held = para if para is not None else article
        words = held.text if held is not None else None
        kind = held.text_kind if held is not None else None
        level = held.cite.verification if held is not None else c.verification
        verbatim = kind is TextKind.VERBATIM and level.verified
        quote = words.strip() if words and words.strip() and verbatim else None
        if not c.verified:
            model = f", model {c.model}" if c.model else ""
            check = (
                f"{c.label}: {c.verification.mark}{model}; the letter cites it by number "
                "only: check it against the authentic text before sending"
            )
            if check not in self.checks:
                self.checks.append(check)
        return {
            "label": c.label,
            "instrument": c.instrument,
            "article": c.article,
            "paragraph": c.paragraph,
            "provision": c.provision_id,
            "verification": c.verification.value,
            "verified": c.verified,
            "model": c.model,
            # an article's title only where it was read at a verified level
            "title": article.title if article and article.cite.verification.verified else None,
            "quote": quote,
        }

    def provision(self, provision_id: str) -> dict[str, Any]:
        """A ground's provision as the decision names it (``uncc:art-40:para-21``)."""
        try:
            bundle_id, article, paragraph = parse_provision_id(provision_id)
            bundle = catalogue.get(bundle_id)
            return Cites(bundle).of(bundle.citation(article, paragraph)) | {"known": True}
        except (ValueError, RogatoryError):
            self.checks.append(f"{provision_id}: not a provision of a shipped treaty")
            return {"label": provision_id, "provision": provision_id, "known": False}

    def constant(self, name: str, on: date) -> dict[str, Any] | None:
        """The citation of the bundle's constant ``name`` on ``on`` (None: it has none)."""
        try:
            cite = self.bundle.constant(name, on).cite
        except RogatoryError:
            return None
        return self.of(cite) if cite is not None else None

    def value(self, name: str, on: date) -> Any:
        try:
            return self.bundle.constant(name, on).value
        except RogatoryError:
            return None


def names(session: Session, org: str) -> dict[str, str]:
    """Every user of the organisation by email, active or not: who decided, in words."""
    rows = session.execute(select(User.email, User.name).where(User.org_id == org))
    return {str(email): str(name) for email, name in rows}


def _state(code: str) -> dict[str, str]:
    found = states.find(code)
    return {"code": code, "name": found.name if found else code}


def frame(session: Session, case: Case, screening: Screening) -> dict[str, Any]:
    """What every letter of the case says around its own facts: who writes to whom, about
    which request. Not bound into a draft's digest (the date of the letter moves)."""
    org = session.get(Organisation, case.org_id)
    bundle = catalogue.get(case.treaty)
    authority = case.request.get("requesting_authority", {})
    measure = bundle.measures.get(case.measure)
    return {
        "org": {"id": case.org_id, "name": org.name if org else case.org_id},
        "case": {
            "id": case.id,
            "reference": case.reference,
            "our_reference": f"{case.org_id}/{case.id[:8]}",
            "measure": case.measure,
            "measure_title": measure.title if measure else case.measure,
            "treaty": case.treaty,
            "instrument": bundle.instrument,
            "instrument_title": bundle.manifest.title,
            "requesting_state": _state(case.requesting_state),
            "requested_state": _state(case.requested_state),
            "received_on": case.received_at.date().isoformat(),
            "submitted_on": case.request.get("submitted_on"),
            "offence": (case.request.get("offence") or {}).get("description"),
        },
        "authority": {
            "name": authority.get("name"),
            "role": authority.get("role"),
            "reference": authority.get("reference"),
        },
        "screening": {
            "seq": screening.seq,
            "outcome": screening.outcome,
            "as_of": screening.as_of.isoformat(),
            "bundle_revision": screening.bundle_revision,
        },
    }


def _transitions(session: Session, case: Case) -> list[Transition]:
    return list(
        session.execute(
            select(Transition).where(Transition.case_id == case.id).order_by(Transition.id)
        ).scalars()
    )


def decisive(transitions: Sequence[Transition]) -> Transition | None:
    """The last move that decided what the requesting State is told."""
    return next((t for t in reversed(transitions) if t.to_status in DECISIONS), None)


def _decided(t: Transition, who: dict[str, str]) -> dict[str, Any]:
    return {
        "on": t.at.date().isoformat(),
        "by": t.by,
        "by_name": who.get(t.by, t.by),
        "note": t.note,
    }


def _info_request(
    case: Case, t: Transition, screening: Screening, cites: Cites, who: dict[str, str]
) -> dict[str, Any]:
    """Each missing item with the provision asking for it, from the latest screening's
    completeness findings; the other defects that make the request invalid; the note."""
    measure = cites.bundle.measures.get(case.measure)
    asks = {item.field: item.asks for item in (measure.required if measure else [])}
    missing, defects = [], []
    for f in screening.decision["findings"]:
        if f["result"] != "fail" or f["outcome"] != "invalid":
            continue
        found = [c for c in f["cites"] if c["instrument"] == cites.bundle.instrument]
        cited = [cites.of(cites.bundle.citation(c["article"], c["paragraph"])) for c in found]
        fields = (f.get("read") or {}).get("missing") or []
        if fields:
            missing += [
                {"field": name, "asks": asks.get(name, name), "rule": f["rule"], "cites": cited}
                for name in fields
            ]
        else:
            defects.append({"rule": f["rule"], "reason": f["reason"], "cites": cited})
    return {"decided": _decided(t, who), "missing": missing, "defects": defects}


def _refusal(t: Transition, cites: Cites, who: dict[str, str], on: date) -> dict[str, Any]:
    return {
        "decided": _decided(t, who),
        "grounds": [
            {
                "reason": g["reason"],
                "provision": g["provision"],
                "cite": cites.provision(g["provision"]),
            }
            for g in t.grounds
        ],
        "reasons_cite": cites.constant(REASONS, on),
    }


def _postponement(t: Transition, cites: Cites, who: dict[str, str], on: date) -> dict[str, Any]:
    details = (t.details or {}).get("postponement", {})
    return {
        "decided": _decided(t, who),
        "reason": t.note,
        "review_on": details.get("review_on"),
        "proceedings": details.get("proceedings"),  # domestic: not in the shipped letters
        "cite": cites.constant(deferral.POSTPONE, on),
        "reasons_cite": cites.constant(REASONS, on),
    }


def _partial(session: Session, case: Case, t: Transition, who: dict[str, str]) -> dict[str, Any]:
    disclosures = session.execute(
        select(Disclosure).where(Disclosure.case_id == case.id).order_by(Disclosure.handed_over_at)
    ).scalars()
    data = case.request.get("data") or {}
    return {
        "decided": _decided(t, who),
        "granted": t.note,
        "asked": {
            "categories": data.get("categories", []),
            "identifiers": data.get("identifiers", []),
            "assistance_sought": case.request.get("assistance_sought"),
        },
        "handed_over": [
            {
                "on": d.handed_over_at.date().isoformat(),
                "receipt": d.receipt["manifest"]["receipt_id"],
                "files": [
                    {"name": f["name"], "sha256": f["sha256"]}
                    for f in d.receipt["manifest"]["files"]
                ],
            }
            for d in disclosures
        ],
    }


def _confidentiality(row: ConfidentialityAnswerRow, cites: Cites, on: date) -> dict[str, Any]:
    return {
        "reason": row.reason,
        "told_on": row.told_on.isoformat() if row.told_on else None,
        "by": row.by,
        "cite": cites.constant(CONFIDENTIALITY, on),
    }


def _preservation(case: Case, holds: Sequence[HoldRow], cites: Cites, on: date) -> dict[str, Any]:
    # The case's treaty's measures table names the constants (its deadlines column).
    at_least = cites.bundle.measure_deadline(case.measure, DeadlineKind.PRESERVE_AT_LEAST)
    minimum = at_least.constant if at_least and at_least.constant else MINIMUM
    continues = follow_up.continues_constant(case.treaty, case.measure)
    return {
        "holds": [
            {
                "id": h.id,
                "identifiers": list(h.identifiers),
                "start": h.start.isoformat(),
                "expiry": h.expiry.isoformat(),
                "days": (h.expiry - h.start).days,
                "extended": len(h.extensions),
            }
            for h in holds
        ],
        "minimum_days": cites.value(minimum, on),
        "minimum_cite": cites.constant(minimum, on),
        "continues_pending_decision": continues is not None and cites.value(continues, on) is True,
        "continues_cite": cites.constant(continues, on) if continues else None,
        "mla_to_follow": case.request.get("mla_to_follow") is True,
    }


def available(session: Session, case: Case) -> dict[Kind, Drafting]:
    """Every reply the case can be answered with now, by kind."""
    screening = flows.latest_screening(session, case)
    on = screening.as_of
    bundle = catalogue.get(case.treaty)
    who = names(session, case.org_id)
    out: dict[Kind, Drafting] = {}

    def add(kind: Kind, basis: str, build: Any) -> None:
        cites = Cites(bundle)
        facts = build(cites)
        out[kind] = Drafting(kind, basis, facts, screening.id, tuple(cites.checks))

    status = Status(case.status)
    t = decisive(_transitions(session, case))
    kind = DECISIONS.get(t.to_status) if t is not None else None
    if t is not None and kind is not None and status in STANDS[kind]:
        decision = t
        builders = {
            Kind.INFO_REQUEST: lambda c: _info_request(case, decision, screening, c, who),
            Kind.REFUSAL: lambda c: _refusal(decision, c, who, on),
            Kind.POSTPONEMENT: lambda c: _postponement(decision, c, who, on),
            Kind.PARTIAL_APPROVAL: lambda c: _partial(session, case, decision, who),
        }
        add(kind, f"transition:{t.id}", builders[kind])
    _, answer = custody.confidentiality_task(session, case)
    if answer is not None and answer.answer == Answer.CANNOT.value:
        row = answer
        add(
            Kind.CONFIDENTIALITY_NOTICE,
            f"confidentiality:{case.id}",
            lambda c: _confidentiality(row, c, on),
        )
    if follow_up.is_preservation(case):
        holds = [
            h
            for h in session.execute(
                select(HoldRow).where(HoldRow.case_id == case.id).order_by(HoldRow.id)
            ).scalars()
            if h.released_on is None
        ]
        if holds:
            basis = "holds:" + ",".join(str(h.id) for h in holds)
            add(Kind.PRESERVATION_ACK, basis, lambda c: _preservation(case, holds, c, on))
    return out

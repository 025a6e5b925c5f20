"""Audit events said in words: "Rafael Reviewer acknowledged the finding on essential
interests: ...". The payload stays one click away; the words are made from it here, never
stored, so the record itself is what the chain proves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Summary = Mapping[str, Any]


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def _rule(rule: str) -> str:
    """``refusal.essential_interests`` as "essential interests"."""
    return _words(rule.rsplit(".", 1)[-1])


def _transition(s: Summary) -> str:
    to = s.get("to", "")
    what = {
        "screening": "moved the case to screening",
        "in_review": "took the case into review",
        "info_requested": "asked the requesting authority for more information",
        "approved": "approved the request",
        "partially_approved": "approved the request in part",
        "refused": "refused the request",
        "postponed": "postponed the execution",
        "in_consultation": "consulted the requesting State",
        "fulfilled": "marked the case fulfilled",
        "closed": "closed the case",
        "withdrawn": "recorded the request as withdrawn",
    }.get(to, f"moved the case from {_words(s.get('from', ''))} to {_words(to)}")
    grounds = s.get("grounds") or []
    if grounds:
        what += " on " + ", ".join(str(g) for g in grounds)
    note = s.get("note")
    return what + (f": “{note}”" if note else "")


def _said(verb: str, key: str | None = None) -> Callable[[Summary], str]:
    def say(s: Summary) -> str:
        value = s.get(key) if key else None
        return f"{verb}{': ' + str(value) if value else ''}"

    return say


SENTENCES: dict[str, Callable[[Summary], str]] = {
    "case.created": lambda s: (
        f"took in a {_words(s.get('measure', ''))} request from {s.get('requesting_state')} "
        f"to {s.get('requested_state')}"
        + (", which asks for confidentiality" if s.get("confidentiality_requested") else "")
    ),
    "case.screened": lambda s: (
        f"screened the request (screening {s.get('seq')}, as of {s.get('as_of')}): "
        f"{_words(s.get('outcome', ''))}"
    ),
    "case.approvals_voided": lambda s: (
        f"voided the approvals given on screening {s.get('screening')} "
        f"({', '.join(s.get('approvals', []))}): {s.get('why')}"
    ),
    "case.transition": _transition,
    "case.finding_acknowledged": lambda s: (
        f"acknowledged the finding on {_rule(str(s.get('rule', '')))}: “{s.get('note')}”"
    ),
    "case.approval_recorded": lambda s: (
        f"gave approval {s.get('approvals')} of {s.get('needed')}"
        + (f": “{s['note']}”" if s.get("note") else "")
    ),
    "case.override_approved": lambda s: (
        f"approved over a {_words(s.get('outcome', ''))} screening on "
        f"{(s.get('basis') or {}).get('citation')}: “{s.get('reason')}”"
    ),
    "case.amended": lambda s: (
        f"took in the information asked for (version {s.get('version')}; changed "
        f"{', '.join(s.get('changed', []))})"
    ),
    "case.assigned": lambda s: f"assigned the case to {s.get('to') or 'nobody'}",
    "hold.placed": lambda s: (
        f"preserved {', '.join(s.get('identifiers', []))} from {s.get('start')}"
        + (f" until {s['expiry']}" if s.get("expiry") else "")
    ),
    "hold.extended": lambda s: (
        f"extended hold {s.get('hold')} from {s.get('from')} to {s.get('to')}"
    ),
    "hold.released": lambda s: f"released hold {s.get('hold')} on {s.get('on')}",
    "non_disclosure.ordered": lambda s: (
        f"recorded a non-disclosure order of {s.get('ordered_on')}"
        + (f", ending {s['ends_on']}" if s.get("ends_on") else "")
    ),
    "user.notified": lambda s: f"recorded that the user was notified on {s.get('on')}",
    "confidentiality.answered": lambda s: (
        "recorded that the request is kept confidential"
        if s.get("answer") == "keep"
        else f"recorded that the request cannot be kept confidential: “{s.get('reason')}”"
    ),
    "follow_up.received": lambda s: f"recorded the follow-up request {s.get('reference')}",
    "follow_up.decided": lambda s: (
        f"recorded the follow-up decision: {_words(s.get('outcome', ''))}"
    ),
    "traffic_disclosure.prepared": lambda s: (
        f"prepared a disclosure of traffic data to {s.get('other_state')} ({s.get('provider')})"
    ),
    "evidence.uploaded": lambda s: (
        f"uploaded {s.get('name')} (SHA-256 {str(s.get('sha256'))[:16]}…)"
    ),
    "evidence.disclosed": lambda s: f"handed evidence over with receipt {s.get('receipt')}",
    "evidence.disclosure_refused": lambda s: "was refused a hand-over: a file changed on disk",
    "reply.drafted": lambda s: (
        f"drafted a {_words(s.get('kind', ''))} reply in {s.get('language')} "
        f"(reply {s.get('reply')})"
    ),
    "reply.edited": lambda s: f"edited reply {s.get('reply')}",
    "reply.approved": lambda s: f"approved reply {s.get('reply')} as the second person",
    "reply.sent": lambda s: (
        f"sent the {_words(s.get('kind', ''))} reply {s.get('reply')} "
        f"(SHA-256 {str(s.get('sha256'))[:16]}…)"
    ),
    "reply.discarded": lambda s: f"discarded reply {s.get('reply')}",
    "reply.delivered": lambda s: f"recorded reply {s.get('reply')} as delivered ({s.get('via')})",
    "case_file.issued": lambda s: (
        f"issued the case file as {str(s.get('format', '')).upper()} "
        f"(SHA-256 {str(s.get('sha256'))[:16]}…, at event {(s.get('head') or {}).get('seq')})"
    ),
}


def sentence(action: str, actor: str, summary: Summary, names: Mapping[str, str]) -> str:
    """The event in words, its actor by name."""
    who = names.get(actor, actor)
    say = SENTENCES.get(action)
    if say is None:
        what = action.replace(".", ": ", 1).replace("_", " ")
        return f"{who} — {what}"
    try:
        return f"{who} {say(summary)}"
    except (TypeError, AttributeError, KeyError):  # an older event's summary of another shape
        return f"{who} — {_words(action)}"

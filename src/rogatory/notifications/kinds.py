"""The kinds of notice, who gets each by default, and the words of each.

A notice says that something needs attention and where to look; it never carries the
request's content (facts, identifiers, data): an email crosses systems the platform does not
control, and a request may be under a confidentiality requirement. The case page, behind
sign-in, has the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    NEW_REQUEST = "new_request"  # a request was taken in (from which authority, if known)
    STATUS_CHANGED = "status_changed"
    DEADLINE_AT_RISK = "deadline_at_risk"  # less than a fifth of the time left, or overdue
    HOLD_LAPSING = "hold_lapsing"  # a preservation hold is about to end
    NON_DISCLOSURE_LAPSED = "non_disclosure_lapsed"  # the user may now be notified
    LAW_CHANGED = "law_changed"  # the national register changed for a State one follows


# Who is told by email unless they chose otherwise: the people who work the queue.
WORKERS = frozenset({"intake", "reviewer", "approver"})
DEFAULT_ROLES: dict[Kind, frozenset[str]] = {
    Kind.NEW_REQUEST: frozenset({"intake", "reviewer"}),
    Kind.STATUS_CHANGED: frozenset(),  # the case's assignee only
    Kind.DEADLINE_AT_RISK: frozenset({"reviewer", "approver"}),
    Kind.HOLD_LAPSING: WORKERS,
    Kind.NON_DISCLOSURE_LAPSED: frozenset({"reviewer", "approver"}),
    Kind.LAW_CHANGED: frozenset(),  # the State's subscribers only
}
# The kinds told to particular people whatever their roles (the case's assignee, a State's
# subscribers) unless they turned them off: "off by default" for the roles means only them.
PERSONAL: frozenset[Kind] = frozenset({Kind.STATUS_CHANGED, Kind.LAW_CHANGED})
# What each kind tells, in the words of the settings page and the CLI.
WORDS: dict[Kind, str] = {
    Kind.NEW_REQUEST: "a new request was taken in",
    Kind.STATUS_CHANGED: "a case moved to another status (by default: cases assigned to you)",
    Kind.DEADLINE_AT_RISK: "a case's answer is due soon, or overdue",
    Kind.HOLD_LAPSING: "a preservation hold ends within seven days",
    Kind.NON_DISCLOSURE_LAPSED: "a non-disclosure order ended: the user may now be notified",
    Kind.LAW_CHANGED: "the national register changed for a State you follow",
}
assert set(WORDS) == set(Kind)
# The audit events that are notices themselves.
EVENT_KINDS: dict[str, Kind] = {
    "case.created": Kind.NEW_REQUEST,
    "case.transition": Kind.STATUS_CHANGED,
}


@dataclass(frozen=True, slots=True)
class Notice:
    """What one notice says, before it is addressed: the same words go to every recipient."""

    kind: Kind
    dedup_key: str
    case_id: str | None
    subject: str
    body: str
    data: dict[str, Any]


def _case_line(case: dict[str, Any]) -> str:
    ref = case.get("reference") or case["id"]
    return (
        f"{case['measure']} from {case['requesting_state']} to {case['requested_state']}, "
        f"case {ref}"
    )


def _link(base_url: str, case_id: str) -> str:
    return f"{base_url.rstrip('/')}/cases/{case_id}"


def notice(kind: Kind, dedup_key: str, case: dict[str, Any], base_url: str, **facts: Any) -> Notice:
    """The notice of ``kind`` about ``case`` (its id, reference, measure, States, due date):
    a subject line, a plain-text body with a link to the case page, and the data a webhook
    receives (the same facts, machine-readable)."""
    line = _case_line(case)
    if kind is Kind.NEW_REQUEST:
        who = facts.get("authority")
        subject = f"New request: {line}" + (f" ({who})" if who else "")
        what = "A new request was taken in" + (f" from {who}" if who else "") + "."
    elif kind is Kind.STATUS_CHANGED:
        subject = f"Case {case.get('reference') or case['id']}: {facts['from']} -> {facts['to']}"
        what = f"The case moved from {facts['from']} to {facts['to']}."
    elif kind is Kind.DEADLINE_AT_RISK:
        standing = facts["standing"]
        subject = f"Deadline {standing.replace('_', ' ')}: {line}"
        what = f"The case is {standing.replace('_', ' ')}: its answer is due {facts['due_at']}."
    elif kind is Kind.HOLD_LAPSING:
        subject = f"Hold ends {facts['expiry']}: {line}"
        what = (
            f"Preservation hold {facts['hold_id']} ends on {facts['expiry']}: extend it or let "
            "it end on purpose."
        )
    else:
        subject = f"Non-disclosure order lapsed: {line}"
        what = (
            f"The non-disclosure order ended on {facts['ends_on']}: the user may now be notified."
        )
    body = "\n".join(
        [
            what,
            "",
            line,
            f"Answer due: {case['due_at']}",
            f"Open it: {_link(base_url, case['id'])}",
            "",
            "This notice carries no content of the request; the case page has it.",
        ]
    )
    data = {"case": {k: case[k] for k in sorted(case)}, **facts}
    return Notice(kind, dedup_key, case["id"], f"[rogatory] {subject}", body, data)


def law_notice(dedup_key: str, state: str, changes: list[str], base_url: str) -> Notice:
    """The notice that the national register changed for ``state``: one line per change
    (the change log's words: which record, added, changed or removed, by whom) and a link to
    the register's page. A national law is public: the notice may name it."""
    count = f"{len(changes)} change" + ("" if len(changes) == 1 else "s")
    body = "\n".join(
        [
            f"The national implementation register changed for {state} ({count}):",
            "",
            *(f"- {line}" for line in changes),
            "",
            f"Open it: {base_url.rstrip('/')}/compliance/laws",
            "",
            f"You follow {state}; this notice can be turned off under Notifications.",
        ]
    )
    data = {"state": state, "changes": changes}
    return Notice(
        Kind.LAW_CHANGED, dedup_key, None, f"[rogatory] Law change: {state} ({count})", body, data
    )

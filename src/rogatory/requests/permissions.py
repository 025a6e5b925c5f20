"""Who may do what: every action on a case or an organisation, and the roles that may take it,
declared once.

The services check an action here before they touch a row; the API, the web pages (which
forms to show, which screens to list) and the CLI read the same table, so a role can never be
offered a form its service would refuse. Moving a case between statuses is the lifecycle's
own table (``requests.transitions``), since who may move it depends on where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from rogatory.errors import RogatoryError
from rogatory.requests.transitions import Role


class Action(StrEnum):
    TAKE_IN = "take_in"
    AMEND = "amend"
    SCREEN_AGAIN = "screen_again"
    ACKNOWLEDGE = "acknowledge"
    WORK = "work"  # holds, evidence, disclosure, the follow-up request, confidentiality
    PREPARE_TRAFFIC_DISCLOSURE = "prepare_traffic_disclosure"
    APPROVE_TRAFFIC_DISCLOSURE = "approve_traffic_disclosure"
    ASSIGN = "assign"
    READ_AUDIT = "read_audit"
    MANAGE_PEOPLE = "manage_people"
    VIEW_REPORTS = "view_reports"  # transparency and safeguards reports of the organisation
    PUBLISH_REPORTS = "publish_reports"  # freeze, sign and publish a report
    MANAGE_AUTHORITIES = "manage_authorities"  # the authority registry: add, revoke keys
    READ_AUTHORITIES = "read_authorities"
    RECORD_CALL_BACK = "record_call_back"  # the call confirming a request, on the case
    DRAFT_REPLY = "draft_reply"  # draft, edit, send and discard replies to the requester
    APPROVE_REPLY = "approve_reply"  # the second person, where a reply needs four eyes
    ISSUE_CASE_FILE = "issue_case_file"
    READ_COMPLIANCE = "read_compliance"  # assessments, the national register, its feed
    ASSESS = "assess"  # store an assessment, set a requirement's status, attach evidence, review
    MAINTAIN_LAWS = "maintain_laws"  # import national records; subscribe to a State
    # A requesting authority's account (issue 12): its own requests and nothing else. Every
    # read it makes is scoped to the cases it submitted (``own_requests_only``).
    SUBMIT_OWN = "submit_own"  # submit a request as the requesting authority
    FOLLOW_OWN = "follow_own"  # its requests' status and deadlines, replies and disclosures
    APPROVE_REQUESTERS = "approve_requesters"  # let a signed-up requester in, or suspend it


_WORKERS = frozenset({Role.INTAKE, Role.REVIEWER, Role.APPROVER})
_DECIDERS = frozenset({Role.REVIEWER, Role.APPROVER})

PERMISSIONS: Mapping[Action, frozenset[Role]] = {
    Action.TAKE_IN: frozenset({Role.INTAKE, Role.REVIEWER}),
    Action.AMEND: frozenset({Role.INTAKE, Role.REVIEWER}),
    Action.SCREEN_AGAIN: _DECIDERS,
    Action.ACKNOWLEDGE: _DECIDERS,
    Action.WORK: _WORKERS,
    Action.PREPARE_TRAFFIC_DISCLOSURE: _DECIDERS,
    Action.APPROVE_TRAFFIC_DISCLOSURE: frozenset({Role.APPROVER}),
    Action.ASSIGN: _WORKERS | {Role.ADMIN},
    Action.READ_AUDIT: frozenset({Role.AUDITOR, Role.ADMIN}),
    Action.MANAGE_PEOPLE: frozenset({Role.ADMIN}),
    Action.VIEW_REPORTS: _DECIDERS | {Role.AUDITOR, Role.ADMIN},
    Action.PUBLISH_REPORTS: frozenset({Role.ADMIN}),
    Action.MANAGE_AUTHORITIES: frozenset({Role.ADMIN}),
    Action.READ_AUTHORITIES: _WORKERS | {Role.AUDITOR, Role.ADMIN},
    Action.RECORD_CALL_BACK: _DECIDERS,
    Action.DRAFT_REPLY: _DECIDERS,
    Action.APPROVE_REPLY: frozenset({Role.APPROVER}),
    Action.ISSUE_CASE_FILE: _DECIDERS | {Role.AUDITOR, Role.ADMIN},
    Action.READ_COMPLIANCE: frozenset({Role.COMPLIANCE, Role.ADMIN, Role.AUDITOR}),
    Action.ASSESS: frozenset({Role.COMPLIANCE}),
    Action.MAINTAIN_LAWS: frozenset({Role.COMPLIANCE, Role.ADMIN}),
    Action.SUBMIT_OWN: frozenset({Role.REQUESTER}),
    Action.FOLLOW_OWN: frozenset({Role.REQUESTER}),
    Action.APPROVE_REQUESTERS: frozenset({Role.ADMIN}),
}

# How a refusal names the action, in a sentence: "<what> needs the <roles> role".
_WHAT = {
    Action.TAKE_IN: "taking in requests",
    Action.AMEND: "amending a request",
    Action.SCREEN_AGAIN: "screening a case again",
    Action.ACKNOWLEDGE: "acknowledging findings",
    Action.WORK: "working a case (holds, evidence, disclosure, follow-up)",
    Action.PREPARE_TRAFFIC_DISCLOSURE: "preparing a disclosure of traffic data",
    Action.APPROVE_TRAFFIC_DISCLOSURE: "approving a disclosure of traffic data",
    Action.ASSIGN: "assigning cases",
    Action.READ_AUDIT: "reading the audit record",
    Action.MANAGE_PEOPLE: "managing people and tokens",
    Action.VIEW_REPORTS: "reading the organisation's reports",
    Action.PUBLISH_REPORTS: "publishing a report",
    Action.MANAGE_AUTHORITIES: "managing the authority registry",
    Action.READ_AUTHORITIES: "reading the authority registry",
    Action.RECORD_CALL_BACK: "recording a call-back",
    Action.DRAFT_REPLY: "drafting and sending replies to the requesting authority",
    Action.APPROVE_REPLY: "approving a reply as the second person",
    Action.ISSUE_CASE_FILE: "issuing the case file",
    Action.READ_COMPLIANCE: "reading compliance assessments",
    Action.ASSESS: "assessing compliance",
    Action.MAINTAIN_LAWS: "maintaining the national register",
    Action.SUBMIT_OWN: "submitting a request as a requesting authority",
    Action.FOLLOW_OWN: "following a requesting authority's own requests",
    Action.APPROVE_REQUESTERS: "approving or suspending requesting authorities' accounts",
}
# Every action is declared with its roles and its words: checked when the module loads.
assert set(PERMISSIONS) == set(Action) == set(_WHAT)


def own_requests_only(roles: frozenset[Role]) -> bool:
    """Whether whoever holds ``roles`` sees only the cases they submitted: a requesting
    authority's account, whose only role is ``requester`` (the role is never combined with
    a staff role: ``accounts.service.parse_roles`` refuses it)."""
    return roles == {Role.REQUESTER}


def allows(roles: frozenset[Role], action: Action) -> bool:
    return bool(PERMISSIONS[action] & roles)


def roles_for(action: Action) -> frozenset[Role]:
    return PERMISSIONS[action]


def require(roles: frozenset[Role], action: Action, *, code: str = "case.forbidden") -> None:
    """Refuse, with the roles that would do, unless one of ``roles`` may take ``action``."""
    if allows(roles, action):
        return
    needed = [r.value for r in Role if r in PERMISSIONS[action]]  # in the workflow's order
    names = needed[0] if len(needed) == 1 else ", ".join(needed[:-1]) + " or " + needed[-1]
    raise RogatoryError(code, f"{_WHAT[action]} needs the {names} role")

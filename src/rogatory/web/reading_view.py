"""What the case page shows a reader: the request as a structured summary, the findings
grouped by what they mean for the decision, the audit timeline in words, and the replies
with what the case can be answered with now (``casefile.reading``, ``casefile.timeline``,
``replies``: the same read models the case file uses)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.api.deps import Services
from rogatory.audit.models import AuditEvent
from rogatory.casefile import reading, timeline
from rogatory.casefile.render import Format
from rogatory.replies import facts as reply_facts
from rogatory.replies import service as replies
from rogatory.replies.kinds import Channel, Kind, ReplyStatus, needs_second_person
from rogatory.requests import permissions
from rogatory.requests.models import Case, Screening
from rogatory.requests.permissions import Action
from rogatory.requests.transitions import Role
from rogatory.treaty import catalogue


def context(
    db: Session,
    svc: Services,
    case: Case,
    screening: Screening,
    events: Sequence[AuditEvent],
    roles: frozenset[Role],
) -> dict[str, Any]:
    names = reply_facts.names(db, case.org_id)
    rows = replies.of_case(db, case)
    found = db.execute(select(Screening.id, Screening.seq).where(Screening.case_id == case.id))
    by_id = {int(i): int(seq) for i, seq in found}
    open_ = {s.value for s in replies.OPEN}
    return {
        "request_summary": reading.summary(
            case.request, catalogue.get(case.treaty), screening.decision.get("legal_bases", [])
        ),
        "finding_groups": reading.groups(screening.decision),
        "said": {e.id: timeline.sentence(e.action, e.actor, e.summary, names) for e in events},
        "names": names,
        "replies": [
            {
                "row": r,
                "screening": by_id.get(r.screening_id),
                "four_eyes": needs_second_person(Kind(r.kind)),
                "stale": replies.stale(db, case, r) if r.status in open_ else None,
                "text_sha256": replies.sha256(r.text),
            }
            for r in rows
        ],
        "reply_offers": replies.offers(db, case, svc.templates),
        "reply_status": ReplyStatus,
        "can_draft_reply": permissions.allows(roles, Action.DRAFT_REPLY),
        "can_approve_reply": permissions.allows(roles, Action.APPROVE_REPLY),
        "can_issue_file": permissions.allows(roles, Action.ISSUE_CASE_FILE),
        "file_formats": [f.value for f in Format],
        "channels": [c.value for c in Channel],
    }

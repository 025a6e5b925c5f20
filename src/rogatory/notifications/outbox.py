"""Writing notices to the outbox: from audit events, in their transaction, and from the scan
of what time makes due (and of law changes a subscriber has not been handed yet). Each notice
is addressed here, once, to every person whose preferences want it and every webhook of the
organisation that lists its kind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rogatory import settings
from rogatory.accounts.models import User
from rogatory.assessments import service as store
from rogatory.audit.models import AuditEvent
from rogatory.notifications.kinds import (
    DEFAULT_ROLES,
    EVENT_KINDS,
    Kind,
    Notice,
    law_notice,
    notice,
)
from rogatory.notifications.models import OutboxRow, PreferenceRow, WebhookRow
from rogatory.requests import custody, deadlines
from rogatory.requests.flows import Actor
from rogatory.requests.models import Case, NonDisclosureRow, Organisation
from rogatory.requests.transitions import Role

EMAIL = "email"
WEBHOOK = "webhook"
BASE_URL_KEY = "rogatory.notifications.base_url"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
HOLD_DAYS_BEFORE = 7  # as the hold reminders of the queue


@cache
def configured_base_url() -> str:
    """Where the links in notices point (``ROGATORY_PUBLIC_URL``), read once."""
    return settings.load().public_url


def case_facts(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "measure": case.measure,
        "requesting_state": case.requesting_state,
        "requested_state": case.requested_state,
        "status": case.status,
        "due_at": case.due_at.isoformat(timespec="minutes"),
    }


def wants(user: User, kind: Kind, preferences: dict[tuple[str, str], bool]) -> bool:
    """Whether ``user`` is told of ``kind`` by email: their own choice, else their roles'.
    A requesting authority's account is never told of the provider's cases this way: the
    notices name cases it may not see."""
    if Role.REQUESTER.value in user.roles:
        return False
    chosen = preferences.get((user.id, kind.value))
    if chosen is not None:
        return chosen
    return bool(DEFAULT_ROLES[kind] & set(user.roles))


def _emails(session: Session, org: str, kind: Kind, assignee: str | None) -> list[str]:
    users = list(
        session.execute(select(User).where(User.org_id == org, User.active.is_(True))).scalars()
    )
    ids = [u.id for u in users]
    prefs = {
        (p.user_id, p.kind): p.email
        for p in session.execute(
            select(PreferenceRow).where(PreferenceRow.user_id.in_(ids), PreferenceRow.kind == kind)
        ).scalars()
    }
    out = {u.email for u in users if wants(u, kind, prefs)}
    # The case's assignee is told of what happens to it, unless they turned the kind off.
    mine = next(
        (u for u in users if u.email == assignee and Role.REQUESTER.value not in u.roles), None
    )
    if mine is not None and prefs.get((mine.id, kind.value), True):
        out.add(mine.email)
    return sorted(out)


def _webhooks(session: Session, org: str, kind: Kind) -> list[str]:
    rows = session.execute(
        select(WebhookRow).where(WebhookRow.org_id == org, WebhookRow.active.is_(True))
    ).scalars()
    return sorted(w.id for w in rows if kind.value in w.kinds)


def _put(
    session: Session, org: str, found: Notice, channel: str, recipient: str, now: datetime
) -> bool:
    """Write one outbox row for ``found`` to ``recipient`` unless it was written already
    (its dedup key); returns whether it was written."""
    exists = session.execute(
        select(OutboxRow.id).where(
            OutboxRow.dedup_key == found.dedup_key,
            OutboxRow.channel == channel,
            OutboxRow.recipient == recipient,
        )
    ).first()
    if exists:
        return False
    row = OutboxRow(
        org_id=org,
        kind=found.kind.value,
        dedup_key=found.dedup_key,
        channel=channel,
        recipient=recipient,
        case_id=found.case_id,
        subject=found.subject,
        body=found.body,
        payload=found.data | {"kind": found.kind.value},
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent scan wrote it first: keep theirs
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def write(session: Session, org: str, found: Notice, assignee: str | None, now: datetime) -> int:
    """Address ``found`` and write one outbox row per recipient not already written for it
    (the dedup key); returns how many were written."""
    kind = found.kind
    addressed = [(EMAIL, e) for e in _emails(session, org, kind, assignee)] + [
        (WEBHOOK, w) for w in _webhooks(session, org, kind)
    ]
    return sum(_put(session, org, found, channel, to, now) for channel, to in addressed)


def _not_told(session: Session, org: str, emails: Iterable[str], kind: Kind) -> set[str]:
    """Which of ``emails`` (people of ``org``) are not told of ``kind``: they turned it off,
    or they are no longer active."""
    users = list(
        session.execute(
            select(User).where(User.org_id == org, User.email.in_(list(emails)))
        ).scalars()
    )
    off = set(
        session.execute(
            select(PreferenceRow.user_id).where(
                PreferenceRow.user_id.in_([u.id for u in users]),
                PreferenceRow.kind == kind.value,
                PreferenceRow.email.is_(False),
            )
        ).scalars()
    )
    return {u.email for u in users if u.id in off or not u.active}


def law_notices(session: Session, org: str, now: datetime, base_url: str) -> int:
    """Write the law-change notices due to ``org``'s subscribers: one email per subscriber
    and State (unless they turned ``law_changed`` off) and one POST per State to each
    webhook listing the kind. ``assessments.service.deliver`` does the bookkeeping: a
    subscription is marked through the last change handed over here, in this transaction, so
    a change is written once whichever of the import or the worker's scan comes first."""
    handed: list[store.Notice] = []
    store.deliver(session, handed.append, org=org)
    if not handed:
        return 0
    off = _not_told(session, org, {n.email for n in handed}, Kind.LAW_CHANGED)
    hooks = _webhooks(session, org, Kind.LAW_CHANGED)
    written, posted = 0, set()
    for due_notice in handed:
        lines = [f"{c.record}: {c.what}" for c in due_notice.changes]
        key = f"laws:{due_notice.subscription_id}:{due_notice.through}"
        if due_notice.email not in off:
            found = law_notice(key, due_notice.state, lines, base_url)
            written += _put(session, org, found, EMAIL, due_notice.email, now)
        if (due_notice.state, due_notice.through) not in posted:
            posted.add((due_notice.state, due_notice.through))
            found = law_notice(
                f"laws:{org}:{due_notice.state}:{due_notice.through}",
                due_notice.state,
                lines,
                base_url,
            )
            written += sum(_put(session, org, found, WEBHOOK, w, now) for w in hooks)
    return written


ACCOUNT_MESSAGE = "account_message"  # the outbox kind of a message to one person


def message(
    session: Session, *, org: str, to: str, dedup_key: str, subject: str, body: str, now: datetime
) -> OutboxRow:
    """One email to one person about their own account (a sign-up's verification link),
    not a notice of the kinds above: it goes to that address alone, never to a webhook or
    to anyone's preferences, and the worker delivers it like any other email."""
    row = OutboxRow(
        org_id=org,
        kind=ACCOUNT_MESSAGE,
        dedup_key=dedup_key,
        channel=EMAIL,
        recipient=to,
        case_id=None,
        subject=f"[rogatory] {subject}",
        body=body,
        payload={"kind": ACCOUNT_MESSAGE},
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    session.flush()
    return row


def redact_prefix(session: Session, prefix: str, body: str) -> None:
    """Replace the body of the account messages whose dedup key starts with ``prefix`` (a
    verification link once used: the outbox then holds no live secret, sent or not)."""
    for row in session.execute(
        select(OutboxRow).where(
            OutboxRow.dedup_key.startswith(prefix, autoescape=True),
            OutboxRow.kind == ACCOUNT_MESSAGE,
        )
    ).scalars():
        row.body = body


def on_event(session: Session, event: AuditEvent) -> None:
    """The audit hook: an event that is a notice itself is written to the outbox in the
    event's own transaction, so a rolled-back change notifies nobody."""
    if event.action == store.LAWS_CHANGED:
        base_url = session.info.get(BASE_URL_KEY) or configured_base_url()
        law_notices(session, event.chain, event.at, base_url)
        return
    kind = EVENT_KINDS.get(event.action)
    if kind is None or event.case_id is None:
        return
    case = session.get(Case, event.case_id)
    if case is None:
        return
    facts: dict[str, Any] = {}
    if kind is Kind.STATUS_CHANGED:
        facts = {"from": event.summary.get("from"), "to": event.summary.get("to")}
        if facts["from"] == facts["to"]:
            return
    else:
        authority = (case.request.get("requesting_authority") or {}).get("name")
        facts = {"authority": authority} if authority else {}
    base_url = session.info.get(BASE_URL_KEY) or configured_base_url()
    found = notice(kind, f"event:{event.chain}:{event.seq}", case_facts(case), base_url, **facts)
    write(session, case.org_id, found, case.assigned_to, event.at)


def _system(org: str) -> Actor:
    return Actor("system:notifications", org, frozenset(Role))


def due(
    session: Session, org: str, now: datetime, base_url: str
) -> Iterable[tuple[Notice, str | None]]:
    """What time has made due in ``org``: each notice with the case's assignee."""
    actor, today = _system(org), now.date()
    policy = deadlines.Policy()
    standing = custody.by_standing(session, actor, now, policy)
    for kind_of in (deadlines.Standing.AT_RISK, deadlines.Standing.OVERDUE):
        for case in standing[kind_of]:
            facts = case_facts(case)
            key = f"deadline:{case.id}:{kind_of.value}:{facts['due_at']}"
            yield (
                notice(
                    Kind.DEADLINE_AT_RISK,
                    key,
                    facts,
                    base_url,
                    standing=kind_of.value,
                    due_at=facts["due_at"],
                ),
                case.assigned_to,
            )
    for case, hold in custody.reminders_due(session, actor, today, HOLD_DAYS_BEFORE):
        key = f"hold:{hold.id}:{hold.expiry.isoformat()}"
        yield (
            notice(
                Kind.HOLD_LAPSING,
                key,
                case_facts(case),
                base_url,
                hold_id=hold.id,
                expiry=hold.expiry.isoformat(),
            ),
            case.assigned_to,
        )
    for case in custody.notifications_due(session, actor, today):
        order = session.get(NonDisclosureRow, case.id)
        ends = order.ends_on.isoformat() if order and order.ends_on else "?"
        key = f"non_disclosure:{case.id}:{ends}"
        yield (
            notice(Kind.NON_DISCLOSURE_LAPSED, key, case_facts(case), base_url, ends_on=ends),
            case.assigned_to,
        )


def scan(session: Session, now: datetime | None = None, base_url: str = DEFAULT_BASE_URL) -> int:
    """Write what time has made due, in every organisation; returns the rows written. Run
    as often as you like: a notice already written is not written again."""
    now = now or datetime.now(UTC)
    written = 0
    for org in session.execute(select(Organisation.id)).scalars():
        for found, assignee in due(session, org, now, base_url):
            written += write(session, org, found, assignee, now)
        written += law_notices(session, org, now, base_url)
    return written


def retry_delay(attempts: int, base: timedelta = timedelta(seconds=30)) -> timedelta:
    """Exponential back-off: 30 s, 1 min, 2 min ... at most an hour between attempts."""
    delay: timedelta = base * (2 ** max(attempts - 1, 0))
    return min(delay, timedelta(hours=1))

"""Which rows make up each audited subject, when an event records their state, and checking it.

A *case* is its row and every row that hangs off it: the request versions, screenings (their
outcome and decision), acknowledgements, approvals (who, on which screening, on which basis),
transitions, holds, non-disclosure order, confidentiality answer, follow-up request, traffic
disclosures and their approvals, evidence files (with their hashes) and disclosures. A *user*
is their row (roles, active flag, password hash) and their API tokens (secret hash, scopes,
expiry, revocation). Every column is hashed: a password hash or a token's secret hash swapped
by hand lets an attacker in, so it must not go unnoticed; the event keeps only a short hash
of each row (``audit.state``), which reveals nothing of the values. Browser sessions are not
part of a user: they come and go with every sign-in, and deactivation revokes them.

An event records its subject's state only if its transaction changed that subject's rows
(tracked at each flush, below): an event that changes nothing (a sign-in, a refused
disclosure) must not record a state edited by hand as if it were the application's.

This is the storage adapter's knowledge, so it lives here; ``sessions`` installs it on every
session of the product, and ``audit.service.append`` calls it without knowing any table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby, pairwise
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, event, exists, inspect, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction, sessionmaker
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from rogatory.accounts.models import ApiToken, User
from rogatory.audit import state as states
from rogatory.audit.models import AuditEvent
from rogatory.authorities.models import AuthorityKeyRow, AuthorityRow, CallBackRow, RequesterRow
from rogatory.evidence.models import Disclosure, EvidenceFile
from rogatory.replies.models import ReplyRow
from rogatory.requests.models import (
    Acknowledgement,
    Approval,
    Case,
    ConfidentialityAnswerRow,
    FollowUpRow,
    HoldRow,
    NonDisclosureRow,
    RequestVersion,
    Screening,
    TrafficApproval,
    TrafficDisclosureRow,
    Transition,
)


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


DISCLOSURES = _table(TrafficDisclosureRow)
_ID: BindParameter[str] = bindparam("subject_id")


def _rows(table: Table, where: ColumnElement[bool]) -> Select[Any]:
    """One table's rows of a subject, by primary key; built once, so that recording a state
    costs one cached statement per table, not a statement built each time."""
    return select(table).where(where).order_by(*table.primary_key.columns)


def _by_case(model: Any) -> tuple[Table, Select[Any]]:
    table = _table(model)
    return table, _rows(table, table.c.case_id == _ID)


# The tables of a case and of a user, in the order a difference is looked for.
CASE: tuple[tuple[Table, Select[Any]], ...] = (
    (_table(Case), _rows(_table(Case), _table(Case).c.id == _ID)),
    *(
        _by_case(m)
        for m in (
            RequestVersion,
            Screening,
            Acknowledgement,
            Approval,
            Transition,
            HoldRow,
            NonDisclosureRow,
            ConfidentialityAnswerRow,
            FollowUpRow,
            TrafficDisclosureRow,
            RequesterRow,
            CallBackRow,
        )
    ),
    (
        _table(TrafficApproval),
        _rows(
            _table(TrafficApproval),
            _table(TrafficApproval).c.disclosure_id.in_(
                select(DISCLOSURES.c.id).where(DISCLOSURES.c.case_id == _ID)
            ),
        ),
    ),
    _by_case(EvidenceFile),
    _by_case(Disclosure),
    _by_case(ReplyRow),
)
USER: tuple[tuple[Table, Select[Any]], ...] = (
    (_table(User), _rows(_table(User), _table(User).c.id == _ID)),
    (_table(ApiToken), _rows(_table(ApiToken), _table(ApiToken).c.user_id == _ID)),
)
# An authority's subject is ``authority:<row id>`` (an integer, compared as text).
AUTHORITY: tuple[tuple[Table, Select[Any]], ...] = (
    (
        _table(AuthorityRow),
        _rows(_table(AuthorityRow), sql_cast(_table(AuthorityRow).c.id, String) == _ID),
    ),
    (
        _table(AuthorityKeyRow),
        _rows(
            _table(AuthorityKeyRow), sql_cast(_table(AuthorityKeyRow).c.authority_id, String) == _ID
        ),
    ),
)
KINDS = {"case": CASE, "user": USER, "authority": AUTHORITY}
_RANK = {t.name: i for tables in KINDS.values() for i, (t, _) in enumerate(tables)}


def order(row_key: str) -> tuple[int, str]:
    """Rows by table (as listed above), then by primary key (numeric keys by number)."""
    table, _, key = row_key.partition("/")
    return _RANK.get(table, len(_RANK)), key.zfill(20)


def of(session: Session, subject: str) -> states.State | None:
    """The subject's state from its rows as the database holds them; None if it has none."""
    kind, _, ident = subject.partition(":")
    rows: list[tuple[str, str]] = []
    for table, query in KINDS[kind]:
        pk = [c.name for c in table.primary_key.columns]
        for row in session.execute(query, {"subject_id": ident}).mappings():
            key = "/".join(str(row[c]) for c in pk)
            rows.append((f"{table.name}/{key}", states.row_hash(row)))
    return states.State(subject, tuple(rows)) if rows else None


# ---- recording: which subjects a transaction changed -------------------------------------

_TOUCHED = "rogatory.state.touched"  # subject -> the keys of the rows flushed, and how often
_COMPUTED = "rogatory.state.computed"  # subject -> (that count, the state recorded)


def _subject_of(session: Session, obj: object) -> str | None:
    table = getattr(obj, "__tablename__", None)
    if isinstance(obj, Case):
        return f"case:{obj.id}"
    if isinstance(obj, TrafficApproval):
        step = session.get(TrafficDisclosureRow, obj.disclosure_id)
        return f"case:{step.case_id}" if step is not None else None
    case_id = getattr(obj, "case_id", None)
    if table in _RANK and isinstance(case_id, str):
        return f"case:{case_id}"
    if isinstance(obj, User):
        return f"user:{obj.id}"
    if isinstance(obj, ApiToken):
        return f"user:{obj.user_id}"
    if isinstance(obj, AuthorityRow):
        return f"authority:{obj.id}"
    if isinstance(obj, AuthorityKeyRow):
        return f"authority:{obj.authority_id}"
    return None


def _row_key(obj: object) -> str:
    """The row's key as ``of`` names it: table and primary key."""
    mapper = inspect(obj).mapper
    key = "/".join(str(v) for v in mapper.primary_key_from_instance(obj))
    return f"{mapper.local_table.name}/{key}"


@dataclass
class _Touched:
    rows: set[str] = field(default_factory=set)
    flushes: int = 0


def _flushed(session: Session, _flush: UOWTransaction) -> None:
    """After each flush: which subjects' rows it wrote, and which rows."""
    touched: dict[str, _Touched] = session.info.setdefault(_TOUCHED, {})
    with session.no_autoflush:
        written = [
            (subject, _row_key(obj))
            for obj in (*session.new, *session.dirty, *session.deleted)
            if (subject := _subject_of(session, obj)) is not None
        ]
    for subject in {s for s, _ in written}:
        touched.setdefault(subject, _Touched()).flushes += 1
    for subject, key in written:
        touched[subject].rows.add(key)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)
        session.info.pop(_COMPUTED, None)


def recorded_state(
    session: Session, case_id: str | None, subject: str | None
) -> dict[str, Any] | None:
    """The hook ``audit.append`` calls: the state its event records, if its transaction
    changed the subject, with the keys of the rows it changed (``changed``): any other row
    that differs from the subject's previous recorded state was changed by hand in between.

    A flow's events are appended one after the other at its end (``flows.recorded_at_end``):
    the state is computed once for them all, and again only after a flush changed the
    subject's rows. (The application changes these rows through the ORM only; a bulk
    UPDATE on a session would not be seen here.)"""
    key = subject or (f"case:{case_id}" if case_id else None)
    if key is None:
        return None
    session.flush()
    touched: _Touched | None = session.info.get(_TOUCHED, {}).get(key)
    if touched is None:
        return None
    computed: dict[str, tuple[int, dict[str, Any] | None]] = session.info.setdefault(_COMPUTED, {})
    if key in computed and computed[key][0] == touched.flushes:
        return computed[key][1]
    state = of(session, key) or states.State(key, ())
    recorded = state.recorded() | {"changed": sorted(touched.rows, key=order)}
    computed[key] = (touched.flushes, recorded)
    return recorded


def install(maker: sessionmaker[Session]) -> None:
    """Make every session of ``maker`` record the state its events produce."""
    maker.kw.setdefault("info", {})[states.HOOK] = recorded_state
    event.listen(maker, "after_flush", _flushed)
    event.listen(maker, "after_transaction_end", _ended)


# ---- verifying: the rows against the state their last event recorded ----------------------


@dataclass(frozen=True)
class Finding:
    subject: str
    shown: str  # how the subject is named: "case ID", "user EMAIL (ID)"
    problem: str


@dataclass
class StateReport:
    checked: dict[str, int] = field(default_factory=dict)  # by kind
    unchecked: dict[str, int] = field(default_factory=dict)  # no state recorded yet
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def summary(self) -> str:
        """One line: how many subjects were checked, and how many differ or went unchecked."""
        counts = ", ".join(_counted(n, kind) for kind, n in self.checked.items())
        if self.ok:
            line = f"{counts or 'nothing'} match the state their last event recorded"
        else:
            n = len(self.findings)
            line = f"{n} of the {counts} checked differ{'s' if n == 1 else ''} from it"
        skipped = ", ".join(_counted(n, kind) for kind, n in self.unchecked.items() if n)
        if skipped:
            line += f"; not state-checked (no state recorded since migration 0014): {skipped}"
        return line

    def describe(self) -> list[str]:
        return [f"state: {self.summary}", *(f"{f.shown}: {f.problem}" for f in self.findings)]


def _counted(n: int, kind: str) -> str:
    plural = "authorities" if kind == "authority" else f"{kind}s"
    return f"{n} {kind if n == 1 else plural}"


@dataclass(frozen=True)
class _Recorded:
    chain: str
    seq: int
    action: str
    state: dict[str, Any]

    @property
    def event(self) -> str:
        return f"event {self.chain!r}#{self.seq} ({self.action})"


def as_json(report: StateReport) -> dict[str, Any]:
    """The report as the command's ``--json`` and the API give it."""
    return {
        "ok": report.ok,
        "checked": report.checked,
        "not_checked": report.unchecked,
        "differences": [
            {"subject": f.subject, "shown": f.shown, "problem": f.problem} for f in report.findings
        ],
        "warnings": report.warnings,
    }


def _recorded(session: Session, chain: str | None) -> Iterator[tuple[str, list[_Recorded]]]:
    """Every state recorded, subject by subject (each subject's events in order); streamed,
    so that one subject's states at a time are held."""
    subject = AuditEvent.state["subject"].as_string()
    query = select(
        subject, AuditEvent.chain, AuditEvent.seq, AuditEvent.action, AuditEvent.state
    ).where(AuditEvent.state.is_not(None))
    if chain is not None:
        query = query.where(AuditEvent.chain == chain)
    query = query.order_by(AuditEvent.chain, subject, AuditEvent.seq)
    result = session.execute(query, execution_options={"yield_per": 1000})
    for key, group in groupby(result, key=lambda r: str(r[0])):
        yield key, [_Recorded(c, seq, action, state) for _, c, seq, action, state in group]


def _shown(session: Session, subject: str) -> str:
    kind, _, ident = subject.partition(":")
    if kind == "user":
        email = session.execute(select(User.email).where(User.id == ident)).scalar_one_or_none()
        return f"user {email} ({ident})" if email else f"user {ident}"
    return f"{kind} {ident}"


def _history_problem(history: list[_Recorded]) -> str | None:
    """A row that changed between two of the subject's events without the later one's
    transaction writing it: edited by hand, then recorded as found by the next event."""
    for before, after in pairwise(history):
        difference = states.unexplained(before.state, after.state, order)
        if difference is not None:
            return (
                f"{difference.describe()} the state recorded at {before.event} without "
                f"being written by {after.event}, which recorded it as it found it"
            )
    return None


def _current_problem(session: Session, subject: str, last: _Recorded) -> str | None:
    current = of(session, subject) or states.State(subject, ())
    difference = states.compare(last.state, current, order)
    if difference is None:
        return None
    return f"{difference.describe()} the state recorded at {last.event}"


def verify(session: Session, *, chain: str | None = None) -> StateReport:
    """Recompute every subject's state from its rows and hold it against the state its last
    event recorded; name the first row that differs. Between two of a subject's events, a row
    may only change if the later event's transaction wrote it: otherwise it was edited by
    hand, and the later event recorded the edit as it found it. Cases that no event ever named were
    put in the database by hand; cases and users whose events all predate migration 0014
    have no recorded state and are counted as not state-checked (users by name, as a
    warning: an account inserted by hand looks the same)."""
    report = StateReport(checked={"case": 0, "user": 0}, unchecked={"case": 0, "user": 0})
    seen: set[str] = set()
    for subject, history in _recorded(session, chain):
        kind = subject.partition(":")[0]
        if kind not in KINDS:
            continue
        seen.add(subject)
        report.checked[kind] = report.checked.get(kind, 0) + 1
        problem = _history_problem(history) or _current_problem(session, subject, history[-1])
        if problem is not None:
            report.findings.append(Finding(subject, _shown(session, subject), problem))
    cases = select(Case.id, Case.org_id)
    users = select(User.id, User.email)
    if chain is not None:
        cases, users = cases.where(Case.org_id == chain), users.where(User.org_id == chain)
    for case_id, _org in session.execute(cases.order_by(Case.id)):
        if f"case:{case_id}" not in seen:
            report.unchecked["case"] += 1
    never = (
        select(Case.id)
        .where(~exists().where(AuditEvent.chain == Case.org_id, AuditEvent.case_id == Case.id))
        .order_by(Case.id)
    )
    if chain is not None:
        never = never.where(Case.org_id == chain)
    for case_id in session.execute(never).scalars():
        report.unchecked["case"] -= 1
        report.findings.append(
            Finding(
                f"case:{case_id}",
                f"case {case_id}",
                "no audit event names this case: it was put in the database by hand",
            )
        )
    for user_id, email in session.execute(users.order_by(User.email)):
        if f"user:{user_id}" not in seen:
            report.unchecked["user"] += 1
            report.warnings.append(
                f"user {email} has no recorded state: created before migration 0014, "
                "or inserted by hand"
            )
    return report

"""The facts of each case a report counts, read from the case tables (SQLite or PostgreSQL).

One narrow row per case (``FACTS``) and one row per finding that fired in its latest screening
(``FINDINGS``), read with a handful of queries per batch of cases, each scoped to the
organisation: the case row with its identifier count taken in SQL, the transitions that decide
an outcome, the latest screening, and whether a disclosure, a hold or a non-disclosure order
exists. ``outcomes`` turns them into the report's outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

import orjson
from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Integer

from rogatory.authorities.models import CallBackRow
from rogatory.evidence.models import Disclosure
from rogatory.inputs import as_utc
from rogatory.reports import outcomes
from rogatory.requests.models import (
    Approval,
    Case,
    HoldRow,
    NonDisclosureRow,
    Screening,
    TrafficDisclosureRow,
    Transition,
)

BATCH = 500  # case ids per IN (...) list
DECIDING = ("approved", "partially_approved", "refused", "fulfilled", "closed")
FIRED = frozenset({"fail", "review", "overridden"})

# name, DuckDB type: the column order of the facts table and of ``Facts.columns``
FACTS: tuple[tuple[str, str], ...] = (
    ("case_id", "VARCHAR"),
    ("org", "VARCHAR"),
    ("treaty", "VARCHAR"),
    ("requesting_state", "VARCHAR"),
    ("measure", "VARCHAR"),
    ("urgent", "BOOLEAN"),
    ("received_at", "TIMESTAMP"),
    ("due_at", "TIMESTAMP"),
    ("outcome", "VARCHAR"),
    ("column_name", "VARCHAR"),  # the report column: refused:<provision> per ground
    ("answered_hours", "DOUBLE"),
    ("within_deadline", "BOOLEAN"),
    ("identifiers", "INTEGER"),
    ("under_nondisclosure", "BOOLEAN"),
    ("human_rights_flagged", "BOOLEAN"),
    ("screening", "VARCHAR"),
    ("basis", "VARCHAR"),  # convention, instrument, domestic_law, or none
    ("verification_failed", "BOOLEAN"),
)
FINDINGS: tuple[tuple[str, str], ...] = (
    ("case_id", "VARCHAR"),
    ("org", "VARCHAR"),
    ("rule", "VARCHAR"),
    ("result", "VARCHAR"),
)


class identifier_count(GenericFunction[int]):  # noqa: N801 - an SQL function, named as SQL names them
    """How many identifiers the stored request document names (``data.identifiers``)."""

    type = Integer()
    inherit_cache = True


@compiles(identifier_count, "sqlite")
def _count_sqlite(element: identifier_count, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"coalesce(json_array_length({arg}, '$.data.identifiers'), 0)"


@compiles(identifier_count, "postgresql")
def _count_postgresql(element: identifier_count, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"coalesce(jsonb_array_length(({arg})->'data'->'identifiers'), 0)"


@dataclass
class Facts:
    """Facts of a batch of cases, by column (ready to become an Arrow table)."""

    columns: dict[str, list[Any]]
    findings: dict[str, list[Any]]

    @property
    def count(self) -> int:
        return len(self.columns["case_id"])


Ts = TypeVarTuple("Ts")


def _scoped(query: Select[*Ts], org: str, ids: Sequence[str] | None, column: Any) -> Select[*Ts]:
    query = query.where(Case.org_id == org)
    return query if ids is None else query.where(column.in_(ids))


def _human_rights(decision: dict[str, Any]) -> bool:
    return any(
        "human_rights" in f.get("flags", ()) and f.get("result") in ("review", "fail")
        for f in decision.get("findings", ())
    )


def read(session: Session, org: str, ids: Sequence[str] | None = None) -> Facts:
    """The facts of the organisation's cases (or of the cases ``ids``), one row each."""
    cases = session.execute(
        _scoped(
            select(
                Case.id,
                Case.treaty,
                Case.requesting_state,
                Case.measure,
                Case.urgent,
                Case.received_at,
                Case.due_at,
                Case.status,
                identifier_count(Case.request),
            ),
            org,
            ids,
            Case.id,
        )
    ).all()
    moves: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(
        _scoped(
            select(
                Transition.case_id,
                Transition.from_status,
                Transition.to_status,
                Transition.at,
                Transition.grounds,
            )
            .join(Case, Case.id == Transition.case_id)
            .where(Transition.to_status.in_(DECIDING))
            .order_by(Transition.id),
            org,
            ids,
            Transition.case_id,
        )
    ):
        moves[row.case_id].append(row)
    latest = _scoped(
        select(Screening.case_id, func.max(Screening.seq).label("seq"))
        .join(Case, Case.id == Screening.case_id)
        .group_by(Screening.case_id),
        org,
        ids,
        Screening.case_id,
    ).subquery()
    # The decision comes as text and is decoded by orjson: decoding a million decisions with
    # the standard library's decoder was a third of the first load.
    screenings = {
        case_id: (outcome, orjson.loads(decision) if decision is not None else {})
        for case_id, outcome, decision in session.execute(
            select(Screening.case_id, Screening.outcome, cast(Screening.decision, Text)).join(
                latest, (latest.c.case_id == Screening.case_id) & (latest.c.seq == Screening.seq)
            )
        )
    }

    def having(model: Any, *where: Any) -> set[str]:
        query = select(model.case_id).join(Case, Case.id == model.case_id).where(*where)
        return set(session.execute(_scoped(query, org, ids, model.case_id)).scalars())

    disclosed = having(Disclosure) | having(
        TrafficDisclosureRow, TrafficDisclosureRow.status == "approved"
    )
    held = having(HoldRow)
    ordered = having(NonDisclosureRow)
    bases: dict[str, str] = {}
    for case_id, kind in session.execute(
        _scoped(
            select(Approval.case_id, Approval.basis_kind)
            .join(Case, Case.id == Approval.case_id)
            .order_by(Approval.id),
            org,
            ids,
            Approval.case_id,
        )
    ):
        bases[case_id] = kind
    calls: dict[str, str] = {}  # the last call-back's outcome, per case
    for case_id, said in session.execute(
        _scoped(
            select(CallBackRow.case_id, CallBackRow.outcome)
            .join(Case, Case.id == CallBackRow.case_id)
            .order_by(CallBackRow.called_at, CallBackRow.id),
            org,
            ids,
            CallBackRow.case_id,
        )
    ):
        calls[case_id] = said
    facts = Facts({name: [] for name, _ in FACTS}, {name: [] for name, _ in FINDINGS})
    for case in cases:
        _add(facts, org, case, moves[case.id], screenings, disclosed, held, ordered, bases, calls)
    return facts


def _add(
    facts: Facts,
    org: str,
    case: Any,
    moves: list[Any],
    screenings: dict[str, tuple[str, dict[str, Any]]],
    disclosed: set[str],
    held: set[str],
    ordered: set[str],
    bases: dict[str, str],
    calls: dict[str, str],
) -> None:
    screening, decision = screenings.get(case.id, ("pending", {}))
    closed = next((m for m in reversed(moves) if m.to_status == "closed"), None)
    refusal = next((m for m in reversed(moves) if m.to_status == "refused"), None)
    approval = next(
        (m.to_status for m in reversed(moves) if m.to_status in outcomes.APPROVALS), None
    )
    record = outcomes.Record(
        status=case.status,
        closed_from=closed.from_status if closed else None,
        approval=approval,
        refusal_grounds=tuple(g["provision"] for g in refusal.grounds) if refusal else (),
        disclosed=case.id in disclosed,
        held=case.id in held,
        screening=screening,
    )
    outcome, ground = outcomes.outcome_of(record)
    received = as_utc(case.received_at)
    answered_at = None
    if outcome in outcomes.ANSWERED:
        answer = next((m for m in moves if m.to_status in ("fulfilled", "refused")), None)
        answered_at = as_utc(answer.at) if answer else None
    due = as_utc(case.due_at)
    row = facts.columns
    row["case_id"].append(case.id)
    row["org"].append(org)
    row["treaty"].append(case.treaty)
    row["requesting_state"].append(case.requesting_state)
    row["measure"].append(case.measure)
    row["urgent"].append(bool(case.urgent))
    row["received_at"].append(received.replace(tzinfo=None))
    row["due_at"].append(due.replace(tzinfo=None))
    row["outcome"].append(outcome.value)
    row["column_name"].append(outcomes.column(outcome, ground))
    row["answered_hours"].append(
        outcomes.hours(received, answered_at) if answered_at is not None else None
    )
    row["within_deadline"].append(answered_at <= due if answered_at is not None else None)
    row["identifiers"].append(int(case[8] or 0))
    row["under_nondisclosure"].append(case.id in ordered)
    row["human_rights_flagged"].append(_human_rights(decision))
    row["screening"].append(screening)
    row["basis"].append(bases.get(case.id, "none"))
    row["verification_failed"].append(
        outcomes.verification_failed(bool(case.urgent), outcome, screening, calls.get(case.id))
    )
    for finding in decision.get("findings", ()):
        if finding.get("result") in FIRED:
            facts.findings["case_id"].append(case.id)
            facts.findings["org"].append(org)
            facts.findings["rule"].append(finding["rule"])
            facts.findings["result"].append(finding["result"])


def batches(ids: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]

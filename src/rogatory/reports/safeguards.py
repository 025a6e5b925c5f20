"""The safeguards report, for those who argue for stronger safeguards: per requesting State,
how often its requests were flagged for human rights, refused (by ground) or found outside
scope, its emergency requests that failed verification, the legal basis approvals rested on,
and the safeguards its implementation has; and which screening rules fire, how often, with
which result.

Counts are protected as in the transparency report. The legal basis splits each State's
requests one way and the disposition (refused by ground, outside scope, other) the other, with
totals: the same network, checked exactly (``suppression``). The flagged, emergency and failed
counts are shown per State without totals, so each is protected by its own band: a count below
k is a band, and in a State's row of fewer than k requests all of them are ``0-(k-1)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from rogatory.compliance.laws import SAFEGUARD_WORDS, Answer, LawRegister, Safeguard
from rogatory.reports import transparency
from rogatory.reports.period import Period
from rogatory.reports.store import FactStore
from rogatory.reports.suppression import Band, CountTable, Partition, protect

FORMAT = "rogatory-safeguards-report/1"
BASES = ("convention", "instrument", "domestic_law", "none")
SUBCOUNTS = ("human_rights_flagged", "emergency", "emergency_failed_verification")
NOT_KNOWN = "not known: the national implementation register holds nothing on this State"


class Register(Protocol):
    """Where a requesting State's safeguards come from. ``None``: nothing is known of that
    State, which the report says rather than staying silent."""

    def safeguards(self, state: str) -> list[str] | None: ...


class NoRegister:
    """No register given: every State's safeguards are not known, and say so."""

    def safeguards(self, state: str) -> list[str] | None:
        return None


@dataclass(frozen=True)
class Implementations:
    """A State's safeguards read from the national implementation register: for each law in
    force on ``on``, its answer on each safeguard of Art 24 with where and when it was read,
    and ``unknown`` where the record does not say (unknown is not silence)."""

    register: LawRegister
    on: date

    def safeguards(self, state: str) -> list[str] | None:
        if not self.register.tracked(state):
            return None
        in_force = self.register.in_force(state, self.on)
        if not in_force:
            return [f"no implementing law in force on {self.on.isoformat()}"]
        out = []
        for law in in_force:
            for safeguard in Safeguard:
                answer = law.safeguards.get(safeguard)
                said = (
                    f"{answer.answer.value} ({answer.source}, read {answer.read_on.isoformat()})"
                    if answer is not None
                    else Answer.UNKNOWN.value
                )
                out.append(f"{law.title} ({law.citation}): {SAFEGUARD_WORDS[safeguard]}: {said}")
        return out


@dataclass(frozen=True)
class StateCounts:
    requests: int
    basis: Mapping[str, int]
    disposition: Mapping[str, int]
    sub: Mapping[str, int]


def _counts(store: FactStore, org: str, period: Period) -> dict[str, StateCounts]:
    params = transparency.params_of(org, period)
    where = transparency.window()
    with store.query() as con:
        base = con.execute(
            f"""
            SELECT requesting_state, count(*),
                   count(*) FILTER (WHERE human_rights_flagged),
                   count(*) FILTER (WHERE urgent),
                   count(*) FILTER (WHERE verification_failed)
            FROM facts WHERE {where} GROUP BY ALL
            """,
            params,
        ).fetchall()
        basis = con.execute(
            f"SELECT requesting_state, basis, count(*) FROM facts WHERE {where} GROUP BY ALL",
            params,
        ).fetchall()
        disposition = con.execute(
            f"""
            SELECT requesting_state,
                   CASE WHEN outcome IN ('refused', 'outside_scope') THEN column_name
                        ELSE 'other' END,
                   count(*)
            FROM facts WHERE {where} GROUP BY ALL
            """,
            params,
        ).fetchall()
    by_basis: dict[str, dict[str, int]] = {}
    for state, kind, n in basis:
        by_basis.setdefault(state, {})[kind] = n
    by_disposition: dict[str, dict[str, int]] = {}
    for state, name, n in disposition:
        by_disposition.setdefault(state, {})[name] = n
    return {
        state: StateCounts(
            n,
            by_basis.get(state, {}),
            by_disposition.get(state, {}),
            dict(zip(SUBCOUNTS, (hr, urgent, failed), strict=True)),
        )
        for state, n, hr, urgent, failed in base
    }


def _sub_band(value: int, requests: int, k: int) -> Band | None:
    if requests < k:
        return Band(0, k - 1)
    return Band(1, k - 1) if 0 < value < k else None


def _share(part: int | str, whole: int | str) -> float | None:
    if isinstance(part, int) and isinstance(whole, int) and whole:
        return round(part / whole, 3)
    return None


def report(
    store: FactStore,
    session: Session,
    org: str,
    period: Period,
    *,
    k: int = transparency.DEFAULT_K,
    register: Register | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    register = register or NoRegister()
    seq = store.refresh(session, org)
    counts = _counts(store, org, period)
    states = tuple(sorted(counts))
    grounds = sorted(
        {d for c in counts.values() for d in c.disposition if d.startswith("refused:")}
    )
    dispositions = (*grounds, "outside_scope", "other")
    table = CountTable(
        rows=states,
        requests=tuple(counts[s].requests for s in states),
        inflow=Partition(
            BASES,
            (True,) * len(BASES),
            tuple(tuple(counts[s].basis.get(b, 0) for b in BASES) for s in states),
        ),
        outflow=Partition(
            dispositions,
            (True,) * len(dispositions),
            tuple(tuple(counts[s].disposition.get(d, 0) for d in dispositions) for s in states),
        ),
    )
    p = protect(table, k)
    rows = []
    for state in states:
        c = counts[state]
        requests = p.shown(("requests", state))
        sub: dict[str, int | str] = {}
        for name in SUBCOUNTS:
            band = _sub_band(c.sub[name], c.requests, k)
            sub[name] = str(band) if band else c.sub[name]
        refused = [p.shown(("out", g, state)) for g in grounds]
        refused_total: int | str = (
            sum(v for v in refused if isinstance(v, int))
            if all(isinstance(v, int) for v in refused)
            else "suppressed"
        )
        safeguards = register.safeguards(state)
        rows.append(
            {
                "requesting_state": state,
                "requests": requests,
                **sub,
                "human_rights_flagged_share": _share(sub["human_rights_flagged"], requests),
                "refused_by_ground": {g: p.shown(("out", g, state)) for g in grounds},
                "refused_share": _share(refused_total, requests),
                "outside_scope": p.shown(("out", "outside_scope", state)),
                "outside_scope_share": _share(p.shown(("out", "outside_scope", state)), requests),
                "legal_basis": {b: p.shown(("in", b, state)) for b in BASES},
                "safeguards": safeguards if safeguards is not None else NOT_KNOWN,
            }
        )
    return {
        "format": FORMAT,
        "organisation": org,
        "period": period.to_json(now.date()),
        "generated_at": now.isoformat(),
        "audit_head": transparency.head_of(session, org, seq),
        "suppression": {
            "k": k,
            "method_id": transparency.METHOD_ID,
            "method": transparency.method(k)
            + " The human-rights, emergency and failed-verification counts have no totals; "
            "each is shown as a band below k, and all three as '0-"
            f"{k - 1}' in a State's row of fewer than {k} requests.",
        },
        "limitations": [
            "Emergency requests that failed verification: the authority denied sending the "
            "request when called back on a number from the authority registry; without a "
            "call-back either way, the request was refused or its latest screening found it "
            "invalid. A confirmed call-back is never a failure.",
            "Safeguards of a State's implementation: as the national implementation register "
            "records them for the laws in force at the end of the period (or today, if the "
            "period has not ended); a State the register does not follow is marked "
            "'" + NOT_KNOWN + "'.",
            "Each report is protected on its own: published beside the transparency report of "
            "the same period, the two could be read together.",
        ],
        "rows": rows,
        "totals": {
            "requests": p.shown(("requests", None)),
            "refused_by_ground": {g: p.shown(("out", g, None)) for g in grounds},
            "outside_scope": p.shown(("out", "outside_scope", None)),
            "legal_basis": {b: p.shown(("in", b, None)) for b in BASES},
        },
        "screening": screening_statistics(store, org, period, k),
    }


def screening_statistics(store: FactStore, org: str, period: Period, k: int) -> dict[str, Any]:
    """Which rules fired (failed, sent to review, were overridden) in the latest screening of
    the requests received in the period, how often, per result; a count below k is a band."""
    params = transparency.params_of(org, period)
    with store.query() as con:
        screened = con.execute(
            f"SELECT count(*) FROM facts WHERE {transparency.window()}", params
        ).fetchall()[0][0]
        fired = con.execute(
            f"""
            SELECT g.rule, g.result, count(*)
            FROM findings g JOIN facts f USING (case_id)
            WHERE {transparency.window("f")}
            GROUP BY ALL ORDER BY 1, 2
            """,
            params,
        ).fetchall()
    rules: dict[str, dict[str, int | str]] = {}
    for rule, result, n in fired:
        rules.setdefault(rule, {})[result] = str(Band(1, k - 1)) if n < k else n
    return {
        "screened": str(Band(1, k - 1)) if 0 < screened < k else screened,
        "rules": [{"rule": r, "results": v} for r, v in sorted(rules.items())],
    }

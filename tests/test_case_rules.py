"""The case lifecycle's table and guards, deadlines, preservation holds and confidentiality."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from rogatory.errors import ProblemList, RogatoryError
from rogatory.requests import deadlines, holds
from rogatory.requests.confidentiality import NonDisclosure
from rogatory.requests.transitions import (
    OPEN,
    CaseState,
    Ground,
    Lifecycle,
    Move,
    Role,
    Status,
    is_intrusive,
)
from rogatory.treaty import catalogue

BUNDLE = catalogue.get()


LIFE = Lifecycle(BUNDLE.has_provision)
ALL_ROLES = frozenset(Role)
ALLOWED = {
    (Status.RECEIVED, Status.SCREENING),
    (Status.SCREENING, Status.IN_REVIEW),
    (Status.IN_REVIEW, Status.INFO_REQUESTED),
    (Status.INFO_REQUESTED, Status.SCREENING),
    (Status.IN_REVIEW, Status.APPROVED),
    (Status.IN_REVIEW, Status.PARTIALLY_APPROVED),
    (Status.IN_REVIEW, Status.REFUSED),
    (Status.APPROVED, Status.FULFILLED),
    (Status.PARTIALLY_APPROVED, Status.FULFILLED),
    (Status.FULFILLED, Status.CLOSED),
    (Status.REFUSED, Status.CLOSED),
    (Status.WITHDRAWN, Status.CLOSED),
    *((s, Status.WITHDRAWN) for s in OPEN),
}
GROUND = Ground("execution would prejudice ordre public", "uncc:art-40:para-21")


def _state(status: Status, **kw: object) -> CaseState:
    return CaseState(
        status=status,
        intrusive=bool(kw.pop("intrusive", False)),
        review_findings=frozenset(kw.pop("reviews", ())),
        **kw,
    )  # type: ignore[arg-type]


def _move(to: Status, actor: str = "u1", **kw: object) -> Move:
    return Move(to=to, actor=actor, roles=ALL_ROLES, note="because", grounds=(GROUND,), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("frm", "to"), sorted(itertools.product(Status, Status)))
def test_every_pair_of_statuses_is_allowed_or_refused(frm: Status, to: Status) -> None:
    move = _move(to, actor="approver-2")
    state = CaseState(status=frm, intrusive=False, review_findings=frozenset(), approvals=("a1",))
    if (frm, to) in ALLOWED:
        LIFE.check(state, move)
    else:
        with pytest.raises(RogatoryError) as info:
            LIFE.check(state, move)
        assert info.value.code == "case.invalid_transition"
        assert info.value.details == {"from": frm.value, "to": to.value}


def test_the_table_matches_the_documented_lifecycle() -> None:
    assert set(LIFE.table) == ALLOWED
    assert LIFE.allowed(Status.CLOSED) == []


def test_roles_limit_who_moves_a_case() -> None:
    move = Move(to=Status.APPROVED, actor="x", roles=frozenset({Role.INTAKE}))
    with pytest.raises(RogatoryError) as info:
        LIFE.check(_state(Status.IN_REVIEW), move)
    assert info.value.code == "case.forbidden_transition"
    auditor = Move(to=Status.SCREENING, actor="x", roles=frozenset({Role.AUDITOR}))
    with pytest.raises(RogatoryError, match="needs one of the roles"):
        LIFE.check(_state(Status.RECEIVED), auditor)


def test_a_refusal_names_a_cited_ground() -> None:
    state = _state(Status.IN_REVIEW)
    with pytest.raises(ProblemList, match="1 problem") as info:
        LIFE.check(state, Move(to=Status.REFUSED, actor="r", roles=ALL_ROLES))
    assert "at least one ground" in info.value.problems[0].message
    bad = Ground("no reason needed", "uncc:art-99")
    with pytest.raises(ProblemList) as info:
        LIFE.check(state, Move(to=Status.REFUSED, actor="r", roles=ALL_ROLES, grounds=(bad,)))
    assert "uncc:art-99" in info.value.problems[0].message
    LIFE.check(state, Move(to=Status.REFUSED, actor="r", roles=ALL_ROLES, grounds=(GROUND,)))


def test_review_findings_are_acknowledged_before_any_decision() -> None:
    state = _state(
        Status.IN_REVIEW,
        reviews={"refusal.persecution", "safeguards.authorisation"},
        acknowledged=frozenset({"safeguards.authorisation"}),
        approvals=("a1",),
    )
    for to in (Status.APPROVED, Status.REFUSED, Status.PARTIALLY_APPROVED):
        with pytest.raises(ProblemList) as info:
            LIFE.check(state, _move(to, actor="a2"))
        assert any("refusal.persecution" in p.message for p in info.value.problems)
    done = CaseState(
        status=Status.IN_REVIEW,
        intrusive=False,
        review_findings=state.review_findings,
        acknowledged=state.review_findings,
    )
    LIFE.check(done, _move(Status.APPROVED))


def test_four_eyes_for_intrusive_measures() -> None:
    first = _state(Status.IN_REVIEW, intrusive=True, prepared_by="reviewer")
    with pytest.raises(ProblemList, match="1 problem") as info:
        LIFE.check(first, _move(Status.APPROVED, actor="a1"))
    assert "two different approvers" in info.value.problems[0].message
    same_twice = _state(Status.IN_REVIEW, intrusive=True, approvals=("a1",))
    with pytest.raises(ProblemList):
        LIFE.check(same_twice, _move(Status.APPROVED, actor="a1"))
    LIFE.check(same_twice, _move(Status.APPROVED, actor="a2"))
    preparer = _state(Status.IN_REVIEW, intrusive=True, approvals=("a1",), prepared_by="r1")
    with pytest.raises(ProblemList, match="1 problem") as info:
        LIFE.check(preparer, _move(Status.APPROVED, actor="r1"))
    assert "prepared" in info.value.problems[0].message
    LIFE.check(_state(Status.IN_REVIEW), _move(Status.APPROVED, actor="a1"))  # not intrusive


def test_which_measures_are_intrusive() -> None:
    m = catalogue.get().measures
    assert is_intrusive(["subscriber", "content"], m["stored_data"])
    assert is_intrusive(["traffic"], m["realtime_traffic"]) and is_intrusive([], m["interception"])
    assert not is_intrusive(["subscriber", "traffic"], m["stored_data"])
    # Preserving content discloses nothing: it is not intrusive in the sense of four eyes.
    assert not is_intrusive(["content"], m["preservation"])


def test_deadlines_due_at_risk_and_overdue() -> None:
    policy = deadlines.Policy()
    received = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    due = policy.due(received, "stored_data")
    assert due == received + timedelta(days=10)
    assert policy.due(received, "preservation", urgent=True) == received + timedelta(hours=8)
    assert (
        policy.standing(received, due, received + timedelta(days=7)) is deadlines.Standing.ON_TIME
    )
    assert (
        policy.standing(received, due, received + timedelta(days=8)) is deadlines.Standing.AT_RISK
    )
    assert policy.standing(received, due, due) is deadlines.Standing.OVERDUE
    custom = deadlines.Policy(
        per_measure={"emergency": timedelta(hours=2), "mla": timedelta(days=30)}
    )
    assert custom.window("mla") == timedelta(days=30) and custom.window(
        "x", urgent=True
    ) == timedelta(hours=2)


def test_preservation_holds() -> None:
    minimum = int(BUNDLE.constant("preservation.mla_min_days", date(2026, 12, 1)).require())  # type: ignore[arg-type]
    with pytest.raises(RogatoryError) as info:
        holds.place(["acct 1"], date(2026, 12, 1), 30, minimum_days=minimum)
    assert info.value.code == "hold.too_short" and "60" in info.value.message
    hold = holds.place(["acct 1"], date(2026, 12, 1), 60, minimum_days=minimum)
    assert hold.expiry == date(2027, 1, 30)
    assert not hold.reminder_due(date(2027, 1, 22)) and hold.reminder_due(date(2027, 1, 23))
    longer = holds.extend(hold, date(2027, 3, 1), on=date(2027, 1, 25))
    assert (
        longer.extensions == (date(2027, 1, 30),)
        and longer.status(date(2027, 2, 15)) is holds.HoldStatus.ACTIVE
    )
    with pytest.raises(RogatoryError, match="not after"):
        holds.extend(longer, date(2027, 2, 1), on=date(2027, 1, 26))
    released = holds.release(longer, date(2027, 2, 1))
    assert released.status(date(2027, 2, 1)) is holds.HoldStatus.RELEASED
    with pytest.raises(RogatoryError):
        holds.release(released, date(2027, 2, 2))
    assert hold.status(date(2027, 1, 30)) is holds.HoldStatus.EXPIRED
    with pytest.raises(RogatoryError):
        holds.extend(hold, date(2027, 3, 1), on=date(2027, 2, 1))


def test_non_disclosure_lapses_into_notification() -> None:
    order = NonDisclosure(ordered_on=date(2026, 12, 1), ends_on=date(2027, 6, 1))
    assert order.in_force(date(2027, 5, 31)) and not order.notification_due(date(2027, 5, 31))
    assert not order.in_force(date(2027, 6, 1)) and order.notification_due(date(2027, 6, 1))
    told = NonDisclosure(
        ordered_on=date(2026, 12, 1), ends_on=date(2027, 6, 1), notified_on=date(2027, 6, 2)
    )
    assert not told.notification_due(date(2027, 7, 1))
    indefinite = NonDisclosure(ordered_on=date(2026, 12, 1), ends_on=None)
    assert indefinite.in_force(date(2040, 1, 1)) and not indefinite.notification_due(
        date(2040, 1, 1)
    )

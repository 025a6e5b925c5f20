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
    Considering,
    Consultation,
    Ground,
    Lifecycle,
    Move,
    Postponement,
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
    (Status.IN_REVIEW, Status.POSTPONED),
    (Status.IN_CONSULTATION, Status.POSTPONED),
    (Status.POSTPONED, Status.IN_REVIEW),
    (Status.IN_REVIEW, Status.IN_CONSULTATION),
    (Status.IN_CONSULTATION, Status.IN_REVIEW),
    (Status.IN_CONSULTATION, Status.REFUSED),
    *((s, Status.WITHDRAWN) for s in OPEN),
}
GROUND = Ground("execution would prejudice ordre public", "uncc:art-40:para-21")
POSTPONEMENT = Postponement("prosecution 12/2026 before the district court", date(2027, 3, 1))
CONSULTATION = Consultation(Considering.REFUSAL, "execute on the condition of limited use")


def _state(status: Status, **kw: object) -> CaseState:
    return CaseState(
        status=status,
        intrusive=bool(kw.pop("intrusive", False)),
        review_findings=frozenset(kw.pop("reviews", ())),
        **kw,
    )  # type: ignore[arg-type]


def _move(to: Status, actor: str = "u1", **kw: object) -> Move:
    """A move with what its target needs: a ground, a note, a postponement or consultation."""
    grounds = () if to in (Status.POSTPONED, Status.IN_CONSULTATION) else (GROUND,)
    kw.setdefault("postponement", POSTPONEMENT if to is Status.POSTPONED else None)
    kw.setdefault("consultation", CONSULTATION if to is Status.IN_CONSULTATION else None)
    return Move(to=to, actor=actor, roles=ALL_ROLES, note="because", grounds=grounds, **kw)  # type: ignore[arg-type]


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


# ---- postponement and consultation (model UNTOC Art 18(25), 18(26)) --------------------------


def test_a_postponement_names_the_proceedings_a_review_date_and_a_reason() -> None:
    state = _state(Status.IN_REVIEW)
    bare = Move(to=Status.POSTPONED, actor="r", roles=frozenset({Role.REVIEWER}))
    with pytest.raises(ProblemList) as info:
        LIFE.check(state, bare)
    messages = [p.message for p in info.value.problems]
    assert any("names the ongoing proceedings" in m for m in messages)
    assert any("needs a note" in m for m in messages)
    with pytest.raises(RogatoryError) as info:
        Postponement.of("prosecution 12/2026", date(2026, 12, 1), today=date(2026, 12, 1))
    assert info.value.code == "case.invalid_postponement" and "field review_on" in str(info.value)
    with pytest.raises(RogatoryError, match="field proceedings"):
        Postponement.of("  ", date(2027, 1, 1), today=date(2026, 12, 1))
    given = Postponement.of(" prosecution 12/2026 ", date(2027, 1, 1), today=date(2026, 12, 1))
    LIFE.check(
        state,
        Move(
            Status.POSTPONED, "r", frozenset({Role.REVIEWER}), note="it would", postponement=given
        ),
    )
    intake = Move(Status.POSTPONED, "i", frozenset({Role.INTAKE}), note="n", postponement=given)
    with pytest.raises(RogatoryError) as info:
        LIFE.check(state, intake)
    assert info.value.code == "case.forbidden_transition"
    pending = _state(Status.IN_REVIEW, reviews={"refusal.persecution"})
    with pytest.raises(ProblemList, match=r"refusal\.persecution"):
        LIFE.check(pending, Move(Status.POSTPONED, "r", ALL_ROLES, note="n", postponement=given))


def test_a_consultation_records_what_was_proposed_and_a_reason() -> None:
    state = _state(Status.IN_REVIEW)
    with pytest.raises(ProblemList, match="what was proposed"):
        LIFE.check(state, Move(Status.IN_CONSULTATION, "r", ALL_ROLES, note="n"))
    with pytest.raises(RogatoryError, match="field considering"):
        Consultation.of("approval", "x")
    with pytest.raises(RogatoryError, match="field proposal"):
        Consultation.of("refusal", "")
    LIFE.check(state, _move(Status.IN_CONSULTATION))
    consulting = _state(Status.IN_CONSULTATION)
    with pytest.raises(ProblemList, match="needs a note"):
        LIFE.check(consulting, Move(Status.IN_REVIEW, "r", ALL_ROLES))
    LIFE.check(consulting, _move(Status.REFUSED))
    LIFE.check(consulting, _move(Status.POSTPONED))
    # details belong to the move they describe
    with pytest.raises(ProblemList, match="only when postponing"):
        LIFE.check(state, _move(Status.REFUSED, postponement=POSTPONEMENT))


# ---- holds continued pending the follow-up request (Art 42; model Budapest Art 29(7)) -------


def test_a_hold_continues_past_its_end_while_the_follow_up_is_pending() -> None:
    hold = holds.place(["acct 1"], date(2026, 12, 1), 60, minimum_days=60)  # ends 2027-01-30
    received = holds.FollowUp(received_on=date(2027, 1, 10))
    after = date(2027, 3, 1)
    assert holds.effective_status(hold, None, after, by_law=True) is holds.HoldStatus.EXPIRED
    assert holds.lapsed(hold, None, after, by_law=True)
    assert holds.effective_status(hold, received, after, by_law=True) is holds.HoldStatus.CONTINUED
    assert not holds.lapsed(hold, received, after, by_law=True)
    # the law decides: without the rule in the bundle the hold lapses at its end
    assert holds.effective_status(hold, received, after, by_law=False) is holds.HoldStatus.EXPIRED
    # before its end it is simply active, and needs no reminder: it will continue
    assert (
        holds.effective_status(hold, received, date(2027, 1, 25), by_law=True)
        is holds.HoldStatus.ACTIVE
    )
    assert hold.reminder_due(date(2027, 1, 25))
    assert not holds.effective_reminder_due(hold, received, date(2027, 1, 25), by_law=True)
    assert holds.effective_reminder_due(hold, None, date(2027, 1, 25), by_law=True)
    # decided: from that day it lapses
    decided = holds.FollowUp(date(2027, 1, 10), decided_on=date(2027, 2, 20))
    assert (
        holds.effective_status(hold, decided, date(2027, 2, 19), by_law=True)
        is holds.HoldStatus.CONTINUED
    )
    assert (
        holds.effective_status(hold, decided, date(2027, 2, 20), by_law=True)
        is holds.HoldStatus.EXPIRED
    )
    # received only after the data stopped being preserved: nothing to continue
    late = holds.FollowUp(received_on=date(2027, 2, 1))
    assert holds.lapsed(hold, late, after, by_law=True)
    # a continued hold may be released, or extended to a date after today
    continued = holds.HoldStatus.CONTINUED
    assert holds.release(hold, after, continued).released_on == after
    with pytest.raises(RogatoryError, match="not after today"):
        holds.extend(hold, date(2027, 2, 15), after, continued)
    assert holds.extend(hold, date(2027, 6, 1), after, continued).expiry == date(2027, 6, 1)
    with pytest.raises(RogatoryError) as info:
        holds.release(hold, after, holds.HoldStatus.EXPIRED)
    assert info.value.code == "hold.not_active"


def test_confidentiality_asked_for_is_a_task_until_kept_or_answered() -> None:
    from rogatory.requests.confidentiality import Answer, Task, answer_of, task

    assert task(False, None, False) is Task.NOT_REQUESTED
    assert task(True, None, False) is Task.PENDING
    assert task(True, None, True) is Task.KEPT  # a non-disclosure order keeps it
    assert task(True, Answer.CANNOT, True) is Task.CANNOT
    with pytest.raises(RogatoryError, match="field reason") as info:
        answer_of("cannot", "  ")
    assert info.value.code == "case.invalid_confidentiality"
    with pytest.raises(RogatoryError, match="field answer"):
        answer_of("maybe", None)
    assert answer_of("cannot", " our law obliges us to tell the user ") == (
        Answer.CANNOT,
        "our law obliges us to tell the user",
    )


def test_a_legacy_refusal_for_scope_reads_as_outside_scope() -> None:
    from rogatory.requests.displayed import displayed

    scope_failed = {"findings": [{"rule": "scope.offence_or_serious_crime", "result": "fail"}]}
    shown = displayed("refuse", scope_failed)
    assert shown.outcome == "outside_scope"
    assert shown.label == "outside_scope (recorded as refuse under the earlier rules)"
    ground = {"findings": [{"rule": "refusal.dual_criminality", "result": "fail"}]}
    assert displayed("refuse", ground).label == "refuse"
    assert displayed("outside_scope", scope_failed).note is None


def test_a_legacy_invalid_with_a_human_rights_review_reads_as_a_flagged_review() -> None:
    from rogatory.requests.displayed import displayed

    flagged = {
        "findings": [
            {"rule": "completeness.mla_request", "result": "fail"},
            {"rule": "refusal.persecution", "result": "review", "flags": ["human_rights"]},
        ]
    }
    shown = displayed("invalid", flagged)
    assert (shown.outcome, shown.note) == (
        "review",
        "flagged for human rights; recorded as invalid under the earlier rules",
    )
    policy_only = {
        "findings": [{"rule": "safeguards.authorisation", "result": "review", "flags": ["policy"]}]
    }
    assert displayed("invalid", policy_only).label == "invalid"
    passed = {
        "findings": [{"rule": "refusal.persecution", "result": "pass", "flags": ["human_rights"]}]
    }
    assert displayed("invalid", passed).note is None
    assert displayed("review", flagged).note is None

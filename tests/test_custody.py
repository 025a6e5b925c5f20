"""Stored holds and non-disclosure orders on SQLite and PostgreSQL, with their queries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from rogatory.audit import service as audit
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.parties import service
from rogatory.requests import custody, deadlines, flows
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications

DOC = json.loads(
    (
        Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"
    ).read_text()
)
DOC.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
STAFF = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
AUDITOR = flows.Actor("aud", "org-a", frozenset({Role.AUDITOR}))
MINIMUM = 60


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _case(engine: Engine, screener: screening.Screener, received: datetime | None = None) -> str:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        return flows.intake(s, STAFF, DOC, screener, received_at=received)[0].id


def test_holds_are_placed_extended_released_and_audited(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _case(engine, screener)
    sessions = dbe.sessions(engine)
    with sessions.begin() as s, pytest.raises(RogatoryError, match="at least 60"):
        custody.place_hold(s, STAFF, case_id, ["acct"], date(2026, 9, 1), 59, minimum_days=MINIMUM)
    with sessions.begin() as s:
        hold = custody.place_hold(
            s, STAFF, case_id, ["acct"], date(2026, 9, 1), 60, minimum_days=MINIMUM
        )
        hold_id = hold.id
    with sessions() as s:
        assert custody.reminders_due(s, STAFF, date(2026, 10, 23)) == []
        assert [h.id for _, h in custody.reminders_due(s, STAFF, date(2026, 10, 24))] == [hold_id]
    with sessions.begin() as s:
        extended = custody.extend_hold(
            s, STAFF, case_id, hold_id, date(2026, 12, 31), date(2026, 10, 25)
        )
        assert extended.extensions == ["2026-10-31"]
    with sessions() as s:
        assert custody.reminders_due(s, STAFF, date(2026, 10, 25)) == []
    with sessions.begin() as s:
        custody.release_hold(s, STAFF, case_id, hold_id, date(2026, 11, 1))
    with sessions.begin() as s, pytest.raises(RogatoryError) as info:
        custody.release_hold(s, STAFF, case_id, hold_id, date(2026, 11, 2))
    assert info.value.code == "hold.not_active"
    with sessions.begin() as s, pytest.raises(RogatoryError, match="needs the intake"):
        custody.place_hold(s, AUDITOR, case_id, ["x"], date(2026, 9, 1), 60, minimum_days=MINIMUM)
    with sessions() as s:
        actions = [e.payload["action"] for e in audit.stream(s)]
        assert actions[-3:] == ["hold.placed", "hold.extended", "hold.released"]
        assert audit.verify(s).ok


def test_a_lapsed_non_disclosure_order_makes_notification_due(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _case(engine, screener)
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        custody.order_non_disclosure(s, STAFF, case_id, date(2026, 9, 1), date(2027, 3, 1))
    with sessions() as s:
        assert custody.notifications_due(s, STAFF, date(2027, 2, 28)) == []
        assert [c.id for c in custody.notifications_due(s, STAFF, date(2027, 3, 1))] == [case_id]
    with sessions.begin() as s, pytest.raises(RogatoryError, match="no lapsed"):
        custody.mark_notified(s, STAFF, case_id, date(2027, 2, 1))
    with sessions.begin() as s:
        custody.mark_notified(s, STAFF, case_id, date(2027, 3, 2))
    with sessions() as s:
        assert custody.notifications_due(s, STAFF, date(2027, 4, 1)) == []
    with sessions.begin() as s, pytest.raises(RogatoryError, match="ends_on"):
        custody.order_non_disclosure(s, STAFF, case_id, date(2026, 9, 1), date(2026, 8, 1))


def test_open_cases_by_deadline_standing(engine: Engine, screener: screening.Screener) -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    late = _case(engine, screener, now - timedelta(days=11))
    risky = _case(engine, screener, now - timedelta(days=9))
    fresh = _case(engine, screener, now - timedelta(days=1))
    with dbe.sessions(engine)() as s:
        groups = custody.by_standing(s, STAFF, now, deadlines.Policy())
        assert [c.id for c in groups[deadlines.Standing.OVERDUE]] == [late]
        assert [c.id for c in groups[deadlines.Standing.AT_RISK]] == [risky]
        assert [c.id for c in groups[deadlines.Standing.ON_TIME]] == [fresh]
        other = flows.Actor("o", "org-b", frozenset(Role))
        assert all(not v for v in custody.by_standing(s, other, now, deadlines.Policy()).values())

"""Who may do what is declared once: the table covers every action, the services refuse any
other role with the roles that would do, and the web offers only what the table allows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from rogatory.accounts import assignment
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.parties import service
from rogatory.requests import custody, flows, permissions
from rogatory.requests.permissions import PERMISSIONS, Action
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.templating import nav_for
from tests.conftest import ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"


def test_every_action_names_its_roles_and_every_role_is_refused_elsewhere() -> None:
    assert set(PERMISSIONS) == set(Action)
    for action, roles in PERMISSIONS.items():
        assert roles, action
        for role in Role:
            allowed = permissions.allows(frozenset({role}), action)
            assert allowed is (role in roles)
            if not allowed:
                with pytest.raises(RogatoryError) as info:
                    permissions.require(frozenset({role}), action)
                assert info.value.code == "case.forbidden"
                assert all(r.value in info.value.message for r in roles)
    assert not permissions.allows(frozenset(), Action.TAKE_IN)  # no role, no action


def test_the_services_and_the_navigation_read_the_table(engine: Engine) -> None:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    screener = screening.Screener(screening.build_law(register=register))
    doc = json.loads((EXAMPLES / "preservation-fraud.json").read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    auditor = flows.Actor("aino", "org-a", frozenset({Role.AUDITOR}))
    intake = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE}))
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        case, _ = flows.intake(s, intake, doc, screener)
        case_id = case.id
    refusals = {
        "take in": lambda s: flows.intake(s, auditor, doc, screener),
        "screen again": lambda s: flows.rescreen(s, intake, case_id, screener),
        "hold": lambda s: custody.place_hold(
            s, auditor, case_id, ["x"], date(2026, 9, 1), 90, minimum_days=60
        ),
        "assign": lambda s: assignment.assign(s, auditor, case_id, None),
    }
    for what, attempt in refusals.items():
        with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
            attempt(s)
        assert info.value.code == "case.forbidden", what
        assert "needs the" in info.value.message
    nav = {href for href, _ in nav_for(frozenset({Role.AUDITOR}))}
    assert "/audit" in nav and "/intake" not in nav and "/people" not in nav
    assert "/intake" in {href for href, _ in nav_for(PERMISSIONS[Action.TAKE_IN])}

"""A decision's legal bases are what ``rogatory basis`` answers: every instrument in force
between the two States on the date (each shipped treaty with party data, and the agreements
file), and a State missing from party data known to be incomplete is a gap, never a fact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from rogatory.accounts import service as accounts
from rogatory.api.app import create_app
from rogatory.api.deps import Services
from rogatory.cli import server
from rogatory.db import engine as dbe
from rogatory.requests import flows
from rogatory.requests.models import Screening
from rogatory.requests.transitions import Lifecycle
from rogatory.treaty import catalogue
from tests.test_cli import Cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
WHAT_IF = EXAMPLES / "what-if-ratifications.csv"
AGREEMENTS = EXAMPLES / "agreements.csv"
TREATY = "Treaty between XAA and XAB on Mutual Legal Assistance in Criminal Matters (fictional)"


def test_a_decision_lists_the_other_shipped_treaties_in_force(cli: Cli) -> None:
    """Budapest binds France and Austria: a screening under the UN Convention says so."""
    out = cli("check", str(EXAMPLES / "budapest-preservation.json"), "--format", "json")
    data = json.loads(out.out)
    assert data["outcome"] == "not_in_force"
    assert [b["instrument"] for b in data["legal_bases"]] == ["ETS185"]
    under = cli(
        "check",
        str(EXAMPLES / "budapest-preservation.json"),
        "--treaty",
        "budapest",
        "--format",
        "json",
    )
    assert [b["instrument"] for b in json.loads(under.out)["legal_bases"]] == ["ETS185"]


def test_a_request_outside_scope_names_the_other_shipped_treaty_in_force(
    cli: Cli, tmp_path: Path
) -> None:
    """France asks Austria to hear a witness of a robbery: no UN Convention offence, and
    Budapest (in force between them) is named among the other legal bases."""
    robbery = json.loads((EXAMPLES / "mla-witness-robbery.json").read_text())
    robbery.update(requesting_state="FRA", requested_state="AUT", submitted_on="2025-03-10")
    doc = tmp_path / "robbery.json"
    doc.write_text(json.dumps(robbery), encoding="utf-8")
    data = json.loads(cli("check", str(doc), "--format", "json").out)
    assert [b["instrument"] for b in data["legal_bases"]] == ["ETS185"]
    scope = next(f for f in data["findings"] if f["rule"] == "scope.offence_or_serious_crime")
    assert (
        scope["result"] == "fail"
        and "the treaties in force between them (ETS185)" in (scope["reason"])
    )


def test_a_state_missing_from_an_incomplete_chart_is_a_data_gap(cli: Cli) -> None:
    """Spain is a Party to Budapest, but the shipped chart stops at Germany."""
    text = cli("basis", "FRA", "ESP", "--on", "2025-03-10").out
    assert "ESP is not in the shipped chart, which is incomplete (--instruments adds it)" in text
    assert "ESP has deposited no instrument" not in text.split("UNCC")[0]
    # Before the UN Convention opened for signature nobody had deposited: that is a fact.
    assert "ESP has deposited no instrument by 2025-03-10" in text.split("UNCC")[1]
    data = json.loads(cli("basis", "FRA", "ESP", "--on", "2025-03-10", "--json").out)
    ets = next(b for b in data["legal_bases"] if b["instrument"] == "ETS185")
    assert ets["why_not"] == [] and ets["data_gaps"] == [
        "ESP is not in the shipped chart, which is incomplete"
    ]
    status = cli("parties", "status", "ESP", "--treaty", "budapest", "--on", "2025-03-10", "--json")
    assert "not in the shipped party data, which is incomplete" in status.out


def test_the_screening_reason_does_not_assert_what_the_chart_does_not_know(
    cli: Cli, tmp_path: Path
) -> None:
    doc = json.loads((EXAMPLES / "budapest-preservation.json").read_text())
    doc["requested_state"] = "ESP"
    path = tmp_path / "esp.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    data = json.loads(cli("check", str(path), "--treaty", "budapest", "--format", "json").out)
    relation = next(f for f in data["findings"] if f["rule"] == "relation.in_force")
    assert data["outcome"] == "not_in_force"
    assert "ESP is not in the shipped party data, which is incomplete" in relation["reason"]
    assert "deposited no instrument" not in relation["reason"]


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, str, Engine]]:
    """The application as ``serve --instruments WHAT_IF --agreements FILE`` builds it."""
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        user = accounts.add_user(
            s,
            org="org-a",
            email="intake@a.example",
            name="intake",
            password="correct horse battery",
            roles=["intake"],
        )
        token = accounts.create_token(s, user, name="t", scopes=["cases:read", "cases:write"])[1]
    screener = server._screener(WHAT_IF, False, False, AGREEMENTS)
    app = create_app(
        Services(sessions, screener, Lifecycle(catalogue.get().has_provision), tmp_path / "ev")
    )
    with TestClient(app) as client:
        yield client, token, engine


def test_a_case_taken_in_over_http_stores_its_legal_bases_and_the_governing_treaty(
    served: tuple[TestClient, str, Engine],
) -> None:
    client, token, engine = served
    doc = json.loads((EXAMPLES / "requests" / "stored-data-speech.json").read_text())
    created = client.post("/api/v1/cases", json=doc, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    with dbe.sessions(engine)() as s:
        stored = s.query(Screening).filter_by(case_id=created.json()["id"]).one().decision
    bases = stored["legal_bases"]
    assert [b["instrument"] for b in bases] == ["UNCC", TREATY]
    assert bases[1]["governs"] is True and bases[0]["source"] == "shipped"
    governing = next(f for f in stored["findings"] if f["rule"] == "basis.governing_treaty")
    assert governing["result"] == "review" and TREATY in governing["reason"]

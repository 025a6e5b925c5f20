"""Every YAML scenario of every shipped bundle runs under pytest, one test each."""

from __future__ import annotations

import pytest

from rogatory.errors import ProblemCollector
from rogatory.law.scenarios import LoadedScenario, load_scenarios, run_safely
from rogatory.safeguards.scenarios import run
from rogatory.treaty import catalogue


def _all() -> list[tuple[str, LoadedScenario]]:
    out = []
    for bundle_id in catalogue.bundle_ids():
        problems = ProblemCollector()
        loaded = load_scenarios(catalogue.get(bundle_id).tests_dir(), problems, label=bundle_id)
        assert not problems, problems.problems
        out += [(bundle_id, s) for s in loaded]
    return out


SCENARIOS = _all()


def test_every_bundle_has_scenarios() -> None:
    assert {b for b, _ in SCENARIOS} == set(catalogue.bundle_ids())
    assert len(SCENARIOS) >= 40


@pytest.mark.parametrize(("bundle_id", "loaded"), SCENARIOS, ids=[s.id for _, s in SCENARIOS])
def test_scenario(bundle_id: str, loaded: LoadedScenario) -> None:
    outcome = run_safely(catalogue.get(bundle_id), loaded, run)
    assert outcome.passed, "\n".join(outcome.failures)


def test_a_wrong_expectation_fails(uncc: object) -> None:
    """The runner must be able to fail: a scenario expecting the wrong date is reported."""
    from rogatory.law.scenarios import Scenario

    bad = Scenario(
        name="wrong on purpose",
        cites=["uncc:art-65:para-1"],
        on="2026-06-01",
        given={
            "generate": [
                {"count": 40, "kind": "ratification", "first": "2026-01-05", "every_days": 1}
            ]
        },
        expect={"entry_into_force": "2026-05-15", "status": {"XAA": "signatory"}},
    )
    outcome = run_safely(catalogue.get("uncc"), LoadedScenario("t", 0, bad), run)
    assert not outcome.passed
    assert any("entry_into_force" in f and "2026-05-14" in f for f in outcome.failures)
    assert any("status[XAA]" in f for f in outcome.failures)


def test_a_scenario_citing_an_unknown_provision_fails() -> None:
    from rogatory.law.scenarios import Scenario

    bad = Scenario(
        name="cites nothing real",
        cites=["uncc:art-99"],
        on="2026-06-01",
        expect={"entry_into_force": None},
    )
    outcome = run_safely(catalogue.get("uncc"), LoadedScenario("t", 0, bad), run)
    assert not outcome.passed
    assert "Article 99" in outcome.failures[0]

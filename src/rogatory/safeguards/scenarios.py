"""Screening scenarios: a request and the law around it in, the decision expected out.

A scenario whose ``given`` holds a ``request`` is a screening scenario; any other is a party
scenario and goes to ``rogatory.parties.scenarios``. Expectations name the outcome and, for any
rule, the result it must give (and its flags), so a lawyer can read each case as a sentence:
"a speech offence is never cleared automatically: outcome review, refusal.persecution review,
flag human_rights".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rogatory.errors import ProblemCollector, ProblemList
from rogatory.law.bundle import Bundle
from rogatory.law.decision import Flag, Outcome, Result
from rogatory.law.scenarios import LoadedScenario, ScenarioOutcome, load_scenarios, run_all
from rogatory.parties import scenarios as party_scenarios
from rogatory.safeguards import engine, request
from rogatory.safeguards.agreements import Agreement
from rogatory.safeguards.domestic import DomesticLaw


class GivenAgreement(BaseModel):
    """A row of an agreements file, written inline in a scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    states: tuple[str, str]
    instrument: str
    in_force_from: date
    in_force_until: date | None = None
    uses_convention_paragraphs: bool = False

    def agreement(self, index: int) -> Agreement:
        return Agreement(
            frozenset(s.upper() for s in self.states),
            self.instrument,
            self.in_force_from,
            self.in_force_until,
            self.uses_convention_paragraphs,
            "given.agreements",
            index,
        )


class ScreeningGiven(party_scenarios.Given):
    request: dict[str, Any]
    domestic_law: list[DomesticLaw] = Field(default_factory=list)
    agreements: list[GivenAgreement] = Field(default_factory=list)


class FindingExpectation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    result: Result
    flags: list[Flag] | None = None
    reason_contains: str | None = None


class ScreeningExpect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Outcome | None = None
    findings: list[FindingExpectation] = Field(default_factory=list)
    unverified_includes: list[str] = Field(default_factory=list)
    legal_bases: list[str] | None = None
    errors: list[str] = Field(default_factory=list)


def is_screening(loaded: LoadedScenario) -> bool:
    return "request" in loaded.scenario.given


def run_screening(bundle: Bundle, loaded: LoadedScenario) -> ScenarioOutcome:
    outcome = ScenarioOutcome(loaded)
    sc = loaded.scenario
    try:
        given = ScreeningGiven.model_validate(sc.given)
        expect = ScreeningExpect.model_validate(sc.expect)
    except ValidationError as exc:
        outcome.failures.append(f"the scenario itself is malformed: {exc}")
        return outcome
    fail = outcome.failures
    try:
        req = request.parse(given.request, file="given.request", treaty=bundle.id)
    except ProblemList as exc:
        codes = sorted({p.code for p in exc.problems})
        if not expect.errors:
            fail.append("the request was refused: " + "; ".join(p.render() for p in exc.problems))
        party_scenarios.check(fail, "errors", sorted(set(expect.errors)), codes)
        return outcome
    if expect.errors:
        fail.append(f"errors: expected {expect.errors}, but the request was accepted")
        return outcome
    register = party_scenarios.build_register(bundle, given, ProblemCollector())
    law = engine.build_law(
        register=register,
        domestic_law={d.state: d for d in given.domestic_law},
        agreements_=tuple(a.agreement(i) for i, a in enumerate(given.agreements)),
    )
    decision = engine.Screener(law).screen(req, sc.on)
    if expect.outcome is not None:
        party_scenarios.check(fail, "outcome", expect.outcome.value, decision.outcome.value)
    by_rule = {f.rule: f for f in decision.findings}
    for want in expect.findings:
        found = by_rule.get(want.rule)
        if found is None:
            fail.append(f"findings: no rule {want.rule!r}")
            continue
        party_scenarios.check(
            fail, f"findings[{want.rule}].result", want.result.value, found.result.value
        )
        if want.flags is not None:
            party_scenarios.check(
                fail,
                f"findings[{want.rule}].flags",
                sorted(f.value for f in want.flags),
                sorted(f.value for f in found.flags),
            )
        if want.reason_contains and want.reason_contains.lower() not in found.reason.lower():
            fail.append(
                f"findings[{want.rule}].reason: {want.reason_contains!r} not in {found.reason!r}"
            )
    if expect.legal_bases is not None:
        party_scenarios.check(
            fail,
            "legal_bases",
            expect.legal_bases,
            [b["instrument"] for b in decision.legal_bases],
        )
    missing = sorted(set(expect.unverified_includes) - set(decision.unverified_provisions))
    if missing:
        fail.append(f"unverified_provisions: missing {missing}")
    return outcome


def run(bundle: Bundle, loaded: LoadedScenario) -> ScenarioOutcome:
    if is_screening(loaded):
        return run_screening(bundle, loaded)
    return party_scenarios.run(bundle, loaded)


def run_bundle(bundle: Bundle) -> tuple[list[ScenarioOutcome], ProblemCollector]:
    """Every scenario of a bundle, party and screening alike."""
    return run_all(bundle, run)


def scenarios_testing(bundle: Bundle, rule_id: str) -> list[LoadedScenario]:
    """The scenarios whose expectations name a rule, for ``rogatory explain``."""
    loaded = load_scenarios(bundle.tests_dir(), ProblemCollector(), label=f"{bundle.id}/tests")
    return [
        s
        for s in loaded
        if any(
            isinstance(f, dict) and f.get("rule") == rule_id
            for f in s.scenario.expect.get("findings", [])
        )
    ]

"""Scenario files: facts and a date in, expected results out, readable by lawyers.

Modelled on OpenFisca's YAML tests. This module only knows the envelope (name, the provisions
the scenario tests, the legal date, the facts given and the results expected); the Convention's
model interprets ``given`` and ``expect`` and says which expectations failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rogatory.errors import ProblemCollector
from rogatory.law.bundle import Bundle
from rogatory.law.citation import parse_provision_id
from rogatory.law.loader import read_yaml, validate


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    cites: list[str] = Field(min_length=1)
    on: date
    given: dict[str, Any] = Field(default_factory=dict)
    expect: dict[str, Any] = Field(min_length=1)

    @field_validator("cites")
    @classmethod
    def _provision_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_provision_id(item)
        return value


class ScenarioFile(BaseModel):
    """Scenarios, and ``defaults``: facts deep-merged under every scenario's ``given``.

    Defaults keep a file of twenty variations on one request readable: each scenario states
    only what differs. A value of null in a scenario removes the default's value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: dict[str, Any] = Field(default_factory=dict)
    scenarios: list[Scenario] = Field(min_length=1)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _apply_defaults(data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
        return data
    defaults = data["defaults"]
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list):
        return data
    merged = [
        {**s, "given": deep_merge(defaults, s.get("given") or {})} if isinstance(s, dict) else s
        for s in scenarios
    ]
    return {**data, "scenarios": merged}


@dataclass(frozen=True)
class LoadedScenario:
    file: str
    index: int
    scenario: Scenario

    @property
    def id(self) -> str:
        return f"{self.file}::{self.scenario.name}"


@dataclass
class ScenarioOutcome:
    scenario: LoadedScenario
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scenarios(
    directory: Path, problems: ProblemCollector, *, label: str
) -> list[LoadedScenario]:
    """Every scenario in ``directory/*.yaml``, in file then document order."""
    out: list[LoadedScenario] = []
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.yaml")):
        name = f"{label}/{path.name}"
        data = _apply_defaults(read_yaml(path, problems, label=name))
        parsed = validate(ScenarioFile, data, problems, file=name)
        if parsed is not None:
            out.extend(LoadedScenario(name, i, s) for i, s in enumerate(parsed.scenarios))
    return out


Runner = Callable[[Bundle, LoadedScenario], ScenarioOutcome]


def run_safely(bundle: Bundle, loaded: LoadedScenario, runner: Runner) -> ScenarioOutcome:
    """Run a scenario; a cited provision that is not encoded, or an error inside the engine,
    is a failed scenario, never a crash."""
    try:
        for provision_id in loaded.scenario.cites:
            instrument, article, paragraph = parse_provision_id(provision_id)
            if instrument != bundle.id:
                raise ValueError(f"scenario cites {provision_id!r}, not in bundle {bundle.id!r}")
            bundle.citation(article, paragraph)
        return runner(bundle, loaded)
    except Exception as exc:  # a broken rule must show up as a failure, with its message
        return ScenarioOutcome(loaded, [f"{type(exc).__name__}: {exc}"])


def run_all(bundle: Bundle, runner: Runner) -> tuple[list[ScenarioOutcome], ProblemCollector]:
    """Every scenario of a bundle, with the problems met while loading the scenario files."""
    problems = ProblemCollector()
    loaded = load_scenarios(bundle.tests_dir(), problems, label=f"{bundle.id}/tests")
    return [run_safely(bundle, s, runner) for s in loaded], problems

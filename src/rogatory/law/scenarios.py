"""Scenario files: facts and a date in, expected results out, readable by lawyers.

Modelled on OpenFisca's YAML tests. This module only knows the envelope (name, the provisions
the scenario tests, the legal date, the facts given and the results expected); the Convention's
model interprets ``given`` and ``expect`` and says which expectations failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rogatory.errors import ProblemCollector
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
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenarios: list[Scenario] = Field(min_length=1)


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
        parsed = validate(ScenarioFile, read_yaml(path, problems, label=name), problems, file=name)
        if parsed is not None:
            out.extend(LoadedScenario(name, i, s) for i, s in enumerate(parsed.scenarios))
    return out

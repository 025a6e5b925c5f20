"""The requested State's domestic law, as far as screening needs it.

Dual criminality (and the grounds "prohibited in a similar domestic case" and "contrary to the
legal system") cannot be decided from the treaty alone. A user supplies a mapping of the
requested State's offences (``--domestic-law FILE``): each with its provision, a description,
the Convention articles (7-17) the conduct corresponds to, and the statutory maximum. Measures
the State's law forbids or does not provide can be listed too, and the grounds its law makes
mandatory (the Convention's own grounds are all discretionary).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rogatory.errors import ProblemCollector
from rogatory.law.loader import read_yaml, validate
from rogatory.parties import states
from rogatory.safeguards.request import Measure

# The grounds a mapping can establish by itself; the others (essential interests, political
# offence, persecution) need a person's judgement of the facts, whatever the law says.
MANDATORY_CAPABLE = (
    "refusal.dual_criminality",
    "refusal.domestic_prohibition",
    "refusal.legal_system",
)


class DomesticOffence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provision: str = Field(min_length=1)
    description: str = Field(min_length=1)
    treaty_articles: list[int] = Field(default_factory=list)
    max_penalty_years: float | None = Field(default=None, ge=0)

    @field_validator("treaty_articles")
    @classmethod
    def _in_chapter_ii(cls, value: list[int]) -> list[int]:
        bad = [a for a in value if not 7 <= a <= 17]
        if bad:
            raise ValueError(f"treaty_articles must be Convention offences, Arts 7-17; got {bad}")
        return value


class DomesticLaw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str
    source: str | None = None
    offences: list[DomesticOffence] = Field(default_factory=list)
    prohibited_measures: list[Measure] = Field(
        default_factory=list,
        description="measures domestic law prohibits in a similar domestic case",
    )
    unavailable_measures: list[Measure] = Field(
        default_factory=list, description="measures the legal system does not provide for"
    )
    mandatory_grounds: list[str] = Field(
        default_factory=list,
        description="grounds for refusal (rule ids such as refusal.dual_criminality) that this "
        "State's law makes mandatory: where the mapping establishes one, the outcome is refuse",
    )

    @field_validator("mandatory_grounds")
    @classmethod
    def _grounds(cls, value: list[str]) -> list[str]:
        bad = [g for g in value if g not in MANDATORY_CAPABLE]
        if bad:
            raise ValueError(
                f"unknown or signal-only grounds {bad}: a mapping can make mandatory only "
                f"{', '.join(MANDATORY_CAPABLE)} (grounds it can establish itself)"
            )
        return value

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        state = states.find(value)
        if state is None:
            raise ValueError(states.unknown_state_message(value))
        return state.code

    def offences_for(self, articles: list[int]) -> list[DomesticOffence]:
        """Domestic offences covering any of the given Convention articles."""
        wanted = set(articles)
        return [o for o in self.offences if wanted & set(o.treaty_articles)]


class DomesticLawFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    states: list[DomesticLaw]


def read(paths: list[Path], problems: ProblemCollector) -> dict[str, DomesticLaw]:
    """Mappings by state from YAML files, each one mapping or a list of them."""
    out: dict[str, DomesticLaw] = {}
    for path in paths:
        label = str(path)
        data = read_yaml(path, problems, label=label)
        if data is None:
            continue
        wrapped = {"states": data if isinstance(data, list) else [data]}
        parsed = validate(DomesticLawFile, wrapped, problems, file=label)
        for law in parsed.states if parsed else []:
            if law.state in out:
                problems.add(
                    "domestic.duplicate_state", f"{law.state} is mapped more than once", file=label
                )
            out[law.state] = law
    return out

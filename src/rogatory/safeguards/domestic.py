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
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rogatory.errors import ProblemCollector
from rogatory.law.loader import read_yaml, validate
from rogatory.parties import states
from rogatory.safeguards.request import Measure, OffenceForm
from rogatory.treaty import catalogue

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
    treaty_articles: list[int] = Field(
        default_factory=list,
        description="the offence articles of the mapping's treaty the conduct corresponds to",
    )
    max_penalty_years: float | None = Field(default=None, ge=0)
    forms: list[OffenceForm] = Field(
        default_factory=list,
        description="the forms besides commission this State's law makes criminal for the "
        "offence (participation, attempt, preparation): where the treaty leaves a form optional "
        "(UN Art 19), this is how the mapping says the State established it",
    )


class DomesticLaw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str
    treaty: str = Field(
        default=catalogue.DEFAULT,
        description="the treaty (bundle id) whose offence articles treaty_articles names: "
        "UN Convention Arts 7-17, Budapest Arts 2-11",
    )
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

    @model_validator(mode="after")
    def _offence_articles(self) -> Self:
        if self.treaty not in catalogue.bundle_ids():
            raise ValueError(
                f"treaty {self.treaty!r} is not a shipped treaty "
                f"({', '.join(catalogue.bundle_ids())})"
            )
        facts = catalogue.get(self.treaty).screening_facts
        if facts is None:
            raise ValueError(f"treaty {self.treaty!r} has no offence articles to map to")
        bad = sorted(
            {a for o in self.offences for a in o.treaty_articles if a not in facts.offences}
        )
        if bad:
            raise ValueError(
                f"treaty_articles must be offences of {self.treaty}, {facts.offences.label}; "
                f"got {bad}"
            )
        return self

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

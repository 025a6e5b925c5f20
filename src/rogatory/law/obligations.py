"""The obligations catalogue: every provision of an instrument that reaches a company.

A treaty binds States; it reaches a service provider or a legal person only through the law
of a State that implements it. The catalogue (``obligations.yaml`` in a bundle folder) says,
for each such provision, whom it binds, whom it reaches and how (a company offering services
in the State, established there, or storing data there; which kinds of service; which data),
what it asks of a company in practice (a capability, a response time, confidentiality,
records), and its citations with their verification levels. It also says what the instrument
does *not* require of companies (no general data-retention duty, no new interception
capability), cited where a provision shows it, because a compliance team needs the limits as
much as the duties.

The schema is generic: nothing here names a treaty; the loader (``law.bundle``) checks every
citation and constant against the bundle the file is in.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rogatory.law.citation import Citation, Level


class Party(StrEnum):
    """Who a provision binds or reaches."""

    STATE = "state"  # the State Party itself (to legislate, to designate, to ensure)
    SERVICE_PROVIDER = "service_provider"  # a provider of communication, processing, storage
    LEGAL_PERSON = "legal_person"  # any company, whatever its services
    PERSON = "person"  # any person holding data or knowing a system


class Presence(StrEnum):
    """How a company is present in a State: what brings it within that State's order."""

    OFFERS = "offers"  # offers services in the territory
    ESTABLISHED = "established"  # has an establishment there
    STORES = "stores"  # stores data there


class ServiceKind(StrEnum):
    COMMUNICATION = "communication"
    HOSTING = "hosting"
    CLOUD = "cloud"
    MESSAGING = "messaging"
    PAYMENTS = "payments"
    OTHER = "other"


class DataCategory(StrEnum):
    SUBSCRIBER = "subscriber"
    TRAFFIC = "traffic"
    CONTENT = "content"


class DutyKind(StrEnum):
    """What a provision asks of a company in practice."""

    CAPABILITY = "capability"  # be able to do something (preserve, collect, assist)
    RESPONSE_TIME = "response_time"  # act within a time the law sets
    CONFIDENTIALITY = "confidentiality"  # keep the order and its execution secret
    RECORDS = "records"  # keep data, or a record, for a period
    LIABILITY = "liability"  # answer for offences committed for the company's benefit
    CONTACT = "contact"  # be reachable by the authorities


class Strength(StrEnum):
    """Whether a duty is the instrument's (through the implementing law) or good practice."""

    MUST = "must"  # the State must impose it on the company (by implementing the provision)
    MAY = "may"  # the State may impose it (the provision leaves it to domestic law)
    PRACTICE = "practice"  # not a legal duty of the company: a practical step it follows from


class Duty(BaseModel):
    """One thing a provision asks of a company, in plain words, with where it is written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DutyKind
    strength: Strength
    says: str = Field(min_length=1, description="what the company does, in plain words")
    capability: str | None = Field(
        default=None,
        description="the footprint capability that shows the company can meet the duty "
        "(preservation_hours, confidentiality_procedure, ...)",
    )
    constant: str | None = Field(
        default=None, description="a dated constant of the bundle that holds the duty's value"
    )
    cite: Citation


class Reach(BaseModel):
    """Which companies a provision reaches in a State that implements it: present in one of
    the ways listed, providing one of the kinds of service (any, when none is listed), and
    holding one of the data categories (any, when none is listed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    presence: list[Presence] = Field(min_length=1)
    service_kinds: list[ServiceKind] = Field(default_factory=list)
    data: list[DataCategory] = Field(default_factory=list)
    note: str | None = None


class Obligation(BaseModel):
    """One provision that reaches companies, as a compliance team reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    articles: list[int] = Field(min_length=1, description="the articles it rests on, first")
    binds: list[Party] = Field(min_length=1, description="whom the instrument itself binds")
    reaches: list[Party] = Field(
        min_length=1, description="whom the State's implementing law reaches"
    )
    reach: Reach
    summary: str = Field(min_length=1)
    trigger: str = Field(
        min_length=1,
        description="what must hold before the duty reaches a company (the State is a "
        "Party and has implemented the provision)",
    )
    duties: list[Duty] = Field(min_length=1)
    cites: list[Citation] = Field(min_length=1)
    through_law: bool = Field(
        default=True,
        description="reaches a company only once the State's law implements it (false: from "
        "the State being bound, as the 24/7 network and the safeguards that frame every order)",
    )

    @model_validator(mode="after")
    def _a_company_is_reached(self) -> Self:
        if self.reaches == [Party.STATE]:
            raise ValueError("reaches: an obligation of the catalogue reaches a company")
        return self

    @property
    def level(self) -> Level:
        """The level of the weakest citation it rests on: a duty is never surer than that."""
        return Level.weakest(
            [c.verification for c in self.cites] + [d.cite.verification for d in self.duties]
        )


class NotRequired(BaseModel):
    """Something the instrument does not ask of companies, cited where a provision shows it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    says: str = Field(min_length=1)
    why: str = Field(min_length=1)
    cites: list[Citation] = Field(
        default_factory=list,
        description="the provisions that show it; none when it is the absence of a provision",
    )


class ObligationsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    obligations: dict[str, Obligation] = Field(min_length=1)
    not_required: dict[str, NotRequired] = Field(default_factory=dict)

"""The request document: what a requesting authority sends, as a validated model.

Only the fields without which nothing can be screened are required (the measure, the two
states, the date). Everything the Convention asks a request to contain is optional here, so
that a missing item becomes an ``invalid`` outcome listing every gap, rather than an input
error that hides the rest of the screening. Unknown fields are refused: a misspelt field name
would otherwise silently count as missing.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rogatory import inputs
from rogatory.errors import Problem, ProblemList, RogatoryError
from rogatory.inputs import Identifier, LongText, Reference, ShortText
from rogatory.law.bundle import OffenceArticles
from rogatory.law.loader import key_path
from rogatory.parties import states
from rogatory.treaty import catalogue


class Measure(StrEnum):
    """The measures a request can name; each treaty's measures.yaml says under which of its
    articles (UN Convention / Budapest Convention in the comments)."""

    PRESERVATION = "preservation"  # Art 42 / Art 29
    TRAFFIC_DISCLOSURE = "traffic_disclosure"  # Art 43 / Art 30
    STORED_DATA = "stored_data"  # Art 44 / Art 31
    REALTIME_TRAFFIC = "realtime_traffic"  # Art 45 / Art 33
    INTERCEPTION = "interception"  # Art 46 / Art 34
    MLA = "mla"  # Art 40 / Arts 25, 27: other assistance
    EMERGENCY = "emergency"  # Art 41 with Art 2(o) / Art 35 with Art 25(3)


class Role(StrEnum):
    CENTRAL_AUTHORITY = "central_authority"
    CONTACT_POINT_24_7 = "contact_point_24_7"
    COMPETENT_AUTHORITY = "competent_authority"


class Category(StrEnum):
    SUBSCRIBER = "subscriber"
    TRAFFIC = "traffic"
    CONTENT = "content"


def _state_code(value: str) -> str:
    state = states.find(value)
    if state is None:
        raise PydanticCustomError("unknown_state", states.unknown_state_message(value))
    return state.code


StateCode = Annotated[str, Field(max_length=100), AfterValidator(_state_code)]


class _Model(BaseModel):
    # No NaN or Infinity: they are not JSON, and a stored document must read back.
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class OffenceForm(StrEnum):
    """How a person took part in the offence (Art 19, participation and attempt; recollection)."""

    COMMISSION = "commission"
    PARTICIPATION = "participation"
    ATTEMPT = "attempt"
    PREPARATION = "preparation"


class AssistanceKind(StrEnum):
    """What an ``mla`` request asks for: only electronic evidence is in scope for a serious
    crime that is not a Convention offence (Art 35(1)(c), Art 3(b))."""

    ELECTRONIC_EVIDENCE = "electronic_evidence"
    WITNESS_STATEMENT = "witness_statement"
    SERVICE_OF_DOCUMENTS = "service_of_documents"
    SEARCH_AND_SEIZURE = "search_and_seizure"
    FREEZING_AND_CONFISCATION = "freezing_and_confiscation"
    OTHER = "other"


class Authority(_Model):
    name: ShortText | None = None
    role: Role | None = None
    reference: Reference | None = None
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = (
        Field(
            default=None,
            description="the sender's e-mail address: its domain is held against the official "
            "domains in the authority registry (a claim, unless a registered key signed it)",
        )
    )

    @property
    def email_domain(self) -> str | None:
        return self.email.rsplit("@", 1)[1].lower() if self.email else None


def _offence_range(info: ValidationInfo) -> OffenceArticles:
    """The offence articles of the treaty the request is validated for: the ``treaty`` in the
    validation context (a bundle id), else the default treaty's."""
    context = info.context or {}
    if context.get("offences") is not None:
        found: OffenceArticles = context["offences"]
        return found
    treaty = context.get("treaty", catalogue.DEFAULT)
    facts = catalogue.get(treaty).screening_facts
    if facts is None:
        raise PydanticCustomError(
            "treaty_not_screened", "treaty {treaty} has no screening rules", {"treaty": treaty}
        )
    return facts.offences


def _in_offence_range(value: list[int] | None, info: ValidationInfo) -> list[int] | None:
    """Each article names one of the treaty's offences: Arts 7-17 of the UN Convention, Arts
    2-11 of the Budapest Convention; the treaty comes from the validation context."""
    if not value:
        return value
    offences = _offence_range(info)
    bad = [a for a in value if a not in offences]
    if bad:
        raise PydanticCustomError(
            "not_an_offence_article",
            "articles {bad} are not offence articles of {treaty} (its offences are {range})",
            {
                "bad": bad,
                "treaty": (info.context or {}).get("treaty", catalogue.DEFAULT),
                "range": offences.label,
            },
        )
    return value


class Offence(_Model):
    description: LongText | None = None
    treaty_articles: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list,
        max_length=inputs.MAX_ITEMS,
        description="the articles of the treaty screened under that establish the offences the "
        "conduct falls under (UN Convention: Arts 7-17; Budapest Convention: Arts 2-11); may be "
        "empty",
    )
    form: OffenceForm = Field(
        default=OffenceForm.COMMISSION,
        description="commission, or participation, attempt or preparation of the offence under "
        "treaty_articles (UN Convention Art 19; Budapest Art 11 has aiding or abetting and "
        "attempt)",
    )
    requested_state_articles: list[Annotated[int, Field(ge=1)]] | None = Field(
        default=None,
        description="the requested State's own characterisation of the conduct, in the same "
        "treaty's offence articles; an empty list means it finds no offence of that treaty; "
        "null: not characterised yet",
    )
    computer_related: bool | None = Field(
        default=None,
        description="whether the offence is related to computer systems and data, where the "
        "treaty's scope reaches such offences beyond its own (Budapest Arts 23, 25(1)); null: "
        "not stated",
    )
    domestic_provision: ShortText | None = None
    max_penalty_years: float | None = Field(
        default=None, ge=0, description="statutory maximum in the requesting State; null if unknown"
    )
    penalty_more_serious: bool = False

    _articles_in_range = field_validator("treaty_articles", "requested_state_articles")(
        _in_offence_range
    )


class Period(_Model):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_ and self.to and self.to < self.from_:
            raise PydanticCustomError("period_order", "'to' is before 'from'")
        return self

    @property
    def days(self) -> int | None:
        return (self.to - self.from_).days + 1 if self.from_ and self.to else None


class Data(_Model):
    categories: list[Category] = Field(default_factory=list, max_length=inputs.MAX_ITEMS)
    identifiers: list[Identifier] = Field(default_factory=list, max_length=inputs.MAX_IDENTIFIERS)
    relation_to_offence: LongText | None = None
    custodian: ShortText | None = None
    location: ShortText | None = None
    period: Period | None = None


class Authorisation(_Model):
    issuer: ShortText | None = None
    date: dt.date | None = None
    reference: ShortText | None = None


class Person(_Model):
    name: ShortText | None = None
    nationality: StateCode | None = None


class Emergency(_Model):
    """The facts that make the situation an emergency in the sense of Art 2(o)."""

    description: LongText | None = None
    risk_to: list[ShortText] = Field(
        default_factory=list, max_length=inputs.MAX_ITEMS, description="life, safety"
    )
    imminent: bool | None = None
    significant: bool | None = None


class Request(_Model):
    measure: Measure
    requesting_state: StateCode
    requested_state: StateCode
    submitted_on: date
    requesting_authority: Authority = Field(default_factory=Authority)
    offence: Offence = Field(default_factory=Offence)
    facts: LongText | None = None
    necessity: LongText | None = None
    assistance_sought: LongText | None = None
    assistance_kind: AssistanceKind | None = Field(
        default=None, description="for an 'mla' request: what kind of assistance it asks for"
    )
    language: ShortText | None = Field(
        default=None, description="the language the request is written in, e.g. 'en', 'fr'"
    )
    mla_to_follow: bool | None = None
    data: Data = Field(default_factory=Data)
    preservation_days: int | None = Field(default=None, ge=1)
    duration_days: int | None = Field(default=None, ge=1)
    confidentiality_requested: bool = False
    authorisation: Authorisation | None = None
    persons: list[Person] = Field(default_factory=list, max_length=inputs.MAX_PERSONS)
    emergency: Emergency | None = None

    @model_validator(mode="after")
    def _two_states(self) -> Self:
        if self.requesting_state == self.requested_state:
            raise PydanticCustomError(
                "same_state", "requesting_state and requested_state are the same state"
            )
        return self


def schema() -> dict[str, Any]:
    """The request document's JSON Schema (draft 2020-12), as published to requesters."""
    out = Request.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "rogatory request"
    return out


_CODES = {
    "unknown_state": "request.unknown_state",
    "missing": "request.field_missing",
    "extra_forbidden": "request.unknown_field",
    "same_state": "request.same_state",
    "period_order": "request.invalid_period",
    "json_invalid": "request.invalid_json",
    "string_too_long": "request.too_long",
    "too_long": "request.too_many",
    "text_unstorable": "request.invalid_text",
    "string_unicode": "request.invalid_text",
    "finite_number": "request.invalid_number",
    "not_an_offence_article": "request.invalid_value",
}
MAX_PROBLEMS = 50  # a document wrong everywhere is reported by its first problems


def _code(error_type: str) -> str:
    if error_type in _CODES:
        return _CODES[error_type]
    if error_type.startswith(("date", "datetime")):
        return "request.invalid_date"
    if error_type.endswith(("_type", "_parsing")) or error_type in ("enum", "literal_error"):
        return "request.invalid_type"
    return "request.invalid_value"


def problems_of(exc: ValidationError, *, file: str | None) -> list[Problem]:
    """One problem per bad field, naming the field, in the ``error[code]`` scheme."""
    out = []
    errors = exc.errors(include_url=False)
    for err in errors[:MAX_PROBLEMS]:
        loc = [p for p in err["loc"] if isinstance(p, int | str)]
        field_name = key_path(loc) if loc else "(document)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the request document)"
        out.append(Problem(_code(err["type"]), f"field {field_name}: {message}", file))
    if len(errors) > MAX_PROBLEMS:
        more = len(errors) - MAX_PROBLEMS
        out.append(Problem("request.invalid", f"and {more} more problems not listed", file))
    return out


def parse(
    data: Any,
    *,
    file: str | None = None,
    treaty: str | None = None,
    offences: OffenceArticles | None = None,
) -> Request:
    """A Request from decoded JSON, or a ProblemList naming every bad field.

    ``treaty`` (a bundle id; default: the default treaty) is the treaty whose offence articles
    ``offence.treaty_articles`` names; ``offences`` gives them directly, for a treaty loaded from
    a folder outside the catalogue (a screener's ``law.facts.offences``)."""
    if not isinstance(data, dict):
        raise ProblemList(
            "request.invalid",
            file or "request",
            [Problem("request.invalid_type", "the document must be a JSON object", file)],
        )
    try:
        return Request.model_validate(
            data, context={"treaty": treaty or catalogue.DEFAULT, "offences": offences}
        )
    except ValidationError as exc:
        raise ProblemList(
            "request.invalid", file or "request", problems_of(exc, file=file)
        ) from None


def load(path: Path, *, treaty: str | None = None) -> Request:
    """Read a request file (JSON); every problem is reported with the file and field."""
    return parse(read(path), file=str(path), treaty=treaty)


def read(path: Path) -> Any:
    """A request file's decoded JSON (a request document, or a signed one), not yet
    validated (a caller may first carry its offence articles into another treaty's numbering),
    or the problem that keeps it from being read, with the file, line and column."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{label}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RogatoryError(
            "input.file_unreadable", f"{label}: cannot read the file: {exc}"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemList(
            "request.invalid",
            label,
            [
                Problem(
                    "request.invalid_json",
                    f"not valid JSON: {exc.msg}",
                    label,
                    f"line {exc.lineno} column {exc.colno}",
                )
            ],
        ) from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, nesting too deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ProblemList(
            "request.invalid",
            label,
            [Problem("request.invalid_json", f"not readable JSON: {reason}", label)],
        ) from None
    return data

"""Guided intake: one form per measure, asking only what that measure needs.

The fields are declared once here; the template draws them, ``document`` turns a submitted
form into the request document the API takes, and ``check`` answers with the problems to show
beside each field: input errors from the request schema and the items the Convention asks for
that are still missing (``safeguards.rules.completeness``), each under the field it concerns.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rogatory.errors import ProblemList, RogatoryError
from rogatory.safeguards import request as requests_doc
from rogatory.safeguards.engine import Screener
from rogatory.safeguards.request import AssistanceKind, Measure, OffenceForm, Request
from rogatory.safeguards.rules import completeness
from rogatory.treaty import catalogue

ALL = frozenset(Measure)
DATA_MEASURES = ALL - {Measure.MLA}
ORDERED = ALL - {Measure.PRESERVATION, Measure.EMERGENCY}  # need an authorisation
LIVE = frozenset({Measure.REALTIME_TRAFFIC, Measure.INTERCEPTION})

MEASURE_TITLES = {
    Measure.PRESERVATION: "Expedited preservation of stored data (Art 42)",
    Measure.TRAFFIC_DISCLOSURE: "Expedited disclosure of preserved traffic data (Art 43)",
    Measure.STORED_DATA: "Accessing stored electronic data (Art 44)",
    Measure.REALTIME_TRAFFIC: "Real-time collection of traffic data (Art 45)",
    Measure.INTERCEPTION: "Interception of content data (Art 46)",
    Measure.MLA: "Other mutual legal assistance (Art 40)",
    Measure.EMERGENCY: "Emergency request (Art 41, Art 2(o))",
}


def requestable(screener: Screener) -> list[Measure]:
    """The measures a request can be made for under the screener's treaty: every row of its
    measures table that is not a step of another (the disclosure of preserved traffic data is
    a step of a preservation case, Art 43 on the Budapest Art 30 model, not a request)."""
    table = screener.law.bundle.measures
    return [m for m in MEASURE_TITLES if table[m.value].step_of is None]


@dataclass(frozen=True)
class Field:
    """One form field: its dotted name in the request document, and how to ask for it."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, lines, date, int, number, bool, choice, choices
    measures: frozenset[Measure] = ALL
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False  # refused by the schema itself when absent

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    measures: frozenset[Measure] = ALL


ROLES = (
    ("", "not stated"),
    ("central_authority", "central authority"),
    ("contact_point_24_7", "24/7 point of contact"),
    ("competent_authority", "competent authority"),
)
CATEGORIES = (
    ("subscriber", "subscriber information"),
    ("traffic", "traffic data"),
    ("content", "content data"),
)
ARTICLES = tuple((str(n), f"Art {n}") for n in range(7, 18))
FORMS = (
    ("", "commission"),
    *((f.value, f.value) for f in OffenceForm if f is not OffenceForm.COMMISSION),
)
ASSISTANCE_KINDS = (
    ("", "not stated"),
    *((k.value, k.value.replace("_", " ")) for k in AssistanceKind),
)

SECTIONS = (
    Section(
        "States and authority",
        (
            Field(
                "requesting_state",
                "Requesting State",
                hint="ISO 3166-1 alpha-3, e.g. FRA",
                required=True,
            ),
            Field("requested_state", "Requested State", hint="ISO 3166-1 alpha-3", required=True),
            Field("submitted_on", "Date of the request", "date", required=True),
            Field("requesting_authority.name", "Requesting authority"),
            Field(
                "requesting_authority.role", "Capacity of the authority", "choice", choices=ROLES
            ),
            Field("requesting_authority.reference", "The authority's reference"),
            Field("language", "Language of the request", hint="e.g. English, French"),
        ),
    ),
    Section(
        "Offence and facts",
        (
            Field("offence.description", "Offence under investigation or prosecution", "textarea"),
            Field(
                "offence.treaty_articles",
                "Offences of the Convention the conduct falls under",
                "choices",
                choices=ARTICLES,
            ),
            Field(
                "offence.form",
                "Form of the offence",
                "choice",
                choices=FORMS,
                hint="participation, attempt or preparation of the offence above (Art 19)",
            ),
            Field("offence.domestic_provision", "Domestic provision of the requesting State"),
            Field(
                "offence.max_penalty_years",
                "Maximum penalty (years)",
                "number",
                hint="the statutory maximum; serious crime is at least four years (Art 2(h))",
            ),
            Field("facts", "Summary of the relevant facts", "textarea"),
            Field(
                "necessity",
                "Why the measure is necessary",
                "textarea",
                ALL - {Measure.EMERGENCY},
                hint="for preservation: why the data would otherwise be lost",
            ),
            Field(
                "assistance_kind",
                "Kind of assistance",
                "choice",
                frozenset({Measure.MLA}),
                hint="for a serious crime that is no Convention offence, only electronic "
                "evidence is within the Convention (Art 35)",
                choices=ASSISTANCE_KINDS,
            ),
            Field(
                "assistance_sought",
                "Assistance sought",
                "textarea",
                frozenset({Measure.MLA}),
            ),
        ),
    ),
    Section(
        "Emergency",
        (
            Field("emergency.description", "What the emergency is", "textarea"),
            Field(
                "emergency.risk_to",
                "At risk",
                "choices",
                choices=(("life", "life"), ("safety", "safety")),
            ),
            Field("emergency.imminent", "The risk is imminent", "bool"),
            Field("emergency.significant", "The risk is significant", "bool"),
        ),
        frozenset({Measure.EMERGENCY}),
    ),
    Section(
        "Data",
        (
            Field("data.categories", "Categories of data", "choices", choices=CATEGORIES),
            Field(
                "data.identifiers",
                "Identifiers (one per line)",
                "lines",
                hint="accounts, addresses, numbers: exactly as the custodian knows them",
            ),
            Field(
                "data.relation_to_offence",
                "Relationship of the data to the offence",
                "textarea",
                frozenset({Measure.PRESERVATION}),
            ),
            Field("data.custodian", "Custodian", measures=DATA_MEASURES),
            Field("data.location", "Location of the data", measures=DATA_MEASURES),
            Field("data.period.from", "Period from", "date", DATA_MEASURES),
            Field("data.period.to", "Period to", "date", DATA_MEASURES),
        ),
    ),
    Section(
        "Measure",
        (
            Field(
                "preservation_days",
                "Preservation asked for (days)",
                "int",
                frozenset({Measure.PRESERVATION}),
            ),
            Field(
                "mla_to_follow",
                "A request for mutual legal assistance will follow",
                "bool",
                frozenset({Measure.PRESERVATION}),
            ),
            Field("duration_days", "Duration (days)", "int", LIVE),
            Field("authorisation.issuer", "Authorised by", measures=ORDERED),
            Field("authorisation.date", "Authorised on", "date", ORDERED),
            Field("authorisation.reference", "Authorisation reference", measures=ORDERED),
            Field("confidentiality_requested", "Confidentiality is requested", "bool"),
        ),
    ),
)


def _article_label(screener: Screener, number: int) -> str:
    article = screener.law.bundle.article(number)
    return f"Art {number} {article.title}" if article is not None else f"Art {number}"


def _for_treaty(spec: Field, screener: Screener | None) -> Field:
    """A field as the treaty the request is made under asks it: the offence articles are
    that treaty's own (UN Arts 7-17, Budapest Arts 2-11), each with its title."""
    if screener is None or spec.name != "offence.treaty_articles":
        return spec
    offences, bundle = screener.law.facts.offences, screener.law.bundle
    return dataclasses.replace(
        spec,
        label=f"Offences of the {bundle.manifest.short_title} the conduct falls under",
        choices=tuple(
            (str(n), _article_label(screener, n)) for n in range(offences.first, offences.last + 1)
        ),
    )


def sections_for(
    measure: Measure, screener: Screener | None = None
) -> list[tuple[str, list[Field]]]:
    return [
        (s.title, [_for_treaty(f, screener) for f in s.fields if measure in f.measures])
        for s in SECTIONS
        if measure in s.measures
    ]


def fields_for(measure: Measure, screener: Screener | None = None) -> list[Field]:
    return [f for _, fields in sections_for(measure, screener) for f in fields]


def _value(spec: Field, values: list[str]) -> Any:
    """The document value of one field; unparseable numbers go through as text so the schema
    reports them by field name."""
    first = values[0].strip() if values else ""
    if spec.kind == "bool":
        return True if first else None
    if spec.kind == "choices":
        picked = [v for v in values if v]
        if spec.name == "offence.treaty_articles":
            return [int(v) if v.isdigit() else v for v in picked] or None
        return picked or None
    if spec.kind == "lines":
        lines = [line.strip() for line in first.splitlines() if line.strip()]
        return lines or None
    if not first:
        return None
    if spec.kind in ("int", "number"):
        try:
            return int(first) if spec.kind == "int" else float(first)
        except ValueError:
            return first
    return first


def document(
    measure: Measure, form: Mapping[str, list[str]], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The request document a submitted form stands for (empty fields left out).

    With ``base`` (an amendment), the form's fields are laid over the stored document:
    what the form asks for is replaced or removed, and what it does not ask for (persons,
    say) is kept, so amending through the form never drops data silently."""
    doc: dict[str, Any] = copy.deepcopy(base) if base else {}
    doc["measure"] = measure.value
    for spec in fields_for(measure):
        value = _value(spec, form.get(spec.name, []))
        *parents, leaf = spec.name.split(".")
        node = doc
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                if value is None:
                    break
                child = node[part] = {}
            node = child
        else:
            if value is None:
                node.pop(leaf, None)
            else:
                node[leaf] = value
    return doc


def values_from(measure: Measure, document: dict[str, Any]) -> dict[str, list[str]]:
    """The form's values for a stored request document (the inverse of ``document``), so an
    amendment starts from what the case holds."""
    values: dict[str, list[str]] = {}
    for spec in fields_for(measure):
        node: Any = document
        for part in spec.name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None or node == [] or node is False:
            continue
        if spec.kind == "bool":
            values[spec.name] = ["yes"]
        elif spec.kind == "choices":
            values[spec.name] = [str(v) for v in node]
        elif spec.kind == "lines":
            values[spec.name] = ["\n".join(str(v) for v in node)]
        else:
            values[spec.name] = [str(node)]
    return values


@dataclass
class Check:
    """What guided intake shows: problems under fields, and the measure's required items."""

    request: Request | None
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    items: list[tuple[str, str, bool]] = field(default_factory=list)  # field, label, present

    @property
    def missing_count(self) -> int:
        return sum(1 for _, _, present in self.items if not present)

    @property
    def complete(self) -> bool:
        return self.request is not None and not self.field_errors


def _field_of(message: str, names: set[str]) -> str:
    """The form field a schema problem ("field data.period.to: ...") belongs to."""
    if message.startswith("field "):
        name = message.removeprefix("field ").split(":", 1)[0].strip()
        name = name.split("[", 1)[0]
        while name and name not in names:
            name = name.rpartition(".")[0]
        if name:
            return name
    return "(document)"


def check(measure: Measure, doc: dict[str, Any], screener: Screener | None = None) -> Check:
    """What the form as typed still lacks, validated for the treaty the request is made under
    (``screener``'s; default: the default treaty's numbering)."""
    names = {f.name for f in fields_for(measure)}
    try:
        req = screener.parse(doc) if screener is not None else requests_doc.parse(doc)
    except ProblemList as problems:
        out = Check(None)
        for p in problems.problems:
            text = p.message.split(":", 1)[1].strip() if ":" in p.message else p.message
            out.field_errors.setdefault(_field_of(p.message, names), []).append(text)
        return out
    except RogatoryError as exc:
        return Check(None, {"(document)": [exc.message]})
    out = Check(req)
    facts = (screener.law.bundle if screener else catalogue.get()).measures[measure.value]
    for name, label, present in completeness.required_items(facts):
        ok = present(req)
        out.items.append((name, label, ok))
        if not ok:
            out.field_errors.setdefault(name, []).append(f"required: {label}")
    return out


def default_date() -> str:
    return date.today().isoformat()

"""The request and its screening as a lawyer reads them, not as JSON.

The request becomes four short sections: who asks (the authority, its channel, its reference),
what (the measure, data categories, identifiers, period), about what (the offence, the
penalty, the facts, the necessity) and on which legal basis. The findings are grouped by what
they mean for the decision: what blocks it, what needs a person, what passed, and what does
not apply, each with its citations and their verification level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rogatory.law.bundle import Bundle
from rogatory.parties import states

ROLES = {
    "central_authority": "central authority",
    "contact_point_24_7": "24/7 point of contact",
    "competent_authority": "competent authority",
}
CATEGORIES = {
    "subscriber": "subscriber information",
    "traffic": "traffic data",
    "content": "content data",
}


@dataclass(frozen=True)
class Row:
    label: str
    value: str | list[str]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    rows: list[Row] = field(default_factory=list)


def _add(rows: list[Row], label: str, value: Any) -> None:
    """A row only for what the request says: nothing for an empty field."""
    if value is None or value == "" or value == []:
        return
    if isinstance(value, bool):
        value = "yes" if value else "no"
    rows.append(Row(label, [str(v) for v in value] if isinstance(value, list) else str(value)))


def _state(code: str | None) -> str | None:
    found = states.find(code) if code else None
    return f"{found.name} ({found.code})" if found is not None else code


def _offences(bundle: Bundle, articles: list[int]) -> list[str]:
    out = []
    for number in articles:
        article = bundle.article(number)
        title = f": {article.title}" if article is not None else ""
        out.append(f"{bundle.instrument} Art. {number}{title}")
    return out


def summary(
    request: dict[str, Any], bundle: Bundle, legal_bases: list[dict[str, Any]]
) -> list[Section]:
    """The request document in four sections (fields it does not hold are left out)."""
    authority = request.get("requesting_authority") or {}
    offence = request.get("offence") or {}
    data = request.get("data") or {}
    period = data.get("period") or {}
    emergency = request.get("emergency") or {}
    auth = request.get("authorisation") or {}

    who: list[Row] = []
    _add(who, "Requesting State", _state(request.get("requesting_state")))
    _add(who, "Authority", authority.get("name"))
    _add(who, "Channel", ROLES.get(authority.get("role") or "", authority.get("role")))
    _add(who, "Their reference", authority.get("reference"))
    _add(who, "Submitted on", request.get("submitted_on"))
    _add(who, "Language", request.get("language"))
    _add(who, "Asks for confidentiality", bool(request.get("confidentiality_requested")))

    what: list[Row] = []
    measure = bundle.measures.get(request.get("measure", ""))
    _add(what, "Measure", measure.title if measure else request.get("measure"))
    _add(what, "Assistance sought", request.get("assistance_sought"))
    _add(what, "Kind of assistance", (request.get("assistance_kind") or "").replace("_", " "))
    _add(what, "Data categories", [CATEGORIES.get(c, c) for c in data.get("categories", [])])
    _add(what, "Identifiers", data.get("identifiers", []))
    if period.get("from") or period.get("to"):
        _add(what, "Period", f"{period.get('from') or '…'} to {period.get('to') or '…'}")
    _add(what, "Custodian", data.get("custodian"))
    _add(what, "Location of the data", data.get("location"))
    if request.get("preservation_days"):
        _add(what, "Preservation asked for", f"{request['preservation_days']} days")
    if request.get("duration_days"):
        _add(what, "Duration", f"{request['duration_days']} days")
    if auth:
        parts = [auth.get("issuer"), auth.get("date"), auth.get("reference")]
        _add(what, "Authorisation", ", ".join(str(p) for p in parts if p))
    _add(what, "Persons", [p.get("name") or "(unnamed)" for p in request.get("persons", [])])
    if emergency:
        _add(what, "Emergency", emergency.get("description"))
        _add(what, "Risk to", emergency.get("risk_to", []))

    about: list[Row] = []
    _add(about, "Offence", offence.get("description"))
    _add(about, "Offence articles", _offences(bundle, offence.get("treaty_articles", [])))
    form = offence.get("form")
    if form and form != "commission":
        _add(about, "Form", form)
    if offence.get("max_penalty_years") is not None:
        _add(about, "Maximum penalty", f"{offence['max_penalty_years']:g} years")
    if offence.get("penalty_more_serious"):
        _add(about, "Penalty", "more serious than deprivation of liberty")
    _add(about, "Domestic provision", offence.get("domestic_provision"))
    _add(about, "Facts", request.get("facts"))
    _add(about, "Relation of the data to the offence", data.get("relation_to_offence"))
    _add(about, "Necessity", request.get("necessity"))

    basis: list[Row] = []
    _add(basis, "Screened under", f"{bundle.manifest.short_title} ({bundle.instrument})")
    _add(
        basis,
        "Legal bases in force between the States",
        [
            b.get("title") or b.get("instrument", "") + (" (governs)" if b.get("governs") else "")
            for b in legal_bases
        ],
    )
    if request.get("mla_to_follow") is not None:
        _add(basis, "Request for mutual legal assistance to follow", bool(request["mla_to_follow"]))
    return [
        Section("who", "Who asks", who),
        Section("what", "What", what),
        Section("about", "About what", about),
        Section("basis", "Under which legal basis", basis),
    ]


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    findings: list[dict[str, Any]]


# By what a finding means for the decision; ``overridden`` is a duty set aside by a ground
# that a person must weigh, so it stands with what needs a person.
GROUPS = (
    ("blocks", "What blocks the decision", ("fail",)),
    ("person", "What needs a person", ("review", "overridden")),
    ("passed", "What passed", ("pass",)),
    ("not-applicable", "What does not apply", ("not_applicable",)),
)


def groups(decision: dict[str, Any]) -> list[Group]:
    """The decision's findings by what they mean for it, in the decision's order."""
    return [
        Group(gid, title, [f for f in decision["findings"] if f["result"] in results])
        for gid, title, results in GROUPS
    ]

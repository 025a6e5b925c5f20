"""The compliance assessment of a footprint as of a date.

For every country the footprint touches: whether the Convention binds the State on the date
and from when (or, under hypothetical instruments, from when it would), how the company is
present there, which obligations of the catalogue reach it (``yes`` from the State's law in
force, ``unknown`` where the State is bound but its law is not known or not yet made, ``no``
where it is not reached or the State is not bound) and the gaps the rules find, each cited
with its severity and a remediation. Nothing here is silent: a country with nothing known
says "unknown", and the JSON carries every answer with its citations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rogatory.compliance import gaps as gap_rules
from rogatory.compliance.context import Applies, Country, evaluate, law_cite, treaty_cite
from rogatory.compliance.footprint import Footprint
from rogatory.compliance.gaps import Gap, Severity
from rogatory.compliance.laws import LawRegister
from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.obligations import ObligationsFile, Presence
from rogatory.parties.register import Register, Status

SCHEMA = "rogatory.assessment/1"


def catalogue(bundle: Bundle) -> ObligationsFile:
    if bundle.obligations is None:
        raise RogatoryError(
            "compliance.no_catalogue",
            f"the {bundle.id} bundle has no obligations catalogue (obligations.yaml)",
        )
    return bundle.obligations


@dataclass(frozen=True)
class Assessment:
    as_of: date
    footprint: Footprint
    bundle: Bundle
    countries: tuple[Country, ...]
    gaps: tuple[Gap, ...]

    def summary(self) -> dict[str, Any]:
        by_status = Counter(c.party.status.value for c in self.countries)
        by_severity = Counter(g.severity.value for g in self.gaps)
        applying = Counter(o.applies.value for c in self.countries for o in c.obligations.values())
        return {
            "countries": len(self.countries),
            "by_status": dict(sorted(by_status.items())),
            "obligations": {k: applying.get(k, 0) for k in ("yes", "unknown", "no")},
            "gaps": {s.value: by_severity.get(s.value, 0) for s in Severity},
            "unverified_citations": self.unverified(),
        }

    def unverified(self) -> int:
        """How many distinct treaty provisions the answer rests on without a verified level."""
        seen = {
            (c["label"], c["verification"])
            for country in self.countries
            for o in country.obligations.values()
            for c in o.cites
            if "verification" in c and not c["verified"]
        }
        return len(seen)

    def json(self) -> dict[str, Any]:
        cat = catalogue(self.bundle)
        return {
            "schema": SCHEMA,
            "as_of": self.as_of.isoformat(),
            "company": self.footprint.company,
            "treaty": self.bundle.id,
            "bundle_revision": self.bundle.revision,
            "countries": [_country_json(c) for c in self.countries],
            "gaps": [g.json() for g in self.gaps],
            "not_required": [
                {"id": k, "says": v.says, "why": v.why, "cites": [treaty_cite(c) for c in v.cites]}
                for k, v in cat.not_required.items()
            ],
            "summary": self.summary(),
            "footprint": self.footprint.model_dump(mode="json", exclude_none=True),
        }


def _country_json(c: Country) -> dict[str, Any]:
    presence = {p.value: sorted(s.name for s, how in c.present if p in how) for p in Presence}
    return {
        "state": c.state,
        "name": c.name,
        "status": c.party.status.value,
        "bound_from": c.party.bound_from.isoformat() if c.party.bound_from else None,
        "projected_bound_from": c.projected_bound_from.isoformat()
        if c.projected_bound_from
        else None,
        "explanation": c.party.explain(),
        "party_cites": [treaty_cite(x) for x in c.party.cites],
        "presence": presence,
        "register": {
            "tracked": c.laws.tracked(c.state),
            "in_force": [law_cite(c.state, r) for r in c.laws.in_force(c.state, c.on)],
        },
        "obligations": [
            {
                "id": o.id,
                "title": o.obligation.title,
                "applies": o.applies.json(),
                "implementation": o.implementation.value if o.implementation else None,
                "reason": o.reason,
                "services": list(o.services),
                "cites": list(o.cites),
            }
            for o in c.obligations.values()
        ],
    }


def _projected(register: Register, code: str, on: date) -> date | None:
    """When the Convention would bind ``code`` given every instrument known, dated after
    ``on`` included (what ``--instruments`` adds): None if it never would, or already does."""
    latest = max((i.on for i in register.instruments), default=on)
    horizon = max(latest, on) + timedelta(days=800)  # past any delay the final clauses set
    later = register.status(code, horizon)
    if later.status is Status.BOUND and later.bound_from and later.bound_from > on:
        return later.bound_from
    return None


def assess(footprint: Footprint, register: Register, laws: LawRegister, on: date) -> Assessment:
    """The assessment of ``footprint`` on ``on``: every country, obligation and gap."""
    bundle = register.bundle
    cat = catalogue(bundle)
    countries = []
    found: list[Gap] = []
    for code in footprint.states():
        party = register.status(code, on)
        country = Country(
            code,
            party.state.name,
            on,
            party,
            None if party.status is Status.BOUND else _projected(register, code, on),
            list(footprint.present(code)),
            laws,
            bundle,
        )
        for oid, ob in cat.obligations.items():
            country.obligations[oid] = evaluate(country, oid, ob, footprint)
        countries.append(country)
        found += gap_rules.run(country, bundle)
    order = gap_rules.ORDER
    found.sort(key=lambda g: (order.index(g.severity), g.state, g.id, g.service or ""))
    return Assessment(on, footprint, bundle, tuple(countries), tuple(found))


__all__ = ["Applies", "Assessment", "assess", "catalogue"]

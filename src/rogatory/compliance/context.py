"""One country of a footprint as the assessment sees it on a date: whether the Convention
binds the State (and from when), how the company is present there, which obligations reach
it (from the national register where known, from the Convention where not), and the values
the gap rules compare the company's capabilities with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from rogatory.compliance.footprint import Footprint, Service
from rogatory.compliance.laws import Found, Implementation, LawRegister, Record, Sourced
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Citation
from rogatory.law.obligations import Obligation, Presence
from rogatory.parties.register import PartyStatus, Status


class Applies(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    def json(self) -> bool | str:
        return {Applies.YES: True, Applies.NO: False}.get(self, "unknown")


def treaty_cite(cite: Citation) -> dict[str, Any]:
    out = cite.brief() | {"label": cite.label}
    if cite.model:
        out["model"] = cite.model
    return out


def law_cite(state: str, record: Record, sourced: Sourced | None = None) -> dict[str, Any]:
    """A national record as a citation: its official citation, and where an answer was read."""
    out: dict[str, Any] = {
        "kind": "national_law",
        "state": state,
        "record": record.id,
        "title": record.title,
        "citation": record.citation,
        "url": record.url,
        "fictional": record.fictional,
        "label": f"{state} {record.citation}"
        + (" (fictional)" if record.fictional and "fictional" not in record.citation else ""),
    }
    if sourced is not None:
        out |= {"source": sourced.source, "read_on": sourced.read_on.isoformat()}
    return out


def unique(cites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each citation once; a national record cited with where an answer was read makes its
    plain citation redundant."""
    read = {c["record"] for c in cites if c.get("kind") == "national_law" and "source" in c}
    seen: set[str] = set()
    out = []
    for c in cites:
        if c.get("kind") == "national_law" and "source" not in c and c["record"] in read:
            continue
        key = repr(sorted(c.items()))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


@dataclass(frozen=True)
class ObligationResult:
    id: str
    obligation: Obligation
    applies: Applies
    implementation: Implementation | None
    reason: str
    services: tuple[str, ...]
    laws: tuple[Record, ...]
    cites: tuple[dict[str, Any], ...]

    @property
    def live(self) -> bool:
        """It reaches the company, or may (the State is bound; its law is not known)."""
        return self.applies is not Applies.NO


@dataclass
class Country:
    state: str
    name: str
    on: date
    party: PartyStatus
    projected_bound_from: date | None
    present: list[tuple[Service, set[Presence]]]
    laws: LawRegister
    bundle: Bundle
    obligations: dict[str, ObligationResult] = field(default_factory=dict)

    @property
    def bound(self) -> bool:
        return self.party.status is Status.BOUND

    def live_for(self, obligation: str, service: Service) -> bool:
        found = self.obligations.get(obligation)
        return found is not None and found.live and service.name in found.services

    def requirement(self, name: str) -> Found | None:
        return self.laws.requirement(self.state, name, self.on)

    def constant(self, name: str) -> Any:
        return self.bundle.constant(name, self.on).value

    def duty_cites(self, obligation: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The citations of an obligation's duties (of one kind), and of the laws that
        implement it here."""
        found = self.obligations.get(obligation)
        if found is None:
            return []
        duties = [d for d in found.obligation.duties if kind is None or d.kind.value == kind]
        return [treaty_cite(d.cite) for d in duties] + [law_cite(self.state, r) for r in found.laws]


def _reached(ob: Obligation, present: list[tuple[Service, set[Presence]]]) -> list[Service]:
    reach = ob.reach
    out = []
    for service, how in present:
        if not how & set(reach.presence):
            continue
        if reach.service_kinds and service.kind not in reach.service_kinds:
            continue
        if reach.data and not any(service.holds(d) for d in reach.data):
            continue
        out.append(service)
    return out


def _where(party: PartyStatus, projected: date | None) -> str:
    code = party.state.code
    if party.status is Status.RATIFIED_NOT_YET_BOUND and party.bound_from:
        return f"the Convention binds {code} only from {party.bound_from}"
    if projected is not None:
        return f"the Convention does not bind {code} on {party.on}; projected from {projected}"
    status = party.status.value.replace("_", " ")
    return f"the Convention does not bind {code} on {party.on} ({status})"


def evaluate(country: Country, oid: str, ob: Obligation, footprint: Footprint) -> ObligationResult:
    """Whether an obligation reaches the company in this country on the date, and why."""
    del footprint  # the services present are already in the country
    code = country.state
    reached = _reached(ob, country.present)
    article = ob.articles[0]
    impl, records = country.laws.implementation(code, article, country.on)
    cites = [treaty_cite(c) for c in ob.cites]
    names = tuple(s.name for s in reached)
    if not reached:
        how = ", ".join(p.value for p in ob.reach.presence)
        kinds = (
            f" of kind {', '.join(k.value for k in ob.reach.service_kinds)}"
            if ob.reach.service_kinds
            else ""
        )
        data = f" holding {', '.join(d.value for d in ob.reach.data)} data" if ob.reach.data else ""
        reason = f"not reached: no service{kinds}{data} is present in {code} ({how})"
        return ObligationResult(oid, ob, Applies.NO, None, reason, (), (), tuple(cites))
    law_cites = [law_cite(code, r) for r in records]
    titles = "; ".join(f"{r.title} ({r.citation})" for r in records)
    if ob.through_law and impl is Implementation.IN_FORCE:
        reason = f"{code}'s law in force implements Art {article}: {titles}"
        return ObligationResult(
            oid, ob, Applies.YES, impl, reason, names, tuple(records), tuple(cites + law_cites)
        )
    if not ob.through_law:
        if country.bound:
            reason = (
                f"{code} is bound since {country.party.bound_from}; this reaches companies "
                "from then, without an implementing law"
            )
            return ObligationResult(oid, ob, Applies.YES, None, reason, names, (), tuple(cites))
        reason = _where(country.party, country.projected_bound_from)
        return ObligationResult(oid, ob, Applies.NO, None, reason, names, (), tuple(cites))
    art = f"Art {article}"
    pending = {
        Implementation.ENACTED: f"a law implementing {art} is enacted, not yet in force: {titles}",
        Implementation.BILL: f"a bill implementing {art} is before the legislature: {titles}",
        Implementation.REPEALED: f"the law implementing {art} was repealed: {titles}",
        Implementation.NOT_YET_IMPLEMENTED: "not yet implemented: the register follows "
        f"{code} and holds no law implementing {art}",
        Implementation.UNKNOWN: f"unknown: the register holds no record of {code}'s law",
    }[impl]
    if country.bound:
        since = country.party.bound_from
        reason = f"{code} is bound since {since} and must implement {art}; {pending}"
        return ObligationResult(
            oid, ob, Applies.UNKNOWN, impl, reason, names, tuple(records), tuple(cites + law_cites)
        )
    reason = f"{_where(country.party, country.projected_bound_from)}; {pending}"
    return ObligationResult(
        oid, ob, Applies.NO, impl, reason, names, tuple(records), tuple(cites + law_cites)
    )

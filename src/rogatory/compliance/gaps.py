"""The gap rules: what a company's footprint lacks against the obligations that reach it.

Each rule is a function registered with its id, its severity and a statement (its
docstring); it looks at one country and returns its findings, each with a remediation and
the citations it rests on (the Convention's, with their levels, and the national record's,
with where and when it was read). A rule fires on what the company shows, never on what it
left out silently: a capability not given is a capability not shown, and the finding says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rogatory.compliance.context import Applies, Country, law_cite, treaty_cite, unique
from rogatory.compliance.footprint import Service
from rogatory.compliance.laws import SAFEGUARD_WORDS, Answer, Safeguard
from rogatory.law.bundle import Bundle
from rogatory.law.obligations import DataCategory


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True)
class Gap:
    id: str
    state: str
    service: str | None
    severity: Severity
    finding: str
    remediation: str
    cites: tuple[dict[str, Any], ...]
    subject: str | None = None  # what else tells two findings of a rule apart (a category)

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "service": self.service,
            "subject": self.subject,
            "key": self.key,
            "severity": self.severity.value,
            "finding": self.finding,
            "remediation": self.remediation,
            "cites": list(self.cites),
        }

    @property
    def key(self) -> str:
        """What identifies the gap across two assessments: rule, State, service, subject."""
        return ":".join([self.id, self.state, self.service or "-", self.subject or "-"])


Rule = Callable[[Country, Bundle], Iterator[Gap]]


@dataclass(frozen=True)
class Registered:
    id: str
    severity: Severity
    statement: str
    check: Rule


RULES: dict[str, Registered] = {}


def rule(rule_id: str, severity: Severity) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        if rule_id in RULES:
            raise ValueError(f"gap rule {rule_id} is registered twice")
        RULES[rule_id] = Registered(
            rule_id, severity, " ".join((check.__doc__ or "").split()), check
        )
        return check

    return register


def _gap(
    rule_id: str,
    country: Country,
    service: Service | None,
    finding: str,
    remediation: str,
    cites: list[dict[str, Any]],
    severity: Severity | None = None,
    subject: str | None = None,
) -> Gap:
    return Gap(
        rule_id,
        country.state,
        service.name if service else None,
        severity or RULES[rule_id].severity,
        finding,
        remediation,
        tuple(unique(cites)),
        subject,
    )


def _law(country: Country, name: str) -> tuple[Any, list[dict[str, Any]]]:
    found = country.requirement(name)
    if found is None:
        return None, []
    return found.value, [law_cite(country.state, found.record, found.sourced)]


def _not_required(bundle: Bundle, key: str) -> list[dict[str, Any]]:
    catalogue = bundle.obligations
    item = catalogue.not_required.get(key) if catalogue else None
    return [treaty_cite(c) for c in item.cites] if item else []


def _maybe(country: Country, obligation: str) -> str:
    found = country.obligations[obligation]
    return (
        "" if found.applies is Applies.YES else " (if its law implements it as the Convention asks)"
    )


PRESERVATION = "preservation.stored_data"


@rule("preservation.no_procedure", Severity.HIGH)
def no_preservation_procedure(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """A service holds data in reach of a preservation order but shows no preservation
    procedure (preservation_hours): the data can be deleted before an order is met."""
    for service, _ in country.present:
        if not country.live_for(PRESERVATION, service) or not service.data:
            continue
        if service.capabilities.preservation_hours is None:
            kinds = ", ".join(sorted({h.category.value for h in service.data}))
            yield _gap(
                "preservation.no_procedure",
                country,
                service,
                f"{service.name} holds {kinds} data but shows no preservation procedure; "
                f"a preservation order under {country.state}'s law{_maybe(country, PRESERVATION)} "
                "must be met before the normal deletion removes the data",
                "set up a preservation (legal hold) procedure that suspends the deletion of the "
                "specified data within hours of an order, and record its response time as "
                "preservation_hours",
                country.duty_cites(PRESERVATION, "capability"),
            )


@rule("preservation.slower_than_deletion", Severity.HIGH)
def slower_than_deletion(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """Preservation takes longer than the data is kept: by the time the hold is in place,
    the data an order names is gone."""
    for service, _ in country.present:
        hours = service.capabilities.preservation_hours
        if hours is None or not country.live_for(PRESERVATION, service):
            continue
        short = [h for h in service.data if hours >= h.retention_days * 24]
        if short:
            what = ", ".join(
                f"{h.category.value} data after {h.retention_days} days" for h in short
            )
            yield _gap(
                "preservation.slower_than_deletion",
                country,
                service,
                f"{service.name} preserves within {hours} hours but deletes {what}: data named "
                "in an order is gone before the hold is in place",
                "preserve faster than the shortest retention (an automatic hold on receipt of "
                "an order), or pause the deletion of the named accounts at once",
                country.duty_cites(PRESERVATION, "capability"),
            )


@rule("retention.shorter_than_preservation", Severity.MEDIUM)
def retention_shorter(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """Data is normally kept for less than the longest preservation an order can ask for:
    a hold must outlast the deletion schedule (the Convention asks for no longer retention
    in general, only for preserving the data an order names)."""
    longest, law = _law(country, "preservation_max_days")
    if longest is None:
        longest = country.constant("preservation.domestic_max_days")
    for service, _ in country.present:
        if service.capabilities.preservation_hours is None:
            continue  # preservation.no_procedure says it first
        if not country.live_for(PRESERVATION, service):
            continue
        short = [h for h in service.data if h.retention_days < longest]
        for holding in short:
            yield _gap(
                "retention.shorter_than_preservation",
                country,
                service,
                f"{service.name} keeps {holding.category.value} data {holding.retention_days} "
                f"days; a preservation order in {country.state} can require keeping the data it "
                f"names up to {longest} days (renewable), after the normal deletion",
                f"make sure a hold suspends the {holding.retention_days}-day deletion of the "
                f"named data for up to {longest} days and through renewals; the Convention does "
                "not ask for longer retention of all data",
                [
                    *country.duty_cites(PRESERVATION, "records"),
                    *law,
                    *_not_required(bundle, "general_data_retention"),
                ],
                subject=holding.category.value,
            )


@rule("response.slower_than_law", Severity.HIGH)
def slower_than_law(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State's law sets a response time (to preserve, to produce) the company does not
    meet, or does not show it can."""
    checks = (
        (
            "preservation_response_hours",
            "preservation_hours",
            "hours",
            PRESERVATION,
            "preserve",
            "capability",
        ),
        (
            "production_response_days",
            "production_days",
            "days",
            "production.order",
            "produce",
            "response_time",
        ),
    )
    for requirement, capability, unit, obligation, verb, duty in checks:
        limit, law = _law(country, requirement)
        if limit is None:
            continue
        for service, _ in country.present:
            if not country.live_for(obligation, service):
                continue
            have = getattr(service.capabilities, capability)
            if have is not None and have <= limit:
                continue
            shown = f"takes {have} {unit}" if have is not None else "shows no procedure"
            yield _gap(
                "response.slower_than_law",
                country,
                service,
                f"{country.state}'s law requires companies to {verb} within {limit} {unit}; "
                f"{service.name} {shown}",
                f"bring the {verb} procedure for {country.state} within {limit} {unit} "
                f"(record it as {capability})",
                [*country.duty_cites(obligation, duty), *law],
                subject=verb,
            )


@rule("retention.below_national_minimum", Severity.HIGH)
def below_national_retention(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State's own law (not the Convention) requires a category of data to be kept
    longer than the company keeps it."""
    for category in DataCategory:
        found = country.laws.retention(country.state, category, country.on)
        if found is None:
            continue
        for service, how in country.present:
            for holding in service.holds(category):
                if holding.retention_days >= found.value:
                    continue
                yield _gap(
                    "retention.below_national_minimum",
                    country,
                    service,
                    f"{country.state}'s law ({found.record.title}) requires {category.value} "
                    f"data to be kept {found.value} days; {service.name} keeps it "
                    f"{holding.retention_days} days",
                    f"keep {category.value} data of the services offered in {country.state} for "
                    f"{found.value} days, or have counsel confirm the duty does not reach "
                    f"{service.name} ({', '.join(sorted(p.value for p in how))} there)",
                    [
                        law_cite(country.state, found.record, found.sourced),
                        *_not_required(bundle, "general_data_retention"),
                    ],
                    subject=category.value,
                )


CONFIDENTIAL = ("preservation.stored_data", "realtime.traffic", "interception.content")


@rule("confidentiality.no_procedure", Severity.HIGH)
def no_confidentiality(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """An order may be kept secret (preservation, real-time collection, interception) but
    the company shows no confidentiality procedure: telling the user, or logging the order
    where staff see it, would breach the order."""
    _, law = _law(country, "confidentiality_required")
    for service, _ in country.present:
        if service.capabilities.confidentiality_procedure:
            continue
        live = [o for o in CONFIDENTIAL if country.live_for(o, service)]
        if not live:
            continue
        cites = [c for o in live for c in country.duty_cites(o, "confidentiality")]
        yield _gap(
            "confidentiality.no_procedure",
            country,
            service,
            f"orders reaching {service.name} in {country.state} may be kept confidential "
            f"({', '.join(country.obligations[o].obligation.title.lower() for o in live)}); "
            "it shows no confidentiality procedure",
            "adopt a procedure that keeps an order and its execution confidential for the "
            "period the law sets: restricted access, no user notice while it runs, a record "
            "of who knew",
            [*cites, *law],
        )


def _required_capability(
    country: Country, requirement: str, capability: str, obligation: str, rule_id: str, what: str
) -> Iterator[Gap]:
    required, law = _law(country, requirement)
    if not required:
        return
    for service, _ in country.present:
        if not country.live_for(obligation, service) or getattr(service.capabilities, capability):
            continue
        yield _gap(
            rule_id,
            country,
            service,
            f"{country.state}'s law requires providers to be able to {what}; {service.name} "
            "shows no such capability (the Convention itself asks only for what is within a "
            "provider's existing technical capability)",
            f"build the capability to {what} for {country.state}, or have counsel confirm the "
            f"duty does not reach {service.name}",
            [
                *country.duty_cites(obligation, "capability"),
                *law,
                *_not_required(country.bundle, "new_interception_capability"),
            ],
        )


@rule("realtime.required_by_law", Severity.HIGH)
def realtime_required(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State's law requires real-time collection of traffic data and the company shows
    no such capability."""
    yield from _required_capability(
        country,
        "realtime_traffic_required",
        "realtime_traffic",
        "realtime.traffic",
        "realtime.required_by_law",
        "collect traffic data in real time",
    )


@rule("interception.required_by_law", Severity.HIGH)
def interception_required(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State's law requires an interception capability and the company shows none."""
    yield from _required_capability(
        country,
        "interception_required",
        "interception",
        "interception.content",
        "interception.required_by_law",
        "intercept content data",
    )


@rule("contact.no_24_7", Severity.MEDIUM)
def no_contact(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State is in the 24/7 network, through which urgent preservation requests arrive
    at any hour, and the company has no contact reachable at any hour."""
    required, law = _law(country, "contact_24_7_required")
    for service, _ in country.present:
        if service.capabilities.contact_24_7 or not country.live_for(
            "network.contact_24_7", service
        ):
            continue
        yield _gap(
            "contact.no_24_7",
            country,
            service,
            f"{country.state} is in the 24/7 network: urgent preservation requests can reach "
            f"{service.name} at any hour; it has no contact reachable at any hour"
            + (f" ({country.state}'s law requires one)" if required else ""),
            "name a contact (a rota) reachable 24 hours a day, 7 days a week, able to place a "
            "preservation hold at once",
            [*country.duty_cites("network.contact_24_7"), *law],
            Severity.HIGH if required else None,
        )


@rule("requests.no_verification", Severity.MEDIUM)
def no_verification(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """Orders reach the company but it has no procedure to check the requesting authority,
    the legal basis and the authorisation of each (the safeguards of Art 24)."""
    for service, _ in country.present:
        if service.capabilities.requester_verification:
            continue
        if not country.live_for("safeguards.conditions", service):
            continue
        yield _gap(
            "requests.no_verification",
            country,
            service,
            f"{service.name} answers orders from {country.state} without a procedure to check "
            "the authority, the legal basis and the authorisation of each",
            "check each order before acting: who issued it, under which provision, with which "
            "authorisation and scope; keep a record of the check",
            country.duty_cites("safeguards.conditions"),
        )


POWERS = (25, 26, 27, 28, 29, 30)


@rule("safeguards.lacking", Severity.HIGH)
def safeguards_lacking(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State's law in force gives its authorities a power of Chapter IV without a
    safeguard Art 24 asks for (answered no, or only partly): requests from that State need
    a lawyer's review before the company acts."""
    if not country.present:
        return
    for record in country.laws.in_force(country.state, country.on):
        if not any(record.implements_article(a) for a in POWERS):
            continue
        missing = {
            k: a for k, a in record.safeguards.items() if a.answer in (Answer.NO, Answer.PARTIAL)
        }
        if not missing:
            continue
        worst = (
            Severity.HIGH
            if any(a.answer is Answer.NO for a in missing.values())
            else Severity.MEDIUM
        )
        words = "; ".join(
            f"{SAFEGUARD_WORDS[k]}: {a.answer.value} ({a.source})" for k, a in missing.items()
        )
        yield _gap(
            "safeguards.lacking",
            country,
            None,
            f"{record.title} ({record.citation}) lacks safeguards of Art 24: {words}",
            f"route every order under {record.title} to counsel before acting; ask for the "
            "authorisation and the legal basis, and challenge orders that lack them",
            [
                *country.duty_cites("safeguards.conditions"),
                *(law_cite(country.state, record, a) for a in missing.values()),
            ],
            worst,
            subject=record.id,
        )


@rule("safeguards.unanswered", Severity.LOW)
def safeguards_unanswered(country: Country, bundle: Bundle) -> Iterator[Gap]:
    """The State is bound (or its law in force gives a Chapter IV power) but the register
    does not say which safeguards its law provides: unknown is not silence."""
    if not country.present:
        return
    records = [
        r
        for r in country.laws.in_force(country.state, country.on)
        if any(r.implements_article(a) for a in POWERS)
    ]
    if not records and country.bound and not country.laws.tracked(country.state):
        yield _gap(
            "safeguards.unanswered",
            country,
            None,
            f"{country.state} is bound since {country.party.bound_from} but the register holds "
            "no record of its law: its powers and their safeguards are unknown",
            f"follow {country.state}'s implementation (subscribe to it) and add its records to "
            "the register; until then review each order from it",
            country.duty_cites("safeguards.conditions"),
        )
    for record in records:
        open_ = [
            k
            for k in Safeguard
            if k not in record.safeguards or record.safeguards[k].answer is Answer.UNKNOWN
        ]
        if open_:
            yield _gap(
                "safeguards.unanswered",
                country,
                None,
                f"the register does not say whether {record.title} provides "
                + ", ".join(SAFEGUARD_WORDS[k] for k in open_),
                f"read {record.title} for these safeguards and record each answer with its "
                "source and the date read",
                [*country.duty_cites("safeguards.conditions"), law_cite(country.state, record)],
                subject=record.id,
            )


def run(country: Country, bundle: Bundle) -> list[Gap]:
    """Every rule on one country, the findings in severity order."""
    found = [g for r in RULES.values() for g in r.check(country, bundle)]
    return sorted(found, key=lambda g: (ORDER.index(g.severity), g.id, g.service or ""))

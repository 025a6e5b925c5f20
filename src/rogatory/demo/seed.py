"""Seeding the demo through the services: intake, screening, review, approvals (four eyes),
refusals with cited grounds, holds, evidence with custody receipts, non-disclosure orders.

Deterministic (a fixed random seed), so two demo databases tell the same story; the clock
times differ, the cases and outcomes do not.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import assignment
from rogatory.accounts import service as accounts
from rogatory.authorities import store as registry
from rogatory.demo import answers, compliance
from rogatory.demo import authorities as demo_authorities
from rogatory.demo import requester as demo_requester
from rogatory.evidence import service as evidence
from rogatory.law.decision import Outcome
from rogatory.replies.templates import Templates
from rogatory.requests import call_backs, custody, flows
from rogatory.requests.basis import blocks
from rogatory.requests.models import Organisation
from rogatory.requests.transitions import Ground, Lifecycle, Role, Status
from rogatory.safeguards.engine import Screener
from rogatory.treaty import catalogue

INSTRUMENTS = Path(__file__).with_name("instruments.csv")
PASSWORD = "rogatory-demo"  # demo accounts only; printed by the command
R = Role
T = TypeVar("T")


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    state: str  # where the organisation receives requests
    people: tuple[Person, ...]
    cases: int


ORGS = (
    Org(
        "nimbus",
        "Nimbus Cloud Ltd (service provider, legal team)",
        "XAB",
        (
            Person("intake@nimbus.example", "Ines Intake", (R.INTAKE,)),
            Person("reviewer@nimbus.example", "Rafael Reviewer", (R.REVIEWER,)),
            Person("approver@nimbus.example", "Amara Approver", (R.APPROVER,)),
            Person("approver2@nimbus.example", "Arjun Second-Approver", (R.APPROVER,)),
            Person("auditor@nimbus.example", "Aud Itor", (R.AUDITOR,)),
            Person("admin@nimbus.example", "Ada Admin", (R.ADMIN,)),
            Person("compliance@nimbus.example", "Cora Compliance", (R.COMPLIANCE,)),
        ),
        170,
    ),
    Org(
        "ca-xac",
        "Central Authority of XAC (Ministry of Justice)",
        "XAC",
        (
            Person("intake@ca-xac.example", "Ivo Intake", (R.INTAKE,)),
            Person("reviewer@ca-xac.example", "Rita Reviewer", (R.REVIEWER,)),
            Person("approver@ca-xac.example", "Alba Approver", (R.APPROVER,)),
            Person("approver2@ca-xac.example", "Anton Approver", (R.APPROVER,)),
            Person("auditor@ca-xac.example", "Aino Auditor", (R.AUDITOR,)),
        ),
        30,
    ),
)

REQUESTERS = ("XAA", "XAD", "XAE", "XAF", "XAG", "XAH", "XAJ", "XAK", "XAM", "XBQ", "FRA")

OFFENCES: tuple[dict[str, Any], ...] = (
    {
        "description": "Phishing campaign against bank customers",
        "treaty_articles": [13],
        "max_penalty_years": 5,
    },
    {
        "description": "Ransomware attack on a regional hospital",
        "treaty_articles": [7, 10],
        "max_penalty_years": 8,
    },
    {
        "description": "Online distribution of child sexual abuse material",
        "treaty_articles": [14],
        "max_penalty_years": 10,
    },
    {
        "description": "Account takeover and sale of stolen credentials",
        "treaty_articles": [7, 11],
        "max_penalty_years": 5,
    },
    {
        "description": "Investment fraud through a fake trading platform",
        "treaty_articles": [13],
        "max_penalty_years": 7,
    },
    {
        "description": "Insulting the head of state online",
        "treaty_articles": [],
        "max_penalty_years": 5,
    },
    {
        "description": "Minor unauthorised access to a neighbour's wifi",
        "treaty_articles": [7],
        "max_penalty_years": 1,
    },
)

WEIGHTS = (
    ("preservation", 40),
    ("stored_data", 20),
    ("emergency", 10),
    ("mla", 8),
    ("interception", 6),
    ("realtime_traffic", 6),
)

# The measures a demo request is made for: those of the measures table that are not a step of
# another case (the traffic-data disclosure is a step of a preservation case, not a request).
MEASURES = tuple((m, w) for m, w in WEIGHTS if catalogue.get().measures[m].step_of is None)

AUTHORITIES = (
    ("National Cybercrime Unit", "contact_point_24_7"),
    ("Office of the Prosecutor General", "central_authority"),
    ("Federal Police, Digital Crime Division", "competent_authority"),
)


def request_document(rnd: random.Random, n: int, org: Org, on: date) -> dict[str, Any]:
    """One realistic request to ``org`` dated ``on``; about one in twelve is incomplete."""
    measure = rnd.choices([m for m, _ in MEASURES], [w for _, w in MEASURES])[0]
    requesting = rnd.choice([s for s in REQUESTERS if s != org.state])
    offence = dict(rnd.choice(OFFENCES))
    authority, role = rnd.choice(AUTHORITIES)
    account = f"user{rnd.randint(10_000, 99_999)}@{org.id}.example"
    ip = f"203.0.113.{rnd.randint(1, 254)}"
    categories = {
        "interception": ["content"],
        "realtime_traffic": ["traffic"],
        "traffic_disclosure": ["traffic"],
    }.get(measure, rnd.choice([["subscriber"], ["subscriber", "traffic"], ["content"]]))
    doc: dict[str, Any] = {
        "measure": measure,
        "requesting_state": requesting,
        "requested_state": org.state,
        "submitted_on": on.isoformat(),
        "requesting_authority": {
            "name": authority,
            "role": role,
            "reference": f"{requesting}-{on:%Y}-{n:04d}",
        },
        "offence": offence,
        "facts": f"The account {account} and the address {ip} were used in the conduct "
        f"described, between {on - timedelta(days=60)} and {on - timedelta(days=5)}.",
        "necessity": "The provider keeps logs for a limited time; the data identifies who "
        "operated the account.",
        "data": {
            "categories": categories,
            "identifiers": [account, ip],
            "relation_to_offence": "The account and address were used to commit the offence.",
            "custodian": org.name.split(" (")[0],
            "period": {
                "from": (on - timedelta(days=60)).isoformat(),
                "to": (on - timedelta(days=5)).isoformat(),
            },
        },
    }
    if measure == "preservation":
        doc["mla_to_follow"] = True
        doc["preservation_days"] = rnd.choice([60, 90, 90, 120])
    if measure in ("interception", "realtime_traffic", "stored_data", "traffic_disclosure"):
        doc["authorisation"] = {
            "issuer": "Investigating judge",
            "date": (on - timedelta(days=2)).isoformat(),
            "reference": f"ORD-{n:05d}",
        }
    if measure in ("interception", "realtime_traffic"):
        doc["duration_days"] = rnd.choice([14, 30])
    if measure == "mla":
        doc["assistance_sought"] = "Copies of the account's registration records and invoices."
    if measure == "emergency":
        doc["emergency"] = {
            "description": "A kidnapping victim's captors use the account to demand ransom.",
            "risk_to": ["life"],
            "imminent": True,
            "significant": True,
        }
        doc.pop("necessity")
    if n % 9 == 4:  # asks to be kept confidential (decided by the number: no draw)
        doc["confidentiality_requested"] = True
    if requesting == "FRA":  # France writes in French: its replies default to French
        doc["language"] = "fr"
    if rnd.random() < 0.08:  # an incomplete request, as real intake sees
        doc.pop("facts", None)
        doc["data"].pop("relation_to_offence", None)
    return doc


@dataclass
class Story:
    """What the demo created, for the command to report."""

    organisations: int = 0
    users: int = 0
    cases: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    receipts: int = 0
    published: list[str] = field(default_factory=list)  # public addresses of reports
    authorities: int = 0
    replies: dict[str, int] = field(default_factory=dict)
    assessment: str | None = None  # the stored compliance assessment
    requester_case: str | None = None  # the case the demo's requester account submitted


def _people(org: Org) -> dict[Role, list[flows.Actor]]:
    out: dict[Role, list[flows.Actor]] = {}
    for p in org.people:
        for role in p.roles:
            out.setdefault(role, []).append(flows.Actor(p.email, org.id, frozenset(p.roles)))
    return out


class Steps:
    """Each step of the story in its own transaction, as people's actions are."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __call__(self, action: Callable[[Session], T]) -> T:
        with self.sessions.begin() as s:
            return action(s)


def _progress(
    step: Steps,
    rnd: random.Random,
    case_id: str,
    who: dict[Role, list[flows.Actor]],
    screener: Screener,
    lifecycle: Lifecycle,
    evidence_dir: Path,
) -> None:
    """Move one case as far as its draw says, through the same flows people use."""
    reviewer, approvers, intake = who[R.REVIEWER][0], who[R.APPROVER], who[R.INTAKE][0]
    fate = rnd.random()
    if fate < 0.30:
        return  # still in screening: the queue's work
    if fate < 0.33:
        step(
            lambda s: flows.transition(
                s,
                intake,
                case_id,
                Status.WITHDRAWN,
                lifecycle,
                note="The requesting authority withdrew the request.",
            )
        )
        return
    step(lambda s: flows.transition(s, reviewer, case_id, Status.IN_REVIEW, lifecycle))
    step(lambda s: _call_back(s, reviewer, case_id, screener))
    if rnd.random() < 0.5:
        step(lambda s: assignment.assign(s, reviewer, case_id, reviewer.user))

    def acknowledge_all(s: Session) -> None:
        case = flows.get_or_raise(s, reviewer, case_id)
        state = flows.state_of(s, case)
        for rule in sorted(state.review_findings - state.acknowledged):
            flows.acknowledge(
                s,
                reviewer,
                case_id,
                rule,
                "Read against the request; no ground for refusal applies on these facts.",
            )

    def outcome(s: Session) -> str:
        return flows.latest_screening(s, flows.get_or_raise(s, reviewer, case_id)).outcome

    seen = [step(outcome)]
    if fate < 0.45:
        return  # in review, findings not yet acknowledged
    if seen[0] in ("invalid", "not_in_force") or fate < 0.50:
        note = (
            "The request lacks items the Convention asks for."
            if seen[0] == "invalid"
            else "Please state the facts in more detail."
        )
        if seen[0] == "not_in_force":
            step(acknowledge_all)
            step(
                lambda s: flows.transition(
                    s,
                    reviewer,
                    case_id,
                    Status.REFUSED,
                    lifecycle,
                    grounds=[
                        Ground(
                            "The Convention is not in force between the two States on "
                            "the date of the request.",
                            "uncc:art-65:para-1",
                        )
                    ],
                )
            )
            return
        step(
            lambda s: flows.transition(
                s, reviewer, case_id, Status.INFO_REQUESTED, lifecycle, note=note
            )
        )
        return
    step(acknowledge_all)
    if blocks(Outcome(seen[0])) or fate < 0.58:  # no override in the demo: refused
        step(
            lambda s: flows.transition(
                s,
                approvers[0],
                case_id,
                Status.REFUSED,
                lifecycle,
                grounds=[
                    Ground(
                        "The request is likely to prejudice essential interests.",
                        "uncc:art-40:para-21",
                    )
                ],
            )
        )
        if rnd.random() < 0.5:
            step(lambda s: flows.transition(s, reviewer, case_id, Status.CLOSED, lifecycle))
        return

    def unconfirmed(s: Session) -> bool:
        state = flows.state_of(s, flows.get_or_raise(s, reviewer, case_id))
        return state.emergency and not state.call_back_confirmed

    if step(unconfirmed):
        return  # an emergency no call-back confirmed waits in review
    for approver in approvers:  # the second approval only counts where four eyes apply
        case = step(_approver(approver, case_id, lifecycle))
        if case != Status.IN_REVIEW.value:
            break

    def preserve(s: Session) -> None:
        case = flows.get_or_raise(s, reviewer, case_id)
        if case.measure != "preservation":
            return
        days = int(case.request.get("preservation_days", 90))
        minimum = flows.hold_minimum(s, case, screener)
        custody.place_hold(
            s,
            intake,
            case_id,
            case.request["data"]["identifiers"],
            case.received_at.date(),
            max(days, minimum.days),
            minimum_days=minimum.days,
            minimum_basis=minimum.basis,
        )

    step(preserve)
    if rnd.random() < 0.25:
        step(
            lambda s: custody.order_non_disclosure(
                s,
                reviewer,
                case_id,
                date.today() - timedelta(days=30),
                date.today() + timedelta(days=rnd.choice([-3, 45, 180])),
            )
        )
    if fate < 0.85:
        return  # approved, to be fulfilled

    def hand_over(s: Session) -> None:
        case = flows.get_or_raise(s, intake, case_id)
        content = (f"Records produced for {case.reference}\n").encode()
        incoming = evidence.spool(iter([content]), base_dir=evidence_dir, max_bytes=1 << 20)
        row = evidence.store(s, intake, case_id, "records.csv", incoming, base_dir=evidence_dir)
        evidence.hand_over(
            s,
            intake,
            case_id,
            [row.id],
            {"name": case.request["requesting_authority"]["name"], "reference": case.reference},
        )

    step(hand_over)
    step(lambda s: flows.transition(s, intake, case_id, Status.FULFILLED, lifecycle))
    if fate > 0.93:
        step(lambda s: flows.transition(s, reviewer, case_id, Status.CLOSED, lifecycle))


def _call_back(s: Session, reviewer: flows.Actor, case_id: str, screener: Screener) -> None:
    """An emergency is confirmed by calling the requesting State's 24/7 point of contact back
    on the number the registry gives (a real State's has none in the demo: not confirmed)."""
    case = flows.get_or_raise(s, reviewer, case_id)
    if case.measure != "emergency" or not demo_authorities.is_fictional(case.requesting_state):
        return
    number = demo_authorities.phone(case.requesting_state, "contact_point_24_7")
    call_backs.record(
        s,
        reviewer,
        case_id,
        screener,
        number=number,
        outcome="confirmed",
        called_at=min(case.received_at + timedelta(minutes=20), datetime.now(UTC)),
        note="The duty officer confirmed the request and its reference.",
    )


def _approver(
    approver: flows.Actor, case_id: str, lifecycle: Lifecycle
) -> Callable[[Session], str]:
    def approve(s: Session) -> str:
        return flows.approve(s, approver, case_id, lifecycle, note="Approved.").status

    return approve


def _intake(
    actor: flows.Actor, doc: dict[str, Any], screener: Screener, received: datetime
) -> Callable[[Session], str]:
    def take(s: Session) -> str:
        sent = demo_authorities.sign(doc, received)
        return flows.intake(s, actor, sent, screener, received_at=received)[0].id

    return take


def _dates(rnd: random.Random, count: int, today: datetime) -> Iterator[datetime]:
    for _ in range(count):
        yield today - timedelta(days=rnd.uniform(0, 21), hours=rnd.uniform(0, 23))


def _publish(sessions: sessionmaker[Session], org: Org) -> str:
    """The organisation's admin publishes the transparency report of the current half-year
    (signed, served without sign-in); its public address."""
    from rogatory.reports import period, publishing
    from rogatory.reports.store import FactStore

    admin = next(p for p in org.people if R.ADMIN in p.roles)
    actor = flows.Actor(admin.email, org.id, frozenset(admin.roles))
    with sessions.begin() as s:
        row = publishing.publish(s, actor, FactStore(), period.containing(date.today()))
        return publishing.public_path(row.org_id, row.id)


def _requester(sessions: sessionmaker[Session], screener: Screener, on: date) -> str:
    """The demo's requesting authority account (``demo.requester``) and its own request: a
    preservation request from XAA to Nimbus, drawn from its own random sequence so the rest
    of the demo stays as it was."""
    nimbus = next(o for o in ORGS if o.id == demo_requester.ORG)
    for n in range(100):
        doc = request_document(random.Random(n), 1, nimbus, on)
        if doc["measure"] == "preservation":
            break
    authority = demo_authorities.KINDS["competent_authority"][1]
    doc["requesting_state"] = "XAA"
    doc["requesting_authority"] = {
        "name": authority,
        "role": "competent_authority",
        "reference": f"XAA-{on:%Y}-ACCOUNT-1",
    }
    return demo_requester.seed(sessions, screener, PASSWORD, doc)


def is_empty(sessions: sessionmaker[Session]) -> bool:
    with sessions() as s:
        return s.execute(select(Organisation.id).limit(1)).first() is None


def seed(
    sessions: sessionmaker[Session],
    screener: Screener,
    lifecycle: Lifecycle,
    evidence_dir: Path,
    *,
    seed_value: int = 2024,
    templates: Templates | None = None,
) -> Story:
    """Create the demo's organisations, people and cases, each step its own transaction;
    then answer some of the requesting authorities (``answers``)."""
    rnd = random.Random(seed_value)
    story = Story()
    now = datetime.now(UTC)

    step = Steps(sessions)
    for org in ORGS:
        with sessions.begin() as s:
            flows.ensure_organisation(s, org.id, org.name)
            for p in org.people:
                accounts.add_user(
                    s,
                    org=org.id,
                    email=p.email,
                    name=p.name,
                    password=PASSWORD,
                    roles=[r.value for r in p.roles],
                    by="demo:seed",
                )
            for record in demo_authorities.records(REQUESTERS):
                registry.add(s, org.id, record, by="demo:seed")
                story.authorities += 1
        story.organisations += 1
        story.users += len(org.people)
        who = _people(org)
        for n, received in enumerate(sorted(_dates(rnd, org.cases, now)), start=1):
            doc = demo_authorities.sender(request_document(rnd, n, org, received.date()))
            case_id = step(_intake(who[R.INTAKE][0], doc, screener, received))
            _progress(step, rnd, case_id, who, screener, lifecycle, evidence_dir)
            story.cases += 1
        answers.answer(step, org.id, who, lifecycle, templates or Templates())
    story.assessment = compliance.seed(sessions, screener, evidence_dir)
    story.requester_case = _requester(sessions, screener, now.date())
    story.users += 1
    story.cases += 1
    story.published.append(_publish(sessions, ORGS[0]))
    with sessions() as s:
        from rogatory.evidence.models import Disclosure
        from rogatory.replies.models import ReplyRow
        from rogatory.requests.models import Case

        for (status,) in s.execute(select(Case.status)):
            story.statuses[status] = story.statuses.get(status, 0) + 1
        story.receipts = len(s.execute(select(Disclosure.id)).all())
        for (status,) in s.execute(select(ReplyRow.status)):
            story.replies[status] = story.replies.get(status, 0) + 1
    return story

"""The fast screening path gives exactly what the plain one gives.

``Screener.screen`` keeps each rule's finding per memo key (the facts the rule reads) and
scans a request's text once with one compiled matcher; ``Screener.screen_reference`` runs
every rule's plain function with nothing memoised. One screener screens every drawn request
in turn, so its memos fill up across examples: a key that leaves out a fact its rule reads
gives a finding made for another request, and the comparison fails. The compiled signal
matcher is held to the term-by-term search it replaced.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rogatory.errors import ProblemList
from rogatory.parties import service
from rogatory.parties.scenarios import generated_codes
from rogatory.safeguards import engine
from rogatory.safeguards.context import memoised, unwrapped
from rogatory.safeguards.domestic import DomesticLaw
from rogatory.safeguards.request import Category, Measure, Role
from rogatory.safeguards.requester import NONE, RequesterEvidence, SenderHistory, Signature
from rogatory.safeguards.signals import SignalIndex
from rogatory.treaty import catalogue
from tests.conftest import ratifications

PARTIES = generated_codes("XAA", 40)
ON = date(2026, 9, 1)


@pytest.fixture(scope="module")
def screener() -> engine.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    mappings = {
        "XAB": DomesticLaw.model_validate(
            {
                "state": "XAB",
                "offences": [
                    {"provision": "s. 201", "description": "fraud", "treaty_articles": [13]}
                ],
                "prohibited_measures": ["interception"],
                "mandatory_grounds": ["refusal.domestic_prohibition"],
            }
        ),
        "XAC": DomesticLaw.model_validate(
            {"state": "XAC", "unavailable_measures": ["realtime_traffic", "stored_data"]}
        ),
    }
    return engine.Screener(engine.build_law(register=register, domestic_law=mappings))


@pytest.fixture(scope="module")
def budapest() -> engine.Screener:
    return engine.load(bundle_id="budapest")


def _words(screener: engine.Screener) -> list[str]:
    groups = screener.law.matcher.groups
    return sorted({t for terms in groups.values() for t in terms})


WORDS = [
    "fraud",
    "protest",
    "journalist",
    "tax evasion",
    "bank",
    "state secrets",
    "urgent",
    "threat to life",
    "kidnapping",
    "opposition",
    "religion",
    "ransomware",
    "Bank",
    "PROTESTERS",
    "tax",
]
TEXT = st.one_of(
    st.none(),
    st.just("   "),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(lambda w: " ".join(w) + "."),
)
STATES = [*PARTIES[:4], "XZZ"]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    a, b = draw(st.lists(st.sampled_from(STATES), min_size=2, max_size=2, unique=True))
    optional = {
        "facts": TEXT,
        "necessity": TEXT,
        "assistance_sought": TEXT,
        "mla_to_follow": st.sampled_from([None, True, False]),
        "preservation_days": st.sampled_from([None, 30, 90, 120]),
        "duration_days": st.sampled_from([None, 14, 60]),
        "language": st.sampled_from([None, "en", "fr", "xx"]),
        "confidentiality_requested": st.booleans(),
        "assistance_kind": st.sampled_from([None, "electronic_evidence", "witness_statement"]),
        "authorisation": st.sampled_from(
            [None, {"issuer": "Court"}, {"issuer": " "}, {"issuer": "Judge", "reference": "R1"}]
        ),
        "persons": st.sampled_from([[], [{"name": "P", "nationality": b}]]),
        "emergency": st.sampled_from(
            [
                None,
                {"description": "threat", "risk_to": ["life"], "imminent": True},
                {
                    "description": "threat",
                    "risk_to": ["safety"],
                    "imminent": True,
                    "significant": True,
                },
            ]
        ),
    }
    doc: dict[str, Any] = {
        "measure": draw(st.sampled_from([m.value for m in Measure])),
        "requesting_state": a,
        "requested_state": b,
        "submitted_on": "2026-09-01",
        "requesting_authority": {
            "name": draw(st.sampled_from([None, "Unit", " "])),
            "role": draw(st.sampled_from([None, *(r.value for r in Role)])),
            "email": draw(st.sampled_from([None, "a@gmail.com", "b@police.example"])),
        },
        "offence": {
            "description": draw(TEXT),
            "treaty_articles": draw(st.sampled_from([[], [13], [7, 8], [11]])),
            "max_penalty_years": draw(st.sampled_from([None, 2, 4, 8])),
            "form": draw(st.sampled_from(["commission", "attempt", "preparation"])),
        },
        "data": {
            "categories": draw(
                st.lists(st.sampled_from([c.value for c in Category]), max_size=2, unique=True)
            ),
            "identifiers": [f"id{j}" for j in range(draw(st.sampled_from([0, 1, 2, 12])))],
            "relation_to_offence": draw(TEXT),
            "custodian": draw(st.sampled_from([None, "Example Bank", "Example Hosting"])),
            "location": draw(st.sampled_from([None, b, a, "France"])),
            "period": draw(
                st.sampled_from(
                    [
                        None,
                        {"from": "2026-01-01", "to": "2026-03-31"},
                        {"from": "2024-01-01", "to": "2026-03-31"},
                        {"from": "2026-01-01"},
                    ]
                )
            ),
        },
    }
    for name, strategy in optional.items():
        value = draw(strategy)
        if value is not None:
            doc[name] = value
    return doc


EVIDENCE = st.sampled_from(
    [
        NONE,
        RequesterEvidence(signature=Signature.INVALID, kid="k1"),
        RequesterEvidence(history=SenderHistory(earlier=0, recent=1), registry_consulted=True),
        RequesterEvidence(history=SenderHistory(earlier=3, recent=40), registry_consulted=True),
    ]
)


def _same(screener: engine.Screener, doc: dict[str, Any], evidence: RequesterEvidence) -> None:
    req = screener.parse(doc)
    for when in (ON, date(2026, 3, 1)):
        fast = screener.screen(req, when, requester=evidence)
        plain = screener.screen_reference(req, when, requester=evidence)
        assert fast.outcome is plain.outcome, doc
        assert fast.findings == plain.findings, doc
        assert fast.legal_bases == plain.legal_bases
        a, b = fast.to_json(), plain.to_json()
        a.pop("evaluated_at"), b.pop("evaluated_at")
        assert a == b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), evidence=EVIDENCE)
def test_the_fast_path_gives_the_reference_decision(
    screener: engine.Screener, doc: dict[str, Any], evidence: RequesterEvidence
) -> None:
    with contextlib.suppress(ProblemList):  # an invalid document is not screened
        _same(screener, doc, evidence)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), evidence=EVIDENCE)
def test_the_fast_path_gives_the_reference_decision_under_budapest(
    budapest: engine.Screener, doc: dict[str, Any], evidence: RequesterEvidence
) -> None:
    doc["offence"]["treaty_articles"] = [a - 5 for a in doc["offence"]["treaty_articles"]]
    with contextlib.suppress(ProblemList):
        _same(budapest, doc, evidence)


def test_a_key_that_leaves_out_a_fact_is_caught(screener: engine.Screener) -> None:
    """The comparison can fail: a screener whose proportionality key ignores the number of
    identifiers answers a later request with an earlier one's finding."""
    broken = engine.Screener(screener.law)
    rules = list(broken.rules)
    i = next(i for i, (r, _) in enumerate(rules) if r.id == "safeguards.proportionality")
    rule, cites = rules[i]
    patched = memoised(lambda ctx: ctx.request.measure)(unwrapped(rule.func))
    rules[i] = (replace(rule, func=patched), cites)
    broken.rules = tuple(rules)
    doc: dict[str, Any] = {
        "measure": "stored_data",
        "requesting_state": "XAA",
        "requested_state": "XAB",
        "submitted_on": "2026-09-01",
        "data": {"identifiers": ["a"], "period": {"from": "2026-01-01", "to": "2026-01-31"}},
    }
    broken.screen(broken.parse(doc), ON)
    doc["data"]["identifiers"] = [f"id{j}" for j in range(50)]
    req = broken.parse(doc)
    fast = broken.screen(req, ON).finding("safeguards.proportionality")
    plain = broken.screen_reference(req, ON).finding("safeguards.proportionality")
    assert fast != plain


# The matcher it replaced: each text split into words once, single-word terms looked up in
# the set of words, a phrase searched for where its first word occurs.
_WORD = re.compile(r"\w+")


def _reference_scan(groups: dict[str, tuple[str, ...]], text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    found: dict[str, dict[str, None]] = {}
    for group, terms in groups.items():
        for raw in terms:
            term = raw.strip().lower()
            tokens = _WORD.findall(term)
            if not tokens:
                continue
            if len(tokens) == 1 and tokens[0] == term:
                hit = term in words
            else:
                hit = re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", lowered) is not None
            if hit:
                found.setdefault(group, {})[term] = None
    return {group: tuple(sorted(terms)) for group, terms in found.items()}


def test_the_compiled_matcher_finds_what_each_term_alone_finds(
    screener: engine.Screener,
) -> None:
    groups = screener.law.matcher.groups
    index = SignalIndex(groups)
    words = _words(screener)

    @settings(max_examples=400, deadline=None)
    @given(
        st.lists(
            st.one_of(
                st.sampled_from(words),
                st.sampled_from([" ", ", ", "-", "\n", "x", "é", "s", "ing", "'"]),
                st.text(max_size=3),
            ),
            max_size=12,
        ).map("".join)
    )
    def check(text: str) -> None:
        assert index.scan(text) == _reference_scan(groups, text)
        assert index.scan_fields([text, None, text]) == [
            _reference_scan(groups, text),
            {},
            _reference_scan(groups, text),
        ]

    check()


def test_overlapping_terms_are_all_found() -> None:
    index = SignalIndex({"a": ("state secrets", "secrets act", "state"), "b": ("secrets",)})
    assert index.scan("The State Secrets Act.") == {
        "a": ("secrets act", "state", "state secrets"),
        "b": ("secrets",),
    }
    assert index.scan("statesecrets") == {}

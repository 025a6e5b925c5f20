"""The screening engine: registry integrity, decision shape, error handling, properties."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, event, find, given, settings
from hypothesis import strategies as st

from rogatory.errors import ProblemList
from rogatory.law.decision import Finding, Flag, Kind, Outcome, Result, combine
from rogatory.parties import service
from rogatory.parties.scenarios import generated_codes
from rogatory.safeguards import engine, request
from rogatory.safeguards.context import REGISTRY
from rogatory.safeguards.domestic import MANDATORY_CAPABLE, DomesticLaw
from rogatory.treaty import catalogue
from tests.conftest import ratifications

PARTIES = generated_codes("XAA", 40)
ON = date(2026, 9, 1)


@pytest.fixture(scope="module")
def screener() -> engine.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    mapping = DomesticLaw.model_validate(
        {
            "state": "XAB",
            "offences": [
                {"provision": "s. 201", "description": "computer fraud", "treaty_articles": [13]}
            ],
        }
    )
    return engine.Screener(engine.build_law(register=register, domestic_law={"XAB": mapping}))


BASE: dict[str, Any] = {
    "measure": "preservation",
    "requesting_state": "XAA",
    "requested_state": "XAB",
    "submitted_on": "2026-09-01",
    "requesting_authority": {"name": "NCU", "role": "contact_point_24_7"},
    "offence": {"description": "Phishing fraud", "treaty_articles": [13], "max_penalty_years": 5},
    "facts": "Cloned shop hosted by the custodian.",
    "necessity": "Logs are deleted.",
    "mla_to_follow": True,
    "data": {
        "categories": ["subscriber"],
        "identifiers": ["acct 1"],
        "relation_to_offence": "hosted it",
        "custodian": "Example Hosting",
        "period": {"from": "2026-06-01", "to": "2026-07-31"},
    },
}


def test_every_rule_is_cited_stated_and_resolvable(screener: engine.Screener) -> None:
    REGISTRY.check()
    assert len(REGISTRY.rules) >= 20
    for rule, cites in screener.rules:
        assert rule.statement and cites, rule.id
        assert all(c.instrument == "UNCC" for c in cites)
    grounds = [r for r in REGISTRY.rules if r.kind is Kind.REFUSAL_GROUND]
    assert {r.id for r in grounds} >= {
        "refusal.persecution",
        "refusal.essential_interests",
        "refusal.domestic_prohibition",
        "refusal.legal_system",
        "refusal.dual_criminality",
    }
    assert all(r.overrides == "duty.assist" for r in grounds)


def test_decision_json_has_the_published_shape(screener: engine.Screener) -> None:
    decision = screener.screen(request.parse(BASE))
    data = json.loads(json.dumps(decision.to_json()))
    assert data["outcome"] == "proceed" and data["as_of"] == "2026-09-01"
    assert data["bundle_revision"] == catalogue.get().revision
    assert {f["rule"] for f in data["findings"]} == {r.id for r in REGISTRY.rules}
    for finding in data["findings"]:
        assert finding["result"] in {"pass", "fail", "review", "not_applicable"}
        assert finding["reason"] and isinstance(finding["verified"], bool)
        assert all({"instrument", "article", "paragraph"} <= set(c) for c in finding["cites"])
    period = next(f for f in data["findings"] if f["rule"] == "preservation.period")
    assert period["verified"] is False and period["read"]["preservation.mla_min_days"] == 60
    assert "uncc:art-42" in data["unverified_provisions"]


def test_the_legal_date_can_differ_from_submission(screener: engine.Screener) -> None:
    req = request.parse(BASE)
    assert screener.screen(req, date(2026, 5, 1)).outcome is Outcome.NOT_IN_FORCE
    assert screener.screen(req).as_of == date(2026, 9, 1)


def test_an_error_inside_a_rule_can_never_give_proceed(screener: engine.Screener) -> None:
    def broken(_: object) -> Any:
        raise ZeroDivisionError("boom")

    rules = list(screener.rules)
    index = next(i for i, (r, _) in enumerate(rules) if r.id == "refusal.persecution")
    rule, cites = rules[index]
    rules[index] = (replace(rule, func=broken), cites)
    patched = engine.Screener(screener.law)
    patched.rules = tuple(rules)
    decision = patched.screen(request.parse(BASE))
    finding = decision.finding("refusal.persecution")
    assert finding.result is Result.REVIEW and Flag.ERROR in finding.flags
    assert "ZeroDivisionError" in finding.reason
    assert decision.outcome is Outcome.REVIEW


def _finding(outcome: Outcome, *flags: Flag) -> Finding:
    result = Result.PASS if outcome is Outcome.PROCEED else Result.FAIL
    if outcome is Outcome.REVIEW:
        result = Result.REVIEW
    return Finding("r", result, "", (), outcome, (), flags)


def test_precedence_is_declared_and_total() -> None:
    def of(*outcomes: Outcome | Finding) -> Outcome:
        return combine(o if isinstance(o, Finding) else _finding(o) for o in outcomes)

    assert combine([]) is Outcome.PROCEED
    assert of(Outcome.PROCEED, Outcome.REVIEW, Outcome.INVALID) is Outcome.INVALID
    assert of(Outcome.INVALID, Outcome.REFUSE) is Outcome.REFUSE
    assert of(Outcome.REFUSE, Outcome.OUTSIDE_SCOPE) is Outcome.OUTSIDE_SCOPE
    assert of(Outcome.OUTSIDE_SCOPE, Outcome.NOT_IN_FORCE, Outcome.REVIEW) is Outcome.NOT_IN_FORCE
    # A human-rights review is never hidden behind a fixable defect, but never beats a refusal.
    flagged = _finding(Outcome.REVIEW, Flag.HUMAN_RIGHTS)
    assert of(Outcome.INVALID, flagged) is Outcome.REVIEW
    assert of(Outcome.REFUSE, flagged) is Outcome.REFUSE
    assert of(Outcome.INVALID, _finding(Outcome.REVIEW, Flag.POLICY)) is Outcome.INVALID


def test_request_errors_name_every_field() -> None:
    bad = BASE | {
        "requested_state": "QQQ",
        "submitted_on": "2026-02-30",
        "measure": "wiretap",
        "offence": {"max_penalty_years": "five"},
        "colour": "red",
    }
    with pytest.raises(ProblemList) as info:
        request.parse(bad)
    found = {(p.code, p.message.split(":")[0]) for p in info.value.problems}
    assert found == {
        ("request.unknown_state", "field requested_state"),
        ("request.invalid_date", "field submitted_on"),
        ("request.invalid_type", "field measure"),
        ("request.invalid_type", "field offence.max_penalty_years"),
        ("request.unknown_field", "field colour"),
    }


def test_the_schema_is_json_schema_with_the_documented_names() -> None:
    schema = request.schema()
    assert schema["$schema"].endswith("2020-12/schema")
    props = schema["properties"]
    for name in (
        "measure",
        "requesting_state",
        "requested_state",
        "submitted_on",
        "requesting_authority",
        "offence",
        "facts",
        "necessity",
        "mla_to_follow",
        "data",
        "preservation_days",
        "duration_days",
        "confidentiality_requested",
        "authorisation",
        "persons",
    ):
        assert name in props, name
    assert set(schema["required"]) == {
        "measure",
        "requesting_state",
        "requested_state",
        "submitted_on",
    }
    assert "from" in schema["$defs"]["Period"]["properties"]


# ---- properties ---------------------------------------------------------------------------

STATES = [*PARTIES[:6], "XZZ", "EU", "FRA"]
# Any text a database can store: not NUL, not a lone surrogate (those are refused, below).
storable = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
text = st.one_of(st.none(), st.text(storable, min_size=0, max_size=40))
requests = st.fixed_dictionaries(
    {
        "measure": st.sampled_from([m.value for m in request.Measure]),
        "requesting_state": st.sampled_from(STATES),
        "requested_state": st.sampled_from(STATES),
        "submitted_on": st.dates(date(2025, 1, 1), date(2029, 12, 31)).map(date.isoformat),
    },
    optional={
        "requesting_authority": st.fixed_dictionaries(
            {}, optional={"name": text, "role": st.sampled_from([r.value for r in request.Role])}
        ),
        "offence": st.fixed_dictionaries(
            {},
            optional={
                "description": text,
                "treaty_articles": st.lists(st.integers(7, 17), max_size=3),
                "max_penalty_years": st.one_of(st.none(), st.floats(0, 40, allow_nan=False)),
                "penalty_more_serious": st.booleans(),
                "form": st.sampled_from([f.value for f in request.OffenceForm]),
                "requested_state_articles": st.one_of(
                    st.none(), st.lists(st.integers(7, 17), max_size=2)
                ),
            },
        ),
        "assistance_kind": st.sampled_from([k.value for k in request.AssistanceKind]),
        "language": st.sampled_from(["English", "fr", "es"]),
        "confidentiality_requested": st.booleans(),
        "facts": text,
        "necessity": text,
        "assistance_sought": text,
        "mla_to_follow": st.one_of(st.none(), st.booleans()),
        "data": st.fixed_dictionaries(
            {},
            optional={
                "categories": st.lists(
                    st.sampled_from(["subscriber", "traffic", "content"]), max_size=3, unique=True
                ),
                "identifiers": st.lists(st.text(storable, min_size=1, max_size=8), max_size=15),
                "relation_to_offence": text,
                "custodian": text,
                "location": st.one_of(text, st.sampled_from(STATES)),
                "period": st.fixed_dictionaries(
                    {
                        "from": st.just("2026-01-01"),
                        "to": st.sampled_from(["2026-02-01", "2027-06-01"]),
                    }
                ),
            },
        ),
        "preservation_days": st.one_of(st.none(), st.integers(1, 400)),
        "duration_days": st.one_of(st.none(), st.integers(1, 200)),
        "authorisation": st.one_of(st.none(), st.fixed_dictionaries({"issuer": text})),
        "persons": st.lists(
            st.fixed_dictionaries({"name": text, "nationality": st.sampled_from(STATES)}),
            max_size=2,
        ),
        "emergency": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "description": text,
                    "risk_to": st.lists(st.sampled_from(["life", "safety", "property"])),
                    "imminent": st.one_of(st.none(), st.booleans()),
                    "significant": st.one_of(st.none(), st.booleans()),
                },
            ),
        ),
    },
).filter(lambda d: d["requesting_state"] != d["requested_state"])

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests)
def test_random_requests_never_crash_and_give_one_of_the_declared_outcomes(
    screener: engine.Screener, data: dict[str, Any]
) -> None:
    decision = screener.screen(request.parse(data))
    assert decision.outcome in set(Outcome)
    assert not any(Flag.ERROR in f.flags for f in decision.findings), decision.findings
    assert decision.outcome is combine(decision.findings)


@SETTINGS
@given(requests)
def test_an_engaged_refusal_ground_always_wins_over_a_pass(
    screener: engine.Screener, data: dict[str, Any]
) -> None:
    decision = screener.screen(request.parse(data))
    kinds = {r.id: r.kind for r in REGISTRY.rules}
    engaged = [
        f
        for f in decision.findings
        if kinds[f.rule] is Kind.REFUSAL_GROUND and f.result in (Result.REVIEW, Result.FAIL)
    ]
    if engaged:
        assert decision.outcome is not Outcome.PROCEED


@SETTINGS
@given(
    requests,
    st.sampled_from(
        ["insult", "protest", "blasphemy", "extremism", "journalist", "false information"]
    ),
    st.sampled_from(["offence", "facts"]),
)
def test_a_persecution_signal_never_gives_proceed(
    screener: engine.Screener, data: dict[str, Any], word: str, where: str
) -> None:
    if where == "offence":
        offence = dict(data.get("offence") or {})
        offence["description"] = f"{offence.get('description') or ''} {word} online"
        data = data | {"offence": offence}
    else:
        data = data | {"facts": f"{data.get('facts') or ''} they {word} again"}
    decision = screener.screen(request.parse(data))
    assert decision.outcome is not Outcome.PROCEED
    assert Flag.HUMAN_RIGHTS in decision.finding("refusal.persecution").flags


@SETTINGS
@given(
    requests,
    st.sampled_from(["insult", "protest", "blasphemy", "journalist", "opposition"]),
)
def test_a_human_rights_signal_never_yields_invalid_or_proceed(
    screener: engine.Screener, data: dict[str, Any], word: str
) -> None:
    data = data | {"facts": f"{data.get('facts') or ''} they {word} again"}
    decision = screener.screen(request.parse(data))
    assert decision.outcome not in (Outcome.INVALID, Outcome.PROCEED)


@SETTINGS
@given(requests)
def test_for_preservation_no_ground_outside_its_list_ever_engages(
    screener: engine.Screener, data: dict[str, Any]
) -> None:
    decision = screener.screen(request.parse(data | {"measure": "preservation"}))
    allowed = set(screener.law.bundle.measures["preservation"].grounds)
    kinds = {r.id: r.kind for r in REGISTRY.rules}
    for f in decision.findings:
        if kinds[f.rule] is Kind.REFUSAL_GROUND and f.rule not in allowed:
            assert f.result is Result.NOT_APPLICABLE, f


# A domestic-law mapping of the requested State that can make refuse happen: mandatory
# grounds it can establish itself, measures its law prohibits or does not provide, offences.
mappings = st.fixed_dictionaries(
    {
        "mandatory_grounds": st.lists(st.sampled_from(MANDATORY_CAPABLE), unique=True),
        "prohibited_measures": st.lists(
            st.sampled_from([m.value for m in request.Measure]), unique=True, max_size=4
        ),
        "unavailable_measures": st.lists(
            st.sampled_from([m.value for m in request.Measure]), unique=True, max_size=3
        ),
        "offences": st.lists(
            st.fixed_dictionaries(
                {
                    "provision": st.just("s. 1"),
                    "description": st.just("an offence"),
                    "treaty_articles": st.lists(st.integers(7, 17), max_size=2),
                }
            ),
            max_size=2,
        ),
    }
)


def _screen_with_mapping(
    screener: engine.Screener, data: dict[str, Any], mapping: dict[str, Any]
) -> engine.Decision:
    """Screen with the drawn mapping as the requested State's law (same register, signals)."""
    law = DomesticLaw.model_validate({"state": data["requested_state"], **mapping})
    with_law = engine.build_law(
        register=screener.law.register,
        domestic_law={law.state: law},
        signals_=screener.law.signals,
    )
    return engine.Screener(with_law).screen(request.parse(data))


@SETTINGS
@given(requests, mappings)
def test_a_request_outside_scope_is_never_refused(
    screener: engine.Screener, data: dict[str, Any], mapping: dict[str, Any]
) -> None:
    decision = _screen_with_mapping(screener, data, mapping)
    event(f"outcome: {decision.outcome.value}")
    if decision.finding("scope.offence_or_serious_crime").result is Result.FAIL:
        assert decision.outcome in (Outcome.OUTSIDE_SCOPE, Outcome.NOT_IN_FORCE)


def test_the_outside_scope_property_could_fail(screener: engine.Screener) -> None:
    """The property above is not vacuous: its strategies reach a refuse, and a request outside
    scope whose mandatory ground is established (where refuse would win without the
    precedence)."""
    find_settings = settings(max_examples=5000, deadline=None, database=None)

    def mandatory_fail(d: engine.Decision) -> bool:
        return any(f.result is Result.FAIL and f.outcome is Outcome.REFUSE for f in d.findings)

    refused = find(
        st.tuples(requests, mappings),
        lambda dm: _screen_with_mapping(screener, *dm).outcome is Outcome.REFUSE,
        settings=find_settings,
    )
    assert _screen_with_mapping(screener, *refused).outcome is Outcome.REFUSE
    blocked = find(
        st.tuples(requests, mappings),
        lambda dm: (
            (d := _screen_with_mapping(screener, *dm))
            .finding("scope.offence_or_serious_crime")
            .result
            is Result.FAIL
            and d.outcome is Outcome.OUTSIDE_SCOPE
            and mandatory_fail(d)
        ),
        settings=find_settings,
    )
    assert _screen_with_mapping(screener, *blocked).outcome is Outcome.OUTSIDE_SCOPE


@SETTINGS
@given(requests)
def test_an_engaged_ground_always_reports_the_duty_as_overridden(
    screener: engine.Screener, data: dict[str, Any]
) -> None:
    decision = screener.screen(request.parse(data))
    grounds = {r.id for r in REGISTRY.rules if r.overrides == "duty.assist"}
    engaged = [
        f.rule
        for f in decision.findings
        if f.rule in grounds and f.result in (Result.REVIEW, Result.FAIL)
    ]
    duty = decision.finding("duty.assist")
    if engaged:
        assert duty.result is Result.OVERRIDDEN
        assert dict(duty.read)["overridden_by"] == tuple(engaged)
    else:
        assert duty.result is Result.PASS


@SETTINGS
@given(requests)
def test_interception_and_real_time_collection_never_proceed(
    screener: engine.Screener, data: dict[str, Any]
) -> None:
    data = data | {"measure": "interception" if len(data) % 2 else "realtime_traffic"}
    assert screener.screen(request.parse(data)).outcome is not Outcome.PROCEED


def test_memoised_verdicts_never_leak_between_different_facts(screener: engine.Screener) -> None:
    """Shared verdicts are keyed by every fact they read: changing one changes the answer."""
    first = screener.screen(request.parse(BASE))
    other_state = screener.screen(request.parse(BASE | {"requested_state": "XZZ"}))
    other_date = screener.screen(request.parse(BASE), date(2026, 5, 1))
    minor = screener.screen(
        request.parse(
            BASE | {"offence": BASE["offence"] | {"treaty_articles": [], "max_penalty_years": 2}}
        )
    )
    again = screener.screen(request.parse(BASE))
    assert first.finding("relation.in_force").result is Result.PASS
    assert other_state.finding("relation.in_force").result is Result.FAIL
    assert other_date.finding("relation.in_force").result is Result.FAIL
    assert minor.finding("scope.offence_or_serious_crime").result is Result.FAIL
    assert again.findings == first.findings


def test_a_batch_gives_the_same_decisions_as_one_by_one(screener: engine.Screener) -> None:
    import gc

    docs = [BASE, BASE | {"measure": "interception"}, BASE | {"requested_state": "XZZ"}]
    reqs = [request.parse(d) for d in docs]
    batch = screener.screen_many(reqs)
    assert gc.isenabled()
    assert [d.findings for d in batch] == [screener.screen(r).findings for r in reqs]
    assert len({d.evaluated_at for d in batch}) == 1


def test_rule_statements_read_their_numbers_from_the_constants() -> None:
    bundle = catalogue.get()
    scope = REGISTRY.get("scope.offence_or_serious_crime")
    assert "{serious_crime.min_statutory_max_years}" in scope.statement
    assert "at least 4 years" in engine.statement(scope, bundle)
    period = REGISTRY.get("preservation.period")
    assert "not less than 60 days" in engine.statement(period, bundle)
    # a different value in the data changes the statement, not the rule's text
    assert "at least 7 years" in scope.stated(lambda name: 7)

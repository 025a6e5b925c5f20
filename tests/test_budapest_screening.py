"""Screening under the Budapest Convention (ETS 185), built from its own wording.

Each test names the paragraph it reads: preservation "may only be refused" on the grounds of
Art 29(5), dual criminality "shall not be required" (29(3)) except by a 29(4) reservation for
offences other than Arts 2-11; the disclosure of preserved traffic data is made "in the course
of the execution of a request made pursuant to Article 29" (30(1)); Art 27 applies only where no
mutual assistance treaty is in force (27(1)); the fiscal bar covers "the offences referred to in
Articles 2 through 11" (25(4)); co-operation reaches "the collection of evidence in electronic
form of a criminal offence" (Arts 23, 25(1)) with no threshold of seriousness.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rogatory.errors import ProblemList
from rogatory.law.decision import Outcome, Result
from rogatory.safeguards import engine, request
from rogatory.safeguards.agreements import Agreement
from rogatory.safeguards.domestic import DomesticLaw
from rogatory.safeguards.engine import Decision
from tests.conftest import CliResult

Cli = Callable[..., CliResult]

# FRA and AUT are bound from 2006 and 2012 (rules/budapest/instruments.csv); AUT reserved the
# right under Art 29(4) (declarations.yaml, B6); HUN made no such reservation in the data.
BASE: dict[str, Any] = {
    "requesting_state": "FRA",
    "requested_state": "AUT",
    "submitted_on": "2025-03-10",
    "requesting_authority": {"name": "Parquet de Paris", "role": "central_authority"},
    "facts": "An intruder logged in to the hospital's network with stolen credentials.",
    "necessity": "The provider rotates its logs after seven days.",
    "assistance_sought": "Production of the stored records.",
    "data": {
        "identifiers": ["vpn-user-8841"],
        "categories": ["traffic"],
        "relation_to_offence": "connection logs of the intrusion",
        "custodian": "Example Hosting GmbH",
        "period": {"from": "2025-02-01", "to": "2025-02-28"},
    },
}


def _request(**over: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(BASE))
    out.update(over)
    return out


def _screen(
    doc: dict[str, Any],
    *,
    domestic: list[DomesticLaw] = (),  # type: ignore[assignment]
    agreements: tuple[Agreement, ...] = (),
) -> Decision:
    screener = engine.load(bundle_id="budapest")
    if domestic or agreements:
        law = screener.law
        screener = engine.Screener(
            engine.build_law(
                register=law.register,
                domestic_law={d.state: d for d in domestic},
                signals_=law.signals,
                agreements_=agreements,
            )
        )
    return screener.screen(request.parse(doc, treaty="budapest"))


def _only_budapest(decision: Decision) -> None:
    """Every finding cites the Budapest Convention and nothing else."""
    instruments = {c.instrument for f in decision.findings for c in f.cites}
    assert instruments == {"ETS185"}
    assert decision.treaty is not None and decision.treaty["id"] == "budapest"


NO_MATCH = DomesticLaw(
    state="AUT",
    treaty="budapest",
    offences=[{"provision": "StGB §147", "description": "fraud", "treaty_articles": [8]}],
    prohibited_measures=["preservation"],
)


def _preservation(**offence: Any) -> dict[str, Any]:
    return _request(
        measure="preservation",
        mla_to_follow=True,
        requesting_authority={"name": "Parquet de Paris", "role": "contact_point_24_7"},
        offence={"description": "Illegal access to a hospital network", **offence},
    )


def test_preservation_is_refused_only_on_the_grounds_of_29_5() -> None:
    # An Art 2 offence, no dual criminality in the mapping, a measure the mapping prohibits:
    # none of it refuses preservation (29(3), 29(5)).
    decision = _screen(_preservation(treaty_articles=[2]), domestic=[NO_MATCH])
    assert decision.outcome is Outcome.PROCEED
    dual = decision.finding("refusal.dual_criminality")
    assert dual.result is Result.NOT_APPLICABLE and "(Art 29)" in dual.reason
    assert any(c.article == 29 and c.paragraph == "3" for c in dual.cites)
    for ground in ("refusal.domestic_prohibition", "refusal.legal_system", "refusal.persecution"):
        found = decision.finding(ground)
        assert found.result is Result.NOT_APPLICABLE and "may only be refused" in found.reason
        assert any(c.article == 29 and c.paragraph == "5" for c in found.cites)
    # AUT's 29(4) reservation reaches only offences other than Arts 2-11.
    reservation = decision.finding("reservations.requested_state")
    assert reservation.result is Result.PASS and "Art 29 covers only" in reservation.reason
    assert decision.finding("preservation.period").reason.startswith(
        "AUT will preserve for at least 60 days"
    )  # Art 29(7): "not less than sixty days"
    _only_budapest(decision)


def test_a_29_4_reservation_may_reach_preservation_for_other_offences() -> None:
    decision = _screen(_preservation(description="Harassment by telephone"))
    reservation = decision.finding("reservations.requested_state")
    assert reservation.result is Result.REVIEW and "Article 29, paragraph 4" in reservation.reason
    assert any(c.article == 29 and c.paragraph == "4" for c in reservation.cites)
    assert decision.outcome is Outcome.REVIEW
    # Without a reservation (HUN) the same request proceeds: 29(3) alone applies.
    hun = _screen(
        {**_preservation(description="Harassment by telephone"), "requested_state": "HUN"}
    )
    assert hun.finding("reservations.requested_state").result is Result.PASS
    assert hun.outcome is Outcome.PROCEED


def test_disclosure_of_preserved_traffic_data_is_a_step_of_preservation() -> None:
    decision = _screen(_request(measure="traffic_disclosure", offence={"treaty_articles": [2]}))
    alone = decision.finding("scope.measure_requested_alone")
    assert alone.result is Result.FAIL and decision.outcome is Outcome.INVALID
    assert "step of executing a preservation request" in alone.reason
    assert "stored_data (Art 31) or realtime_traffic (Art 33)" in alone.reason
    assert any(c.article == 30 for c in alone.cites)
    # Its grounds are the closed list of 30(2).
    domestic = decision.finding("refusal.domestic_prohibition")
    assert domestic.result is Result.NOT_APPLICABLE
    assert any(c.article == 30 and c.paragraph == "2" for c in domestic.cites)


def test_an_mla_treaty_between_the_parties_governs_the_request_27_1() -> None:
    treaty = Agreement(frozenset({"FRA", "AUT"}), "ETS30", date(1968, 1, 1), None, False, "test", 0)
    doc = _request(
        measure="stored_data",
        confidentiality_requested=True,
        offence={"description": "Fraud and tax evasion", "treaty_articles": [8]},
    )
    decision = _screen(doc, agreements=(treaty,))
    basis = decision.finding("basis.governing_treaty")
    assert basis.result is Result.REVIEW and "(Art 27(1);" in basis.reason
    assert "Bank secrecy" not in basis.reason  # Budapest has no bank-secrecy clause
    for governed in ("refusal.political_offence", "confidentiality.requested"):
        found = decision.finding(governed)
        assert found.result is Result.NOT_APPLICABLE and "governed by ETS30" in found.reason
    # 25(4)'s fiscal bar is in Art 25, not 27: it holds whatever treaty governs.
    fiscal = decision.finding("not_grounds.fiscal")
    assert fiscal.result is Result.PASS and "(Art 25(4))" in fiscal.reason
    assert [b["instrument"] for b in decision.legal_bases] == ["ETS185", "ETS30"]
    _only_budapest(decision)
    # Without the treaty, Art 27 applies: confidentiality is kept under 27(8).
    alone = _screen(doc)
    assert alone.finding("confidentiality.requested").reason.endswith("(Art 27(8))")


def test_the_fiscal_bar_covers_only_offences_of_arts_2_11_25_4() -> None:
    treaty_offence = _screen(
        _request(
            measure="stored_data", offence={"description": "VAT fraud", "treaty_articles": [8]}
        )
    )
    assert treaty_offence.finding("not_grounds.fiscal").result is Result.PASS
    other = _screen(_request(measure="stored_data", offence={"description": "VAT evasion"}))
    fiscal = other.finding("not_grounds.fiscal")
    assert fiscal.result is Result.REVIEW and "covers only those" in fiscal.reason


def test_any_criminal_offence_is_in_scope_for_electronic_evidence() -> None:
    # No threshold of seriousness: a six-month offence, stored data.
    petty = _screen(
        _request(measure="stored_data", offence={"description": "Theft", "max_penalty_years": 0.5})
    )
    scope = petty.finding("scope.offence_or_serious_crime")
    assert scope.result is Result.PASS and "no threshold of seriousness" in scope.reason
    assert {(c.article, c.paragraph) for c in scope.cites} >= {(23, None), (25, "1")}
    # A witness statement for an ordinary offence is outside the Convention ...
    witness = _request(
        measure="mla",
        assistance_kind="witness_statement",
        offence={"description": "Theft of a bicycle", "computer_related": False},
    )
    outside = _screen(witness)
    assert outside.outcome is Outcome.OUTSIDE_SCOPE
    assert "not one of Arts 2-11" in outside.finding("scope.offence_or_serious_crime").reason
    # ... but in scope for an offence related to computer systems and data, or of Arts 2-11.
    related = {**witness, "offence": {"description": "Online stalking", "computer_related": True}}
    assert _screen(related).finding("scope.offence_or_serious_crime").result is Result.PASS
    aiding = {**witness, "offence": {"treaty_articles": [2], "form": "participation"}}
    found = _screen(aiding).finding("scope.offence_or_serious_crime")
    assert found.result is Result.PASS and "(participation, Art 11" in found.reason
    unknown = {**witness, "offence": {"description": "Theft"}}
    assert _screen(unknown).finding("scope.offence_or_serious_crime").result is Result.REVIEW


@pytest.mark.parametrize(
    ("measure", "category", "article"),
    [("realtime_traffic", "traffic", 33), ("interception", "content", 34)],
)
def test_real_time_collection_and_interception_are_intrusive(
    measure: str, category: str, article: int
) -> None:
    doc = _request(measure=measure, duration_days=14)
    doc["data"]["categories"] = [category]
    decision = _screen({**doc, "offence": {"treaty_articles": [2]}})
    law = decision.finding("safeguards.domestic_law_measure")
    assert law.result is Result.REVIEW and f"(Art {article})" in law.reason
    auth = decision.finding("safeguards.authorisation")
    assert auth.result is Result.REVIEW and "Art 15 binds the State" in auth.reason
    fit = decision.finding("data.fit_to_measure")
    assert fit.result is Result.PASS and f"Art {article}" in fit.reason
    _only_budapest(decision)


def test_un_convention_rules_without_a_budapest_counterpart_do_not_run() -> None:
    decision = _screen(_request(measure="stored_data", offence={"treaty_articles": [2]}))
    rules = {f.rule for f in decision.findings}
    for absent in (
        "data_protection.transfer",  # UN Art 36
        "not_grounds.bank_secrecy",
        "channel.language",
        "completeness.mla_request",
        "completeness.emergency",  # UN Art 2(o)
    ):
        assert absent not in rules
    _only_budapest(decision)


def test_offence_articles_are_validated_against_the_treaty() -> None:
    with pytest.raises(ProblemList) as bad:
        request.parse(
            _request(measure="stored_data", offence={"treaty_articles": [12]}), treaty="budapest"
        )
    problem = bad.value.problems[0]
    assert problem.code == "request.invalid_value"
    assert "offence.treaty_articles" in problem.message and "Arts 2-11" in problem.message
    # Art 3 is a Budapest offence (illegal interception), not a UN Convention one.
    request.parse(
        _request(measure="stored_data", offence={"treaty_articles": [3]}), treaty="budapest"
    )
    with pytest.raises(ProblemList):
        request.parse(_request(measure="stored_data", offence={"treaty_articles": [3]}))
    # A request validated for the UN Convention (Art 13) is refused by a Budapest screener.
    un = request.parse(_request(measure="stored_data", offence={"treaty_articles": [13]}))
    with pytest.raises(ProblemList) as screened:
        engine.load(bundle_id="budapest").screen(un)
    assert "offence.treaty_articles[0]" in screened.value.problems[0].message


def test_a_mapping_in_another_treatys_numbering_is_not_matched() -> None:
    un_mapping = DomesticLaw(
        state="AUT",
        offences=[
            {"provision": "StGB §118a", "description": "illegal access", "treaty_articles": [7]}
        ],
    )
    decision = _screen(
        _request(measure="stored_data", offence={"treaty_articles": [2]}), domestic=[un_mapping]
    )
    dual = decision.finding("refusal.dual_criminality")
    assert dual.result is Result.REVIEW and "offence articles of uncc" in dual.reason
    mapped = DomesticLaw(
        state="AUT",
        treaty="budapest",
        offences=[
            {"provision": "StGB §118a", "description": "illegal access", "treaty_articles": [2]}
        ],
    )
    ok = _screen(
        _request(measure="stored_data", offence={"treaty_articles": [2]}), domestic=[mapped]
    )
    assert ok.finding("refusal.dual_criminality").result is Result.PASS


def _file(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_cli_check_under_budapest_names_the_treaty(cli: Cli, tmp_path: Path) -> None:
    path = _file(tmp_path, _preservation(treaty_articles=[2]))
    text = cli("check", path, "--treaty", "budapest")
    assert text.code == 0, text.err
    assert "under Budapest Convention on Cybercrime (ETS No. 185) (ETS185)" in text.out
    assert text.out.startswith("PROCEED as of 2025-03-10")
    data = json.loads(cli("check", path, "--treaty", "budapest", "--format", "json").out)
    assert data["treaty"]["id"] == "budapest" and data["outcome"] == "proceed"
    assert {c["instrument"] for f in data["findings"] for c in f["cites"]} == {"ETS185"}
    wrong = cli(
        "check", _file(tmp_path, _preservation(treaty_articles=[13])), "--treaty", "budapest"
    )
    assert wrong.code == 2 and "offence.treaty_articles" in wrong.err + wrong.out


def test_cli_check_all_treaties_side_by_side(cli: Cli, tmp_path: Path) -> None:
    # UN Art 7 (illegal access) is Budapest Art 2 (the crosswalk).
    path = _file(tmp_path, _preservation(treaty_articles=[7]))
    text = cli("check", path, "--treaty", "all")
    assert text.code == 0, text.err
    assert "uncc (UNCC)" in text.out and "budapest (ETS185)" in text.out
    assert "uncc Art 7 → budapest Art 2" in text.out
    assert "legal bases in force between the States: ETS185" in text.out
    data = json.loads(cli("check", path, "--treaty", "all", "--format", "json").out)
    by = {t["treaty"]: t for t in data["treaties"]}
    assert set(by) == {"uncc", "budapest"}
    assert by["budapest"]["decision"]["outcome"] == "proceed"
    scope = next(
        f
        for f in by["budapest"]["decision"]["findings"]
        if f["rule"] == "scope.offence_or_serious_crime"
    )
    assert "Art 2" in scope["reason"]
    assert by["uncc"]["decision"]["treaty"]["id"] == "uncc"


def test_a_preservation_request_must_specify_what_29_2_lists_and_only_that() -> None:
    """29(2): "shall specify" (a) the authority, (b) the offence and a brief summary of the
    facts, (c) the data and its relationship to the offence, (e) the necessity and (f) that a
    request for mutual assistance will follow; (d) asks only for "any available information"
    on the custodian, and the categories of data are the UN Convention's item, not 29(2)'s."""
    doc = _preservation(treaty_articles=[2])
    del doc["data"]["categories"], doc["data"]["custodian"]
    complete = _screen(doc).finding("completeness.preservation")
    assert complete.result is Result.PASS, complete.reason
    un_doc = {**doc, "offence": {**doc["offence"], "treaty_articles": [7]}}
    un = engine.load().screen(request.parse(un_doc))
    assert "categories" in un.finding("completeness.preservation").reason
    lacking = _request(measure="preservation", offence={"description": "Illegal access"})
    del lacking["necessity"]
    finding = _screen(lacking).finding("completeness.preservation")
    assert finding.result is Result.FAIL
    assert "(e) the necessity of the preservation" in finding.reason
    assert "(f) that the Party intends to submit a request for mutual assistance" in finding.reason
    assert [c.label for c in finding.cites] == ["ETS185 Art. 29(2)"]


def test_a_measures_table_requiring_a_field_no_rule_can_test_is_refused(tmp_path: Path) -> None:
    import shutil

    from rogatory.errors import RogatoryError
    from rogatory.law.bundle import load_bundle
    from rogatory.parties import service
    from rogatory.treaty import catalogue

    folder = tmp_path / "budapest"
    shutil.copytree(catalogue.get("budapest").root, folder)
    table = folder / "measures.yaml"
    table.write_text(table.read_text().replace("{field: necessity,", "{field: necessity_of_it,", 1))
    register = service.build(load_bundle(folder), ignore_shipped=True)
    with pytest.raises(RogatoryError) as info:
        engine.Screener(engine.build_law(register=register))
    assert info.value.code == "rules.measures_table"
    assert "required field necessity_of_it" in info.value.message


def test_cli_check_reads_offence_articles_in_the_numbering_named(cli: Cli, tmp_path: Path) -> None:
    """A request written in Budapest's numbering (Art 8, computer-related fraud) is screened
    under every treaty with --numbering budapest: the UN Convention's column reads UN Art 13."""
    path = _file(tmp_path, _preservation(treaty_articles=[8]))
    data = json.loads(
        cli("check", path, "--treaty", "all", "--numbering", "budapest", "--format", "json").out
    )
    assert data["numbering"] == "budapest"
    by = {t["treaty"]: t for t in data["treaties"]}
    assert [t["treaty"] for t in data["treaties"]] == ["budapest", "uncc"]
    assert by["budapest"]["articles_translated"] == []
    assert by["uncc"]["articles_translated"] == [
        "offence.treaty_articles: budapest Art 8 → uncc Art 13"
    ]
    assert "decision" in by["uncc"], by["uncc"]
    # The default numbering is the UN Convention's, where Art 8 is illegal interception
    # (Budapest Art 3): the same figure, another offence.
    default = json.loads(cli("check", path, "--treaty", "all", "--format", "json").out)
    bu = next(t for t in default["treaties"] if t["treaty"] == "budapest")
    assert bu["articles_translated"] == ["offence.treaty_articles: uncc Art 8 → budapest Art 3"]
    # One treaty, another numbering: translated, and said.
    one = cli("check", path, "--numbering", "budapest", "--format", "json")
    assert one.code == 0, one.err
    assert json.loads(one.out)["articles_translated"] == [
        "offence.treaty_articles: budapest Art 8 → uncc Art 13"
    ]
    bad = cli("check", path, "--numbering", "ets30")
    assert bad.code == 2 and "--numbering ets30" in bad.err + bad.out

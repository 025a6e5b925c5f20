"""The Budapest Convention (ETS 185) as a second full bundle: its text, its final clauses, the
Council of Europe membership they count, the parties from the depositary's charts, and the
crosswalk to the UN Convention, through the real loader, the real CLI and the web app."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from rogatory.errors import ProblemCollector, ProblemList, RogatoryError
from rogatory.law import entry_into_force as eif
from rogatory.law.authentic import normalise
from rogatory.law.bundle import Bundle, load_bundle
from rogatory.law.citation import Level
from rogatory.law.crosswalk import CrosswalkFile, check
from rogatory.law.groups import Group
from rogatory.parties import service
from rogatory.treaty import catalogue
from rogatory.treaty import crosswalk as crosswalks
from tests.conftest import CliResult, inst

Cli = Callable[..., CliResult]
TEXT = catalogue.rules_root() / "budapest" / "text" / "ets185-en.md"


@pytest.fixture(scope="module")
def budapest() -> Bundle:
    return catalogue.get("budapest")


def _json(result: CliResult) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def _error(result: CliResult, code: str) -> list[str]:
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.startswith("error[")]
    assert lines and all(line.startswith(f"error[{code}]") for line in lines), result.err
    return lines


# ---- the text -------------------------------------------------------------------------------


def test_48_articles_in_four_chapters_with_their_sections_and_titles(budapest: Bundle) -> None:
    assert budapest.instrument == "ETS185" and budapest.manifest.provisions_complete
    assert [a.number for a in budapest.articles] == list(range(1, 49))
    chapters = {c.number: (c.title, c.first_article, c.last_article) for c in budapest.chapters}
    assert chapters == {
        "I": ("Use of terms", 1, 1),
        "II": ("Measures to be taken at the national level", 2, 22),
        "III": ("International co-operation", 23, 35),
        "IV": ("Final provisions", 36, 48),
    }
    ii = budapest.chapter("II")
    assert ii is not None
    assert [(d.number, d.title) for d in ii.divisions] == [
        ("1", "Substantive criminal law"),
        ("2", "Procedural law"),
        ("3", "Jurisdiction"),
    ]
    art29 = budapest.article(29)
    assert art29 is not None
    assert budapest.place(art29) == "Chapter III, Section 2, Title 1"
    art22 = budapest.article(22)
    assert art22 is not None and budapest.place(art22) == "Chapter II, Section 3"
    assert all(a.cite.verification is Level.TEXT for a in budapest.articles)


def _source_text() -> str:
    """The shipped copy with its Markdown links and emphasis taken out, as the data quotes it."""
    text = TEXT.read_text(encoding="utf-8").split("IN WITNESS WHEREOF")[0]
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text).replace("``", '"').replace("*", "")
    return normalise(text)


def test_every_text_is_verbatim_from_the_shipped_authentic_text(budapest: Bundle) -> None:
    source = _source_text()
    quoted = 0
    for article in budapest.articles:
        texts = [article.text] if article.text else []
        texts += [p.text for _, p in article.walk() if p.text]
        for text in texts:
            # Art 39(1)'s dash items are kept inside the paragraph: compare up to the first dash.
            for piece in text.split(" \u2013 "):
                assert normalise(piece) in source, (article.number, piece[:80])
                quoted += 1
        assert all(p.text_kind.value == "verbatim" for _, p in article.walk())
    assert quoted > 230


def test_items_and_sub_items_follow_the_text(budapest: Bundle) -> None:
    art1 = budapest.article(1)
    assert art1 is not None and art1.text == "For the purposes of this Convention:"
    assert [p for p, _ in art1.walk()] == ["a", "b", "c", "c.i", "c.ii", "d"]
    art14 = budapest.article(14)
    assert art14 is not None
    para3 = art14.find(["3"])
    assert para3 is not None and para3.text == "" and [i.id for i in para3.items] == ["a", "b"]
    assert art14.find(["3", "b", "ii"]) is not None
    art20 = budapest.article(20)
    assert art20 is not None and art20.find(["1", "b", "i"]) is not None
    art15 = budapest.article(15)
    assert art15 is not None
    para2 = art15.find(["2"])
    assert para2 is not None and para2.text.startswith("Such conditions and safeguards")
    assert budapest.citation(24, "1.a").label == "ETS185 Art. 24(1.a)"


def test_check_text_finds_no_discrepancy_in_the_shipped_text(cli: Cli) -> None:
    data = _json(cli("rules", "check-text", str(TEXT), "--treaty", "budapest", "--json"))
    assert data["clean"] and data["articles_found"] == 48 and data["checked"] > 300


def test_check_text_reports_a_wording_that_is_not_in_the_text(cli: Cli, tmp_path: Path) -> None:
    changed = tmp_path / "changed.md"
    changed.write_text(
        TEXT.read_text(encoding="utf-8").replace("not less than sixty days", "not less than 45"),
        encoding="utf-8",
    )
    result = cli("rules", "check-text", str(changed), "--bundle", "budapest", "--json")
    assert result.code == 1
    found = json.loads(result.out)["discrepancies"]
    assert [d["provision"] for d in found] == ["budapest:art-29:para-7"]


def test_constants_rest_on_the_text(budapest: Bundle) -> None:
    on = date(2026, 1, 1)
    expected = {
        "preservation.mla_min_days": 60,
        "preservation.mla_continues_pending_decision": True,
        "preservation.dual_criminality_required": False,
        "preservation.domestic_max_days": 90,
        "extradition.min_max_penalty_years": 1,
    }
    for name, value in expected.items():
        res = budapest.constant(name, on)
        assert res.value == value and res.cite is not None and res.cite.verified
        assert res.cite.wording


# ---- membership and the entry-into-force calculus -------------------------------------------


def test_council_of_europe_membership_is_dated(budapest: Bundle) -> None:
    coe = budapest.groups["coe_member_states"]
    assert coe.is_member("RUS", date(2022, 3, 15)) and not coe.is_member("RUS", date(2022, 3, 16))
    assert len(coe.members_on(date(2022, 3, 15))) == 47
    assert len(coe.members_on(date(2025, 1, 1))) == 46
    assert not coe.is_member("MNE", date(2007, 5, 10)) and coe.is_member("MNE", date(2007, 5, 11))
    assert not coe.is_member("GRC", date(1972, 1, 1)) and coe.is_member("GRC", date(2001, 1, 1))
    period = coe.period("RUS", date(2000, 1, 1))
    assert period is not None and period.cite.verification is Level.DEPOSITARY
    assert not coe.is_member("USA", date(2025, 1, 1))
    assert budapest.groups["elaboration_participants"].members_on(date(2025, 1, 1)) == [
        "CAN",
        "JPN",
        "USA",
        "ZAF",
    ]


def _deposit(code: str, on: str) -> eif.Deposit:
    return eif.Deposit(code, "ratification", date.fromisoformat(on))


def test_at_least_m_of_a_group_counts_members_on_the_day_the_count_is_met(
    budapest: Bundle,
) -> None:
    rule = budapest.manifest.final_clauses.entry_into_force
    groups = budapest.groups
    five_outsiders = [_deposit(f"XA{c}", f"2003-0{i + 1}-10") for i, c in enumerate("ABCDE")]
    none = eif.compute(rule, five_outsiders, date(2030, 1, 1), groups)
    assert none.date is None and none.counted == 5
    assert none.group_counts == {"coe_member_states": (0, 3)}
    members = [_deposit("FRA", "2003-07-01"), _deposit("DEU", "2003-08-01")]
    third = _deposit("ITA", "2003-09-30")
    met = eif.compute(rule, [*five_outsiders, *members, third], date(2030, 1, 1), groups)
    assert (met.triggering_deposit, met.date) == (date(2003, 9, 30), date(2004, 1, 1))
    assert met.group_counts == {"coe_member_states": (3, 3)}
    # asked before the third member's deposit, the date is not yet known
    early = eif.compute(rule, [*five_outsiders, *members, third], date(2003, 9, 29), groups)
    assert early.date is None and early.group_counts == {"coe_member_states": (2, 3)}


def test_a_rule_with_a_quota_needs_the_group(budapest: Bundle) -> None:
    rule = budapest.manifest.final_clauses.entry_into_force
    deposits = [_deposit(c, "2003-01-01") for c in ("FRA", "DEU", "ITA", "ESP", "NLD")]
    with pytest.raises(RogatoryError) as exc:
        eif.compute(rule, deposits, date(2004, 1, 1))
    assert exc.value.code == "rules.unknown_group"


def test_a_group_refuses_overlapping_periods() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Group.model_validate(
            {
                "title": "t",
                "members": [
                    {
                        "state": "FRA",
                        "from": "1949-05-05",
                        "cite": {"source": "M", "verification": "secondary"},
                    },
                    {
                        "state": "FRA",
                        "from": "1950-01-01",
                        "cite": {"source": "M", "verification": "secondary"},
                    },
                ],
            }
        )


def test_the_shipped_data_gives_1_july_2004_and_every_date_the_chart_prints(
    budapest: Bundle,
) -> None:
    register = service.build(budapest)
    recorded = budapest.manifest.final_clauses.recorded_entry_into_force
    assert recorded is not None and recorded.on == date(2004, 7, 1)
    result = register.entry_into_force(date(2026, 1, 1))
    assert result.date == recorded.on and result.triggering_deposit == date(2004, 3, 18)
    compared = 0
    for code in register.known_states():
        for instrument in register.instruments_of(code):
            if instrument.recorded_in_force is None:
                continue
            computed = register.status(code, date(2026, 1, 1)).bound_from
            assert computed == instrument.recorded_in_force, code
            compared += 1
    assert compared == 17  # every shipped consent row whose chart shows its date (not DEU)


def test_every_shipped_row_names_a_listed_source_at_the_source_level(budapest: Bundle) -> None:
    register = service.build(budapest)
    sources = budapest.manifest.sources
    assert register.instruments
    for instrument in register.instruments:
        assert instrument.source in sources
        assert instrument.verification is sources[instrument.source].level
    assert register.gaps and any("--instruments" in g for g in register.gaps)


def test_uncc_and_untoc_compute_as_before(uncc: Bundle, untoc: Bundle) -> None:
    forty = [_deposit(f"X{chr(65 + i // 26)}{chr(65 + i % 26)}", "2026-01-05") for i in range(40)]
    result = eif.compute(uncc.manifest.final_clauses.entry_into_force, forty, date(2027, 1, 1))
    assert result.date == date(2026, 4, 5) and result.group_counts == {}
    result = eif.compute(untoc.manifest.final_clauses.entry_into_force, forty, date(2027, 1, 1))
    assert result.date == date(2026, 4, 5)


# ---- accession, signature and the closed list of reservations -------------------------------


def _problems(budapest: Bundle, *instruments: Any) -> list[str]:
    problems = ProblemCollector()
    with pytest.raises(ProblemList):
        service.build(budapest, extra=list(instruments), problems=problems)
    return sorted({p.code for p in problems.problems})


def test_accession_follows_article_37(budapest: Bundle) -> None:
    assert _problems(budapest, inst("XAA", "accession", "2004-06-30")) == [
        "instrument.accession_before_entry_into_force"
    ]
    assert _problems(budapest, inst("CHE", "accession", "2010-01-05")) == [
        "instrument.accession_not_open"
    ]
    register = service.build(budapest, extra=[inst("XAA", "accession", "2004-07-01")])
    assert register.status("XAA", date(2004, 11, 1)).bound_from == date(2004, 11, 1)
    assert _problems(budapest, inst("XAB", "signature", "2010-01-05")) == [
        "instrument.signature_not_open"
    ]


def test_a_reservation_outside_article_42_is_refused(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "reservations:\n"
        "  - {state: FRA, concerns: 'budapest:art-32:para-b', made_on: 2006-01-10,\n"
        "     text: 'Art 32(b) does not apply.', source: test, verification: recollection}\n",
        encoding="utf-8",
    )
    lines = _error(
        cli("parties", "declarations", "FRA", "--treaty", "budapest", "--declarations", str(bad)),
        "instrument.reservation_not_permitted",
    )
    assert "reservations[0]" in lines[0] and "ETS185 Art. 42" in lines[0]
    good = tmp_path / "good.yaml"
    good.write_text(
        bad.read_text(encoding="utf-8").replace("art-32:para-b", "art-29:para-4"),
        encoding="utf-8",
    )
    data = _json(
        cli(
            "parties", "declarations", "FRA", "--treaty", "budapest", "--declarations", str(good),
            "--on", "2010-01-01", "--json",
        )
    )  # fmt: skip
    assert [r["concerns"] for r in data["reservations"]] == ["budapest:art-29:para-4"]


def test_shipped_reservations_apply_once_the_state_is_bound(cli: Cli) -> None:
    before = _json(cli("parties", "declarations", "LTU", "--treaty", "budapest", "--on", "2004-06-30", "--json"))  # fmt: skip
    assert before["reservations"] == []
    after = _json(cli("parties", "declarations", "LTU", "--treaty", "budapest", "--on", "2004-07-01", "--json"))  # fmt: skip
    assert {r["concerns"] for r in after["reservations"]} == {
        "budapest:art-4:para-2",
        "budapest:art-29:para-4",
    }
    assert all(r["verification"] == "depositary" for r in after["reservations"])


# ---- the bundle's checks --------------------------------------------------------------------


def test_a_quota_on_an_undefined_group_is_a_bundle_problem(
    bundle_copy: Callable[[str], Path],
) -> None:
    root = bundle_copy("budapest")
    text = (root / "bundle.yaml").read_text(encoding="utf-8")
    (root / "bundle.yaml").write_text(
        text.replace("- {group: coe_member_states, at_least: 3}", "- {group: coe, at_least: 3}"),
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as exc:
        load_bundle(root)
    assert [(p.code, p.location) for p in exc.value.problems] == [
        ("rules.unknown_group", "final_clauses.entry_into_force.including[0].group")
    ]


def test_a_membership_claiming_more_than_its_source_is_a_bundle_problem(
    bundle_copy: Callable[[str], Path],
) -> None:
    root = bundle_copy("budapest")
    text = (root / "groups.yaml").read_text(encoding="utf-8")
    (root / "groups.yaml").write_text(
        text.replace(
            "{state: MCO, from: 2004-10-05, cite: {source: M7, verification: secondary}",
            "{state: MCO, from: 2004-10-05, cite: {source: M7, verification: depositary}",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as exc:
        load_bundle(root)
    assert {p.code for p in exc.value.problems} == {"rules.level_exceeds_source"}


def test_a_reservation_list_naming_a_missing_provision_is_a_bundle_problem(
    bundle_copy: Callable[[str], Path],
) -> None:
    root = bundle_copy("budapest")
    text = (root / "bundle.yaml").read_text(encoding="utf-8")
    (root / "bundle.yaml").write_text(
        text.replace('"budapest:art-29:para-4"', '"budapest:art-29:para-9"'), encoding="utf-8"
    )
    with pytest.raises(ProblemList) as exc:
        load_bundle(root)
    assert [p.location for p in exc.value.problems] == ["final_clauses.reservations.provisions[7]"]


def test_overlapping_sections_are_a_bundle_problem(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("budapest")
    text = (root / "provisions.yaml").read_text(encoding="utf-8")
    (root / "provisions.yaml").write_text(
        text.replace(
            "first_article: 14\n        last_article: 21",
            "first_article: 13\n        last_article: 21",
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as exc:
        load_bundle(root)
    assert any("Section 2" in p.message or "section 2" in p.message for p in exc.value.problems)


def test_a_bad_in_force_from_date_names_the_field(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "more.csv"
    path.write_text(
        "state,kind,date,in_force_from\nNOR,ratification,2006-06-30,2006-13-01\n",
        encoding="utf-8",
    )
    lines = _error(
        cli("parties", "eif", "--treaty", "budapest", "--instruments", str(path)),
        "instrument.invalid_date",
    )
    assert "in_force_from" in lines[0] and "row 2" in lines[0]


# ---- the commands ---------------------------------------------------------------------------


def test_treaty_commands_take_the_treaty(cli: Cli) -> None:
    listed = _json(cli("treaty", "list", "--treaty", "budapest", "--json"))["articles"]
    assert len(listed) == 48 and listed[28]["divisions"][0]["title"] == "Specific provisions"
    assert len(_json(cli("treaty", "list", "--bundle", "budapest", "--json"))["articles"]) == 48
    assert len(_json(cli("treaty", "list", "--json"))["articles"]) == 68  # uncc stays the default
    shown = _json(cli("treaty", "show", "32", "--treaty", "budapest", "--json"))
    assert shown["text"].startswith("A Party may, without the authorisation")
    assert [p["paragraph"] for p in shown["paragraphs"]] == ["a", "b"]
    found = _json(cli("treaty", "search", "sixty days", "--treaty", "budapest", "--json"))
    assert [(r["article"], r["paragraph"]) for r in found["results"]] == [(29, "7")]
    consts = _json(
        cli("treaty", "constants", "--treaty", "budapest", "--on", "2026-01-01", "--json")
    )
    by_name = {c["name"]: c for c in consts["constants"]}
    assert by_name["signature.closes"]["value"] == "no closing date"
    assert by_name["entry_into_force.including.coe_member_states"]["value"] == 3
    assert by_name["reservations.permitted"]["cite"]["label"] == "ETS185 Art. 42"
    _error(cli("treaty", "list", "--treaty", "nope"), "rules.unknown_bundle")


def test_parties_eif_computes_from_the_shipped_data(cli: Cli) -> None:
    data = _json(cli("parties", "eif", "--treaty", "budapest", "--on", "2026-01-01", "--json"))
    assert data["entry_into_force"] == "2004-07-01" and data["required"] == 5
    assert data["including"] == {"coe_member_states": {"counted": 5, "required": 3}}
    assert data["recorded_entry_into_force"]["date"] == "2004-07-01"
    assert data["parties"]["AZE"] == {
        "status": "bound",
        "bound_from": "2010-07-01",
        "recorded_bound_from": "2010-07-01",
    }
    text = cli("parties", "eif", "--treaty", "budapest", "--on", "2026-01-01")
    assert "the computation agrees" in text.out and "DIFFERS" not in text.out
    status = _json(cli("parties", "status", "LTU", "--treaty", "budapest", "--on", "2004-06-30", "--json"))  # fmt: skip
    assert status["status"] == "ratified_not_yet_bound" and status["bound_from"] == "2004-07-01"


def test_crosswalk_command(cli: Cli, budapest: Bundle, uncc: Bundle) -> None:
    data = _json(cli("treaty", "crosswalk", "uncc", "budapest", "--json"))
    pairs = data["pairs"]
    assert {n for p in pairs for n in p["articles"]} == set(range(1, 69))
    assert {n for p in pairs for n in p["other_articles"]} == set(range(1, 49))
    preservation = next(p for p in pairs if p["articles"] == [42])
    assert preservation["other_articles"] == [29] and preservation["relation"] == "same"
    assert preservation["level"] == "model" and preservation["verified"] is False
    assert next(p for p in pairs if p["other_articles"] == [32])["relation"] == "only_right"
    back = _json(cli("treaty", "crosswalk", "budapest", "uncc", "--article", "32", "--json"))
    assert [(p["relation"], p["level"]) for p in back["pairs"]] == [("only_left", "recollection")]
    text = cli("treaty", "crosswalk", "uncc", "budapest")
    assert text.code == 0 and "UNCC 42" in text.out and "UNVERIFIED (model)" in text.out
    _error(cli("treaty", "crosswalk", "uncc", "untoc"), "treaty.no_crosswalk")
    _error(
        cli("treaty", "crosswalk", "uncc", "budapest", "--article", "99"), "treaty.unknown_article"
    )


def test_a_crosswalk_claim_is_no_surer_than_what_the_bundle_knows(
    budapest: Bundle, uncc: Bundle
) -> None:
    path = crosswalks.files()[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["pairs"] = [p for p in data["pairs"] if p["right"] != [10]]
    for p in data["pairs"]:
        if p["left"] == [42]:
            p["left_level"] = "text"
    problems = ProblemCollector()
    check(CrosswalkFile.model_validate(data), uncc, budapest, problems, label="x")
    assert sorted((p.code, p.location) for p in problems.problems) == [
        ("crosswalk.article_missing", "pairs"),
        (
            "crosswalk.level_exceeds_article",
            f"pairs[{next(i for i, p in enumerate(data['pairs']) if p['left'] == [42])}].left_level",
        ),
    ]

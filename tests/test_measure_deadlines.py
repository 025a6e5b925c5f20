"""The measures table's deadlines column, from the treaties' own words: Budapest Art 29(7)
("a period not less than sixty days ... the data shall continue to be preserved pending a
decision on that request"), 29(3) and 30(1) ("expeditiously"), 31(3) ("on an expedited
basis"), 35(1) ("immediate assistance"); the UN Convention's on the model of those articles
and of UNTOC Art 18(24) ("as soon as possible"). What reads the column reads it through the
case's own treaty: a hold, the follow-up's continued preservation, the case steps' citations."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from rogatory.db import engine as dbe
from rogatory.errors import ProblemList, RogatoryError
from rogatory.law.bundle import DeadlineKind, load_bundle
from rogatory.requests import custody, deferral, flows, follow_up, holds, traffic
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import CliResult

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
INTAKE = flows.Actor("ivan", "org-a", frozenset({Role.INTAKE, Role.REVIEWER}))


def _deadline(bundle_id: str, measure: str, kind: DeadlineKind) -> dict[str, object]:
    from rogatory.treaty import measures

    bundle = catalogue.get(bundle_id)
    row = next(m for m in measures.rows(bundle, date(2026, 12, 3)) if m["measure"] == measure)
    return next(d for d in row["deadlines"] if d["kind"] == kind.value)


def test_budapest_29_7_sixty_days_and_continued_preservation_are_the_tables_constants() -> None:
    at_least = _deadline("budapest", "preservation", DeadlineKind.PRESERVE_AT_LEAST)
    assert at_least["value"] == 60 and at_least["unit"] == "days"
    assert at_least["cite"]["label"] == "ETS185 Art. 29(7)"  # type: ignore[index]
    assert at_least["cite"]["verification"] == "text"  # type: ignore[index]
    pending = _deadline("budapest", "preservation", DeadlineKind.CONTINUE_PENDING)
    assert pending["value"] is True


def test_the_un_conventions_deadlines_rest_on_their_model_and_say_so() -> None:
    at_least = _deadline("uncc", "preservation", DeadlineKind.PRESERVE_AT_LEAST)
    cite = at_least["cite"]
    assert at_least["value"] == 60
    assert cite["label"] == "UNCC Art. 42" and cite["verification"] == "model"  # type: ignore[index]
    assert cite["model"] == "ETS185 Art. 29(7)"  # type: ignore[index]
    soon = _deadline("uncc", "mla", DeadlineKind.ACT)
    assert "as soon as possible" in str(soon["words"])
    assert soon["cite"]["model"] == "UNTOC Art. 18(24)"  # type: ignore[index]
    assert soon["cite"]["verified"] is False  # type: ignore[index]


def test_words_quoted_from_budapest_are_in_its_text() -> None:
    """Every deadline quoted from the Budapest text appears in that article verbatim."""
    bundle = catalogue.get("budapest")
    for name, facts in bundle.measures.items():
        for d in facts.deadlines:
            if d.words is None or d.cite is None:
                continue
            article = next(a for a in bundle.articles if a.number == d.cite.article)
            text = " ".join(p.text for _, p in article.walk() if p.text)
            head = d.words.split(":")[0]
            assert head in " ".join(text.split()), (name, d.words)


def test_a_treaty_setting_no_minimum_lends_it_from_its_preservation_measure() -> None:
    """A hold on any case preserves data on request: a measure without its own minimum (the
    traffic-data step, stored data) takes the preservation measure's."""
    bundle = catalogue.get("budapest")
    for measure in ("traffic_disclosure", "stored_data"):
        found = bundle.measure_deadline(measure, DeadlineKind.PRESERVE_AT_LEAST)
        assert found is not None and found.constant == "preservation.mla_min_days"
    assert bundle.measure_deadline("realtime_traffic", DeadlineKind.ACT) is None


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        (
            "{kind: preserve_at_least, constant: preservation.mla_min_days}",
            "{kind: preserve_at_least, constant: preservation.no_such_days}",
            "rules.unknown_constant",
            "measures.preservation.deadlines[1].constant",
        ),
        (
            "{kind: preserve_at_least, constant: preservation.mla_min_days}",
            "{kind: preserve_at_least, constant: preservation.mla_continues_pending_decision}",
            "rules.invalid_value",
            "measures.preservation.deadlines[1].constant",
        ),
        (
            "{kind: continue_pending, constant: preservation.mla_continues_pending_decision}",
            "{kind: continue_pending, constant: preservation.mla_min_days}",
            "rules.invalid_value",
            "measures.preservation.deadlines[2].constant",
        ),
    ],
)
def test_a_deadline_naming_a_wrong_constant_is_refused_at_load(
    bundle_copy: Callable[[str], Path], old: str, new: str, code: str, where: str
) -> None:
    root = bundle_copy("budapest")
    path = root / "measures.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProblemList) as info:
        load_bundle(root)
    found = [(p.code, p.location) for p in info.value.problems]
    assert (code, where) in found, found


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("{kind: act, words: expeditiously}", "cites them"),
        ("{kind: act, constant: preservation.mla_min_days}", "words, not a constant"),
        ("{kind: preserve_at_least, words: sixty days}", "names its constant"),
    ],
)
def test_a_malformed_deadline_is_refused_with_its_rule(
    bundle_copy: Callable[[str], Path], new: str, says: str
) -> None:
    root = bundle_copy("budapest")
    path = root / "measures.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      - {kind: preserve_at_least, constant: preservation.mla_min_days}\n"
    assert old in text
    path.write_text(text.replace(old, f"      - {new}\n", 1), encoding="utf-8")
    with pytest.raises(ProblemList) as info:
        load_bundle(root)
    assert any(says in p.message for p in info.value.problems), info.value.problems


def test_two_deadlines_of_one_kind_are_refused(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("budapest")
    path = root / "measures.yaml"
    text = path.read_text(encoding="utf-8")
    line = "      - {kind: preserve_at_least, constant: preservation.mla_min_days}\n"
    path.write_text(text.replace(line, line + line, 1), encoding="utf-8")
    with pytest.raises(ProblemList) as info:
        load_bundle(root)
    assert any("more than one of kind preserve_at_least" in p.message for p in info.value.problems)


def test_the_follow_up_keeps_data_preserved_under_the_cases_own_treaty() -> None:
    """Budapest 29(7) binds from the text of 2001; the UN Convention's constant is in effect
    only from its adoption (24 December 2024): a Budapest case's follow-up received in 2020
    keeps its holds, a UN Convention case's of the same day has no law saying so yet."""
    received = holds.FollowUp(date(2020, 5, 4), None)
    assert follow_up.by_law(received, "budapest", "preservation") is True
    assert follow_up.by_law(received, "uncc", "preservation") is False
    assert follow_up.continues_constant("budapest", "traffic_disclosure") == (
        "preservation.mla_continues_pending_decision"
    )


def test_a_budapest_cases_steps_cite_article_27_and_30() -> None:
    on = date(2026, 12, 3)
    labels = {
        name: deferral.citation(name, on, "budapest")
        for name in (deferral.POSTPONE, deferral.CONSULT, "mla.confidentiality_or_prompt_notice")
    }
    assert {n: c.label if c else None for n, c in labels.items()} == {
        deferral.POSTPONE: "ETS185 Art. 27(5)",
        deferral.CONSULT: "ETS185 Art. 27(6)",
        "mla.confidentiality_or_prompt_notice": "ETS185 Art. 27(8)",
    }
    assert deferral.citation(deferral.POSTPONE, on, "uncc").model == "UNTOC Art. 18(25)"  # type: ignore[union-attr]
    assert traffic.facts("budapest").grounds_cite.label == "ETS185 Art. 30(2)"
    assert {g.rule for g in traffic.grounds("budapest")} == {
        "refusal.political_offence",
        "refusal.essential_interests",
    }


def test_a_hold_on_a_budapest_case_is_refused_below_29_7_naming_it(engine: Engine) -> None:
    family = screening.load_family()
    doc = json.loads((EXAMPLES / "budapest-preservation.json").read_text())
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "a")
        case, _ = flows.intake(s, INTAKE, doc, family, treaty="budapest")
        minimum = flows.hold_minimum(s, case, family)
        assert (minimum.days, minimum.basis) == (60, "ETS185 Art. 29(7)")
        with pytest.raises(RogatoryError) as refused:
            custody.place_hold(
                s,
                INTAKE,
                case.id,
                ["acct"],
                date(2026, 9, 1),
                59,
                minimum_days=minimum.days,
                minimum_basis=minimum.basis,
            )
        assert refused.value.code == "hold.too_short"
        assert "at least 60 days (ETS185 Art. 29(7)); 59 were asked" in refused.value.message


def test_cli_treaty_measures_lists_the_table(cli: Callable[..., CliResult]) -> None:
    out = cli("treaty", "measures", "--treaty", "budapest", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    by = {m["measure"]: m for m in data["measures"]}
    assert set(by) == set(catalogue.get("budapest").measures)
    kinds = {d["kind"]: d for d in by["preservation"]["deadlines"]}
    assert kinds["preserve_at_least"]["value"] == 60
    assert kinds["act"]["cite"]["label"] == "ETS185 Art. 29(3)"
    assert by["realtime_traffic"]["deadlines"] == []
    un = json.loads(cli("treaty", "measures", "--json").out)
    mla = next(m for m in un["measures"] if m["measure"] == "mla")
    assert "as soon as possible" in mla["deadlines"][0]["words"]
    text = cli("treaty", "measures", "--treaty", "uncc")
    assert text.code == 0 and "UNCC Art. 42" in text.out
    assert "service's policy" in text.out
    assert cli("treaty", "measures", "--treaty", "untoc").code == 2

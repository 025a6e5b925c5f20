"""The loader refuses law data that is uncited, ambiguous or malformed, and says all of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rogatory.errors import ProblemCollector, ProblemList
from rogatory.law.bundle import load_bundle
from rogatory.law.loader import read_yaml
from rogatory.law.revision import revision
from rogatory.treaty import catalogue


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(root: Path) -> list[tuple[str, str | None, str | None]]:
    with pytest.raises(ProblemList) as info:
        load_bundle(root)
    return [(p.code, p.file, p.location) for p in info.value.problems]


def test_the_shipped_bundles_load() -> None:
    for bundle_id in catalogue.bundle_ids():
        assert load_bundle(catalogue.rules_root() / bundle_id).id == bundle_id


def test_a_value_without_a_citation_fails_to_load(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "constants.yaml",
        """      - {from: 2024-12-24, value: 18,
         cite: {instrument: UNCC, article: 14, paragraph: "2", source: S1, verification: text, wording: ["18 years"]}}""",
        "      - {from: 2024-12-24, value: 18}",
    )
    assert (
        "rules.citation_missing",
        "uncc/constants.yaml",
        "constants.csam.age_under.history[0].cite",
    ) in _problems(root)


def test_a_provision_without_a_citation_fails_to_load(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "provisions.yaml",
        """  - {number: 20, title: Statute of limitations, chapter: II,
     cite: {source: S6, verification: recollection, note: "Chapter verified (S6); title unverified."}}""",
        "  - {number: 20, title: Statute of limitations, chapter: II}",
    )
    problems = _problems(root)
    assert ("rules.citation_missing", "uncc/provisions.yaml", "articles[19].cite") in problems


def test_a_citation_missing_its_verification_status_fails(
    bundle_copy: Callable[[str], Path],
) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "constants.yaml",
        'paragraph: "2", source: S1, verification: text,',
        'paragraph: "2", source: S1,',
    )
    codes = {c for c, _, loc in _problems(root) if loc and loc.endswith("cite.verification")}
    assert codes == {"rules.citation_missing"}


def test_duplicate_keys_are_rejected_with_their_line(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "bundle.yaml",
        "articles_expected: 68\n",
        "articles_expected: 68\narticles_expected: 67\n",
    )
    problems = _problems(root)
    dup = [p for p in problems if p[0] == "rules.duplicate_key"]
    assert len(dup) == 1
    assert dup[0][1] == "uncc/bundle.yaml"
    assert dup[0][2] is not None and dup[0][2].startswith("line ")


def test_unknown_fields_are_rejected(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "bundle.yaml",
        "articles_expected: 68\n",
        "articles_expected: 68\narticle_count: 68\n",
    )
    assert ("rules.unknown_field", "uncc/bundle.yaml", "article_count") in _problems(root)


def test_every_problem_in_every_file_is_reported(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(root / "bundle.yaml", "articles_expected: 68\n", "articles_expected: 68\nextra: 1\n")
    _edit(
        root / "provisions.yaml",
        "title: Illegal access\n",
        "title: Illegal access\n    color: red\n",
    )
    _edit(
        root / "provisions.yaml",
        "title: Misuse of devices\n",
        "title: Misuse of devices\n    colour: red\n",
    )
    _edit(root / "constants.yaml", "value: 60,", "value: 60, unit_of: days,")
    problems = _problems(root)
    files = {f for _, f, _ in problems}
    assert files == {"uncc/bundle.yaml", "uncc/provisions.yaml", "uncc/constants.yaml"}
    assert len(problems) >= 4
    assert ("rules.unknown_field", "uncc/provisions.yaml", "articles[6].color") in problems
    assert ("rules.unknown_field", "uncc/provisions.yaml", "articles[10].colour") in problems


def test_a_recollection_cannot_be_marked_verified(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "provisions.yaml",
        "    title: 24/7 network\n    chapter: V\n    cite: {source: recollection of A/AC.291/L.15, verification: recollection}",
        "    title: 24/7 network\n    chapter: V\n    cite: {source: recollection of A/AC.291/L.15, verification: text}",
    )
    assert ("rules.level_exceeds_source", "uncc/provisions.yaml", "articles[40].cite") in _problems(
        root
    )


def test_a_secondary_source_cannot_claim_the_text(bundle_copy: Callable[[str], Path]) -> None:
    # S8 (a Spanish policy document) names Arts 28-31: a secondary source, never the text.
    root = bundle_copy("uncc")
    _edit(
        root / "provisions.yaml",
        'cite: {source: S8, verification: secondary, note: "Number and title verified; text not seen."}',
        'cite: {source: S8, verification: text, note: "Number and title verified; text not seen."}',
    )
    problems = _problems(root)
    assert any(code == "rules.level_exceeds_source" for code, _, _ in problems)


def test_a_model_level_names_its_model_provision(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "constants.yaml",
        'verification: model, model: "ETS185 Art. 29(7)", wording',
        "verification: model, wording",
    )
    assert any(code == "rules.invalid_value" or "model" in code for code, _, _ in _problems(root))


def test_a_verified_title_does_not_lend_its_level_to_a_summary(
    bundle_copy: Callable[[str], Path],
) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "provisions.yaml",
        '    summary_cite: {source: recollection of A/AC.291/L.15, verification: recollection}\n    summary: "[recollection, UNVERIFIED; mirrors Budapest Art 19]',
        '    summary: "[recollection, UNVERIFIED; mirrors Budapest Art 19]',
    )
    assert ("rules.summary_level_missing", "uncc/provisions.yaml", "articles[27]") in _problems(
        root
    )


def test_an_unlisted_source_is_rejected(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(root / "constants.yaml", 'paragraph: "2", source: S1,', 'paragraph: "2", source: S99,')
    assert any(c == "rules.unknown_source" for c, _, _ in _problems(root))


def test_a_citation_of_a_paragraph_that_is_not_encoded_is_rejected(
    bundle_copy: Callable[[str], Path],
) -> None:
    root = bundle_copy("uncc")
    _edit(root / "constants.yaml", 'article: 14, paragraph: "2"', 'article: 14, paragraph: "9"')
    assert (
        "rules.unknown_provision",
        "uncc/constants.yaml",
        "constants.csam.age_under.history[0].cite",
    ) in _problems(root)


def test_all_68_articles_must_be_present(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "provisions.yaml",
        """  - {number: 59, title: Implementation of the Convention, chapter: IX,
     cite: {source: S6, verification: recollection, note: "Chapter verified (S6); title unverified."}}
""",
        "",
    )
    assert any(c == "rules.article_count" for c, _, _ in _problems(root))


def test_an_article_outside_its_chapter_is_rejected(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("uncc")
    _edit(
        root / "provisions.yaml",
        "title: Jurisdiction\n    chapter: III",
        "title: Jurisdiction\n    chapter: IV",
    )
    assert any(c == "rules.chapter_range" for c, _, _ in _problems(root))


def test_yaml_syntax_errors_name_the_line(bundle_copy: Callable[[str], Path]) -> None:
    root = bundle_copy("untoc")
    (root / "constants.yaml").write_text("constants: {a: [1, 2\n", encoding="utf-8")
    problems = _problems(root)
    assert problems[0][0] == "rules.yaml_syntax" and problems[0][1] == "untoc/constants.yaml"


def test_on_and_yes_are_not_booleans(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("on: 2027-01-01\nyes: no\nflag: true\n", encoding="utf-8")
    data = read_yaml(path, ProblemCollector())
    assert data == {"on": __import__("datetime").date(2027, 1, 1), "yes": "no", "flag": True}


def test_revision_is_a_content_hash(bundle_copy: Callable[[str], Path]) -> None:
    shipped = catalogue.rules_root() / "uncc"
    copy = bundle_copy("uncc")
    assert revision(copy) == revision(shipped) == catalogue.get("uncc").revision
    assert revision(copy).startswith("sha256:") and len(revision(copy)) == 7 + 64
    _edit(copy / "provisions.yaml", "Illegal access", "Illegal  access")
    assert revision(copy) != revision(shipped)


def test_revision_covers_scenario_files(bundle_copy: Callable[[str], Path]) -> None:
    copy = bundle_copy("untoc")
    before = revision(copy)
    (copy / "tests" / "extra.yaml").write_text("scenarios: []\n", encoding="utf-8")
    assert revision(copy) != before


def test_an_impossible_date_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("on: 2026-13-01\n", encoding="utf-8")
    problems = ProblemCollector()
    assert read_yaml(path, problems) is None
    assert [p.code for p in problems.problems] == ["rules.invalid_value"]


def test_a_sentence_is_never_shown_above_the_level_it_is_labelled_with() -> None:
    """A recollected sentence inside a depositary-level summary (Art 64 before its split) is
    refused at load, naming the article; a part of its own at its level passes."""
    from rogatory.errors import ProblemCollector
    from rogatory.law import bundle as law_bundle
    from rogatory.law.citation import Attestation, Level

    def problems(level: Level, text: str) -> list[str]:
        found = ProblemCollector()
        model = "ETS185 Art. 29" if level is Level.MODEL else None
        att = Attestation(source="S2", verification=level, model=model)
        law_bundle._check_labels(64, "summary", att, [text], found, "p.yaml", "articles[63]")
        return [p.code for p in found.problems]

    mixed = "Open for signature (S2). [recollection, UNVERIFIED] Open for accession."
    assert problems(Level.DEPOSITARY, mixed) == ["rules.summary_level_mixed"]
    assert problems(Level.RECOLLECTION, mixed) == []
    assert problems(Level.MODEL, "[recollection, UNVERIFIED] x") == ["rules.summary_level_mixed"]
    assert problems(Level.RECOLLECTION, "[model: UNTOC Art 36] x") == []  # claims less: fine
    assert problems(Level.TEXT, "a condition [UNVERIFIED] here") == ["rules.summary_level_mixed"]


def test_findings_cite_the_level_of_what_they_rest_on() -> None:
    from rogatory.law.citation import Level
    from rogatory.treaty import catalogue

    uncc = catalogue.get("uncc")
    assert uncc.citation(42).verification is Level.RECOLLECTION  # number and title
    content = uncc.content_citation(42)
    assert (content.verification, content.model) == (Level.MODEL, "ETS185 Art. 29")
    assert uncc.content_citation(35).verification is Level.SECONDARY
    assert uncc.content_citation(40, "21").model == "UNTOC Art. 18(21)"
    parts = uncc.part_citations("refusal.dual_criminality")
    assert [(c.article, c.model, c.source) for c in parts] == [
        (35, "UNCAC Art. 43(2)", "S24"),
        (40, "UNCAC Art. 46(9)(b)", "S24"),
    ]
    art64 = uncc.article(64)
    assert art64 is not None and art64.summary_attestation.verification is Level.DEPOSITARY
    assert "[recollection" not in (art64.summary or "")
    assert [p.cite.verification for p in art64.parts] == [Level.SECONDARY, Level.MODEL]
    para2 = uncc.article(65).find(["2"])  # type: ignore[union-attr]
    assert para2 is not None and "whichever is later" not in para2.text

"""A third, toy treaty is added by a folder alone: its bundle, its measures table and the
screening rules it applies with what they cite there. No engine, rule, API or web code changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rogatory.errors import RogatoryError
from rogatory.law.bundle import load_bundle
from rogatory.law.citation import Level
from rogatory.law.decision import Outcome, Result
from rogatory.parties import service
from rogatory.parties.instruments import Instrument, Kind
from rogatory.safeguards import engine, request

CITE = "source: T, verification: text"
BUNDLE = f"""
id: toy
instrument: TOY
title: Toy Convention on Evidence
short_title: Toy Convention
adopted: {{on: 2020-01-01, by: a test, cite: {{{CITE}}}}}
articles_expected: 4
provisions_complete: true
sources:
  T: {{title: the toy text, reliability: official, level: text}}
final_clauses:
  signature:
    opens: 2020-01-01
    closes: 2030-12-31
    cite: {{instrument: TOY, article: 4, {CITE}}}
  consent_kinds: [ratification]
  entry_into_force:
    instruments_required: 2
    counted_kinds: [ratification]
    delay: {{days: 10}}
    later_parties_delay: {{days: 5}}
    reio_instruments_counted: false
    cite: [{{instrument: TOY, article: 4, {CITE}}}]
    later_parties_cite: [{{instrument: TOY, article: 4, {CITE}}}]
  denunciation:
    delay: {{years: 1}}
    cite: {{instrument: TOY, article: 4, {CITE}}}
"""
PROVISIONS = f"""
chapters:
  - {{number: I, title: All, first_article: 1, last_article: 4, cite: {{{CITE}}}}}
articles:
  - {{number: 1, title: Scope, chapter: I, cite: {{{CITE}}}}}
  - {{number: 2, title: Preservation, chapter: I, cite: {{{CITE}}}}}
  - {{number: 3, title: Assistance, chapter: I, cite: {{{CITE}}}}}
  - {{number: 4, title: Final clauses, chapter: I, cite: {{{CITE}}}}}
"""
CONSTANTS = f"""
constants:
  serious_crime.min_statutory_max_years:
    description: serious crime
    history: [{{from: 2020-01-01, value: 2, cite: {{instrument: TOY, article: 1, {CITE}}}}}]
"""
_ROW = (
    "{{title: {m}, articles: [{a}], kind: {k}, evidence: true, grounds: [{g}], "
    "grounds_closed: true, grounds_cite: {{instrument: TOY, article: {a}, " + CITE + "}}}}"
)
KINDS = {
    "preservation": ("2", "preservation"),
    "traffic_disclosure": ("2", "disclosure"),
    "stored_data": ("3", "production"),
    "realtime_traffic": ("3", "real_time"),
    "interception": ("3", "interception"),
    "mla": ("3", "mla"),
    "emergency": ("3", "emergency"),
}
MEASURES = "measures:\n" + "".join(
    f"  {m}: " + _ROW.format(m=m, a=a, k=k, g="refusal.essential_interests") + "\n"
    for m, (a, k) in KINDS.items()
)
SCREENING = """
treaty:
  offences: {first: 2, last: 3, forms_article: 1, forms: []}
  evidence_of: serious_crime
rules:
  relation.in_force: {cites: ["toy:art-4"]}
  scope.offence_or_serious_crime: {cites: ["toy:art-1"]}
  duty.assist: {cites: ["toy:art-3"]}
  refusal.essential_interests: {cites: ["toy:art-3"]}
  refusal.domestic_prohibition: {cites: ["toy:art-3"]}
"""


def _toy(root: Path, screening: str = SCREENING) -> Path:
    folder = root / "toy"
    folder.mkdir(parents=True)
    for name, text in (
        ("bundle.yaml", BUNDLE),
        ("provisions.yaml", PROVISIONS),
        ("constants.yaml", CONSTANTS),
        ("measures.yaml", MEASURES),
        ("screening.yaml", screening),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _screener(folder: Path) -> engine.Screener:
    bundle = load_bundle(folder)
    parties = [
        Instrument(code, Kind.RATIFICATION, date(2021, 1, 1), "test", Level.TEXT, "test")
        for code in ("XAA", "XAB")
    ]
    register = service.build(bundle, extra=parties, ignore_shipped=True)
    return engine.Screener(engine.build_law(register=register, signals_=_signals()))


def _signals() -> engine.Signals:
    from rogatory.treaty import catalogue

    return engine.build_law(register=service.build(catalogue.get(), ignore_shipped=True)).signals


REQUEST = {
    "measure": "stored_data",
    "requesting_state": "XAA",
    "requested_state": "XAB",
    "submitted_on": "2022-01-01",
    "offence": {"description": "Theft", "max_penalty_years": 3},
}


def test_a_toy_treaty_screens_with_its_own_rules_and_citations(tmp_path: Path) -> None:
    screener = _screener(_toy(tmp_path))
    decision = screener.screen(request.parse(REQUEST))
    # Only the rules the toy applies run, each citing the toy's own provisions.
    assert [f.rule for f in decision.findings] == [
        "relation.in_force",
        "scope.offence_or_serious_crime",
        "duty.assist",
        "refusal.essential_interests",
        "refusal.domestic_prohibition",
    ]
    scope = decision.finding("scope.offence_or_serious_crime")
    assert scope.result is Result.PASS and "at least 2" in scope.reason  # the toy's threshold
    assert all(c.instrument == "TOY" for f in decision.findings for c in f.cites)
    # The toy's closed list of grounds is read from its measures table.
    assert decision.finding("refusal.domestic_prohibition").result is Result.NOT_APPLICABLE
    assert decision.outcome is Outcome.PROCEED
    assert decision.legal_bases[0]["instrument"] == "TOY"


def test_a_treaty_naming_an_unknown_rule_or_provision_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RogatoryError) as info:
        _screener(_toy(tmp_path / "a", SCREENING + '  no.such_rule: {cites: ["toy:art-1"]}\n'))
    assert info.value.code == "rules.screening_rules"
    with pytest.raises(RogatoryError) as bad:
        load_bundle(_toy(tmp_path / "b", SCREENING + '  duty.assist: {cites: ["toy:art-9"]}\n'))
    assert bad.value.code == "rules.invalid_bundle"

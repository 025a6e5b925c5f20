"""Guided intake's form model: the same checklist as the screening rules, field errors by
name, and a round trip from a stored request to the form and back that changes nothing."""

from __future__ import annotations

import random
from datetime import date

import pytest

from rogatory.demo import seed
from rogatory.safeguards import request as requests_doc
from rogatory.safeguards.request import Measure
from rogatory.safeguards.rules import completeness
from rogatory.treaty import catalogue
from rogatory.web import intake_form


def _stored(doc: dict[str, object]) -> dict[str, object]:
    return requests_doc.parse(doc).model_dump(mode="json", by_alias=True, exclude_none=True)


def test_every_required_item_has_a_field_on_its_measures_form() -> None:
    for measure in Measure:
        names = {f.name for f in intake_form.fields_for(measure)}
        missing = [
            n
            for n, _, _ in completeness.required_items(catalogue.get().measures[measure.value])
            if n not in names
        ]
        assert missing == [], (measure, missing)


def test_a_stored_request_survives_the_form_unchanged() -> None:
    """Amending through the form must never alter what the user did not touch."""
    rnd = random.Random(7)
    org = seed.ORGS[0]
    for n in range(200):
        doc = _stored(seed.request_document(rnd, n, org, date(2026, 11, 1)))
        measure = Measure(str(doc["measure"]))
        values = intake_form.values_from(measure, doc)
        again = _stored(intake_form.document(measure, values, doc))
        assert again == doc, (n, measure)


def test_the_checklist_agrees_with_the_screening_rule() -> None:
    doc = _stored(
        {
            "measure": "preservation",
            "requesting_state": "XAA",
            "requested_state": "XAB",
            "submitted_on": "2026-11-02",
            "facts": "F.",
        }
    )
    check = intake_form.check(Measure.PRESERVATION, doc)
    missing = [name for name, _, present in check.items if not present]
    assert missing == [
        n
        for n, _ in completeness.missing_items(
            requests_doc.parse(doc), catalogue.get().measures[doc["measure"]]
        )
    ]
    assert "facts" not in check.field_errors and len(missing) == 7


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("offence.max_penalty_years", "five", "valid number"),
        ("preservation_days", "0", "greater than or equal to 1"),
        ("requesting_state", "QQQ", "unknown state"),
        ("data.period.to", "2026-13-01", "valid date"),
    ],
)
def test_bad_values_are_reported_beside_their_field(field: str, value: str, expected: str) -> None:
    form = {
        "requesting_state": ["XAA"],
        "requested_state": ["XAB"],
        "submitted_on": ["2026-11-02"],
        field: [value],
    }
    check = intake_form.check(
        Measure.PRESERVATION, intake_form.document(Measure.PRESERVATION, form)
    )
    assert check.request is None and not check.complete
    assert any(expected in m for m in check.field_errors.get(field, [])), check.field_errors


def test_the_form_asks_what_the_scope_rule_reads() -> None:
    from rogatory.safeguards.request import Measure
    from rogatory.web import intake_form

    mla = {f.name for f in intake_form.fields_for(Measure.MLA)}
    assert {"assistance_kind", "offence.form", "language"} <= mla
    assert "assistance_kind" not in {f.name for f in intake_form.fields_for(Measure.PRESERVATION)}
    doc = intake_form.document(
        Measure.MLA,
        {"assistance_kind": ["witness_statement"], "offence.form": ["attempt"], "language": ["fr"]},
    )
    assert doc["assistance_kind"] == "witness_statement" and doc["language"] == "fr"
    assert doc["offence"]["form"] == "attempt"
    # left at its default, the form adds nothing to the document
    assert "form" not in intake_form.document(Measure.MLA, {"offence.form": [""]}).get(
        "offence", {}
    )

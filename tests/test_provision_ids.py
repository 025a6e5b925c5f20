"""Provision ids are one type, built and read in one place: ``str`` and ``parse`` agree, and
an id always names the bundle (``budapest:``), never the instrument code (ETS185), so every id
a decision or a page shows can be looked up in its bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rogatory.law.citation import ProvisionId, parse_provision_id
from rogatory.safeguards import engine, request
from rogatory.treaty import catalogue

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@given(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    st.integers(min_value=1, max_value=10_000),
    st.none() | st.from_regex(r"[0-9a-z]{1,3}(\.[0-9a-z]{1,3}){0,2}", fullmatch=True),
)
def test_an_id_written_reads_back_the_same(
    bundle: str, article: int, paragraph: str | None
) -> None:
    pid = ProvisionId(bundle, article, paragraph)
    assert ProvisionId.parse(str(pid)) == pid
    assert parse_provision_id(str(pid)) == (bundle, article, paragraph)


@pytest.mark.parametrize(
    "text",
    ["uncc", "uncc:42", ":art-4", "uncc:art-x", "uncc:art-0", "uncc:art-4:p-1", "a:art-1:para-"],
)
def test_what_is_not_an_id_is_refused_saying_the_form(text: str) -> None:
    with pytest.raises(ValueError, match=r"provision id|article|para"):
        ProvisionId.parse(text)


def test_a_budapest_citation_names_its_bundle_and_resolves() -> None:
    budapest = catalogue.get("budapest")
    cite = budapest.citation(29, "1")
    assert cite.instrument == "ETS185" and cite.label == "ETS185 Art. 29(1)"
    assert cite.provision_id == "budapest:art-29:para-1"
    assert budapest.has_provision(cite.provision_id)
    assert catalogue.get().citation(42).provision_id == "uncc:art-42"


def test_every_id_a_budapest_decision_shows_is_in_its_bundle() -> None:
    screener = engine.load(bundle_id="budapest")
    doc = json.loads((EXAMPLES / "budapest-preservation.json").read_text())
    decision = screener.screen(request.parse(doc, treaty="budapest"), None)
    ids = [c.provision_id for f in decision.findings for c in f.cites]
    assert ids and all(i.startswith("budapest:") for i in ids)
    bundle = catalogue.get("budapest")
    assert all(bundle.has_provision(i) for i in [*ids, *decision.unverified_provisions])

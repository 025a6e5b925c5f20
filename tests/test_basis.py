"""``rogatory basis``: every legal basis between two States, and which one to send under."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parents[1]
WHAT_IF = str(ROOT / "examples" / "what-if-ratifications.csv")
AGREEMENTS = str(ROOT / "examples" / "agreements.csv")


def test_a_governing_treaty_takes_mutual_legal_assistance_and_the_convention_keeps_preservation(
    cli: Cli, tmp_path: Path
) -> None:
    args = ("basis", "XAA", "XAB", "--on", "2027-11-15", "--instruments", WHAT_IF)
    data = json.loads(cli(*args, "--agreements", AGREEMENTS, "--json").out)
    by = {b["instrument"]: b for b in data["legal_bases"]}
    assert by["UNCC"]["in_force"] is True and by["UNCC"]["preservation_min_days"] == 60
    assert by["UNTOC"]["in_force"] is False and by["UNTOC"]["data_gaps"]
    bilateral = next(b for b in data["legal_bases"] if b["instrument"].startswith("Treaty between"))
    assert bilateral["governs_mla"] is True
    assert data["send_under"]["mutual_legal_assistance"] == bilateral["instrument"]
    assert data["send_under"]["preservation"] == "UNCC"
    assert any("UNTOC Art 18(7)" in r for r in data["reasons"])
    # XAC is no party to the Convention: only the regional treaty binds it with XAA.
    xac = ("basis", "XAC", "XAA", "--on", "2027-11-15", "--agreements", AGREEMENTS, "--json")
    other = json.loads(cli(*xac, "--instruments", WHAT_IF).out)
    regional = [b for b in other["legal_bases"] if b["source"] != "shipped"]
    assert len(regional) == 1 and regional[0]["governs_mla"] is False
    assert other["send_under"] == {"mutual_legal_assistance": regional[0]["instrument"]}
    # Once XAC is bound too, a treaty applying the Convention's paragraphs leaves it to them.
    extra = tmp_path / "with-xac.csv"
    extra.write_text(
        Path(WHAT_IF).read_text(encoding="utf-8")
        + "XAC,accession,2027-08-12,what-if,false,Fictional test state\n",
        encoding="utf-8",
    )
    both = json.loads(cli(*xac, "--instruments", str(extra)).out)
    assert both["send_under"]["mutual_legal_assistance"] == "UNCC"


def test_the_budapest_convention_binds_two_european_states_the_un_convention_does_not(
    cli: Cli,
) -> None:
    result = cli("basis", "FRA", "DEU", "--on", "2026-12-01")
    assert result.code == 0, result.err
    assert "FRA signed on 2025-10-25 but has not consented to be bound" in result.out
    data = json.loads(cli("basis", "FRA", "DEU", "--on", "2026-12-01", "--json").out)
    by = {b["instrument"]: b for b in data["legal_bases"]}
    assert by["ETS185"]["in_force"] is True and by["UNCC"]["in_force"] is False
    assert data["send_under"]["preservation"] == "ETS185"


def test_without_any_treaty_the_answer_is_domestic_law_or_reciprocity(cli: Cli) -> None:
    result = cli("basis", "XAA", "XAB", "--on", "2026-12-01")
    assert result.code == 0, result.err
    assert "domestic law or reciprocity" in result.out
    data = json.loads(cli("basis", "XAA", "XAB", "--on", "2026-12-01", "--json").out)
    assert data["send_under"] == {}


def test_bad_input_is_named(cli: Cli) -> None:
    same = cli("basis", "FRA", "FRA")
    assert same.code == 2 and "error[input.same_state]" in same.err
    unknown = cli("basis", "FRA", "QQQ")
    assert unknown.code == 2 and "error[input.unknown_state]" in unknown.err
    treaty = cli("basis", "FRA", "DEU", "--treaty", "nope")
    assert treaty.code == 2 and "error[rules.unknown_bundle]" in treaty.err

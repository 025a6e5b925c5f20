"""The real ``rogatory`` entry point: JSON shapes, text output, and errors without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from rogatory.parties.scenarios import generated_codes
from rogatory.treaty import catalogue
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def _json(result: CliResult) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def _error(result: CliResult, code: str) -> list[str]:
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.startswith("error[")]
    assert lines and all(line.startswith(f"error[{code}]") for line in lines), result.err
    return lines


def _forty(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "forty.csv"
    rows = [
        f"{code},ratification,{date(2026, 1, 5) + timedelta(days=i)}"
        for i, code in enumerate(generated_codes("XAA", 40))
    ]
    path.write_text("state,kind,date\n" + "\n".join(rows) + "\n" + extra, encoding="utf-8")
    return path


def test_treaty_show_article(cli: Cli) -> None:
    data = _json(cli("treaty", "show", "42", "--json"))
    assert data["number"] == 42 and data["chapter"] == "V"
    assert data["verified"] is False and data["source"]["reliability"] == "recollection"
    assert "60 days" in data["summary"]
    text = cli("treaty", "show", "42")
    assert text.code == 0 and "UNVERIFIED" in text.out and "Article 42" in text.out


def test_treaty_show_paragraph(cli: Cli) -> None:
    data = _json(cli("treaty", "show", "40.22", "--json"))
    assert data["number"] == "40.22" and data["chapter"] == "V" and data["verified"] is False
    assert "political opinions" in data["text"] and data["title"].startswith("General principles")
    verified = _json(cli("treaty", "show", "2(h)", "--json"))
    assert verified["verified"] is True and verified["source"]["id"] == "S1"


def test_treaty_list_and_search(cli: Cli) -> None:
    data = _json(cli("treaty", "list", "--chapter", "V", "--json"))
    assert [a["number"] for a in data["articles"]] == list(range(35, 53))
    assert all({"number", "title", "chapter", "verified"} <= set(a) for a in data["articles"])
    assert len(_json(cli("treaty", "list", "--json"))["articles"]) == 68
    found = _json(cli("treaty", "search", "emergency", "--json"))
    assert any(r["article"] == 2 and r["paragraph"] == "o" for r in found["results"])
    text = cli("treaty", "search", "preservation")
    assert text.code == 0 and "Art. 42 " in text.out and "[summary]" in text.out
    _error(cli("treaty", "list", "--chapter", "XI"), "treaty.unknown_chapter")
    _error(cli("treaty", "show", "forty"), "treaty.invalid_reference")


def test_treaty_constants(cli: Cli) -> None:
    data = _json(cli("treaty", "constants", "--on", "2026-12-01", "--json"))
    by_name = {c["name"]: c for c in data["constants"]}
    assert by_name["serious_crime.min_statutory_max_years"]["value"] == 4
    assert by_name["preservation.mla_min_days"]["cite"]["verified"] is False
    assert by_name["entry_into_force.instruments_required"]["value"] == 40
    assert by_name["entry_into_force.delay"]["value"] == "90 days"
    assert by_name["entry_into_force.later_parties_delay"]["cite"]["verified"] is False
    assert by_name["signature.closes"]["value"] == "2026-12-31"
    early = _json(cli("treaty", "constants", "--on", "2024-01-01", "--json"))
    assert all(c["reason"] == "not_yet_effective" for c in early["constants"])


def test_parties_status_shipped(cli: Cli) -> None:
    one = _json(cli("parties", "status", "FRA", "--on", "2026-01-01", "--json"))
    assert one["status"] == "signatory" and one["signed_on"] == "2025-10-25"
    every = _json(cli("parties", "status", "--on", "2026-12-01", "--json"))
    assert every["instruments_counted"] == 0 and every["required"] == 40
    assert every["entry_into_force"] is None
    assert len(every["states"]) == 69 and every["gaps"]
    text = cli("parties", "status", "--on", "2026-12-01")
    assert "0 of 40 instruments counted" in text.out and "not yet reached" in text.out


def test_parties_eif_what_if(cli: Cli, tmp_path: Path) -> None:
    path = _forty(tmp_path, "XZA,accession,2026-09-01\n")
    data = _json(
        cli(
            "parties",
            "eif",
            "--on",
            "2026-09-15",
            "--instruments",
            str(path),
            "--ignore-shipped",
            "--json",
        )
    )
    assert data["entry_into_force"] == "2026-05-14"
    assert data["instruments_counted"] == 41 and data["required"] == 40
    assert data["parties"]["XAA"] == {
        "status": "bound",
        "bound_from": "2026-05-14",
        "recorded_bound_from": None,  # a what-if row records no depositary date
    }
    assert data["parties"]["XZA"] == {
        "status": "ratified_not_yet_bound",
        "bound_from": "2026-10-01",
        "recorded_bound_from": None,
    }
    later = _json(
        cli(
            "parties",
            "status",
            "XZA",
            "--on",
            "2026-09-15",
            "--instruments",
            str(path),
            "--ignore-shipped",
            "--json",
        )
    )
    assert later["unverified_provisions"] == ["uncc:art-65:para-2"]
    early = _json(
        cli(
            "parties",
            "status",
            "XAA",
            "--on",
            "2026-09-15",
            "--instruments",
            str(path),
            "--ignore-shipped",
            "--json",
        )
    )
    assert early["unverified_provisions"] == [] and early["status"] == "bound"
    with_shipped = _json(
        cli("parties", "eif", "--on", "2026-09-15", "--instruments", str(path), "--json")
    )
    assert with_shipped["parties"]["FRA"] == {
        "status": "signatory",
        "bound_from": None,
        "recorded_bound_from": None,
    }
    text = cli(
        "parties", "status", "--on", "2026-09-15", "--instruments", str(path), "--ignore-shipped"
    )
    assert "enters into force" not in text.out and "entered into force on 2026-05-14" in text.out


def test_parties_declarations(cli: Cli, tmp_path: Path) -> None:
    decl = tmp_path / "decl.yaml"
    decl.write_text(
        "reservations:\n  - {state: XAA, concerns: 'uncc:art-11:para-3', made_on: 2026-01-05, "
        "text: no Art 11(1), source: test, verification: recollection}\n",
        encoding="utf-8",
    )
    data = _json(
        cli(
            "parties",
            "declarations",
            "XAA",
            "--on",
            "2026-06-01",
            "--instruments",
            str(_forty(tmp_path)),
            "--ignore-shipped",
            "--declarations",
            str(decl),
            "--json",
        )
    )
    assert [r["concerns"] for r in data["reservations"]] == ["uncc:art-11:para-3"]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("parties", "eif", "--on", "2026-13-01"), "input.invalid_date", "--on: '2026-13-01'"),
        (("parties", "status", "QQQ"), "party.unknown_state", "'QQQ'"),
        (
            ("parties", "status", "--instruments", "/nonexistent/x.csv"),
            "input.file_missing",
            "x.csv",
        ),
        (("treaty", "show", "99"), "treaty.unknown_article", "Article 99"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(
    cli: Cli, args: tuple[str, ...], code: str, needle: str
) -> None:
    lines = _error(cli(*args), code)
    assert needle in lines[0]


def test_every_bad_row_of_an_instruments_file_is_named(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "state,kind,date\nFRA,ratification,2026-02-30\nQQQ,ratification,2026-03-01\n"
        "DEU,withdrawal,2026-03-01\n",
        encoding="utf-8",
    )
    result = cli("parties", "eif", "--instruments", str(path))
    assert result.code == 2 and "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.startswith("error[")]
    assert len(lines) == 3
    assert (
        lines[0].startswith("error[instrument.invalid_date]")
        and "row 2" in lines[0]
        and "field date" in lines[0]
    )
    assert lines[1].startswith("error[instrument.unknown_state]") and "row 3" in lines[1]
    assert lines[2].startswith("error[instrument.unknown_kind]") and "row 4" in lines[2]


def test_contradictory_instruments_are_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "contra.csv"
    path.write_text(
        "state,kind,date\nXAA,ratification,2026-01-05\nXAA,denunciation,2027-01-05\n"
        "XAB,ratification,2026-01-05\nXAB,ratification,2026-02-05\n",
        encoding="utf-8",
    )
    result = cli("parties", "status", "--instruments", str(path), "--ignore-shipped")
    lines = _error(result, "instrument.duplicate")
    assert "row 5" in lines[0] and "XAB already" in lines[0]
    path.write_text(
        "state,kind,date\nXAA,ratification,2026-01-05\nXAA,denunciation,2027-01-05\n"
        "XAA,signature,2027-06-05\n",
        encoding="utf-8",
    )
    result = cli("parties", "status", "--instruments", str(path), "--ignore-shipped")
    assert result.code == 2 and "error[instrument.after_denunciation]" in result.err
    assert "row 4" in result.err


def test_rules_commands(cli: Cli, bundle_copy: Callable[[str], Path]) -> None:
    ok = _json(cli("rules", "validate", "--json"))
    assert all(b["valid"] for b in ok["bundles"])
    assert [b["bundle"] for b in ok["bundles"]] == catalogue.bundle_ids()
    assert [w["crosswalk"] for w in ok["crosswalks"]] == ["crosswalk/uncc-budapest.yaml"]
    assert all(w["valid"] for w in ok["crosswalks"])
    tests = cli("rules", "test")
    assert tests.code == 0 and tests.out.strip().splitlines()[-1].endswith("passed, 0 failed")
    revs = _json(cli("rules", "revision", "--json"))["revisions"]
    assert revs == {b: catalogue.get(b).revision for b in catalogue.bundle_ids()}
    broken = bundle_copy("untoc")
    text = (broken / "bundle.yaml").read_text(encoding="utf-8")
    (broken / "bundle.yaml").write_text(
        text.replace("instruments_required: 40", "instruments_required: -1"), encoding="utf-8"
    )
    lines = _error(cli("rules", "validate", str(broken)), "rules.invalid_value")
    assert "final_clauses.entry_into_force.instruments_required" in lines[0]

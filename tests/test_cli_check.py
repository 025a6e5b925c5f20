"""``rogatory check``, ``explain`` and ``schema`` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "requests"
WHAT_IF = str(ROOT / "examples" / "what-if-ratifications.csv")


def test_check_one_request_as_json(cli: Cli) -> None:
    result = cli(
        "check",
        str(EXAMPLES / "stored-data-speech.json"),
        "--instruments",
        WHAT_IF,
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["outcome"] == "review" and data["as_of"] == "2027-11-15"
    persecution = next(f for f in data["findings"] if f["rule"] == "refusal.persecution")
    assert persecution["result"] == "review" and persecution["flags"] == ["human_rights"]
    assert persecution["cites"][0] == {
        "instrument": "UNCC",
        "article": 40,
        "paragraph": "22",
        "verified": False,
        "verification": "recollection",
    }
    assert persecution["verification"] == "recollection"
    assert "uncc:art-40:para-22" in data["unverified_provisions"]


def test_check_text_shows_colours_citations_and_unverified_markers(cli: Cli) -> None:
    result = cli("check", str(EXAMPLES / "stored-data-speech.json"), "--instruments", WHAT_IF)
    assert result.code == 0, result.err
    assert result.out.startswith("REVIEW as of 2027-11-15")
    assert "HUMAN RIGHTS" in result.out and "Art. 40(22) †" in result.out
    assert "UNVERIFIED" in result.out


def test_check_on_a_later_date_and_without_parties(cli: Cli) -> None:
    request = str(EXAMPLES / "preservation-fraud.json")
    shipped_only = json.loads(cli("check", request, "--format", "json").out)
    assert shipped_only["outcome"] == "not_in_force"
    early = json.loads(
        cli(
            "check", request, "--instruments", WHAT_IF, "--on", "2027-10-26", "--format", "json"
        ).out
    )
    assert early["outcome"] == "not_in_force" and early["as_of"] == "2027-10-26"


def test_check_a_folder(cli: Cli) -> None:
    result = cli("check", str(EXAMPLES), "--instruments", WHAT_IF, "--format", "json")
    assert result.code == 0, result.err
    rows = {r["file"]: r["decision"]["outcome"] for r in json.loads(result.out)}
    assert rows == {
        "interception-authorised.json": "review",
        "preservation-fraud.json": "proceed",
        "preservation-incomplete.json": "invalid",
        "mla-outside-scope.json": "outside_scope",
        "stored-data-speech.json": "review",
    }
    text = cli("check", str(EXAMPLES), "--instruments", WHAT_IF)
    assert (
        "5 requests screened" in text.out
        and "1 invalid, 1 outside_scope, 1 proceed, 2 review" in text.out
    )


def test_a_folder_with_an_unusable_file_reports_it_and_exits_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text((EXAMPLES / "preservation-fraud.json").read_text())
    (tmp_path / "broken.json").write_text("{not json")
    result = cli("check", str(tmp_path), "--instruments", WHAT_IF, "--format", "json")
    assert result.code == 2 and "Traceback" not in result.err
    rows = {r["file"]: r for r in json.loads(result.out)}
    assert rows["good.json"]["decision"]["outcome"] == "proceed"
    assert rows["broken.json"]["errors"][0]["code"] == "request.invalid_json"
    assert "error[request.invalid_json]" in result.err and "line 1" in result.err


def test_unusable_input_names_each_field(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "measure": "preservation",
                "requesting_state": "FRA",
                "requested_state": "QQQ",
                "submitted_on": "2027-02-30",
                "offence": {"max_penalty_years": "five"},
            }
        )
    )
    result = cli("check", str(path))
    assert result.code == 2 and result.out == "" and "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.startswith("error[")]
    assert [line.split("]")[0] + "]" for line in lines] == [
        "error[request.unknown_state]",
        "error[request.invalid_date]",
        "error[request.invalid_type]",
    ]
    assert "field requested_state" in lines[0] and "field submitted_on" in lines[1]
    assert "field offence.max_penalty_years" in lines[2]
    assert cli("check", str(tmp_path / "absent.json")).err.startswith("error[input.file_missing]")
    assert cli("check", str(path), "--on", "soon").err.startswith("error[input.invalid_date]")


def test_domestic_law_option_changes_dual_criminality(cli: Cli, tmp_path: Path) -> None:
    mapping = tmp_path / "esp.yaml"
    mapping.write_text(
        "state: ESP\noffences:\n  - {provision: CP art. 248, description: estafa "
        "informatica, treaty_articles: [13], max_penalty_years: 6}\n"
    )
    req = tmp_path / "req.json"
    data = json.loads((EXAMPLES / "interception-authorised.json").read_text())
    req.write_text(json.dumps(data))
    without = json.loads(cli("check", str(req), "--instruments", WHAT_IF, "--format", "json").out)
    with_map = json.loads(
        cli(
            "check",
            str(req),
            "--instruments",
            WHAT_IF,
            "--domestic-law",
            str(mapping),
            "--format",
            "json",
        ).out
    )
    dc = {d["rule"]: d for d in without["findings"]}["refusal.dual_criminality"]
    dc_map = {d["rule"]: d for d in with_map["findings"]}["refusal.dual_criminality"]
    assert (
        dc["result"] == "review"
        and dc_map["result"] == "pass"
        and "CP art. 248" in dc_map["reason"]
    )
    mapping.write_text("state: QQQ\noffences: []\n")
    bad = cli("check", str(req), "--domestic-law", str(mapping))
    assert (
        bad.code == 2 and "error[rules.invalid_value]" in bad.err and "states[0].state" in bad.err
    )


def test_explain_and_schema(cli: Cli) -> None:
    data = json.loads(cli("explain", "refusal.persecution", "--json").out)
    assert data["kind"] == "refusal_ground" and data["overrides"] == "duty.assist"
    assert [c["label"] for c in data["cites"]] == ["UNCC Art. 40(22)", "UNCC Art. 6(2)"]
    assert data["verified"] is False
    assert any("speech offence" in s for s in data["scenarios"])
    missing = cli("explain", "refusal.nothing")
    assert missing.code == 2 and missing.err.startswith("error[rules.unknown_rule]")
    schema = json.loads(cli("schema", "request").out)
    assert schema["title"] == "rogatory request" and "measure" in schema["properties"]


AGREEMENTS = str(ROOT / "examples" / "agreements.csv")
ROBBERY = str(ROOT / "examples" / "mla-witness-robbery.json")


def test_check_with_agreements_lists_every_legal_basis_and_names_them_outside_scope(
    cli: Cli,
) -> None:
    result = cli(
        "check", ROBBERY, "--instruments", WHAT_IF, "--agreements", AGREEMENTS, "--format", "json"
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["outcome"] == "outside_scope"
    bases = [b["instrument"] for b in data["legal_bases"]]
    assert bases[0] == "UNCC" and bases[1].startswith("Treaty between XAA and XAB")
    assert data["legal_bases"][1]["governs"] is True
    scope = next(f for f in data["findings"] if f["rule"] == "scope.offence_or_serious_crime")
    assert "Treaty between XAA and XAB" in scope["reason"]
    text = cli("check", ROBBERY, "--instruments", WHAT_IF, "--agreements", AGREEMENTS)
    assert "OUTSIDE_SCOPE" in text.out and "(governs the request)" in text.out
    # Without the file the Convention is the only basis known, and the finding says so.
    bare = json.loads(cli("check", ROBBERY, "--instruments", WHAT_IF, "--format", "json").out)
    assert [b["instrument"] for b in bare["legal_bases"]] == ["UNCC"]


def test_a_bad_agreements_file_names_each_row_and_field(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "agreements.csv"
    bad.write_text(
        "state_a,state_b,instrument,in_force_from,in_force_until,uses_convention_paragraphs\n"
        "XAA,QQQ,Treaty A,2009-01-01,,no\n"
        "XAA,XAB,Treaty B,2009-02-30,,no\n"
        "XAA,XAB,Treaty C,2009-01-01,2008-01-01,perhaps\n"
        "XAA,XAA,Treaty D,2009-01-01,,no\n"
        "XAA,XAB,Treaty E,2009-01-01,,yes\n"
        "XAB,XAA,Treaty E,2010-01-01,,yes\n",
        encoding="utf-8",
    )
    result = cli("check", ROBBERY, "--agreements", str(bad))
    assert result.code == 2
    err = result.err
    assert "error[agreement.unknown_state]" in err and "row 2: field state_b" in err
    assert "error[agreement.invalid_date]" in err and "row 3: field in_force_from" in err
    assert "error[agreement.invalid_period]" in err and "row 4" in err
    assert "error[agreement.invalid_value]" in err and "field uses_convention_paragraphs" in err
    assert "error[agreement.same_state]" in err and "row 5" in err
    assert "error[agreement.duplicate]" in err and "row 7" in err
    missing = tmp_path / "few.csv"
    missing.write_text("state_a,state_b,instrument\nXAA,XAB,T\n", encoding="utf-8")
    few = cli("check", ROBBERY, "--agreements", str(missing))
    assert few.code == 2 and "in_force_from" in few.err


def test_serve_screens_with_the_agreements_it_is_given(tmp_path: Path) -> None:
    import pytest

    from rogatory.cli import server
    from rogatory.errors import ProblemList

    screener = server._screener(None, False, True, Path(AGREEMENTS))
    assert [a.instrument for a in screener.law.agreements][1].startswith("Regional Convention")
    bad = tmp_path / "a.csv"
    bad.write_text(
        "state_a,state_b,instrument,in_force_from,uses_convention_paragraphs\nXAA,XAB,T,soon,no\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemList) as info:
        server._screener(None, False, False, bad)
    assert [p.code for p in info.value.problems] == ["agreement.invalid_date"]


def test_check_reads_the_configured_fraud_policy(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = str(EXAMPLES / "preservation-fraud.json")

    def many_accounts() -> tuple[str, str]:
        result = cli("check", request, "--instruments", WHAT_IF, "--format", "json")
        assert result.code == 0, result.err
        found = next(
            f for f in json.loads(result.out)["findings"] if f["rule"] == "requester.many_accounts"
        )
        return found["result"], found["reason"]

    assert many_accounts()[0] == "pass"
    policy = tmp_path / "fraud.yaml"
    policy.write_text("max_identifiers: 1\n")
    monkeypatch.setenv("ROGATORY_FRAUD_POLICY_FILE", str(policy))
    result, reason = many_accounts()
    assert result == "review" and "(more than 1)" in reason
    monkeypatch.setenv("ROGATORY_FRAUD_MAX_IDENTIFIERS", "0")
    bad = cli("check", request, "--instruments", WHAT_IF)
    assert bad.code == 2 and "error[settings.invalid]: ROGATORY_FRAUD_MAX_IDENTIFIERS:" in bad.err

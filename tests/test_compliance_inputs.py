"""Bad compliance inputs are refused with one line per problem naming the file and the key
path (``error[footprint.unknown_field]: fp.yaml, services[0].capabilities.x: ...``), exit 2,
never a traceback; the shipped examples are valid; the CLI's assess, diff and laws commands
answer as documented."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rogatory.compliance import changes, diff, feed, footprint, laws
from rogatory.errors import ProblemList
from rogatory.treaty import catalogue
from tests.conftest import CliResult

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "compliance"
LAWS = EXAMPLES / "laws"
DEMO = ROOT / "src" / "rogatory" / "demo" / "instruments.csv"

GOOD = """company: Example
services:
  - name: mail
    kind: communication
    countries: [XAA]
    data:
      - {category: traffic, retention_days: 30, stored_in: [XAA]}
    capabilities: {preservation_hours: 24}
"""


def _problems(path: Path) -> list[tuple[str, str | None]]:
    with pytest.raises(ProblemList) as info:
        footprint.load(path)
    assert info.value.code == "footprint.invalid"
    return [(p.code, p.location) for p in info.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        (
            "preservation_hours: 24",
            "preservation_hour: 24",
            "footprint.unknown_field",
            "services[0].capabilities.preservation_hour",
        ),
        (
            "countries: [XAA]",
            "countries: [XAA, QQQ]",
            "footprint.unknown_state",
            "services[0].countries[1]",
        ),
        ("kind: communication", "kind: telegraph", "footprint.invalid_value", "services[0].kind"),
        ("company: Example\n", "", "footprint.field_missing", "company"),
        (
            "retention_days: 30",
            "retention_days: -1",
            "footprint.invalid_value",
            "services[0].data[0].retention_days",
        ),
        (
            "category: traffic",
            "category: metadata",
            "footprint.invalid_value",
            "services[0].data[0].category",
        ),
        ("name: mail", "name: mail\n    name: post", "footprint.duplicate_key", "line 4"),
        ("countries: [XAA]", "countries: [XAA", "footprint.yaml_syntax", None),
    ],
)
def test_a_bad_footprint_names_the_file_and_key_path(
    tmp_path: Path, old: str, new: str, code: str, where: str | None
) -> None:
    path = tmp_path / "fp.yaml"
    path.write_text(GOOD.replace(old, new))
    found = _problems(path)
    assert any(c == code and (where is None or loc == where) for c, loc in found), found


def test_two_services_with_one_name_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "fp.yaml"
    path.write_text(GOOD + GOOD.split("services:\n")[1])
    assert ("footprint.invalid_value", "(top level)") in _problems(path)
    assert _problems(tmp_path / "none.yaml") == [("footprint.file_missing", None)]


def _law_problems(folder: Path) -> list[tuple[str, str, str | None]]:
    with pytest.raises(ProblemList) as info:
        laws.load(folder, catalogue.get())
    assert info.value.code == "laws.invalid"
    return [(p.code, Path(p.file or "").name, p.location) for p in info.value.problems]


def _copy_laws(tmp_path: Path) -> Path:
    folder = tmp_path / "laws"
    folder.mkdir()
    for f in LAWS.glob("*.yaml"):
        (folder / f.name).write_text(f.read_text())
    return folder


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        (
            "    fictional: true\n    status:\n      - {status: bill, on: 2026-02-02}",
            "    fictional: false\n    status:\n      - {status: bill, on: 2026-02-02}",
            "laws.fictional_mismatch",
            "records[0].fictional",
        ),
        (
            "{article: 26,",
            "{article: 99,",
            "laws.unknown_article",
            "records[0].implements[1].article",
        ),
        (
            "{status: in_force, on: 2026-09-01}",
            "{status: in_force, on: 2026-01-01}",
            "laws.invalid_value",
            "records[0].status",
        ),
        (
            "{status: enacted, on: 2026-06-15}",
            "{status: repealed, on: 2026-06-15}",
            "laws.invalid_value",
            "records[0].status",
        ),
        (
            "answer: partial",
            "answer: maybe",
            "laws.invalid_value",
            "records[0].safeguards.scope_and_duration.answer",
        ),
        ("read_on: 2026-10-20", "read_on: 2026-13-20", "laws.invalid_value", None),
        (
            "    citation: Act No. 7 of 2026 (fictional)\n",
            "    citation: Act No. 7 of 2026 (fictional)\n    year: 2026\n",
            "laws.unknown_field",
            "records[0].year",
        ),
        (
            "id: xaa-data-retention-bill-2026",
            "id: xac-electronic-evidence-amendment-2026",
            "laws.duplicate_id",
            "records[0].id",
        ),
    ],
)
def test_a_bad_national_record_names_the_file_and_key_path(
    tmp_path: Path, old: str, new: str, code: str, where: str | None
) -> None:
    folder = _copy_laws(tmp_path)
    text = (folder / "XAA.yaml").read_text()
    assert old in text
    (folder / "XAA.yaml").write_text(text.replace(old, new, 1))
    found = _law_problems(folder)
    assert any(c == code and (where is None or loc == where) for c, _, loc in found), found


def test_a_real_state_never_gets_an_invented_law(tmp_path: Path) -> None:
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "FRA.yaml").write_text(
        "state: FRA\nrecords:\n  - {id: fr-x, title: X, citation: X, fictional: true,"
        " status: [{status: bill, on: 2026-01-01}]}\n"
    )
    found = _law_problems(folder)
    assert ("laws.fictional_mismatch", "FRA.yaml", "records[0].fictional") in found
    assert ("laws.source_missing", "FRA.yaml", "records[0].url") in found
    (folder / "FRA2.yaml").write_text("state: FRA\nrecords: []\n")
    assert any(c == "laws.duplicate_state" for c, _, _ in _law_problems(folder))


def test_the_register_answers_status_requirements_and_changes_on_a_date() -> None:
    register = laws.load(LAWS, catalogue.get())
    from datetime import date

    impl, records = register.implementation("XAA", 25, date(2026, 8, 1))
    assert impl is laws.Implementation.ENACTED and records[0].id == "xaa-computer-evidence-act-2026"
    assert register.implementation("XAA", 25, date(2026, 9, 1))[0] is laws.Implementation.IN_FORCE
    assert (
        register.implementation("XAA", 30, date(2026, 9, 1))[0]
        is laws.Implementation.NOT_YET_IMPLEMENTED
    )
    assert register.implementation("XAD", 25, date(2026, 9, 1))[0] is laws.Implementation.UNKNOWN
    found = register.requirement("XAA", "preservation_response_hours", date(2026, 12, 1))
    assert found is not None and found.value == 24 and found.sourced.source == "s. 10(3)"
    assert register.requirement("XAA", "preservation_response_hours", date(2026, 8, 1)) is None
    since = changes.since(register, date(2026, 10, 2))
    assert [(c.state, c.kind, c.on.isoformat()) for c in since] == [
        ("XAA", "bill", "2026-10-15"),
        ("XAA", "read", "2026-10-20"),
        ("XAC", "read", "2026-11-20"),
        ("XAC", "amended", "2027-01-15"),
    ]
    from datetime import UTC, datetime

    text = feed.atom(
        since,
        feed_id="tag:x",
        title="T <&>",
        link="https://x/feed",
        updated=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert text.count("<entry>") == 4 and "T &lt;&amp;&gt;" in text
    assert text.index("2027-01-15") < text.index("2026-10-15")  # newest first
    import xml.dom.minidom

    xml.dom.minidom.parseString(text)  # well-formed


def test_cli_refuses_bad_input_with_error_lines_and_exit_2(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    bad = tmp_path / "fp.yaml"
    bad.write_text(GOOD.replace("preservation_hours", "preservation_hour"))
    result = cli("assess", str(bad))
    assert result.code == 2 and "Traceback" not in result.err
    assert (
        f"error[footprint.unknown_field]: {bad}, services[0].capabilities.preservation_hour: unknown field"
        in result.err
    )
    folder = _copy_laws(tmp_path)
    (folder / "XAC.yaml").write_text(
        (folder / "XAC.yaml").read_text().replace("article: 30", "article: 0")
    )
    result = cli("laws", "validate", str(folder))
    assert (
        result.code == 2
        and "error[laws.invalid_value]" in result.err
        and "XAC.yaml, records[0].implements[6].article" in result.err
    )
    assert cli("laws", "validate", str(LAWS)).out.startswith("ok ")
    result = cli("assess", "diff", str(bad), str(bad))
    assert result.code == 2 and "error[assessment.invalid]" in result.err


def test_cli_assess_json_html_and_diff(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    common = ["--instruments", str(DEMO), "--laws", str(LAWS)]
    old, new, html = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "r.html"
    fp = str(EXAMPLES / "example-mail.yaml")
    assert (
        cli("assess", fp, "--on", "2026-08-01", "--format", "json", "--out", str(old), *common).code
        == 0
    )
    assert (
        cli("assess", fp, "--on", "2026-12-01", "--format", "json", "--out", str(new), *common).code
        == 0
    )
    data = json.loads(new.read_text())
    assert data["company"] == "Example Mail Ltd" and data["as_of"] == "2026-12-01"
    assert {c["state"] for c in data["countries"]} == {"XAA", "XAC", "XAD", "XBQ"}
    result = cli("assess", "diff", str(old), str(new))
    assert result.code == 0, result.err
    assert "XAA: law now in force: xaa-computer-evidence-act-2026" in result.out
    assert "gap opened  high   response.slower_than_law:XAA:drive:preserve" in result.out
    changed = diff.compare(json.loads(old.read_text()), data)
    assert changed["gaps"]["closed"] == [] and len(changed["gaps"]["opened"]) == 6
    assert (
        cli(
            "assess", fp, "--on", "2026-12-01", "--format", "html", "--out", str(html), *common
        ).code
        == 0
    )
    page = html.read_text()
    assert "<svg" in page and "@media print" in page and "UNVERIFIED (model)" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    text = cli("assess", fp, "--on", "2026-12-01", *common)
    assert text.code == 0 and "HIGH" in text.out and "gaps: 8 high, 7 medium, 2 low" in text.out


def test_cli_assess_pdf_prints_the_report_and_needs_out(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    pypdf = pytest.importorskip("pypdf")
    common = ["--instruments", str(DEMO), "--laws", str(LAWS), "--on", "2026-12-01"]
    fp = str(EXAMPLES / "example-mail.yaml")
    refused = cli("assess", fp, "--format", "pdf", *common)
    assert refused.code == 2 and "error[input.invalid]" in refused.err and "--out" in refused.err
    out = tmp_path / "report.pdf"
    made = cli("assess", fp, "--format", "pdf", "--out", str(out), *common)
    assert made.code == 0, made.err
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(out)
    # The summary, then a page (at least) per country: XAA, XAC, XAD, XBQ.
    assert len(reader.pages) >= 5
    words = " ".join(page.extract_text() for page in reader.pages)
    assert "Example Mail Ltd" in words and "response.slower_than_law" in words
    assert "page 1 of" in words  # the print stylesheet's footer
    assert "--out" in cli("assess", "diff", str(out), str(out), "--format", "pdf").err


def test_cli_obligations_laws_show_and_diff(cli: Callable[..., CliResult]) -> None:
    result = cli("obligations", "--json")
    data = json.loads(result.out)
    ids = {o["id"] for o in data["obligations"]}
    assert {
        "preservation.stored_data",
        "production.order",
        "realtime.traffic",
        "interception.content",
        "liability.legal_persons",
        "safeguards.conditions",
        "network.contact_24_7",
    } <= ids
    preservation = next(o for o in data["obligations"] if o["id"] == "preservation.stored_data")
    assert any(
        d["constant"] == "preservation.domestic_max_days" and d["value"] == 90
        for d in preservation["duties"]
    )
    assert all(not c["verified"] for c in preservation["cites"])  # never shown as verified
    shown = cli("laws", "show", "XAA", "--on", "2026-12-01", "--laws", str(LAWS))
    assert (
        "in force" in shown.out
        and "safeguard judicial or other independent authorisation: no" in shown.out
    )
    assert "no record" in cli("laws", "show", "XAD", "--laws", str(LAWS)).out
    changed = json.loads(
        cli("laws", "diff", "--since", "2027-01-01", "--laws", str(LAWS), "--json").out
    )
    assert list(changed["states"]) == ["XAC"] and changed["states"]["XAC"][0]["kind"] == "amended"
    assert cli("laws", "diff", "--since", "2027-02-30").code == 2

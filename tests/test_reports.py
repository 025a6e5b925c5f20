"""Reports from the case record, on SQLite and PostgreSQL: each outcome read from what the
flows stored, the analytical copy kept in step through the audit chain, the published report
signed, verified, superseded and never edited, and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.compliance import laws
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.errors import RogatoryError
from rogatory.evidence import service as evidence
from rogatory.parties import service
from rogatory.reports import outcomes, period, publishing, safeguards, snapshot, transparency
from rogatory.reports.models import PublishedReport
from rogatory.reports.store import FactStore
from rogatory.requests import custody, flows
from rogatory.requests.transitions import Ground, Lifecycle, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import ratifications
from tests.report_attack import exposed

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "requests"
LIFE = Lifecycle(catalogue.get().has_provision)
ORG = "org-r"
INTAKE = flows.Actor("ivan", ORG, frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita", ORG, frozenset({Role.REVIEWER}))
APPROVER = flows.Actor("alma", ORG, frozenset({Role.APPROVER}))
APPROVER_2 = flows.Actor("bo", ORG, frozenset({Role.APPROVER}))
ADMIN = flows.Actor("ada", ORG, frozenset({Role.ADMIN}))
H2 = period.half_year(2026, 2)


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _doc(name: str, state: str = "XAA") -> dict[str, Any]:
    doc = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state=state, requested_state="XAB", submitted_on="2026-09-01")
    return doc


class Cases:
    """Cases driven through the same flows people use, one transaction per step."""

    def __init__(self, engine: Engine, screener: screening.Screener, tmp: Path) -> None:
        self.sessions = dbe.sessions(engine)
        self.screener = screener
        self.tmp = tmp
        with self.sessions.begin() as s:
            flows.ensure_organisation(s, ORG, "Reporting Provider")

    def step(self, action: Callable[[Session], Any]) -> Any:
        with self.sessions.begin() as s:
            return action(s)

    def take_in(self, name: str, state: str = "XAA", hours_ago: float = 48) -> str:
        received = datetime(2026, 9, 1, 9, tzinfo=UTC) + timedelta(hours=hours_ago)
        return str(
            self.step(
                lambda s: (
                    flows.intake(s, INTAKE, _doc(name, state), self.screener, received_at=received)[
                        0
                    ].id
                )
            )
        )

    def review(self, case_id: str) -> None:
        self.step(lambda s: flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE))

        def acknowledge(s: Session) -> None:
            state = flows.state_of(s, flows.get_or_raise(s, REVIEWER, case_id))
            for rule in sorted(state.review_findings - state.acknowledged):
                flows.acknowledge(s, REVIEWER, case_id, rule, "Read; no ground applies.")

        self.step(acknowledge)

    def approve(self, case_id: str, *, partial: bool = False) -> None:
        for approver in (APPROVER, APPROVER_2):
            status = self.step(
                lambda s, a=approver: (
                    flows.approve(
                        s, a, case_id, LIFE, partial=partial, note="Approved in part."
                    ).status
                )
            )
            if status != Status.IN_REVIEW.value:
                return

    def hand_over(self, case_id: str) -> None:
        def give(s: Session) -> None:
            incoming = evidence.spool(iter([b"records\n"]), base_dir=self.tmp, max_bytes=1 << 20)
            row = evidence.store(s, INTAKE, case_id, "records.csv", incoming, base_dir=self.tmp)
            evidence.hand_over(s, INTAKE, case_id, [row.id], {"name": "Prosecutor"})

        self.step(give)

    def fulfil(self, case_id: str) -> None:
        self.step(lambda s: flows.transition(s, INTAKE, case_id, Status.FULFILLED, LIFE))

    def withdraw(self, case_id: str) -> None:
        self.step(
            lambda s: flows.transition(
                s, INTAKE, case_id, Status.WITHDRAWN, LIFE, note="Withdrawn."
            )
        )

    def refuse(self, case_id: str) -> None:
        ground = Ground("Prejudice to essential interests.", "uncc:art-40:para-21")
        self.step(
            lambda s: flows.transition(s, APPROVER, case_id, Status.REFUSED, LIFE, grounds=[ground])
        )

    def hold(self, case_id: str) -> None:
        self.step(
            lambda s: custody.place_hold(
                s, INTAKE, case_id, ["user@x.example"], date(2026, 9, 1), 90, minimum_days=60
            )
        )

    def nondisclosure(self, case_id: str) -> None:
        self.step(
            lambda s: custody.order_non_disclosure(
                s, REVIEWER, case_id, date(2026, 9, 1), date(2027, 3, 1)
            )
        )


@pytest.fixture
def cases(engine: Engine, screener: screening.Screener, tmp_path: Path) -> Cases:
    return Cases(engine, screener, tmp_path)


def _story(c: Cases) -> dict[str, str]:
    """One case per outcome."""
    ids = {}
    ids["withdrawn"] = c.take_in("preservation-fraud.json")
    c.withdraw(ids["withdrawn"])
    ids["refused"] = c.take_in("preservation-fraud.json")
    c.review(ids["refused"])
    c.refuse(ids["refused"])
    ids["full"] = c.take_in("interception-authorised.json")
    c.review(ids["full"])
    c.approve(ids["full"])
    c.hand_over(ids["full"])
    c.nondisclosure(ids["full"])
    c.fulfil(ids["full"])
    ids["part"] = c.take_in("interception-authorised.json")
    c.review(ids["part"])
    c.approve(ids["part"], partial=True)
    c.hand_over(ids["part"])
    c.fulfil(ids["part"])
    ids["kept"] = c.take_in("preservation-fraud.json")
    c.review(ids["kept"])
    c.approve(ids["kept"])
    c.hold(ids["kept"])
    c.fulfil(ids["kept"])
    ids["none"] = c.take_in("preservation-fraud.json")
    c.review(ids["none"])
    c.approve(ids["none"])
    c.fulfil(ids["none"])
    ids["scope"] = c.take_in("mla-outside-scope.json")
    ids["pending"] = c.take_in("preservation-fraud.json", state="XAC")
    return ids


def _read(c: Cases, store: FactStore) -> dict[str, Any]:
    with c.sessions() as s:
        store.refresh(s, ORG)
    return transparency.unsuppressed(store, ORG, H2)


def test_each_outcome_is_read_from_what_the_flows_stored(cases: Cases) -> None:
    ids = _story(cases)
    store = FactStore()
    counts = _read(cases, store)
    with store.query() as con:
        facts = dict(con.execute("SELECT case_id, column_name FROM facts").fetchall())
    assert facts == {
        ids["withdrawn"]: "withdrawn",
        ids["refused"]: "refused:uncc:art-40:para-21",
        ids["full"]: "disclosed_in_full",
        ids["part"]: "disclosed_in_part",
        ids["kept"]: "data_preserved",
        ids["none"]: "no_data_found",
        ids["scope"]: "outside_scope",
        ids["pending"]: "pending",
    }
    interception = counts["XAA/interception/False"]
    assert interception["requests"] == 2
    assert interception["disclosed_in_full"] == interception["disclosed_in_part"] == 1
    assert interception["under_nondisclosure"] == 1
    assert counts["XAC/preservation/False"] == {
        "requests": 1,
        "identifiers": len(_doc("preservation-fraud.json")["data"]["identifiers"]),
        "under_nondisclosure": 0,
        **{o: int(o == "pending") for o in transparency.columns({("x", "y", False): {}})}
        | {"refused:uncc:art-40:para-21": 0},
    }


def test_the_copy_follows_the_record_through_the_audit_chain(cases: Cases) -> None:
    store = FactStore()
    first = cases.take_in("preservation-fraud.json")
    assert _read(cases, store)["XAA/preservation/False"]["pending"] == 1
    cases.withdraw(first)  # one event later: only this case is read again
    second = cases.take_in("preservation-fraud.json", state="XAD")
    counts = _read(cases, store)
    assert counts["XAA/preservation/False"]["withdrawn"] == 1
    assert counts["XAA/preservation/False"]["pending"] == 0
    assert counts["XAD/preservation/False"]["pending"] == 1
    with store.query() as con:
        assert sorted(r[0] for r in con.execute("SELECT case_id FROM facts").fetchall()) == sorted(
            [first, second]
        )


def test_the_published_table_hides_small_counts_and_survives_the_attack(cases: Cases) -> None:
    _story(cases)
    with cases.sessions() as s:
        report = transparency.report(FactStore(), s, ORG, H2, k=3)
    for row in [*report["rows"], report["totals"]]:
        for value in (row["requests"], row["identifiers"], *row["outcomes"].values()):
            assert not isinstance(value, int) or value == 0 or value >= 3
        assert row["median_hours_to_answer"] is None or isinstance(row["requests"], int)
    assert exposed(report["rows"], report["totals"]) == []
    assert report["suppression"]["k"] == 3 and "1-2" in report["suppression"]["method"]
    assert report["audit_head"]["seq"] > 0 and len(report["audit_head"]["hash"]) == 64


def test_the_safeguards_report_says_what_is_not_known(cases: Cases) -> None:
    _story(cases)
    with cases.sessions() as s:
        report = safeguards.report(FactStore(), s, ORG, H2, k=3)
    states = {r["requesting_state"]: r for r in report["rows"]}
    assert set(states) == {"XAA", "XAC"}
    assert states["XAA"]["safeguards"] == safeguards.NOT_KNOWN
    assert states["XAA"]["legal_basis"]["convention"] in (4, "3-5")
    assert any("call-back" in note for note in report["limitations"])
    assert not any("issue" in note for note in report["limitations"])
    rules = {r["rule"] for r in report["screening"]["rules"]}
    assert "channel.requesting_authority" in rules or rules


def test_the_safeguards_report_reads_the_national_register(cases: Cases) -> None:
    """XAA's example record (fictional) is in force from 2026-09-01: its answers on each Art 24
    safeguard appear with their source; XAC is followed by no record and says so."""
    _story(cases)
    register = laws.load(ROOT / "examples" / "compliance" / "laws", catalogue.get())
    with cases.sessions() as s:
        on_end = safeguards.Implementations(register, date(2026, 12, 31))
        report = safeguards.report(FactStore(), s, ORG, H2, k=3, register=on_end)
        before = safeguards.Implementations(register, date(2026, 8, 31))
        early = safeguards.report(FactStore(), s, ORG, H2, k=3, register=before)
    states = {r["requesting_state"]: r["safeguards"] for r in report["rows"]}
    xaa = states["XAA"]
    assert (
        "Computer Evidence (Procedure) Act 2026 (Act No. 7 of 2026 (fictional)): judicial or "
        "other independent authorisation: no (s. 12(1): a prosecutor issues production orders, "
        "read 2026-10-01)"
    ) in xaa
    assert len([line for line in xaa if line.startswith("Computer Evidence")]) == 6
    assert not any("Retention Bill" in line for line in xaa)  # a bill is not in force
    assert any(
        line.endswith("data protection: yes (art. 38, read 2026-11-20)") for line in states["XAC"]
    )
    assert on_end.safeguards("XAB") is None  # a State the register does not follow
    assert {r["requesting_state"]: r["safeguards"] for r in early["rows"]}["XAA"] == [
        "no implementing law in force on 2026-08-31"
    ]


@pytest.mark.parametrize(
    ("urgent", "outcome", "screening", "call", "failed"),
    [
        (True, outcomes.Outcome.DISCLOSED_IN_FULL, "valid", "denied", True),
        (True, outcomes.Outcome.REFUSED, "invalid", "confirmed", False),
        (True, outcomes.Outcome.REFUSED, "valid", None, True),
        (True, outcomes.Outcome.PENDING, "invalid", "no_answer", True),
        (True, outcomes.Outcome.PENDING, "review", None, False),
        (False, outcomes.Outcome.REFUSED, "invalid", "denied", False),
    ],
)
def test_an_emergency_request_fails_verification_on_a_denied_call_back(
    urgent: bool, outcome: outcomes.Outcome, screening: str, call: str | None, failed: bool
) -> None:
    assert outcomes.verification_failed(urgent, outcome, screening, call) is failed


def test_publishing_signs_supersedes_and_never_edits(cases: Cases) -> None:
    _story(cases)
    store = FactStore()
    with cases.sessions.begin() as s, pytest.raises(RogatoryError) as refused:
        publishing.publish(s, REVIEWER, store, H2)
    assert refused.value.code == "auth.forbidden"
    with cases.sessions.begin() as s:
        first = publishing.publish(s, ADMIN, store, H2, k=3)
        first_id, first_doc = first.id, first.snapshot
    with cases.sessions.begin() as s:
        second = publishing.publish(s, ADMIN, store, H2, k=3)
        assert second.version == 2 and second.supersedes == first_id
    document = snapshot.parse(first_doc, file="first")
    assert snapshot.verify(document).ok
    changed = json.loads(json.dumps(first_doc))
    changed["report"]["totals"]["identifiers"] = 0
    result = snapshot.verify(snapshot.parse(changed, file="changed"))
    assert not result.ok
    assert {n for n, ok, _ in result.checks if not ok} == {"report_sha256", "signature"}
    with cases.sessions() as s:
        events = s.execute(
            select(AuditEvent.summary).where(AuditEvent.action == "report.published")
        ).scalars()
        assert [e["version"] for e in events] == [1, 2]
        assert audit.verify(s).ok
    with pytest.raises(DBAPIError), cases.sessions.begin() as s:
        s.execute(text("UPDATE published_reports SET version = 9"))
    with pytest.raises(DBAPIError), cases.sessions.begin() as s:
        s.execute(text("DELETE FROM published_reports"))
    with cases.sessions() as s:
        assert s.get(PublishedReport, first_id).version == 1  # type: ignore[union-attr]


def test_a_period_is_a_half_year_or_a_range() -> None:
    assert period.parse("2027-H1", None, None).end == date(2027, 6, 30)
    assert period.parse(None, "2027-02-01", "2027-02-28").label == "2027-02-01..2027-02-28"
    assert period.parse(None, None, None, today=date(2026, 12, 3)).label == "2026-H2"
    for args, field in (
        (("2027-H3", None, None), "period"),
        ((None, "2027-02-01", None), "to"),
        ((None, "2027-02-30", "2027-03-01"), "from"),
        ((None, "2027-03-01", "2027-02-01"), "to"),
        (("2027-H1", "2027-01-01", "2027-01-02"), "period"),
    ):
        with pytest.raises(RogatoryError) as info:
            period.parse(*args)
        assert info.value.code == "report.invalid_period"
        assert f"field {field}" in info.value.message


def test_the_command_line_reports_publishes_and_verifies(
    tmp_path: Path, screener: screening.Screener, cli: Callable[..., Any], monkeypatch: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = dbe.make_engine(url)
    migrate.upgrade(engine)
    c = Cases(engine, screener, tmp_path)
    _story(c)
    from rogatory.accounts import service as accounts

    with c.sessions.begin() as s:
        accounts.add_user(
            s,
            org=ORG,
            email="ada@r.example",
            name="Ada",
            password="x" * 12,
            roles=["admin"],
            by="test",
        )
    monkeypatch.setenv("ROGATORY_DATABASE_URL", url)
    out = cli("report", "transparency", "--period", "2026-H2", "--format", "json", "--k", "3")
    assert out.code == 0, out.err
    report = json.loads(out.out)
    assert report["period"]["label"] == "2026-H2" and report["organisation"] == ORG
    csv_out = cli("report", "transparency", "--period", "2026-H2", "--format", "csv")
    assert csv_out.out.splitlines()[0].startswith("requesting_state,measure,emergency,")
    assert csv_out.out.splitlines()[-1].startswith("total,")
    bad = cli("report", "transparency", "--period", "2026-H9")
    assert bad.code == 2
    assert "error[report.invalid_period]: field period" in bad.err
    low = cli("report", "transparency", "--k", "2")
    assert low.code == 2 and "error[report.invalid_k]" in low.err
    fmt = cli("report", "transparency", "--format", "xml")
    assert fmt.code == 2 and "error[report.invalid_format]" in fmt.err
    nobody = cli("report", "transparency", "--org", "nobody")
    assert "error[report.unknown_organisation]" in nobody.err
    published = cli("report", "publish", "--as", "ada@r.example", "--period", "2026-H2", "--json")
    assert published.code == 0, published.err
    row_id = json.loads(published.out)["id"]
    with c.sessions() as s:
        document = publishing.get(s, ORG, row_id).snapshot
    path = tmp_path / "published.json"
    path.write_text(json.dumps(document))
    ok = cli("report", "verify", str(path))
    assert ok.code == 0 and "valid" in ok.out
    held = cli("audit", "verify", "--checkpoint", str(path))
    assert held.code == 0, held.out + held.err
    document["report"]["rows"][0]["requests"] = 999
    path.write_text(json.dumps(document))
    tampered = cli("report", "verify", str(path))
    assert tampered.code == 1 and "FAIL report_sha256" in tampered.out
    safeguard = cli("report", "safeguards", "--period", "2026-H2", "--json")
    assert json.loads(safeguard.out)["rows"][0]["safeguards"].startswith("not known")
    laws_dir = str(ROOT / "examples" / "compliance" / "laws")
    read = cli("report", "safeguards", "--period", "2026-H2", "--laws", laws_dir)
    assert "judicial or other independent authorisation: no (s. 12(1)" in read.out


def test_the_report_pages_and_the_public_address(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> None:
    import re

    from fastapi.testclient import TestClient

    from rogatory.accounts import service as accounts
    from rogatory.api.deps import Services
    from rogatory.web.app import create_app

    c = Cases(engine, screener, tmp_path)
    _story(c)
    with c.sessions.begin() as s:
        for email, role in (("ada@r.example", "admin"), ("ivo@r.example", "intake")):
            accounts.add_user(
                s, org=ORG, email=email, name=email, password="p" * 12, roles=[role], by="t"
            )
    services = Services(c.sessions, screener, LIFE, tmp_path / "evidence")

    def signed_in(email: str) -> tuple[TestClient, str]:
        client = TestClient(create_app(services), follow_redirects=False)
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        answer = client.post(
            "/login", data={"email": email, "password": "p" * 12, "csrf_token": token[1]}
        )
        assert answer.status_code == 303
        page = client.get("/reports?period=2026-H2")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        return client, found[1] if found else ""

    intake, _ = signed_in("ivo@r.example")
    assert intake.get("/reports?period=2026-H2").status_code == 403  # intake sees no reports
    admin, csrf = signed_in("ada@r.example")
    page = admin.get("/reports?period=2026-H2&k=3")
    assert page.status_code == 200
    assert "<svg" in page.text and 'id="by-state-title"' in page.text
    assert "Suppression, k = 3" in page.text and 'id="publish-form"' in page.text
    assert admin.get("/reports?period=2026-H9").status_code == 422
    assert admin.get("/reports?k=2").status_code == 422
    csv_answer = admin.get("/reports/transparency.csv?period=2026-H2&k=3")
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert csv_answer.text.splitlines()[-1].startswith("total,")
    as_json = admin.get("/reports/transparency.json?period=2026-H2&k=3").json()
    assert as_json["suppression"]["k"] == 3
    posted = admin.post(
        "/reports/publish", data={"period": "2026-H2", "k": "3", "csrf_token": csrf}
    )
    assert posted.status_code == 303
    address = posted.headers["location"]
    assert address.startswith(f"/public/reports/{ORG}/")
    anyone = TestClient(create_app(services), follow_redirects=False)  # no sign-in
    public = anyone.get(address)
    assert public.status_code == 200 and "the signature verifies" in public.text
    signed = anyone.get(address + ".json").json()
    assert snapshot.verify(snapshot.parse(signed, file="web")).ok
    assert anyone.get(f"/public/reports/{ORG}").status_code == 200
    assert anyone.get(f"/public/reports/{ORG}/nope").status_code == 404
    assert anyone.get("/public/reports/nobody").status_code == 404
    again = admin.post("/reports/publish", data={"period": "2026-H2", "k": "3", "csrf_token": csrf})
    assert "Superseded by" in anyone.get(address).text
    assert "superseding" in anyone.get(again.headers["location"]).text
    assert admin.post("/reports/publish", data={"period": "2026-H2"}).status_code == 403  # CSRF

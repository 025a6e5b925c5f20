"""The compliance assessment's gap rules, each with a footprint that triggers it and one that
does not, and how each obligation is said to apply (yes from the State's law in force,
unknown where the State is bound but its law is not known, no where it is not reached or the
State is not bound)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from rogatory.compliance import assessment, footprint, gaps, laws
from rogatory.compliance.assessment import Assessment
from rogatory.parties import service
from rogatory.treaty import catalogue
from tests.conftest import inst, ratifications

ON = date(2026, 12, 1)
# forty fictional ratifications from 2026-01-05: XAA-XBN bound from 2026-05-15; XZZ is not
REGISTER = service.build(
    catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
)

CAPABLE = {
    "preservation_hours": 12,
    "production_days": 5,
    "realtime_traffic": True,
    "interception": True,
    "confidentiality_procedure": True,
    "contact_24_7": True,
    "requester_verification": True,
}


def company(**capabilities: Any) -> dict[str, Any]:
    """A mail service offered and stored in XAA that lacks nothing, but what is given."""
    return {
        "company": "Test Mail",
        "services": [
            {
                "name": "mail",
                "kind": "communication",
                "countries": ["XAA"],
                "establishments": ["XAA"],
                "data": [
                    {"category": "subscriber", "retention_days": 400, "stored_in": ["XAA"]},
                    {"category": "traffic", "retention_days": 400, "stored_in": ["XAA"]},
                    {"category": "content", "retention_days": 400, "stored_in": ["XAA"]},
                ],
                "capabilities": {**CAPABLE, **capabilities},
            }
        ],
    }


def with_retention(doc: dict[str, Any], category: str, days: int) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for holding in doc["services"][0]["data"]:
        if holding["category"] == category:
            holding["retention_days"] = days
    return doc


READ = {"source": "s. 1", "read_on": "2026-10-01"}
ALL_SAFEGUARDS = {k.value: {"answer": "yes", **READ} for k in laws.Safeguard}


def act(
    *,
    requirements: dict[str, Any] | None = None,
    safeguards: dict[str, Any] | None = None,
    status: list[dict[str, Any]] | None = None,
    implements: tuple[int, ...] = (25, 26, 27, 28, 29, 30, 18),
    record_id: str = "xaa-act",
) -> dict[str, Any]:
    return {
        "id": record_id,
        "title": "Test Act",
        "citation": "Act 1 of 2026 (fictional)",
        "fictional": True,
        "status": status or [{"status": "in_force", "on": "2026-06-01"}],
        "implements": [{"article": a} for a in implements],
        "requirements": requirements or {},
        "safeguards": ALL_SAFEGUARDS if safeguards is None else safeguards,
    }


def register_of(*records: dict[str, Any], state: str = "XAA") -> laws.LawRegister:
    return laws.from_documents(
        [(f"{state}.yaml", {"state": state, "records": list(records)})], catalogue.get()
    )


def run(doc: dict[str, Any], law: laws.LawRegister | None = None, on: date = ON) -> Assessment:
    return assessment.assess(footprint.parse(doc), REGISTER, law or register_of(act()), on)


def found(result: Assessment, rule_id: str) -> list[gaps.Gap]:
    return [g for g in result.gaps if g.id == rule_id]


def test_a_company_that_lacks_nothing_has_no_gap() -> None:
    assert run(company()).gaps == ()


def test_every_rule_is_registered_with_a_statement_and_tested_here() -> None:
    tested = {
        "preservation.no_procedure",
        "preservation.slower_than_deletion",
        "retention.shorter_than_preservation",
        "response.slower_than_law",
        "retention.below_national_minimum",
        "confidentiality.no_procedure",
        "realtime.required_by_law",
        "interception.required_by_law",
        "contact.no_24_7",
        "requests.no_verification",
        "safeguards.lacking",
        "safeguards.unanswered",
    }
    assert set(gaps.RULES) == tested
    assert all(r.statement for r in gaps.RULES.values())


def test_no_preservation_procedure() -> None:
    hit = found(run(company(preservation_hours=None)), "preservation.no_procedure")
    assert [(g.state, g.service, g.severity) for g in hit] == [("XAA", "mail", gaps.Severity.HIGH)]
    assert "no preservation procedure" in hit[0].finding
    assert any(
        c.get("model") == "ETS185 Art. 16(1)" and c["verification"] == "model" for c in hit[0].cites
    )
    assert not found(run(company()), "preservation.no_procedure")


def test_preservation_slower_than_the_deletion() -> None:
    doc = with_retention(company(preservation_hours=48), "traffic", 1)
    hit = found(run(doc), "preservation.slower_than_deletion")
    assert len(hit) == 1 and "traffic data after 1 days" in hit[0].finding
    assert not found(
        run(with_retention(company(preservation_hours=48), "traffic", 3)),
        "preservation.slower_than_deletion",
    )


def test_retention_shorter_than_the_longest_preservation() -> None:
    hit = found(
        run(with_retention(company(), "traffic", 30)), "retention.shorter_than_preservation"
    )
    assert len(hit) == 1 and hit[0].severity is gaps.Severity.MEDIUM and hit[0].subject == "traffic"
    assert "up to 90 days" in hit[0].finding  # the Art 25 constant (model: Budapest Art 16(2))
    assert any(c.get("model") == "ETS185 Art. 16(2)" for c in hit[0].cites)
    assert not found(
        run(with_retention(company(), "traffic", 120)), "retention.shorter_than_preservation"
    )
    # the State's own longer period, cited with where it was read
    longer = register_of(act(requirements={"preservation_max_days": {"value": 150, **READ}}))
    hit = found(
        run(with_retention(company(), "traffic", 120), longer),
        "retention.shorter_than_preservation",
    )
    assert "up to 150 days" in hit[0].finding
    assert any(c.get("kind") == "national_law" and c["source"] == "s. 1" for c in hit[0].cites)


def test_response_slower_than_the_law() -> None:
    quick = register_of(act(requirements={"preservation_response_hours": {"value": 24, **READ}}))
    hit = found(run(company(preservation_hours=72), quick), "response.slower_than_law")
    assert (
        len(hit) == 1 and "within 24 hours" in hit[0].finding and "takes 72 hours" in hit[0].finding
    )
    assert not found(run(company(preservation_hours=12), quick), "response.slower_than_law")
    assert not found(run(company(preservation_hours=72)), "response.slower_than_law")  # no such law


def test_retention_below_a_national_retention_law() -> None:
    retention = {"retention_days": {"traffic": {"value": 180, **READ}}}
    in_force = register_of(act(requirements=retention))
    hit = found(
        run(with_retention(company(), "traffic", 30), in_force), "retention.below_national_minimum"
    )
    assert len(hit) == 1 and "180 days" in hit[0].finding and hit[0].severity is gaps.Severity.HIGH
    assert not found(
        run(with_retention(company(), "traffic", 365), in_force), "retention.below_national_minimum"
    )
    bill = register_of(act(requirements=retention, status=[{"status": "bill", "on": "2026-03-01"}]))
    assert not found(
        run(with_retention(company(), "traffic", 30), bill), "retention.below_national_minimum"
    )


def test_no_confidentiality_procedure() -> None:
    hit = found(run(company(confidentiality_procedure=False)), "confidentiality.no_procedure")
    assert len(hit) == 1 and "kept confidential" in hit[0].finding
    assert not found(run(company()), "confidentiality.no_procedure")
    # in a State the Convention does not bind, no order reaches the company through it
    elsewhere = copy.deepcopy(company(confidentiality_procedure=False))
    for key in ("countries", "establishments"):
        elsewhere["services"][0][key] = ["XZZ"]
    for holding in elsewhere["services"][0]["data"]:
        holding["stored_in"] = ["XZZ"]
    assert not found(run(elsewhere), "confidentiality.no_procedure")


def test_real_time_collection_required_by_the_law_only() -> None:
    required = register_of(act(requirements={"realtime_traffic_required": {"value": True, **READ}}))
    hit = found(run(company(realtime_traffic=False), required), "realtime.required_by_law")
    assert len(hit) == 1 and "existing technical capability" in hit[0].finding
    assert not found(run(company(realtime_traffic=True), required), "realtime.required_by_law")
    # the Convention alone asks only for what is within the existing capability
    assert not found(run(company(realtime_traffic=False)), "realtime.required_by_law")


def test_interception_required_by_the_law_only() -> None:
    required = register_of(act(requirements={"interception_required": {"value": True, **READ}}))
    hit = found(run(company(interception=False), required), "interception.required_by_law")
    assert len(hit) == 1
    assert not found(run(company(interception=True), required), "interception.required_by_law")
    assert not found(run(company(interception=False)), "interception.required_by_law")


def test_no_contact_at_any_hour() -> None:
    hit = found(run(company(contact_24_7=False)), "contact.no_24_7")
    assert len(hit) == 1 and hit[0].severity is gaps.Severity.MEDIUM
    required = register_of(act(requirements={"contact_24_7_required": {"value": True, **READ}}))
    assert (
        found(run(company(contact_24_7=False), required), "contact.no_24_7")[0].severity
        is gaps.Severity.HIGH
    )
    assert not found(run(company()), "contact.no_24_7")


def test_no_verification_of_the_requester() -> None:
    hit = found(run(company(requester_verification=False)), "requests.no_verification")
    assert len(hit) == 1 and any(c["article"] == 24 for c in hit[0].cites if "article" in c)
    assert not found(run(company()), "requests.no_verification")


def test_requests_from_a_state_whose_law_lacks_safeguards() -> None:
    lacking = {
        **ALL_SAFEGUARDS,
        "judicial_authorisation": {"answer": "no", "source": "s. 12", "read_on": "2026-10-01"},
    }
    hit = found(run(company(), register_of(act(safeguards=lacking))), "safeguards.lacking")
    assert len(hit) == 1 and hit[0].severity is gaps.Severity.HIGH
    assert "judicial or other independent authorisation: no (s. 12)" in hit[0].finding
    partial = {**ALL_SAFEGUARDS, "notification": {"answer": "partial", **READ}}
    assert (
        found(run(company(), register_of(act(safeguards=partial))), "safeguards.lacking")[
            0
        ].severity
        is gaps.Severity.MEDIUM
    )
    assert not found(run(company()), "safeguards.lacking")


def test_safeguards_not_known_are_said() -> None:
    hit = found(run(company(), laws.LawRegister()), "safeguards.unanswered")
    assert len(hit) == 1 and "no record of its law" in hit[0].finding
    some = {"proportionality": {"answer": "yes", **READ}, "remedy": {"answer": "unknown", **READ}}
    hit = found(run(company(), register_of(act(safeguards=some))), "safeguards.unanswered")
    assert (
        len(hit) == 1
        and "an effective remedy" in hit[0].finding
        and "proportionality" not in hit[0].finding
    )
    assert not found(run(company()), "safeguards.unanswered")


def _obligation(result: Assessment, state: str, oid: str) -> dict[str, Any]:
    country = next(c for c in result.json()["countries"] if c["state"] == state)
    return next(o for o in country["obligations"] if o["id"] == oid)


def test_obligations_apply_from_the_law_unknown_without_it_never_silent() -> None:
    yes = _obligation(run(company()), "XAA", "preservation.stored_data")
    assert yes["applies"] is True and yes["implementation"] == "in_force"
    assert any(c.get("kind") == "national_law" for c in yes["cites"])
    unknown = _obligation(run(company(), laws.LawRegister()), "XAA", "preservation.stored_data")
    assert unknown["applies"] == "unknown" and unknown["implementation"] == "unknown"
    assert "no record of XAA's law" in unknown["reason"]
    other = register_of(act(implements=(27,)))
    missing = _obligation(run(company(), other), "XAA", "preservation.stored_data")
    assert missing["applies"] == "unknown" and missing["implementation"] == "not_yet_implemented"
    # a cloud service is not reached by interception, whatever the law
    cloud = copy.deepcopy(company())
    cloud["services"][0]["kind"] = "cloud"
    no = _obligation(run(cloud), "XAA", "interception.content")
    assert no["applies"] is False and no["reason"].startswith("not reached")


def test_a_state_not_yet_bound_and_its_projected_date() -> None:
    later = service.build(
        catalogue.get(),
        extra=[*ratifications(40, date(2026, 1, 5)), inst("XZZ", "accession", "2027-03-01")],
        ignore_shipped=True,
    )
    doc = copy.deepcopy(company())
    doc["services"][0]["countries"] = ["XAA", "XZZ"]
    result = assessment.assess(footprint.parse(doc), later, register_of(act()), ON).json()
    xzz = next(c for c in result["countries"] if c["state"] == "XZZ")
    assert xzz["status"] == "non_signatory" and xzz["bound_from"] is None
    assert xzz["projected_bound_from"] == "2027-03-31"  # 30 days after deposit (Art 65(2), model)
    assert all(o["applies"] is False for o in xzz["obligations"])
    assert "projected from 2027-03-31" in xzz["obligations"][0]["reason"]


def test_the_json_has_the_documented_shape() -> None:
    result = run(with_retention(company(requester_verification=False), "traffic", 30)).json()
    assert {"as_of", "company", "countries", "gaps", "summary"} <= set(result)
    country = result["countries"][0]
    assert {"state", "status", "bound_from", "obligations"} <= set(country)
    assert {"id", "applies", "cites"} <= set(country["obligations"][0])
    assert all(
        {"id", "state", "severity", "finding", "remediation", "cites"} <= set(g)
        for g in result["gaps"]
    )
    assert result["summary"]["gaps"] == {"high": 0, "medium": 2, "low": 0}
    assert {n["id"] for n in result["not_required"]} >= {
        "general_data_retention",
        "new_interception_capability",
    }


def test_gaps_sort_high_first() -> None:
    doc = with_retention(
        company(preservation_hours=None, requester_verification=False), "traffic", 30
    )
    result = run(doc, laws.LawRegister())
    order = [gaps.ORDER.index(g.severity) for g in result.gaps]
    assert order == sorted(order) and len(set(order)) == 3

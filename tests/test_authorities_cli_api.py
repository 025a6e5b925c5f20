"""The authority registry and signed requests from the shell (the real command line, on
SQLite and PostgreSQL) and over HTTP (the ASGI app): sign, verify, check and intake agree."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from rogatory.accounts import service as accounts
from rogatory.api.app import create_app
from rogatory.api.deps import Services
from rogatory.authorities import signed
from rogatory.db import engine as dbe
from rogatory.disclosure import keys
from rogatory.parties import service
from rogatory.requests import flows
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import CliResult, ratifications
from tests.test_authorities import KEY, NUMBER, doc

Cli = Callable[..., CliResult]


@pytest.fixture
def url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    found = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ROGATORY_DATABASE_URL", found)
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
    return found


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_generate_sign_register_verify_revoke_from_the_shell(
    cli: Cli, url: str, tmp_path: Path
) -> None:
    made = cli("keys", "generate", str(tmp_path / "k"), "--requester", "--json")
    assert made.code == 0, made.err
    generated = json.loads(made.out)
    assert Path(generated["public_key_file"]).read_text().startswith("-----BEGIN PUBLIC KEY")
    request = _write(tmp_path / "request.json", doc())
    out = tmp_path / "signed.json"
    signing = cli(
        "request",
        "sign",
        str(request),
        "--key",
        generated["private_key"],
        "--kid",
        "xaa-1",
        "--out",
        str(out),
    )
    assert signing.code == 0 and "signed request written to" in signing.out, signing.err
    # not registered yet: an unknown key, exit 1
    unknown = cli("request", "verify", str(out))
    assert unknown.code == 1 and "FAIL key: xaa-1: no registered authority holds this key" in (
        unknown.out
    )
    # the pinned public key (its PEM file) verifies, exit 0
    pinned = cli("request", "verify", str(out), "--public-key", generated["public_key_file"])
    assert pinned.code == 0 and pinned.out.rstrip().endswith("valid"), pinned.out
    added = cli(
        "authorities",
        "add",
        "--state",
        "XAA",
        "--name",
        "National Cybercrime Unit of XAA",
        "--kind",
        "contact_point_24_7",
        "--domain",
        "ncu.xaa.example",
        "--phone",
        NUMBER,
        "--public-key",
        generated["public_key"],
        "--kid",
        "xaa-1",
        "--valid-from",
        "2026-01-01",
        "--verified-by",
        "M. Duarte",
        "--verified-how",
        "call to the published number",
        "--id",
        "xaa-ncu",
        "--demo",
    )
    assert added.code == 0 and "added xaa-ncu (XAA contact_point_24_7)" in added.out, added.err
    valid = cli("request", "verify", str(out), "--json")
    assert valid.code == 0, valid.out
    checks = json.loads(valid.out)
    assert checks["valid"] and checks["authority"]["id"] == "xaa-ncu"
    assert [c["check"] for c in checks["checks"]] == [
        "header",
        "key",
        "signature",
        "key validity",
        "authority",
        "issue time",
    ]
    listed = cli("authorities", "list", "--json")
    assert json.loads(listed.out)["authorities"][0]["keys"][0]["kid"] == "xaa-1"
    shown = cli("authorities", "show", "xaa-ncu")
    assert "verified by M. Duarte: call to the published number" in shown.out
    # a changed byte: exit 1, the signature check named
    tampered = json.loads(out.read_text())
    tampered["request"]["facts"] += "!"
    bad = cli("request", "verify", str(_write(tmp_path / "tampered.json", tampered)))
    assert bad.code == 1 and "FAIL signature" in bad.out
    # not a signed document at all: exit 2
    unusable = cli("request", "verify", str(request))
    assert unusable.code == 2 and unusable.err.startswith("error[signature.unusable]")
    revoked = cli(
        "authorities",
        "revoke-key",
        "xaa-1",
        "--reason",
        "compromised",
        "--from",
        "2026-01-02T00:00:00+00:00",
    )
    assert revoked.code == 0 and "revoked from 2026-01-02 00:00:00 UTC" in revoked.out
    after = cli("request", "verify", str(out))
    assert after.code == 1 and "FAIL key validity: revoked from 2026-01-02 00:00 UTC" in after.out
    again = cli("authorities", "revoke-key", "xaa-1", "--reason", "twice")
    assert again.code == 2 and again.err.startswith("error[authority.key_revoked]")
    assert cli("audit", "verify", "--state").code == 0


def test_check_gives_the_finding_intake_gives(
    cli: Cli, url: str, engine: Engine, tmp_path: Path
) -> None:
    """``check --authorities FILE`` (no database) and intake against the registry in the
    database: the same signature finding."""
    cli(
        "authorities",
        "add",
        "--state",
        "XAA",
        "--name",
        "NCU of XAA",
        "--kind",
        "contact_point_24_7",
        "--domain",
        "ncu.xaa.example",
        "--public-key",
        keys.public_b64(KEY.public_key()),
        "--kid",
        "xaa-ncu-1",
        "--valid-from",
        "2026-01-01",
        "--verified-by",
        "t",
        "--verified-how",
        "t",
        "--id",
        "xaa-ncu",
    )
    registry = tmp_path / "registry.json"
    registry.write_text(cli("authorities", "list", "--json").out)
    sent = _write(tmp_path / "signed.json", signed.sign(doc(), KEY, "xaa-ncu-1"))
    instruments = tmp_path / "instruments.csv"
    instruments.write_text(
        "state,kind,date\n"
        + "".join(f"{r.state},{r.kind.value},{r.on}\n" for r in ratifications(40, date(2026, 1, 5)))
    )
    checked = cli(
        "check",
        str(sent),
        "--authorities",
        str(registry),
        "--format",
        "json",
        "--instruments",
        str(instruments),
        "--ignore-shipped",
    )
    assert checked.code == 0, checked.err
    by_check = {f["rule"]: f for f in json.loads(checked.out)["findings"]}
    offline = cli("check", str(sent), "--format", "json", "--instruments", str(instruments))
    assert {f["rule"]: f for f in json.loads(offline.out)["findings"]}["requester.signature"][
        "result"
    ] == "review"  # no registry given: the key is unknown here
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    screener = screening.Screener(screening.build_law(register=register))
    with dbe.sessions(engine).begin() as s:
        actor = flows.Actor("ivan", "org-a", frozenset({flows.Role.INTAKE}))
        case, _ = flows.intake(s, actor, json.loads(sent.read_text()), screener)
        decision = flows.latest_screening(s, case).decision
    by_intake = {f["rule"]: f for f in decision["findings"]}
    for rule in ("requester.signature", "requester.sender_domain", "channel.requesting_authority"):
        assert by_check[rule]["result"] == by_intake[rule]["result"] == "pass", rule
        assert by_check[rule]["reason"] == by_intake[rule]["reason"], rule
    text = cli(
        "check", str(sent), "--authorities", str(registry), "--instruments", str(instruments)
    )
    assert "Signature: valid by NCU of XAA (XAA)" in text.out


# ---- over HTTP ---------------------------------------------------------------------------

SCOPES = ["cases:read", "cases:write", "audit:read", "users:admin"]


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    sessions = dbe.sessions(engine)
    tokens: dict[str, str] = {}
    with sessions.begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        for email, org, role in (
            ("admin@a.example", "org-a", "admin"),
            ("intake@a.example", "org-a", "intake"),
            ("reviewer@a.example", "org-a", "reviewer"),
            ("approver@a.example", "org-a", "approver"),
            ("admin@b.example", "org-b", "admin"),
        ):
            user = accounts.add_user(
                s, org=org, email=email, name=role, password="correct horse battery", roles=[role]
            )
            tokens[email] = accounts.create_token(s, user, name="t", scopes=SCOPES)[1]
    register = service.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    app = create_app(
        Services(
            sessions,
            screening.Screener(screening.build_law(register=register)),
            Lifecycle(catalogue.get().has_provision),
            tmp_path / "evidence",
        )
    )
    with TestClient(app) as client:
        yield client, tokens


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


AUTHORITY = {
    "id": "xaa-ncu",
    "state": "XAA",
    "name": "National Cybercrime Unit of XAA",
    "kind": "contact_point_24_7",
    "domains": ["ncu.xaa.example"],
    "phones": [NUMBER],
    "keys": [
        {
            "kid": "xaa-ncu-1",
            "public_key": keys.public_b64(KEY.public_key()),
            "valid_from": "2026-01-01T00:00:00+00:00",
        }
    ],
    "valid_from": "2026-01-01",
    "verified_by": "M. Duarte",
    "verified_how": "call to the published number",
}


def test_the_registry_over_http(api: tuple[TestClient, dict[str, str]]) -> None:
    client, t = api
    refused = client.post("/api/v1/authorities", json=AUTHORITY, headers=_h(t["intake@a.example"]))
    assert refused.status_code == 403 and refused.json()["code"] == "authority.forbidden"
    made = client.post("/api/v1/authorities", json=AUTHORITY, headers=_h(t["admin@a.example"]))
    assert made.status_code == 201, made.text
    assert made.json()["keys"][0]["kid"] == "xaa-ncu-1"
    bad = client.post(
        "/api/v1/authorities",
        json={**AUTHORITY, "id": "x2", "phones": ["0800"], "keys": []},
        headers=_h(t["admin@a.example"]),
    )
    assert bad.status_code == 422 and bad.json()["code"] == "authority.invalid"
    assert bad.json()["errors"][0]["detail"].startswith(
        "field phones[0]: '0800' is not an international number"
    )
    listed = client.get("/api/v1/authorities", headers=_h(t["reviewer@a.example"]))
    assert [a["id"] for a in listed.json()["items"]] == ["xaa-ncu"]
    other = client.get("/api/v1/authorities/xaa-ncu", headers=_h(t["admin@b.example"]))
    assert other.status_code == 404  # another organisation's registry is invisible
    revoked = client.post(
        "/api/v1/authority-keys/xaa-ncu-1/revoke",
        json={"reason": "compromised"},
        headers=_h(t["admin@a.example"]),
    )
    assert revoked.status_code == 200 and revoked.json()["keys"][0]["revoked_reason"] == (
        "compromised"
    )


def test_signed_intake_replay_and_call_back_over_http(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, t = api
    client.post("/api/v1/authorities", json=AUTHORITY, headers=_h(t["admin@a.example"]))
    sent = signed.sign(doc("emergency"), KEY, "xaa-ncu-1")
    created = client.post("/api/v1/cases", json=sent, headers=_h(t["intake@a.example"]))
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    replay = client.post("/api/v1/cases", json=sent, headers=_h(t["intake@a.example"]))
    assert replay.status_code == 409 and replay.json()["code"] == "request.replayed"
    stale = signed.sign(doc(), KEY, "xaa-ncu-1", issued_at=datetime.now(UTC) - timedelta(days=2))
    late = client.post("/api/v1/cases", json=stale, headers=_h(t["intake@a.example"]))
    assert late.status_code == 409 and "more than 24 hours ago" in late.json()["detail"]
    unusable = client.post(
        "/api/v1/cases",
        json={"request": doc(), "signature": "not a jws"},
        headers=_h(t["intake@a.example"]),
    )
    assert unusable.status_code == 422 and unusable.json()["code"] == "signature.unusable"
    wrong = client.post(
        f"/api/v1/cases/{case_id}/call-backs",
        json={"number": "+15555550100", "outcome": "confirmed"},
        headers=_h(t["reviewer@a.example"]),
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "callback.invalid"
    by_intake = client.post(
        f"/api/v1/cases/{case_id}/call-backs",
        json={"number": NUMBER, "outcome": "confirmed"},
        headers=_h(t["intake@a.example"]),
    )
    assert by_intake.status_code == 403
    called = client.post(
        f"/api/v1/cases/{case_id}/call-backs",
        json={"number": NUMBER, "outcome": "confirmed", "note": "Duty officer confirmed."},
        headers=_h(t["reviewer@a.example"]),
    )
    assert called.status_code == 201, called.text
    assert called.json()["authority"] == "xaa-ncu" and called.json()["screening"] == 2
    full = client.get(f"/api/v1/cases/{case_id}", headers=_h(t["reviewer@a.example"])).json()
    assert "confirmed by a call-back" in json.dumps(full)

"""The API fuzzed against its own OpenAPI document (schemathesis, every check), on SQLite.

Every operation of the real application is called with generated data, valid and invalid,
authenticated with a real bearer token and aimed at real cases, holds, disclosure steps,
people and tokens (the generated path ids are swapped for stored ones, most of the time), so
that the calls reach the rules rather than stop at a 404. Every answer must be no 5xx, every
error problem+json, every answer what the document says it is. Bounded and derandomized: a
fixed number of examples per operation, the same ones on every run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from rogatory.accounts import service as accounts
from rogatory.api.deps import Services
from rogatory.db import engine as dbe
from rogatory.db import migrate
from rogatory.demo import seed
from rogatory.requests import flows
from rogatory.requests.transitions import Lifecycle
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from rogatory.web.app import create_app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"
PASSWORD = "correct horse battery"
EVERY_ROLE = ["intake", "reviewer", "approver", "auditor", "admin"]
EVERY_SCOPE = ["cases:read", "cases:write", "audit:read", "users:admin"]
EXAMPLES_PER_OPERATION = 25


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


def _unused_services() -> Services:
    """Services for reading the OpenAPI document only: no request reaches their database."""
    return Services(
        dbe.sessions(dbe.make_engine("sqlite://")),
        screening.load(instruments_file=seed.INSTRUMENTS),
        Lifecycle(catalogue.get().has_provision),
    )


# The statuses schemathesis' two data checks take, widened by what the document cannot say:
# data that fits the schema may still break a rule of the workflow (who may approve, which
# findings exist, how long a hold lasts), answered 422 naming the rule; a body too large to
# read is refused 413 before any field of it is looked at.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "422"]
            },
        }
    }
)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_unused_services()), config=CONFIG
)
TOKEN: dict[str, str] = {}  # the fuzzing user's token, once the site fixture made it
# Some cases (the coverage phase's) are built when the tests are collected, before the site
# exists: they carry this stand-in, which the test swaps for the real token.
STAND_IN = "the-fuzzing-users-token"


@schema.auth(refresh_interval=None, retry_on=[])
class BearerToken:
    """The token, set the way schemathesis knows about: its checks that leave it out or spoil
    it (expecting 401) then do so, rather than the test adding it back."""

    def get(self, case: Any, ctx: Any) -> str:
        return TOKEN.get("value", STAND_IN)

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@dataclass
class Site:
    """The application under fuzzing and the stored ids the generated calls are aimed at."""

    app: FastAPI
    token: str
    ids: dict[str, list[Any]] = field(default_factory=dict)

    def aim(self, name: str, generated: Any) -> Any:
        """A stored id for a path parameter, chosen by the generated value (so a run is
        reproducible); one choice in five keeps the generated value, to fuzz the not-found
        path too."""
        stored = self.ids.get(name)
        if not stored:
            return generated
        digest = int(hashlib.sha256(repr(generated).encode()).hexdigest(), 16)
        choice = digest % (len(stored) + 1)
        return generated if choice == len(stored) else stored[choice]


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("fuzz")
    engine = dbe.make_engine(f"sqlite:///{root / 'fuzz.db'}")
    migrate.upgrade(engine)
    sessions = dbe.sessions(engine)
    with sessions.begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        user = accounts.add_user(
            s, org="org-a", email="all@a.example", name="all", password=PASSWORD, roles=EVERY_ROLE
        )
        token = accounts.create_token(s, user, name="fuzz", scopes=EVERY_SCOPE)[1]
        second = accounts.add_user(
            s,
            org="org-a",
            email="second@a.example",
            name="second",
            password=PASSWORD,
            roles=["approver", "reviewer"],
        )
        second_token = accounts.create_token(s, second, name="second", scopes=EVERY_SCOPE)[1]
        spare = accounts.add_user(
            s,
            org="org-a",
            email="spare@a.example",
            name="spare",
            password=PASSWORD,
            roles=["reviewer"],
        )
        spare_token_row, _ = accounts.create_token(s, spare, name="spare", scopes=["cases:read"])
        spare_token = spare_token_row.id
    services = Services(
        sessions,
        screening.load(instruments_file=seed.INSTRUMENTS),
        Lifecycle(catalogue.get().has_provision),
        root / "evidence",
        max_evidence_bytes=64 * 1024,
    )
    app = create_app(services)
    with TestClient(app) as client:
        auth, other = _h(token), _h(second_token)

        def create(**changes: Any) -> str:
            made = client.post("/api/v1/cases", json=_doc(**changes), headers=auth)
            assert made.status_code == 201, made.text
            return str(made.json()["id"])

        def move(case_id: str, to: str, headers: dict[str, str] = auth, **body: Any) -> None:
            moved = client.post(
                f"/api/v1/cases/{case_id}/transitions", json={"to": to, **body}, headers=headers
            )
            assert moved.status_code == 200, moved.text

        screened = create()
        reviewing = create()
        move(reviewing, "in_review")
        approved = create()
        move(approved, "in_review", other)
        given = client.post(f"/api/v1/cases/{approved}/approvals", json={}, headers=auth)
        assert given.status_code == 200 and given.json()["status"] == "approved", given.text
        hold = client.post(
            f"/api/v1/cases/{approved}/holds",
            json={"identifiers": ["acct-1"], "days": 90},
            headers=auth,
        )
        assert hold.status_code == 201, hold.text
        upload = client.put(
            f"/api/v1/cases/{approved}/evidence/log.txt", content=b"log", headers=auth
        )
        assert upload.status_code == 201, upload.text
        closed = create()
        move(closed, "in_review")
        move(closed, "withdrawn", note="the requesting State withdrew it")
        refused = create()
        move(refused, "in_review")
        ground = {"reason": "ordre public", "provision": "uncc:art-40:para-21"}
        move(refused, "refused", grounds=[ground])
        drafted = client.post(
            f"/api/v1/cases/{refused}/replies", json={"kind": "refusal"}, headers=other
        )
        assert drafted.status_code == 201, drafted.text
        ids: dict[str, list[Any]] = {
            "case_id": [screened, reviewing, approved, closed, refused],
            "reply_id": [drafted.json()["id"]],
            "hold_id": [hold.json()["id"]],
            "step_id": [1],
            "email": ["spare@a.example", "second@a.example"],
            "token_id": [spare_token],
            "name": ["log.txt"],
        }
        TOKEN["value"] = token
        yield Site(app, token, ids)
    engine.dispose()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_against_its_document(case: Any, site: Site) -> None:
    if (case.headers or {}).get("Authorization") == f"Bearer {STAND_IN}":
        case.headers["Authorization"] = f"Bearer {site.token}"
    for name in list(case.path_parameters or {}):
        case.path_parameters[name] = site.aim(name, case.path_parameters[name])
    case.call_and_validate(app=site.app)

"""Cutting off access on SQLite and PostgreSQL: deactivation, roles, token revocation, the
last admin, the audit record, and the ``rogatory users`` / ``rogatory tokens`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from rogatory.accounts import people, sessions
from rogatory.accounts import service as accounts
from rogatory.accounts.models import ApiToken, BrowserSession, User
from rogatory.audit import service as audit
from rogatory.audit.models import AuditEvent
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.requests import flows
from rogatory.requests.transitions import Role
from tests.conftest import CliResult

PASSWORD = "correct horse battery"
ADA = flows.Actor("ada@a.example", "org-a", frozenset({Role.ADMIN}))


def _people(engine: Engine) -> dict[str, str]:
    """Org A: an admin, a reviewer with a token and a browser session; org B: a reviewer.
    Returns the raw tokens and the reviewer's session secret."""
    made: dict[str, str] = {}
    with dbe.sessions(engine).begin() as s:
        for org in ("org-a", "org-b"):
            flows.ensure_organisation(s, org, org)
        for org, email, roles in (
            ("org-a", "ada@a.example", ["admin"]),
            ("org-a", "rita@a.example", ["reviewer", "intake"]),
            ("org-b", "rob@b.example", ["reviewer"]),
        ):
            user = accounts.add_user(
                s, org=org, email=email, name=email, password=PASSWORD, roles=roles
            )
            made[email] = accounts.create_token(s, user, name="portal", scopes=["cases:read"])[1]
    made["rita-session"] = sessions.sign_in(
        dbe.sessions(engine), "rita@a.example", PASSWORD, address="127.0.0.1"
    )[1]
    return made


def _events(engine: Engine, action: str) -> list[dict[str, object]]:
    with dbe.sessions(engine)() as s:
        return [
            {"actor": e.actor, **e.summary}
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            ).scalars()
        ]


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(engine: Engine) -> None:
    made = _people(engine)
    with dbe.sessions(engine).begin() as s:
        assert accounts.authenticate(s, made["rita@a.example"]).email == "rita@a.example"
        assert sessions.resolve(s, made["rita-session"]).principal.email == "rita@a.example"
        done = people.deactivate(s, ADA, "Rita@a.example")
        assert done.user.active is False and done.sessions_ended == 1
        rita = done.user.id
    with dbe.sessions(engine).begin() as s:
        with pytest.raises(RogatoryError, match="unknown, expired or revoked"):
            accounts.authenticate(s, made["rita@a.example"])
        with pytest.raises(RogatoryError) as info:
            sessions.resolve(s, made["rita-session"])
        assert info.value.code == "auth.no_session"
        tokens = s.execute(select(ApiToken).where(ApiToken.user_id == rita)).scalars().all()
        assert tokens and all(t.revoked_at is not None for t in tokens)
        assert s.execute(select(BrowserSession.revoked_at)).scalar_one() is not None
        assert people.deactivate(s, ADA, "rita@a.example").tokens_revoked == []  # again: no-op
    [event] = _events(engine, "user.deactivated")
    assert event["actor"] == "ada@a.example" and event["email"] == "rita@a.example"
    assert event["tokens_revoked"] == done.tokens_revoked and len(done.tokens_revoked) == 1
    with dbe.sessions(engine)() as s:
        assert audit.verify(s).ok


def test_roles_change_and_are_audited_and_only_admins_of_the_organisation_may(
    engine: Engine,
) -> None:
    made = _people(engine)
    with dbe.sessions(engine).begin() as s:
        user = people.set_roles(s, ADA, "rita@a.example", ["approver"])
        assert user.roles == ["approver"]
    with dbe.sessions(engine).begin() as s:  # the next request carries the new roles
        assert accounts.authenticate(s, made["rita@a.example"]).roles == {Role.APPROVER}
    assert _events(engine, "user.roles_changed") == [
        {
            "actor": "ada@a.example",
            "email": "rita@a.example",
            "from": ["intake", "reviewer"],
            "to": ["approver"],
        }
    ]
    rita = flows.Actor("rita@a.example", "org-a", frozenset({Role.APPROVER}))
    for call, code in (
        (lambda s: people.set_roles(s, ADA, "rita@a.example", []), "user.invalid_role"),
        (lambda s: people.set_roles(s, ADA, "rita@a.example", ["judge"]), "user.invalid_role"),
        (lambda s: people.set_roles(s, ADA, "rob@b.example", ["admin"]), "user.not_found"),
        (lambda s: people.deactivate(s, ADA, "rob@b.example"), "user.not_found"),
        (lambda s: people.deactivate(s, rita, "ada@a.example"), "user.forbidden"),
        (lambda s: people.people(s, rita), "user.forbidden"),
    ):
        with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
            call(s)
        assert info.value.code == code
    with dbe.sessions(engine)() as s:
        assert s.execute(select(User.active).where(User.email == "rob@b.example")).scalar_one()


def test_the_last_admin_of_an_organisation_stays(engine: Engine) -> None:
    _people(engine)
    for change in (
        lambda s: people.deactivate(s, ADA, "ada@a.example"),
        lambda s: people.set_roles(s, ADA, "ada@a.example", ["auditor"]),
    ):
        with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError) as info:
            change(s)
        assert info.value.code == "user.last_admin"
        assert "last active admin of org-a" in info.value.message and info.value.help
    with dbe.sessions(engine).begin() as s:  # with a second admin, the first may step down
        people.set_roles(s, ADA, "rita@a.example", ["admin", "reviewer"])
        people.set_roles(s, ADA, "ada@a.example", ["auditor"])
    rita = flows.Actor("rita@a.example", "org-a", frozenset({Role.ADMIN}))
    with dbe.sessions(engine).begin() as s, pytest.raises(RogatoryError, match="last active"):
        people.deactivate(s, rita, "rita@a.example")
    with dbe.sessions(engine)() as s:
        ada = s.execute(select(User).where(User.email == "ada@a.example")).scalar_one()
        assert ada.roles == ["auditor"] and ada.active


def test_revoking_a_token_is_audited_once_and_stays_in_its_organisation(engine: Engine) -> None:
    made = _people(engine)
    token_id = made["rita@a.example"].split("_")[1]
    other = made["rob@b.example"].split("_")[1]
    with dbe.sessions(engine).begin() as s:
        first = people.revoke_token(s, ADA, token_id).revoked_at
        assert first is not None and first <= datetime.now(UTC)
        assert people.revoke_token(s, ADA, token_id).revoked_at == first  # again: unchanged
        with pytest.raises(RogatoryError) as info:
            people.revoke_token(s, ADA, other)
        assert info.value.code == "token.not_found"
    with dbe.sessions(engine).begin() as s:
        with pytest.raises(RogatoryError, match="unknown, expired or revoked"):
            accounts.authenticate(s, made["rita@a.example"])
        assert accounts.authenticate(s, made["rob@b.example"]).email == "rob@b.example"
    assert _events(engine, "token.revoked") == [
        {"actor": "ada@a.example", "token": token_id, "name": "portal", "user": "rita@a.example"}
    ]


def test_the_commands_cut_off_access(
    engine: Engine, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _people(engine)
    monkeypatch.setenv("ROGATORY_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    token_id = made["rob@b.example"].split("_")[1]
    revoked = cli("tokens", "revoke", token_id)
    assert revoked.code == 0, revoked.err
    assert revoked.out.startswith(f"token {token_id} of rob@b.example revoked at ")
    roles = cli("users", "set-roles", "rita@a.example", "--role", "approver", "--role", "intake")
    assert roles.code == 0 and roles.out == "rita@a.example (active): roles approver, intake\n"
    gone = cli("users", "deactivate", "rita@a.example", "--json")
    assert gone.code == 0, gone.err
    body = json.loads(gone.out)
    assert body["active"] is False and body["sessions_ended"] == 1
    assert len(body["tokens_revoked"]) == 1
    last = cli("users", "deactivate", "ada@a.example")
    assert last.code == 2 and last.err.startswith("error[user.last_admin]: ada@a.example is")
    assert "help: give another user the admin role first" in last.err
    for args, code in (
        (("users", "deactivate", "nobody@a.example"), "user.not_found"),
        (("users", "set-roles", "rita@a.example", "--role", "judge"), "user.invalid_role"),
        (("tokens", "revoke", "0000"), "token.not_found"),
    ):
        failed = cli(*args)
        assert failed.code == 2 and failed.err.startswith(f"error[{code}]: "), failed.err
    with dbe.sessions(engine)() as s:
        by = {e.action: e.actor for e in s.execute(select(AuditEvent)).scalars()}
        assert by["token.revoked"].startswith("cli") and by["user.deactivated"].startswith("cli")
        assert audit.verify(s).ok

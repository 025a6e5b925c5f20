"""``rogatory requesters``: requesting authorities' own accounts, for the provider's admin.

``list`` shows who signed up, from which authority of the registry, and where each stands
(those awaiting approval first); ``approve`` lets an enrolled account in, ``suspend`` cuts
an approved one off at once. Both are audited in the organisation's chain as done by
``cli:LOGIN``, like ``rogatory users``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from rogatory import settings
from rogatory.cli.common import JsonFlag, console, handles_errors, print_json
from rogatory.cli.records import _operator as operator
from rogatory.errors import RogatoryError

requesters_app = typer.Typer(
    help="Requesting authorities' accounts: list, approve, suspend.", no_args_is_help=True
)


def _row(found: Any) -> dict[str, Any]:
    a = found.account
    return {
        "email": found.user.email,
        "name": found.user.name,
        "organisation": a.org_id,
        "authority": a.authority_id,
        "authority_name": a.authority_name,
        "state": a.state,
        "status": a.status,
        "signed_up": a.created_at.isoformat(timespec="seconds"),
        "approved_by": a.approved_by,
    }


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['email']} ({row['status']}): {row['authority_name']} ({row['state']}, "
        f"registry id {row['authority']}) in {row['organisation']}"
    )


@requesters_app.command("list")
@handles_errors
def list_requesters(
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organisation's (default: all).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="unverified, verified, enrolled, approved, suspended"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Requester accounts: those awaiting approval (enrolled) first, then by email."""
    from rich.table import Table
    from sqlalchemy import select

    from rogatory.db import engine as dbe
    from rogatory.requesters import service as requesters
    from rogatory.requests.flows import Actor
    from rogatory.requests.models import Organisation
    from rogatory.requests.transitions import Role

    engine = dbe.make_engine(settings.load().database_url)
    rows: list[dict[str, Any]] = []
    with dbe.sessions(engine, read_only=True)() as session:
        orgs = [org] if org else list(session.execute(select(Organisation.id)).scalars())
        for one in orgs:
            if session.get(Organisation, one) is None:
                raise RogatoryError("organisation.not_found", f"field org: no organisation {one!r}")
            admin = Actor(operator(), one, frozenset({Role.ADMIN}))
            rows += [_row(r) for r in requesters.listed(session, admin, status)]
    if as_json:
        print_json({"requesters": rows})
        return
    table = Table("organisation", "email", "authority", "state", "status", "signed up")
    for r in rows:
        table.add_row(
            r["organisation"],
            r["email"],
            r["authority_name"],
            r["state"],
            r["status"],
            r["signed_up"][:10],
        )
    console.print(table)
    waiting = sum(1 for r in rows if r["status"] == "enrolled")
    console.print(f"{len(rows)} requester account(s), {waiting} awaiting approval", markup=False)


def _act(email: str, what: str, as_json: bool) -> None:
    from rogatory.accounts import people
    from rogatory.db import engine as dbe
    from rogatory.requesters import service as requesters

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        admin = people.operator_for(session, operator(), email=email)
        act = requesters.approve if what == "approve" else requesters.suspend
        row = _row(act(session, admin, email))
    if as_json:
        print_json(row)
    else:
        console.print(_line(row), markup=False)


@requesters_app.command("approve")
@handles_errors
def approve(
    email: Annotated[str, typer.Argument(help="The requester's official email address.")],
    as_json: JsonFlag = False,
) -> None:
    """Approve an account that verified its email and enrolled its second factor (or one
    suspended): it may sign in from now on, with its password and TOTP code."""
    _act(email, "approve", as_json)


@requesters_app.command("suspend")
@handles_errors
def suspend(
    email: Annotated[str, typer.Argument(help="The requester's official email address.")],
    as_json: JsonFlag = False,
) -> None:
    """Suspend an approved account: its sessions end and its API tokens are revoked now."""
    _act(email, "suspend", as_json)

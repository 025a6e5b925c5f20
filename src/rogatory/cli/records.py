"""``rogatory db``, ``rogatory receipt``, ``rogatory users``, ``tokens`` and ``cases``
(``rogatory audit`` and ``rogatory keys`` are in ``integrity``).

The storage and cryptography libraries are imported inside the commands that use them, so
that every other command starts quickly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rogatory import settings
from rogatory.cli.common import (
    JsonFlag,
    console,
    err_console,
    handles_errors,
    print_json,
    requester_policy,
)
from rogatory.errors import RogatoryError

db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
receipt_app = typer.Typer(help="Custody receipts: sign and verify.", no_args_is_help=True)


@db_app.command("upgrade")
@handles_errors
def upgrade() -> None:
    """Create or migrate the database at ROGATORY_DATABASE_URL to the latest schema."""
    from rogatory.db import engine as dbe
    from rogatory.db import migrate

    url = settings.load().database_url
    engine = dbe.make_engine(url)
    migrate.upgrade(engine)
    console.print(
        f"database at revision {migrate.current(engine)} ({engine.url.render_as_string()})",
        markup=False,
    )
    from rogatory.cli.integrity import seal_plaintext

    sealed = seal_plaintext(engine)
    if sealed.startswith("encrypted"):
        console.print(sealed, markup=False)


@receipt_app.command("sign")
@handles_errors
def sign(
    manifest: Annotated[Path, typer.Argument(help="Manifest JSON (case, recipient, files).")],
    key: Annotated[Path, typer.Option("--key", help="The organisation's PEM signing key.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the receipt here.")] = None,
) -> None:
    """Sign a hand-over manifest into a custody receipt."""
    from rogatory.disclosure import keys, receipts

    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{manifest}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RogatoryError("receipt.invalid", f"{manifest}: not a JSON manifest: {exc}") from None
    parsed = receipts.parse_manifest(data, file=str(manifest))
    receipt = receipts.sign(parsed, keys.load_private(key))
    text = json.dumps(receipt.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"receipt written to {out}", markup=False)


@receipt_app.command("verify")
@handles_errors
def verify_receipt(
    path: Annotated[Path, typer.Argument(help="The custody receipt (JSON).")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="The expected key (base64).")
    ] = None,
    keys_file: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            help="The organisation's published keys (JSON of GET /api/v1/organisation/public-key).",
        ),
    ] = None,
    files: Annotated[
        Path | None, typer.Option("--files", help="Folder of the files received.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a custody receipt. Exit 0 if every check passes, 1 if any fails."""
    from rogatory.disclosure import keys, receipts

    receipt = receipts.load(path)
    expected = keys.parse_public(public_key) if public_key else None
    published = None
    if keys_file is not None:
        data = receipts.read_json(keys_file, code="receipt.invalid_key", what="key list")
        listed = data.get("keys") if isinstance(data, dict) else data
        published = receipts.validated(
            keys.PublishedKeys, listed, str(keys_file), code="receipt.invalid_key"
        ).root
    result = receipts.verify(receipt, expected_key=expected, published=published, files_dir=files)
    if as_json:
        print_json(
            {
                "valid": result.ok,
                "receipt_id": receipt.manifest.receipt_id,
                "key_id": receipt.key_id,
                "audit_head": receipt.manifest.audit_head.model_dump()
                if receipt.manifest.audit_head
                else None,
                "checks": [{"check": n, "ok": ok, "message": m} for n, ok, m in result.checks],
            }
        )
    else:
        for name, ok, message in result.checks:
            mark = "[green]ok[/green]  " if ok else "[red]FAIL[/red]"
            console.print(f"{mark} {name}: {message}")
        console.print("[green]valid[/green]" if result.ok else "[bold red]INVALID[/bold red]")
    if not result.ok:
        raise typer.Exit(1)


users_app = typer.Typer(help="People who work the queue.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for machines.", no_args_is_help=True)


@users_app.command("add")
@handles_errors
def add_user(
    email: Annotated[str, typer.Argument(help="The user's e-mail address (their login).")],
    org: Annotated[str, typer.Option("--org", help="Organisation id; created if new.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[
        list[str], typer.Option("--role", help="intake, reviewer, approver, auditor, admin")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user; the password is prompted for (hidden) or read from standard input."""
    from rogatory.accounts import service as accounts
    from rogatory.db import engine as dbe
    from rogatory.requests import flows

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        flows.ensure_organisation(session, org, org)
        user = accounts.add_user(
            session,
            org=org,
            email=email,
            name=name,
            password=password,
            roles=role,
            by=_operator(),
        )
    console.print(
        f"user {user.email} added to {org} with roles {', '.join(user.roles)}", markup=False
    )


@users_app.command("list")
@handles_errors
def list_users(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The people of every organisation (or of --org), with their roles."""
    from rich.table import Table

    from rogatory.accounts import service as accounts
    from rogatory.db import engine as dbe

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        rows = accounts.directory(session, org)
    organisations: dict[str, dict[str, str | int]] = {}
    for _, o in rows:
        organisations.setdefault(o.id, {"id": o.id, "name": o.name, "users": 0})
        organisations[o.id]["users"] = int(organisations[o.id]["users"]) + 1
    if as_json:
        print_json(
            {
                "organisations": list(organisations.values()),
                "users": [
                    {
                        "email": u.email,
                        "name": u.name,
                        "organisation": o.id,
                        "roles": u.roles,
                        "active": u.active,
                    }
                    for u, o in rows
                ],
            }
        )
        return
    table = Table("organisation", "email", "name", "roles", "active")
    for u, o in rows:
        table.add_row(o.id, u.email, u.name, ", ".join(u.roles), "yes" if u.active else "no")
    console.print(table)
    listed = "; ".join(f"{o['id']} ({o['name']})" for o in organisations.values())
    count = len(organisations)
    console.print(
        f"{len(rows)} users in {count} organisation{'s' if count != 1 else ''}"
        + (f": {listed}" if listed else ""),
        markup=False,
    )


@tokens_app.command("create")
@handles_errors
def create_token(
    email: Annotated[str, typer.Argument(help="The user the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", help="cases:read, cases:write, audit:read, users:admin"),
    ],
    days: Annotated[int, typer.Option("--days", min=1, max=366)] = 90,
    as_json: JsonFlag = False,
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    from sqlalchemy import select

    from rogatory.accounts import service as accounts
    from rogatory.accounts.models import User
    from rogatory.db import engine as dbe

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        user = session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()
        if user is None:
            raise RogatoryError("user.not_found", f"no user {email}")
        row, raw = accounts.create_token(
            session, user, name=name, scopes=scope, days=days, by=_operator()
        )
    if as_json:
        print_json(
            {
                "id": row.id,
                "token": raw,
                "expires_at": row.expires_at.isoformat(),
                "scopes": row.scopes,
            }
        )
    else:
        console.print(
            f"token {row.id} (expires {row.expires_at:%Y-%m-%d}); shown once:\n{raw}", markup=False
        )


def _operator() -> str:
    """How the audit log names whoever runs these commands: ``cli:`` and the login."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in this environment
        return "cli"


def _user_line(user: Any) -> str:
    state = "active" if user.active else "deactivated"
    return f"{user.email} ({state}): roles {', '.join(user.roles)}"


@users_app.command("deactivate")
@handles_errors
def deactivate_user(
    email: Annotated[str, typer.Argument(help="The user to cut off.")],
    as_json: JsonFlag = False,
) -> None:
    """Deactivate a user: their browser sessions end and their API tokens are revoked now.
    The last active admin of an organisation is not deactivated."""
    from rogatory.accounts import people
    from rogatory.db import engine as dbe

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        admin = people.operator_for(session, _operator(), email=email)
        done = people.deactivate(session, admin, email)
        line, tokens, ended = _user_line(done.user), done.tokens_revoked, done.sessions_ended
    if as_json:
        print_json(
            {
                "email": email.strip().lower(),
                "active": False,
                "tokens_revoked": tokens,
                "sessions_ended": ended,
            }
        )
    else:
        console.print(
            f"{line}; {len(tokens)} token(s) revoked, {ended} session(s) ended", markup=False
        )


@users_app.command("set-roles")
@handles_errors
def set_roles(
    email: Annotated[str, typer.Argument(help="The user whose roles change.")],
    role: Annotated[
        list[str], typer.Option("--role", help="intake, reviewer, approver, auditor, admin")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Replace a user's roles with those given (repeat --role). The last active admin of an
    organisation keeps the admin role."""
    from rogatory.accounts import people
    from rogatory.db import engine as dbe

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        admin = people.operator_for(session, _operator(), email=email)
        user = people.set_roles(session, admin, email, role)
        roles, line = list(user.roles), _user_line(user)
    if as_json:
        print_json({"email": email.strip().lower(), "roles": roles})
    else:
        console.print(line, markup=False)


@tokens_app.command("revoke")
@handles_errors
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The token's id (shown when it was created).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke an API token; it stops working on its next request."""
    from rogatory.accounts import people
    from rogatory.accounts.models import User
    from rogatory.db import engine as dbe

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        admin = people.operator_for(session, _operator(), token=token_id)
        row = people.revoke_token(session, admin, token_id)
        owner = session.get(User, row.user_id)
        email, revoked = (owner.email if owner else ""), row.revoked_at
    assert revoked is not None
    if as_json:
        print_json({"id": token_id, "user": email, "revoked_at": revoked.isoformat()})
    else:
        console.print(
            f"token {token_id} of {email} revoked at {revoked:%Y-%m-%d %H:%M} UTC", markup=False
        )


cases_app = typer.Typer(help="Cases in the database.", no_args_is_help=True)


@cases_app.command("import")
@handles_errors
def import_cases(
    folder: Annotated[Path, typer.Argument(help="A folder of request documents (*.json).")],
    org: Annotated[str, typer.Option("--org", help="The organisation receiving them.")],
    user: Annotated[str, typer.Option("--as", help="Who is recorded as taking them in.")],
    instruments: Annotated[
        Path | None, typer.Option("--instruments", help="Extra instruments CSV.")
    ] = None,
    treaty: Annotated[
        str,
        typer.Option(
            "--treaty",
            help="The treaty the requests are made under and screened under (the cases "
            "keep it); --instruments are its instruments.",
        ),
    ] = "uncc",
    batch: Annotated[
        int, typer.Option("--batch", help="Files per transaction (each in its own savepoint).")
    ] = 500,
    as_json: JsonFlag = False,
) -> None:
    """Take in every request document of a folder as a case, each screened at once.

    Each file's name is its idempotency key, so importing the same folder again creates
    nothing twice: a run that was interrupted is simply run again, and the files it had
    committed are skipped (counted as already imported). Files are committed in batches
    (--batch, default 500); a file that is not a valid request is reported with its error
    and rolled back alone, and the others are imported. Exit 2 if any file failed.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from rogatory.db import engine as dbe
    from rogatory.requests import bulk, flows
    from rogatory.requests.transitions import Role
    from rogatory.safeguards import engine as screening

    files = bulk.request_files(folder)
    screener = screening.load(
        bundle_id=treaty, instruments_file=instruments, requester_policy=requester_policy()
    )
    engine = dbe.make_engine(settings.load().database_url)
    actor = flows.Actor(user, org, frozenset({Role.INTAKE}))
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("importing", total=len(files))

        def done(result: bulk.FileResult) -> None:
            progress.advance(task)
            if result.error is not None:
                progress.console.print(
                    f"error[import.skipped]: {result.file}: {result.error}", markup=False
                )

        report = bulk.import_files(
            dbe.sessions(engine), actor, files, screener, batch=batch, on_file=done
        )
    engine.dispose()
    if as_json:
        print_json(
            {
                "imported": report.imported,
                "already_imported": report.already,
                "skipped": report.failed,
                "files": [r.to_json() for r in report.files],
            }
        )
    else:
        lines = [
            f"{r.file}: case {r.case} ({'new' if r.created else 'already imported'}), "
            f"screening {r.outcome}\n"
            for r in report.files
            if r.error is None
        ]
        sys.stdout.writelines(lines)
        sys.stdout.flush()
        tail = f", {report.already} already imported" if report.already else ""
        console.print(f"{report.imported} imported, {report.failed} skipped{tail}", markup=False)
    if report.failed:
        raise typer.Exit(2)


def _acting(email: str) -> Any:
    """The person a command acts as, by email: their organisation and roles."""
    from sqlalchemy import select

    from rogatory.accounts import service as accounts
    from rogatory.accounts.models import User
    from rogatory.cli.server import _migrated_engine
    from rogatory.db import engine as dbe
    from rogatory.requests import flows

    engine = _migrated_engine(settings.load())
    with dbe.sessions(engine)() as s:
        user = s.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None or not user.active:
            raise RogatoryError(
                "user.not_found",
                f"no active user {email!r}",
                help="rogatory users list shows who there is",
            )
        return engine, flows.Actor(user.email, user.org_id, accounts.roles_of(user))


@cases_app.command("export")
@handles_errors
def export_case(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    user: Annotated[str, typer.Option("--as", help="Who issues it (an email): it is audited.")],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or json.")] = "html",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write it here (default: case-file-REF.EXT).")
    ] = None,
) -> None:
    """Issue the case file: the request, every screening, the decisions, replies, holds,
    disclosures and the audit events with the chain head they verify against. Its SHA-256
    is recorded in the audit chain."""
    from rogatory.casefile import issue
    from rogatory.casefile.render import format_of
    from rogatory.db import engine as dbe
    from rogatory.replies.templates import for_folder

    chosen = format_of(fmt)
    engine, actor = _acting(user)
    sessions = dbe.sessions(engine)
    templates = for_folder(settings.load().templates_dir)
    issued = issue.issue(dbe.read_only(sessions), sessions, actor, case_id, chosen, templates)
    target = out or Path(issued.filename)
    target.write_bytes(issued.content)
    console.print(
        f"case file of {issued.case_reference} written to {target} ({len(issued.content)} "
        f"bytes, {chosen.value}); SHA-256 {issued.sha256}, recorded in the audit chain "
        f"after event {issued.head_seq}",
        markup=False,
    )


@cases_app.command("verify-file")
@handles_errors
def verify_file(
    path: Annotated[Path, typer.Argument(help="A case file (JSON, HTML or PDF) it issued.")],
    as_json: JsonFlag = False,
) -> None:
    """Hold a case file against the audit chain: its events, its head, and its SHA-256
    recorded when it was issued. Exit 0 if every check passes, 1 if any fails."""
    from rogatory.casefile import verify
    from rogatory.cli.server import _migrated_engine
    from rogatory.db import engine as dbe

    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise RogatoryError("input.file_missing", f"{path}: file not found") from None
    except OSError as exc:
        raise RogatoryError("input.file_unreadable", f"{path}: cannot read it: {exc}") from None
    engine = _migrated_engine(settings.load())
    with dbe.read_only(dbe.sessions(engine)).begin() as s:
        result = verify.verify(s, content)
    if as_json:
        print_json(
            {
                "valid": result.ok,
                "checks": [{"check": n, "ok": ok, "message": m} for n, ok, m in result.checks],
            }
        )
    else:
        for name, ok, message in result.checks:
            mark = "[green]ok[/green]  " if ok else "[red]FAIL[/red]"
            console.print(f"{mark} {name}: {message}")
        console.print("[green]valid[/green]" if result.ok else "[bold red]INVALID[/bold red]")
    if not result.ok:
        raise typer.Exit(1)

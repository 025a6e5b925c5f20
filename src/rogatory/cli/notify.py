"""``rogatory worker``, ``rogatory notifications`` and ``rogatory webhooks``: delivering the
outbox, reading it, each person's preferences, and an organisation's webhooks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rogatory import settings
from rogatory.cli.common import JsonFlag, console, handles_errors, print_json
from rogatory.errors import RogatoryError

if TYPE_CHECKING:
    from rogatory.notifications.worker import Config, Round

notifications_app = typer.Typer(
    help="The notifications outbox and each person's preferences.", no_args_is_help=True
)
webhooks_app = typer.Typer(help="An organisation's webhooks.", no_args_is_help=True)


def _config(conf: settings.Settings) -> Config:
    from rogatory.notifications import delivery, worker
    from rogatory.signing import envelope

    smtp = (
        delivery.Smtp(
            conf.smtp_host,
            conf.smtp_port,
            conf.smtp_from,
            conf.smtp_starttls,
            conf.smtp_username,
            conf.smtp_password,
        )
        if conf.smtp_host
        else None
    )
    return worker.Config(
        envelope.configured(conf), smtp, conf.public_url, timedelta(seconds=conf.worker_lease)
    )


def _said(report: Round) -> None:
    parts = [f"{report.written} written", f"{report.sent} sent"]
    if report.retried:
        parts.append(f"{report.retried} to retry")
    if report.failed:
        parts.append(f"{report.failed} failed")
    if report.waiting:
        parts.append(f"{report.waiting} email waiting (no ROGATORY_SMTP_HOST)")
    console.print("notifications: " + ", ".join(parts), markup=False)
    for error in report.errors[:5]:
        console.print(f"  {error}", markup=False, style="yellow")


@handles_errors
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    interval: Annotated[
        float | None,
        typer.Option("--interval", help="Seconds between rounds (ROGATORY_WORKER_INTERVAL)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Say only what was sent.")] = False,
) -> None:
    """Write the notices time has made due and deliver the outbox (email, webhooks), round
    after round; a notice a crash left half-sent is sent again with the same delivery id."""
    from rogatory.db import engine as dbe
    from rogatory.notifications import worker as work

    conf = settings.load()
    engine = dbe.make_engine(conf.database_url)
    config = _config(conf)

    def said(report: Round) -> None:
        if not quiet or report.sent or report.failed:
            _said(report)

    work.run(
        dbe.sessions(engine),
        config,
        interval=interval or conf.worker_interval,
        rounds=1 if once else None,
        on_round=said,
    )


@notifications_app.command("outbox")
@handles_errors
def outbox_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, sending, sent or failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The latest notices in the outbox, newest first."""
    from sqlalchemy import select

    from rogatory.db import engine as dbe
    from rogatory.notifications.models import OutboxRow

    query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
    if org:
        query = query.where(OutboxRow.org_id == org)
    if status:
        if status not in ("pending", "sending", "sent", "failed"):
            raise RogatoryError(
                "input.invalid", f"--status {status}: one of pending, sending, sent, failed"
            )
        query = query.where(OutboxRow.status == status)
    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        rows = [
            {
                "id": r.id,
                "org": r.org_id,
                "kind": r.kind,
                "channel": r.channel,
                "recipient": r.recipient,
                "subject": r.subject,
                "status": r.status,
                "attempts": r.attempts,
                "created_at": r.created_at.isoformat(),
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                "last_error": r.last_error,
            }
            for r in session.execute(query).scalars()
        ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(
            f"{r['id']:>6} {r['status']:<8} {r['channel']:<7} {r['recipient']:<28} {r['subject']}",
            markup=False,
        )
    console.print(f"{len(rows)} notice{'s' if len(rows) != 1 else ''}", markup=False)


@notifications_app.command("prefs")
@handles_errors
def prefs(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their login).")],
    on: Annotated[list[str] | None, typer.Option("--on", help="Kinds to receive.")] = None,
    off: Annotated[list[str] | None, typer.Option("--off", help="Kinds not to.")] = None,
    reset: Annotated[
        list[str] | None, typer.Option("--default", help="Kinds back to the default.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show a person's notification preferences, or change them (--on, --off, --default)."""
    from sqlalchemy import select

    from rogatory.accounts.models import User
    from rogatory.cli.records import _operator as operator
    from rogatory.db import engine as dbe
    from rogatory.notifications import preferences

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            raise RogatoryError("user.not_found", f"no user {email!r}")
        changes: dict[str, bool | None] = dict.fromkeys(on or [], True)
        changes |= dict.fromkeys(off or [], False)
        changes |= dict.fromkeys(reset or [])
        if changes:
            preferences.choose(session, user, changes, by=operator())
        shown = preferences.of(session, user)
    if as_json:
        print_json({"user": email, "preferences": shown})
        return
    for kind, p in shown.items():
        mark = "on " if p["email"] else "off"
        console.print(f"{mark} {kind}" + ("" if p["chosen"] else "  (default)"), markup=False)


@webhooks_app.command("add")
@handles_errors
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where notices are POSTed (http or https).")],
    org: Annotated[str, typer.Option("--org", help="The organisation.")],
    kind: Annotated[list[str], typer.Option("--kind", help="A kind of notice (repeatable).")],
    secret_file: Annotated[
        Path | None,
        typer.Option("--secret-file", help="The shared secret (else one is made and shown)."),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who registers it, for the audit.")] = "cli",
) -> None:
    """Register a webhook; its secret signs every delivery (X-Rogatory-Signature)."""
    from rogatory.db import engine as dbe
    from rogatory.notifications import webhooks

    conf = settings.load()
    secret = secret_file.read_text(encoding="utf-8").strip() if secret_file else None
    engine = dbe.make_engine(conf.database_url)
    with dbe.sessions(engine).begin() as session:
        from rogatory.signing import envelope

        row, shared = webhooks.add(
            session, envelope.configured(conf), org=org, by=by, url=url, kinds=kind, secret=secret
        )
    console.print(f"webhook {row.id}: {row.url} ({', '.join(row.kinds)})", markup=False)
    if secret is None:
        console.print(f"secret (shown once): {shared}", markup=False)


@webhooks_app.command("list")
@handles_errors
def webhooks_list(
    org: Annotated[str, typer.Option("--org", help="The organisation.")], as_json: JsonFlag = False
) -> None:
    from rogatory.db import engine as dbe
    from rogatory.notifications import webhooks

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine, read_only=True)() as session:
        rows: list[dict[str, Any]] = [
            {"id": w.id, "url": w.url, "kinds": w.kinds, "active": w.active}
            for w in webhooks.listed(session, org)
        ]
    if as_json:
        print_json(rows)
        return
    for w in rows:
        state = "active" if w["active"] else "removed"
        console.print(f"{w['id']} {state:<7} {w['url']} ({', '.join(w['kinds'])})", markup=False)


@webhooks_app.command("remove")
@handles_errors
def webhooks_remove(
    webhook_id: Annotated[str, typer.Argument(help="The webhook's id.")],
    org: Annotated[str, typer.Option("--org", help="The organisation.")],
    by: Annotated[str, typer.Option("--by", help="Who removes it, for the audit.")] = "cli",
) -> None:
    from rogatory.db import engine as dbe
    from rogatory.notifications import webhooks

    engine = dbe.make_engine(settings.load().database_url)
    with dbe.sessions(engine).begin() as session:
        webhooks.remove(session, org=org, by=by, webhook_id=webhook_id)
    console.print(f"webhook {webhook_id} removed", markup=False)

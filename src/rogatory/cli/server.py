"""``rogatory serve`` (the API and the web application) and ``rogatory demo``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rogatory import settings
from rogatory.cli.common import AgreementsOption, JsonFlag, console, handles_errors, print_json
from rogatory.errors import RogatoryError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from rogatory.safeguards.engine import Screener

DemoFlag = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Add the demo's fictional accessions (XAA-XBP), under which the Convention is "
        "in force in 2026.",
    ),
]


def _migrated_engine(config: settings.Settings) -> Engine:
    from rogatory.db import engine as dbe
    from rogatory.db import migrate

    engine = dbe.make_engine(config.database_url, lock_timeout=config.db_lock_timeout)
    if migrate.current(engine) != migrate.head():
        raise RogatoryError(
            "db.not_migrated",
            "the database schema is not up to date",
            help="run: rogatory db upgrade",
        )
    migrate.check_writable(engine)
    return engine


def _screener(
    instruments: Path | None, ignore_shipped: bool, demo: bool, agreements: Path | None = None
) -> Screener:
    from rogatory.demo import seed
    from rogatory.safeguards import engine as screening

    if demo and instruments:
        raise RogatoryError(
            "input.conflicting_options", "--demo and --instruments cannot be used together"
        )
    from rogatory.cli.common import requester_policy

    chosen = seed.INSTRUMENTS if demo else instruments
    return screening.load_family(
        instruments_file=chosen,
        ignore_shipped=ignore_shipped,
        agreements_file=agreements,
        requester_policy=requester_policy(),
    )


OPTIONS_ENV = "ROGATORY_SERVE_OPTIONS"  # how ``serve`` tells its worker processes what to load


def build_app(
    instruments: Path | None, ignore_shipped: bool, demo: bool, agreements: Path | None = None
) -> FastAPI:
    """The whole application on the configured database: one per worker process."""
    from rogatory.api.deps import Services
    from rogatory.db import engine as dbe
    from rogatory.requests.transitions import Lifecycle
    from rogatory.treaty import catalogue
    from rogatory.web.app import create_app

    config = settings.load()
    config.check_for_production()
    if config.templates_dir is not None and not config.templates_dir.is_dir():
        raise RogatoryError(
            "input.not_a_folder",
            f"ROGATORY_TEMPLATES_DIR: {config.templates_dir} is not a folder",
            help="point it at the organisation's template folder (replies/, casefile/)",
        )
    return create_app(
        Services(
            dbe.sessions(_migrated_engine(config)),
            _screener(instruments, ignore_shipped, demo, agreements),
            Lifecycle(catalogue.get().has_provision),
            config.evidence_dir,
            config.max_evidence_bytes,
            secure_cookies=config.environment != "development",
            max_body_bytes=config.max_body_bytes,
            body_timeout=config.body_timeout,
            templates_dir=config.templates_dir,
        )
    )


def app_from_environment() -> FastAPI:
    """The factory each worker process calls when ``serve --workers N`` starts several."""
    options = json.loads(os.environ[OPTIONS_ENV])
    instruments = Path(options["instruments"]) if options["instruments"] else None
    agreements = Path(options["agreements"]) if options.get("agreements") else None
    return build_app(instruments, options["ignore_shipped"], options["demo"], agreements)


@handles_errors
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    instruments: Annotated[
        Path | None,
        typer.Option(
            "--instruments", help="Instruments CSV to add to the shipped ones, as for 'check'."
        ),
    ] = None,
    ignore_shipped: Annotated[
        bool, typer.Option("--ignore-shipped", help="Use only --instruments.")
    ] = False,
    demo: DemoFlag = False,
    agreements: AgreementsOption = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes (stateless; they share the database). Use about one per "
            "core on PostgreSQL.",
        ),
    ] = 1,
) -> None:
    """Serve the web application at / and the HTTP API at /api/v1 on the configured database."""
    import uvicorn

    from rogatory.cli.evidence import run_sweep, summary

    app = build_app(instruments, ignore_shipped, demo, agreements)  # fails here on bad input
    config = settings.load()
    # Before any worker starts: what uploads killed with the last server left behind.
    console.print(summary(run_sweep(_migrated_engine(config), config.evidence_dir)), markup=False)
    console.print(
        f"rogatory on http://{host}:{port}/ (API at /api/v1, OpenAPI at /docs)", markup=False
    )
    if demo:
        from rogatory.demo import seed

        console.print(
            f"sign in as reviewer@nimbus.example, approver@nimbus.example, ... "
            f"with the password {seed.PASSWORD}",
            markup=False,
        )
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    os.environ[OPTIONS_ENV] = json.dumps(
        {
            "instruments": str(instruments.resolve()) if instruments else None,
            "agreements": str(agreements.resolve()) if agreements else None,
            "ignore_shipped": ignore_shipped,
            "demo": demo,
        }
    )
    uvicorn.run(
        "rogatory.cli.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@handles_errors
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if the database has organisations.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Load the demo: two organisations, their people, and about 200 cases through the real
    services (screening, review, four eyes, holds, receipts), so the audit chain verifies."""
    from rogatory.db import engine as dbe
    from rogatory.demo import seed
    from rogatory.requests.transitions import Lifecycle
    from rogatory.treaty import catalogue

    config = settings.load()
    sessions = dbe.sessions(_migrated_engine(config))
    if not seed.is_empty(sessions):
        if if_empty:
            console.print("the database already has data; the demo was not loaded", markup=False)
            return
        raise RogatoryError(
            "demo.not_empty",
            "the database already has organisations; the demo loads into an empty database",
            help="use a new ROGATORY_DATABASE_URL, or --if-empty to skip quietly",
        )
    story = seed.seed(
        sessions,
        _screener(None, False, True),
        Lifecycle(catalogue.get().has_provision),
        config.evidence_dir,
    )
    from rogatory.demo import requester as demo_requester

    logins = [p.email for org in seed.ORGS for p in org.people]
    if as_json:
        print_json(
            {
                "organisations": story.organisations,
                "users": story.users,
                "cases": story.cases,
                "statuses": story.statuses,
                "receipts": story.receipts,
                "published_reports": story.published,
                "authorities": story.authorities,
                "replies": story.replies,
                "logins": logins,
                "password": seed.PASSWORD,
                "requester": {
                    "login": demo_requester.EMAIL,
                    "totp_secret": demo_requester.DEMO_TOTP_SECRET,
                },
            }
        )
        return
    console.print(
        f"demo loaded: {story.organisations} organisations, {story.users} people, "
        f"{story.cases} cases, {story.receipts} custody receipts, {story.authorities} "
        "registered (fictional) authorities",
        markup=False,
    )
    for status, n in sorted(story.statuses.items()):
        console.print(f"  {status:<20} {n}", markup=False)
    for address in story.published:
        console.print(f"published transparency report: {address}", markup=False)
    replies = ", ".join(f"{n} {status}" for status, n in sorted(story.replies.items()))
    console.print(f"replies to the requesting authorities: {replies or 'none'}", markup=False)
    console.print(f"sign in with any of: {', '.join(logins)}", markup=False)
    console.print(f"password (demo accounts only): {seed.PASSWORD}", markup=False)
    console.print(
        f"requesting authority (sign in at /login with the same password and a TOTP code): "
        f"{demo_requester.EMAIL}, TOTP secret (the demo's only) {demo_requester.DEMO_TOTP_SECRET}",
        markup=False,
    )

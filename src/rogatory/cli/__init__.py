"""The ``rogatory`` command line: a thin adapter over the treaty and parties services.

Every command takes ``--json``; every input error prints ``error[code]: ...`` lines and exits
2; nothing here holds legal logic, so the same answers come from any other adapter.
"""

from __future__ import annotations

import sys

import typer

from rogatory.cli import (
    authorities,
    basis,
    check,
    compliance,
    evidence,
    integrity,
    notify,
    parties,
    records,
    reports,
    requesters,
    rules,
    server,
    treaty,
)
from rogatory.cli.common import err_console

app = typer.Typer(
    name="rogatory",
    help="The UN Convention against Cybercrime as working software.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(treaty.app, name="treaty")
app.add_typer(parties.app, name="parties")
app.add_typer(rules.app, name="rules")
app.add_typer(check.schema_app, name="schema")
app.add_typer(records.db_app, name="db")
app.add_typer(integrity.audit_app, name="audit")
app.add_typer(integrity.keys_app, name="keys")
app.add_typer(records.receipt_app, name="receipt")
app.add_typer(records.users_app, name="users")
app.add_typer(records.tokens_app, name="tokens")
app.add_typer(requesters.requesters_app, name="requesters")
app.add_typer(records.cases_app, name="cases")
app.add_typer(evidence.evidence_app, name="evidence")
app.add_typer(notify.notifications_app, name="notifications")
app.add_typer(notify.webhooks_app, name="webhooks")
app.command("worker")(notify.worker)
app.add_typer(authorities.authorities_app, name="authorities")
app.add_typer(authorities.request_app, name="request")
app.add_typer(reports.report_app, name="report")
app.command("serve")(server.serve)
app.command("demo")(server.demo)
app.command("check")(check.check)
app.command("explain")(check.explain)
app.command("basis")(basis.basis)
app.command("obligations")(compliance.obligations)
app.command("assess")(compliance.assess)
app.add_typer(compliance.laws_app, name="laws")


def main() -> None:
    """Entry point: unexpected failures become one line and exit 1, never a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence: report, do not dump a traceback
        err_console.print(f"error[internal]: {type(exc).__name__}: {exc}", markup=False)
        err_console.print(
            "help: this is a bug in rogatory; please report it with the command you ran",
            markup=False,
        )
        sys.exit(1)

"""What every command shares: dates, JSON output, and turning errors into ``error[code]`` lines.

Bad input must never produce a traceback. Every RogatoryError becomes one line per problem on
standard error, naming the file, row or field, followed by a ``help:`` line where there is one,
and the exit status is 2 - the same contract for every command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from rogatory.errors import RogatoryError
from rogatory.law.citation import Level

if TYPE_CHECKING:
    from rogatory.safeguards.requester import RequesterPolicy

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INPUT = 2
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The legal date to evaluate as of (YYYY-MM-DD); default today."),
]
InstrumentsOption = Annotated[
    Path | None,
    typer.Option(
        "--instruments", help="CSV (state,kind,date) of instruments to add to the shipped ones."
    ),
]
IgnoreShipped = Annotated[
    bool,
    typer.Option("--ignore-shipped", help="Use only the --instruments file, not the shipped data."),
]
DeclarationsOption = Annotated[
    Path | None,
    typer.Option(
        "--declarations", help="YAML of reservations, declarations and notifications to add."
    ),
]
TreatyOption = Annotated[
    str,
    typer.Option(
        "--treaty",
        "--bundle",
        help="Which shipped treaty bundle: uncc (the default), budapest or untoc.",
    ),
]
AgreementsOption = Annotated[
    Path | None,
    typer.Option(
        "--agreements",
        help="CSV of other treaties between pairs of States: state_a,state_b,instrument,"
        "in_force_from,in_force_until,uses_convention_paragraphs (yes/no).",
    ),
]


def parse_on(value: str | None, option: str = "--on") -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RogatoryError(
            "input.invalid_date",
            f"{option}: {value!r} is not a date",
            help="write dates as YYYY-MM-DD, e.g. 2027-06-30",
        ) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def report(exc: RogatoryError) -> None:
    for problem in exc.problems:
        err_console.print(f"error[{problem.code}]: {problem.render()}", markup=False)
    if exc.help:
        err_console.print(f"help: {exc.help}", markup=False)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that a RogatoryError exits 2 with ``error[code]`` lines."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except RogatoryError as exc:
            report(exc)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper


def requester_policy() -> RequesterPolicy:
    """The policy the screening applies to who is asking, from the settings: whether unsigned
    requests go to a person and the replay window, then the fraud thresholds of
    ``ROGATORY_FRAUD_POLICY_FILE``, then each ``ROGATORY_FRAUD_*`` variable over them."""
    from rogatory import settings
    from rogatory.safeguards import requester_policy as policies
    from rogatory.safeguards.requester import RequesterPolicy

    config = settings.load()
    policy = RequesterPolicy(
        require_signed=config.require_signed_requests,
        issue_window_hours=config.request_window_hours,
    )
    if config.fraud_policy_file is not None:
        policy = policies.read(config.fraud_policy_file, policy)
    counts = {
        "burst_count": config.fraud_burst_count,
        "burst_hours": config.fraud_burst_hours,
        "max_identifiers": config.fraud_max_identifiers,
    }
    policy = policies.apply(
        {k: v for k, v in counts.items() if v is not None}, "ROGATORY_FRAUD_*", policy
    )
    if config.fraud_free_mail_domains is not None:
        domains = [d for d in config.fraud_free_mail_domains.split(",") if d.strip()]
        policy = policies.apply(
            {"free_mail_domains": domains}, "ROGATORY_FRAUD_FREE_MAIL_DOMAINS", policy
        )
    return policy


def verified_mark(level: Level | str) -> str:
    """``verified (text)`` in green, or ``UNVERIFIED (model)`` in yellow: the level is always
    shown, so a provision resting on a model treaty never reads like one read in the text."""
    level = Level(level)
    colour = "green" if level.verified else "yellow"
    return f"[{colour}]{level.mark}[/{colour}]"

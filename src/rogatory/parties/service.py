"""Building a register from the shipped data and the user's files, all checked together.

``--instruments FILE`` adds hypothetical or newer instruments to the shipped ones (or replaces
them with ``ignore_shipped``); a declarations file adds reservations, declarations and
notifications. Everything is validated before any query runs, and every problem across all
files is reported at once.
"""

from __future__ import annotations

from pathlib import Path

from rogatory.errors import ProblemCollector
from rogatory.law.bundle import Bundle
from rogatory.parties import consistency
from rogatory.parties.declarations import DeclarationsFile, read_declarations
from rogatory.parties.instruments import Instrument, read_instruments
from rogatory.parties.register import Register
from rogatory.treaty import catalogue


def shipped_instruments(bundle: Bundle, problems: ProblemCollector) -> list[Instrument]:
    path = bundle.root / "instruments.csv"
    return (
        read_instruments(path, problems, label=f"{bundle.id}/instruments.csv")
        if path.exists()
        else []
    )


def shipped_declarations(bundle: Bundle, problems: ProblemCollector) -> DeclarationsFile:
    path = bundle.root / "declarations.yaml"
    if not path.exists():
        return DeclarationsFile()
    return (
        read_declarations(path, bundle, problems, label=f"{bundle.id}/declarations.yaml")
        or DeclarationsFile()
    )


def build(
    bundle: Bundle,
    *,
    extra: list[Instrument] | None = None,
    extra_declarations: DeclarationsFile | None = None,
    ignore_shipped: bool = False,
    problems: ProblemCollector | None = None,
) -> Register:
    """A register from shipped data (unless ignored) plus extras, checked for contradictions."""
    problems = problems if problems is not None else ProblemCollector()
    instruments = [] if ignore_shipped else shipped_instruments(bundle, problems)
    declarations = DeclarationsFile() if ignore_shipped else shipped_declarations(bundle, problems)
    instruments += extra or []
    if extra_declarations is not None:
        declarations = DeclarationsFile(
            reservations=[*declarations.reservations, *extra_declarations.reservations],
            declarations=[*declarations.declarations, *extra_declarations.declarations],
            notifications=[*declarations.notifications, *extra_declarations.notifications],
            gaps=[*declarations.gaps, *extra_declarations.gaps],
            parties_complete=declarations.parties_complete and extra_declarations.parties_complete,
        )
    consistency.check(instruments, bundle.manifest.final_clauses, problems, bundle.groups)
    problems.raise_if_any("input.invalid", "the party data is invalid")
    return Register(
        bundle,
        instruments,
        declarations.reservations,
        declarations.declarations,
        declarations.notifications,
        declarations.gaps,
        parties_complete=declarations.parties_complete,
    )


def load(
    *,
    bundle_id: str = catalogue.DEFAULT,
    instruments_file: Path | None = None,
    declarations_file: Path | None = None,
    ignore_shipped: bool = False,
) -> Register:
    """The register the CLI and services use: shipped data plus the user's files."""
    bundle = catalogue.get(bundle_id)
    problems = ProblemCollector()
    extra = (
        read_instruments(instruments_file, problems, label=str(instruments_file))
        if instruments_file is not None
        else []
    )
    decl = (
        read_declarations(declarations_file, bundle, problems, label=str(declarations_file))
        if declarations_file is not None
        else None
    )
    if problems:
        # File-level problems first: a contradiction check on half-read files would mislead.
        problems.raise_if_any("input.invalid", "the input files are invalid")
    return build(
        bundle,
        extra=extra,
        extra_declarations=decl,
        ignore_shipped=ignore_shipped,
        problems=problems,
    )

"""Taking in a folder of request files as cases, in batched transactions, resumably.

Each file goes through the one intake flow (``flows.intake``): validated, screened, stored with
its decision and its audit events, exactly as the API takes a request in. What changes is the
transaction around it: ``batch`` files share one commit, each inside its own savepoint, so a
file that fails (invalid JSON, an invalid request, a replayed signature) is rolled back alone
and reported with its path and error while the rest of the batch commits. A case's audit
events are appended in order inside its savepoint, in the transaction that stores its rows;
the chain's head is read again after a rolled-back savepoint (``audit.service``), so a failed
file leaves no gap or fork.

A run that is interrupted (the process killed mid-batch) loses only its uncommitted batch.
Run again, it finds each file already taken in by its idempotency key (``import:`` and the
file's name, the key ``cases import`` has always used) and skips it, after checking its
content is the one stored: a changed file under the same name is an error, never a second
case or a silent overwrite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from rogatory.errors import RogatoryError
from rogatory.requests import flows
from rogatory.safeguards.engine import Screener

BATCH = 500  # files per transaction


@dataclass(frozen=True, slots=True)
class FileResult:
    """What became of one file: its case and screening, or the error that kept it out."""

    file: str
    case: str | None = None
    created: bool = False
    outcome: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {"file": self.file, "error": self.error}
        return {
            "file": self.file,
            "case": self.case,
            "created": self.created,
            "outcome": self.outcome,
        }


@dataclass
class Report:
    """A run's count: imported now, already imported (skipped), failed."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for r in self.files if r.created)

    @property
    def already(self) -> int:
        return sum(1 for r in self.files if r.error is None and not r.created)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.files if r.error is not None)


def key_of(path: Path) -> str:
    """The idempotency key a file is taken in under: its name in the folder."""
    return f"import:{path.name}"


def request_files(folder: Path) -> list[Path]:
    """The folder's request documents (``*.json``), in name order."""
    if not folder.is_dir():
        raise RogatoryError("input.not_a_folder", f"{folder}: not a folder")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json")


def import_files(
    sessions: sessionmaker[Session],
    actor: flows.Actor,
    files: Sequence[Path],
    screener: Screener,
    *,
    batch: int = BATCH,
    on_file: Callable[[FileResult], None] | None = None,
) -> Report:
    """Take in every file, ``batch`` per transaction; ``on_file`` hears of each as it is
    done (a progress bar, a log line). Files of a batch are reported once it committed."""
    if batch < 1:
        raise RogatoryError("input.invalid", "the batch size must be at least 1")
    report = Report()
    with sessions.begin() as session:
        flows.ensure_organisation(session, actor.org, actor.org)
    for start in range(0, len(files), batch):
        chunk = files[start : start + batch]
        with sessions.begin() as session:
            done = _batch(session, actor, chunk, screener)
        report.files.extend(done)
        if on_file is not None:
            for result in done:
                on_file(result)
    return report


def _batch(
    session: Session, actor: flows.Actor, files: Sequence[Path], screener: Screener
) -> list[FileResult]:
    out = []
    for path in files:
        try:
            document = json.loads(path.read_bytes())
            with session.begin_nested():
                case, created = flows.intake(
                    session, actor, document, screener, idempotency_key=key_of(path)
                )
                outcome = flows.latest_screening(session, case).outcome
            out.append(FileResult(path.name, case.id, created, outcome))
        except (RogatoryError, ValueError, RecursionError) as exc:  # ValueError: not JSON
            message = exc.message if isinstance(exc, RogatoryError) else f"not JSON: {exc}"
            out.append(FileResult(path.name, error=message))
    return out

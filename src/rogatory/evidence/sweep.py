"""The evidence sweep: what a killed upload left behind, cleaned up without losing evidence.

Run at start-up by ``rogatory serve`` and on demand by ``rogatory evidence sweep``. It

- moves into place a spool file whose row was committed (the process died between the commit
  and the rename) once its SHA-256 and size match the row;
- removes every other spool file no live process holds (an upload that never committed), and
  the temporary files of earlier versions (``.incoming-*``, ``.upload-*``);
- removes a file in the evidence directory that no evidence row names;
- never removes a file a row names (by path, or by the file id its name starts with), and
  reports rows whose file is missing rather than touching them.

Files are listed before the rows are read: a file is placed only after its row is committed,
so a file listed is never taken for an orphan because its row came a moment later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.disclosure import receipts
from rogatory.evidence.models import EvidenceFile
from rogatory.evidence.spool import SPOOL, locked, spool_dir

LEGACY_TEMPORARY = (".incoming-", ".upload-")


@dataclass
class SweepReport:
    evidence_dir: str
    removed: list[dict[str, str]] = field(default_factory=list)
    restored: list[dict[str, str]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0  # spool files a live process is writing: left alone
    kept: int = 0  # files in place that a row names

    def as_json(self) -> dict[str, Any]:
        return {
            "evidence_dir": self.evidence_dir,
            "removed": self.removed,
            "restored": self.restored,
            "missing": self.missing,
            "in_flight": self.in_flight,
            "kept": self.kept,
        }


def _files(base_dir: Path) -> tuple[list[Path], list[Path]]:
    """(spool and temporary files, files in place) under ``base_dir``; links are not
    followed (a link is a file here: removing it removes the link only)."""
    unfinished: list[Path] = []
    placed: list[Path] = []
    for root, dirs, names in os.walk(base_dir):
        folder = Path(root)
        if folder == base_dir:
            dirs[:] = [d for d in dirs if d != SPOOL]
        for name in names:
            path = folder / name
            (unfinished if name.startswith(LEGACY_TEMPORARY) else placed).append(path)
    spool = spool_dir(base_dir)
    if spool.is_dir():
        unfinished.extend(p for p in spool.iterdir() if not p.is_dir())
    return unfinished, placed


def _resolved(path: str | Path) -> Path:
    return Path(path).resolve()


def sweep(session: Session, base_dir: Path) -> SweepReport:
    report = SweepReport(str(base_dir))
    if not base_dir.is_dir():
        return report
    unfinished, placed = _files(base_dir)  # before the rows: see the module's docstring
    rows = {row.id: row for row in session.execute(select(EvidenceFile)).scalars()}
    named = {_resolved(row.stored_path) for row in rows.values()}
    for path in unfinished:
        _unfinished(path, rows, report)
    for path in placed:
        file_id = path.name[:36]
        if _resolved(path) in named or (file_id in rows and path.name[36:37] == "-"):
            report.kept += 1
            continue
        path.unlink(missing_ok=True)
        report.removed.append({"path": str(path), "reason": "no evidence row names this file"})
    inside = _resolved(base_dir)
    for row in rows.values():
        where = _resolved(row.stored_path)
        if where.is_relative_to(inside) and not where.is_file():
            report.missing.append({"file": row.id, "case": row.case_id, "path": row.stored_path})
    return report


def _unfinished(path: Path, rows: dict[str, EvidenceFile], report: SweepReport) -> None:
    handle = locked(path, wait=False)
    if handle is None:  # a live process is writing it (or it just went into place)
        report.in_flight += path.exists()
        return
    try:
        row = rows.get(path.name) if path.parent.name == SPOOL else None
        final = Path(row.stored_path) if row is not None else None
        if (
            row is not None
            and final is not None
            and not final.exists()
            and receipts.sha256_file(path) == (row.sha256, row.size)
        ):
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(path, 0o444)
            os.replace(path, final)
            report.restored.append({"path": str(final), "file": row.id})
            return
        path.unlink(missing_ok=True)
        report.removed.append({"path": str(path), "reason": "an upload that never finished"})
    finally:
        handle.close()

"""The evidence spool and the sweep, on SQLite and PostgreSQL: a file goes into place only once
its row commits; the sweep removes what killed uploads left and files no row names, moves a
committed file left in the spool into place, and never touches a file a row names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.db import engine as dbe
from rogatory.demo import seed
from rogatory.errors import RogatoryError
from rogatory.evidence import service as evidence
from rogatory.evidence.models import EvidenceFile
from rogatory.evidence.spool import Spooled, locked
from rogatory.evidence.sweep import sweep
from rogatory.requests import flows
from rogatory.requests.transitions import Role
from rogatory.safeguards import engine as screening

INTAKE = flows.Actor("ana@a.example", "org-a", frozenset({Role.INTAKE}))
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "requests" / "preservation-fraud.json"


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    return screening.load(instruments_file=seed.INSTRUMENTS)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return dbe.sessions(engine)


@pytest.fixture
def case_id(factory: sessionmaker[Session], screener: screening.Screener) -> str:
    doc = json.loads(EXAMPLE.read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on=date.today().isoformat())
    with factory.begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        return flows.intake(s, INTAKE, doc, screener)[0].id


def _upload(
    factory: sessionmaker[Session], case_id: str, base: Path, content: bytes
) -> EvidenceFile:
    incoming = evidence.spool(iter([content]), base_dir=base, max_bytes=1 << 20)
    with factory.begin() as s:
        return evidence.store(s, INTAKE, case_id, "records.csv", incoming, base_dir=base)


def _store_then_refuse(s: Session, case_id: str, base: Path, incoming: Spooled) -> None:
    evidence.store(s, INTAKE, case_id, "refused.csv", incoming, base_dir=base)
    raise RogatoryError("case.forbidden", "what stored it is rolled back")


def _sweep(factory: sessionmaker[Session], base: Path) -> dict[str, object]:
    with dbe.read_only(factory)() as s:
        return sweep(s, base).as_json()


def _files(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*") if p.is_file())


def test_a_file_goes_into_place_only_when_its_row_commits(
    factory: sessionmaker[Session], case_id: str, tmp_path: Path
) -> None:
    base = tmp_path / "evidence"
    row = _upload(factory, case_id, base, b"a,b\n")
    assert _files(base) == [Path(row.stored_path)]
    assert Path(row.stored_path).stat().st_mode & 0o777 == 0o444  # never modified after upload
    refused = evidence.spool(iter([b"refused"]), base_dir=base, max_bytes=1 << 20)
    with pytest.raises(RogatoryError), factory.begin() as s:
        _store_then_refuse(s, case_id, base, refused)
    kept = evidence.spool(iter([b"kept"]), base_dir=base, max_bytes=1 << 20)
    gone = evidence.spool(iter([b"gone"]), base_dir=base, max_bytes=1 << 20)
    with factory.begin() as s:  # a refused savepoint drops its file, the rest goes in
        evidence.store(s, INTAKE, case_id, "kept.csv", kept, base_dir=base)
        with pytest.raises(RogatoryError), s.begin_nested():
            _store_then_refuse(s, case_id, base, gone)
    names = sorted(p.name[37:] for p in _files(base))
    assert names == ["kept.csv", "records.csv"]
    with factory() as s:
        assert s.execute(select(func.count()).select_from(EvidenceFile)).scalar_one() == 2


def test_the_sweep_removes_spool_files_and_orphans_and_keeps_referenced_files(
    factory: sessionmaker[Session], case_id: str, tmp_path: Path
) -> None:
    base = tmp_path / "evidence"
    row = _upload(factory, case_id, base, b"a,b\n1,2\n")
    referenced = Path(row.stored_path)
    spool_file = base / ".spool" / "6f1c0c62-8a9e-4c43-9a55-0d6f6c1e2b7a"
    spool_file.write_bytes(b"half an upload")
    orphan = referenced.parent / "dropped-in-by-hand.bin"
    orphan.write_bytes(b"nobody's")
    legacy = base / ".incoming-k3j4h5"
    legacy.write_bytes(b"an older version's temporary file")
    report = _sweep(factory, base)
    removed = sorted(r["path"] for r in report["removed"])  # type: ignore[attr-defined]
    assert removed == sorted(str(p) for p in (spool_file, orphan, legacy))
    assert report["kept"] == 1 and report["missing"] == [] and report["restored"] == []
    assert _files(base) == [referenced] and referenced.read_bytes() == b"a,b\n1,2\n"
    assert _sweep(factory, base)["removed"] == []  # nothing more to do


def test_a_committed_file_left_in_the_spool_is_moved_into_place(
    factory: sessionmaker[Session], case_id: str, tmp_path: Path
) -> None:
    """The process died between the commit and the rename: the row is there, its file is in
    the spool. The sweep moves it into place once its hash matches the row."""
    base = tmp_path / "evidence"
    incoming = evidence.spool(iter([b"committed, not moved"]), base_dir=base, max_bytes=100)
    with factory.begin() as s:
        row = evidence.store(s, INTAKE, case_id, "late.csv", incoming, base_dir=base)
        s.info.clear()  # as if killed at the commit: nothing moves the file afterwards
    incoming.committed = True
    incoming.discard()  # the lock goes with the process
    assert not Path(row.stored_path).exists() and incoming.path.exists()
    report = _sweep(factory, base)
    assert report["restored"] == [{"path": row.stored_path, "file": row.id}]
    assert Path(row.stored_path).read_bytes() == b"committed, not moved"
    assert _files(base) == [Path(row.stored_path)]


def test_the_sweep_leaves_an_upload_in_flight_alone(
    factory: sessionmaker[Session], case_id: str, tmp_path: Path
) -> None:
    base = tmp_path / "evidence"
    in_flight = Spooled(base, 1 << 20)  # a live upload holds its spool file's lock
    in_flight.write(b"still arriving")
    assert locked(in_flight.path, wait=False) is None
    report = _sweep(factory, base)
    assert report["in_flight"] == 1 and report["removed"] == []
    in_flight.finish()
    with factory.begin() as s:
        row = evidence.store(s, INTAKE, case_id, "slow.csv", in_flight, base_dir=base)
    assert Path(row.stored_path).read_bytes() == b"still arriving"
    assert _sweep(factory, base)["kept"] == 1


def test_a_row_whose_file_is_missing_is_reported_not_touched(
    factory: sessionmaker[Session], case_id: str, tmp_path: Path
) -> None:
    base = tmp_path / "evidence"
    row = _upload(factory, case_id, base, b"x")
    Path(row.stored_path).unlink()
    report = _sweep(factory, base)
    assert report["missing"] == [{"file": row.id, "case": case_id, "path": row.stored_path}]
    with factory() as s:
        assert s.get(EvidenceFile, row.id) is not None

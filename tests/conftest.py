"""Shared helpers: the shipped bundles, registers built from short instrument lists, and the
real ``rogatory`` entry point run as a subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from rogatory.law.bundle import Bundle
from rogatory.parties import service
from rogatory.parties.instruments import Instrument, Kind
from rogatory.parties.register import Register
from rogatory.parties.scenarios import generated_codes
from rogatory.treaty import catalogue
from tests import browser_gate

RULES = catalogue.rules_root()
WEB_TESTS = Path(__file__).resolve().parent / "web"
_SKIPPED_BROWSER = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the browser tests where Chromium or axe-core is missing, unless they are required
    (then the ``browser`` fixture fails them, saying what is missing)."""
    gate = browser_gate.current()
    if gate.runs or gate.required:
        return
    browser = [item for item in items if WEB_TESTS in item.path.parents]
    for item in browser:
        item.add_marker(pytest.mark.skip(reason=gate.message()))
    config.stash[_SKIPPED_BROWSER] = len(browser)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The one loud line that says the browser tests did not run, and how to run them."""
    skipped = config.stash.get(_SKIPPED_BROWSER, 0)
    if skipped:
        message = browser_gate.current().message()
        terminalreporter.write_line(f"{skipped} {message}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def uncc() -> Bundle:
    return catalogue.get("uncc")


@pytest.fixture(scope="session")
def untoc() -> Bundle:
    return catalogue.get("untoc")


def inst(state: str, kind: str, on: date | str) -> Instrument:
    day = date.fromisoformat(on) if isinstance(on, str) else on
    return Instrument(state, Kind(kind), day, "test", False, "test")


def ratifications(
    count: int, first: date, *, start: str = "XAA", every_days: int = 1
) -> list[Instrument]:
    return [
        inst(code, "ratification", first + timedelta(days=i * every_days))
        for i, code in enumerate(generated_codes(start, count))
    ]


@pytest.fixture
def register(uncc: Bundle) -> Callable[[Sequence[Instrument]], Register]:
    def make(instruments: Sequence[Instrument]) -> Register:
        return service.build(uncc, extra=list(instruments), ignore_shipped=True)

    return make


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def _entry_point() -> list[str]:
    script = Path(sys.executable).parent / "rogatory"
    if script.exists():
        return [str(script)]
    found = shutil.which("rogatory")
    return [found] if found else [sys.executable, "-m", "rogatory"]


@pytest.fixture(scope="session")
def cli() -> Callable[..., CliResult]:
    command = _entry_point()

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        proc = subprocess.run(
            [*command, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of a shipped bundle, to break on purpose."""

    def make(bundle_id: str = "uncc") -> Path:
        target = tmp_path / bundle_id
        shutil.copytree(RULES / bundle_id, target)
        return target

    return make


# ---- databases: every storage test runs on SQLite and on a real PostgreSQL -------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    from tests import postgres

    with postgres.server() as url:
        yield url


def _migrated(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    from rogatory.db import engine as dbe
    from rogatory.db import migrate

    if kind == "sqlite":
        eng = dbe.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        eng = dbe.make_engine(request.getfixturevalue("postgres_url"))
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate.upgrade(eng)
    return eng


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    eng = _migrated(request.param, request, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL database, for what only PostgreSQL has."""
    eng = _migrated("postgresql", request, tmp_path)
    yield eng
    eng.dispose()


@dataclass
class Demo:
    """A SQLite database holding the demo, as ``rogatory demo`` loads it."""

    engine: Engine
    folder: Path

    @property
    def sessions(self) -> Any:
        from rogatory.db import engine as dbe

        return dbe.sessions(self.engine)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo loaded once for the tests that read it (they must not change it)."""
    from rogatory.db import engine as dbe
    from rogatory.db import migrate
    from rogatory.demo import seed
    from rogatory.requests.transitions import Lifecycle
    from rogatory.safeguards import engine as screening

    folder = tmp_path_factory.mktemp("demo")
    eng = dbe.make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate.upgrade(eng)
    seed.seed(
        dbe.sessions(eng),
        screening.load(instruments_file=seed.INSTRUMENTS),
        Lifecycle(catalogue.get().has_provision),
        folder / "evidence",
    )
    yield Demo(eng, folder)
    eng.dispose()

"""A throwaway PostgreSQL server for the test session, from the machine's own binaries.

``ROGATORY_TEST_POSTGRES_URL`` points the suite at an existing server instead. Otherwise the
session creates a cluster in a temporary folder (as the ``postgres`` user when run as root,
since the server refuses to run as root), listens on a private Unix socket only, and removes
everything at the end. ``.ci/run`` installs the Debian ``postgresql`` package so that this
always works in CI.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = "55439"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run(cmd: list[str], as_postgres: bool) -> None:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)


def _start(bindir: Path, root: Path, as_postgres: bool) -> None:
    _run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-w",
            "-l",
            str(root / "log"),
            "-o",
            f"-k {root} -p {PORT} -c listen_addresses='' -c fsync=off",
            "start",
        ],
        as_postgres,
    )


def _own(url: str) -> tuple[Path, Path] | None:
    """(binaries, cluster folder) of a server ``server()`` started, None for a given one."""
    bindir = binaries()
    host = url.partition("host=")[2].partition("&")[0]
    if os.environ.get("ROGATORY_TEST_POSTGRES_URL") or bindir is None or not host:
        return None
    return bindir, Path(host)


def can_restart(url: str) -> bool:
    """Whether the suite may stop and start this server (only one it started itself)."""
    return _own(url) is not None


def stop(url: str) -> None:
    """Stop the server of ``url`` at once, as a crash would (``-m immediate``: no shutdown
    checkpoint, every connection cut; the next start recovers from the WAL)."""
    own = _own(url)
    assert own is not None, "not a server this suite started"
    bindir, root = own
    _run(
        [str(bindir / "pg_ctl"), "-D", str(root / "data"), "-w", "-m", "immediate", "stop"],
        os.geteuid() == 0,
    )


def start(url: str) -> None:
    """Start the server of ``url`` again after ``stop``, waiting until it accepts connections."""
    own = _own(url)
    assert own is not None, "not a server this suite started"
    _start(own[0], own[1], os.geteuid() == 0)


@contextmanager
def server() -> Iterator[str]:
    """Yield a SQLAlchemy URL for a fresh, empty database on a private server."""
    given = os.environ.get("ROGATORY_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = binaries()
    if bindir is None:
        raise RuntimeError(
            "no PostgreSQL binaries (install the Debian package 'postgresql', or "
            "set ROGATORY_TEST_POSTGRES_URL)"
        )
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="rogatory-pg-"))
    data = root / "data"
    try:
        if as_postgres:
            shutil.chown(root, "postgres")
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            as_postgres,
        )
        _start(bindir, root, as_postgres)
        _run(
            [
                str(bindir / "createdb"),
                "-h",
                str(root),
                "-p",
                PORT,
                "-U",
                "postgres",
                "rogatory_test",
            ],
            as_postgres,
        )
        yield f"postgresql+psycopg://postgres@/rogatory_test?host={root}&port={PORT}"
    finally:
        if (data / "postmaster.pid").exists():
            _run(
                [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-m", "immediate", "stop"],
                as_postgres,
            )
        shutil.rmtree(root, ignore_errors=True)

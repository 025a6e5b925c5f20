"""Database engines with the settings each dialect needs.

SQLite: write-ahead logging (readers do not block the writer), foreign keys enforced, and a
busy timeout so that concurrent writers wait instead of failing. Transactions begin
IMMEDIATE: a transaction that reads first (the caller's token, the chain's head) and writes
later could not wait for the write lock, SQLite would answer "database is locked" at once;
taking the lock at BEGIN makes concurrent writers queue behind the busy timeout. Long
read-only work (verifying the audit chain) uses ``sessions(engine, read_only=True)``, which
begins a deferred transaction and never holds the write lock. PostgreSQL: psycopg 3, and
pre-ping so that a restarted server does not surface as a broken first query.

A writer that cannot have the lock within ``lock_timeout`` seconds (another request of this
process, or another process holding SQLite's own lock) gets ``db.busy``, which the API answers
503 with Retry-After: the request may simply be sent again.

A database that cannot be reached or written (a PostgreSQL server down or restarting, an
SQLite file in a folder that does not exist, a read-only file) is not a bug of the caller's
request nor of rogatory: every engine turns such a failure into ``db.unavailable`` or
``db.read_only`` (``unavailable``), which the CLI reports as one ``error[...]`` line and the
API answers 503 with Retry-After; the transaction is rolled back as for any error.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rogatory import orm
from rogatory.audit import service as audit_service
from rogatory.db import state
from rogatory.errors import RogatoryError
from rogatory.notifications import outbox
from rogatory.signing import checkpoints

READ_ONLY = "rogatory_read_only"
_HOLDS_WRITER = "rogatory_holds_writer"
LOCK_TIMEOUT = 10.0  # seconds a writer waits for the write lock before ``db.busy``


def busy() -> RogatoryError:
    return RogatoryError(
        "db.busy",
        "the database is busy with other writes; nothing was changed, try again shortly",
        details={"retry_after": 1},
        help="send the same request again after the Retry-After delay",
    )


# What SQLite says when its file cannot be opened or written: a fault of the deployment.
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error", "disk is full")
_SQLITE_READ_ONLY = ("readonly database", "read-only database")


def unavailable(ctx: ExceptionContext) -> RogatoryError | None:
    """The ``db.unavailable`` or ``db.read_only`` error a database failure stands for, or None
    for any other failure (a constraint, a bug: left as it is; SQLite's lock is ``_begin``'s).
    PostgreSQL's operational errors are about the server (gone, restarting, out of
    connections or space), never about the statement, but for a transaction that lost a
    conflict or waited too long for a lock: that one is ``db.busy``, to send again. SQLite's
    are told apart by their message, since it reports a syntax error the same way. A
    pre-ping's failure is left alone: the pool reconnects on it."""
    if ctx.is_pre_ping:
        return None
    error = ctx.original_exception
    text = str(error).lower()
    url = ctx.engine.url if ctx.engine is not None else None
    if url is not None and url.get_backend_name() == "sqlite":
        where = f"the SQLite database {url.database or '(in memory)'}"
        if any(m in text for m in _SQLITE_READ_ONLY):
            return RogatoryError(
                "db.read_only",
                f"{where} is read-only: nothing was changed",
                details={"retry_after": 1},
                help="make the file and its folder writable by this process (SQLite writes "
                "its -wal and -shm files beside it), or set ROGATORY_DATABASE_URL",
            )
        if any(m in text for m in _SQLITE_UNAVAILABLE):
            folder = Path((url.database or "").removeprefix("file:")).parent
            why = f"its folder {folder} does not exist" if not folder.is_dir() else str(error)
            return RogatoryError(
                "db.unavailable",
                f"{where} cannot be opened or written: {why}",
                details={"retry_after": 1},
                help="check that its folder exists and is writable, or set "
                "ROGATORY_DATABASE_URL (sqlite:///PATH)",
            )
        return None
    if getattr(error, "sqlstate", None) == "25006":  # read_only_sql_transaction: a standby
        return RogatoryError(
            "db.read_only",
            "the database server accepts no writes (a standby, or read-only by its settings)",
            details={"retry_after": 1},
            help="point ROGATORY_DATABASE_URL to the primary server",
        )
    state = str(getattr(error, "sqlstate", None) or "")
    if state.startswith("40") or state == "55P03":  # serialization, deadlock, lock timeout
        return busy()
    if ctx.is_disconnect or isinstance(ctx.sqlalchemy_exception, OperationalError):
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return RogatoryError(
            "db.unavailable",
            f"the database server cannot be reached or went away ({first}); send the "
            "request again shortly (an intake with the same Idempotency-Key is taken in once)",
            details={"retry_after": 1},
            help="check that the database server is running and ROGATORY_DATABASE_URL is right",
        )
    return None


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str, *, lock_timeout: float = LOCK_TIMEOUT, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # check_same_thread off: the API may open a session in one worker thread and use it in
        # another; SQLAlchemy's pool hands each connection to one user at a time.
        engine = create_engine(
            url, connect_args={"timeout": lock_timeout, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT (a released savepoint
            # would commit); take transactions over, as SQLAlchemy's documentation advises.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
            cursor.close()
            dbapi_connection.create_function(orm.SQLITE_FOLD, 1, orm.fold, deterministic=True)

        # Writers of this process queue on a lock rather than in SQLite's busy handler, which
        # sleeps in growing steps (up to 100 ms) and made the slowest intake take a second.
        writer = threading.Lock()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get(READ_ONLY, False):
                conn.exec_driver_sql("BEGIN")
                return
            if not writer.acquire(timeout=lock_timeout):
                raise busy()
            conn.info[_HOLDS_WRITER] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as exc:  # another process kept SQLite's lock too long
                _release(conn)
                if "locked" in str(exc) or "busy" in str(exc):
                    raise busy() from None
                raise
            except BaseException:
                _release(conn)
                raise

        def _release(conn: Any) -> None:
            if conn.info.pop(_HOLDS_WRITER, False):
                writer.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)
        event.listen(engine, "handle_error", unavailable)
        return engine
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        event.listen(engine, "handle_error", unavailable)
        return engine
    raise RogatoryError(
        "settings.database_url",
        f"unsupported database URL {url!r}",
        help="use sqlite:///PATH or postgresql://USER@HOST/DB",
    )


def sessions(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions of the product. Before each commit, the audit chains the transaction appended
    to are checkpointed when due (``signing.checkpoints.take_due``), in the same transaction;
    each audit event records the state of the case or user its transaction changed
    (``db.state``), and the events that are notices are written to the notifications outbox
    (``notifications.outbox``): every writer gets all three, whichever feature appended."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    maker = sessionmaker(bind, expire_on_commit=False)
    if not read_only:
        event.listen(maker, "before_commit", checkpoints.take_due)
        state.install(maker)
        maker.kw["info"][audit_service.EVENT_HOOK] = outbox.on_event
    return maker


@cache
def read_only(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Read-only sessions on the engine of ``factory``: for authenticating a request, reading a
    page or verifying the chain without holding SQLite's write lock."""
    bind = factory.kw["bind"]
    assert isinstance(bind, Engine)
    return sessions(bind, read_only=True)

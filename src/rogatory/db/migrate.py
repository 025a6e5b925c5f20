"""Bringing a database up to date with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


def config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(config(engine), revision)


def head() -> str:
    """The newest revision shipped with this release."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    found = ScriptDirectory.from_config(cfg).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_writable(engine: Engine) -> None:
    """Fail at once with ``db.read_only`` (see ``engine.unavailable``) if the database can be
    read but not written: a server that starts on it would refuse every write it is sent.
    The probe rewrites the revision row with itself and rolls back, leaving nothing."""
    with engine.connect() as conn, conn.begin() as transaction:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
        transaction.rollback()

"""The shared declarative base of the workflow features' ORM models.

Features (audit, and later requests, review, evidence, disclosure) declare their tables on
this one metadata so that Alembic sees them all; no dialect-only column types are used, so
the same models run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; rogatory stores UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class folded(GenericFunction[str]):  # noqa: N801 - an SQL function, named as SQL names them
    """Text lower-cased for searching, in every script, the same way on both databases.

    SQLite's own ``lower()`` and ``LIKE`` fold ASCII letters only, and its JSON column keeps
    other characters as ``\\u`` escapes; PostgreSQL's ``lower()`` follows the database's
    locale, which may be ``C``. So SQLite calls :func:`fold` (registered on each connection by
    ``db.engine``), and PostgreSQL lowers under the ICU root collation, whatever the locale.
    """

    type = String()
    inherit_cache = True


SQLITE_FOLD = "rogatory_fold"


def fold(value: str | None) -> str | None:
    """SQLite's ``rogatory_fold``: JSON text with its escapes undone, then lower-cased."""
    if value is None:
        return None
    if "\\u" in value:
        with contextlib.suppress(ValueError):  # not JSON: fold the text as it is
            value = json.dumps(json.loads(value), ensure_ascii=False)
    return value.lower()


@compiles(folded, "sqlite")
def _fold_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _fold_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f'lower(CAST({compiler.process(element.clauses, **kw)} AS TEXT) COLLATE "und-x-icu")'


class json_values(GenericFunction[str]):  # noqa: N801 - an SQL function, named as SQL names them
    """The text and number values of a JSON document, in one string (separated by U+001F),
    without its key names: what a search of the document's content looks through, so that
    searching "facts" finds a request whose facts say so, not every request with a facts field.
    """

    type = String()
    inherit_cache = True


SCALARS_PATH = 'strict $.** ? (@.type() == "string" || @.type() == "number")'


@compiles(json_values, "sqlite")
def _values_sqlite(element: json_values, compiler: SQLCompiler, **kw: Any) -> str:
    document = compiler.process(element.clauses, **kw)
    return (
        "(SELECT group_concat(jt.value, char(31)) FROM json_tree("
        f"{document}) AS jt WHERE jt.type IN ('text', 'integer', 'real'))"
    )


@compiles(json_values, "postgresql")
def _values_postgresql(element: json_values, compiler: SQLCompiler, **kw: Any) -> str:
    document = compiler.process(element.clauses, **kw)
    return (
        "(SELECT string_agg(jv #>> '{}', chr(31)) FROM jsonb_path_query("
        f"CAST({document} AS JSONB), '{SCALARS_PATH}') AS jv)"
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

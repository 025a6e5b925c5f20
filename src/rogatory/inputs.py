"""What rogatory accepts from outside: the size limits and the characters it can store.

Declared once, here, and used by every adapter and by the request schema, so that the API,
the web forms and the CLI refuse the same inputs with the same words. The limits are sized
for real requests (a statement of facts of some pages, a thousand account identifiers) and
keep a single request from filling memory, the database or the audit chain.

Text a database cannot keep is refused before it reaches one: PostgreSQL rejects the NUL
character outright, neither database can encode a lone surrogate as UTF-8, and NaN or
Infinity is not JSON, so a row holding one could be written on SQLite and never read back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

DEFAULT_MAX_BODY_BYTES = 1 << 20  # any request body but an evidence upload (1 MiB)
DEFAULT_MAX_EVIDENCE_BYTES = 2 * 1024**3  # one evidence file (2 GiB)

LONG_TEXT = 20_000  # characters: facts, necessity, descriptions, notes, reasons
SHORT_TEXT = 1_000  # characters: names, authorities, provisions, custodians
REFERENCE = 200  # characters: a requester's reference (the width of its stored column)
IDENTIFIER = 512  # characters: one account, address or number
MAX_IDENTIFIERS = 1_000  # identifiers in one request or hold
MAX_PERSONS = 1_000  # persons named in one request
MAX_ITEMS = 100  # entries of any other list (categories, articles, risks, grounds)
MAX_ROW_ID = 2**31 - 1  # the largest id an integer column holds on every database
MAX_DEPTH = 32  # nesting of a JSON body (a request document is four levels deep)

_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None if it can."""
    if "\x00" in text:
        return "contains a NUL character (U+0000), which cannot be stored"
    if _SURROGATE.search(text):
        return "contains a lone surrogate (U+D800 to U+DFFF), which is not valid Unicode"
    return None


def _storable(value: str) -> str:
    # ASCII text cannot hold a surrogate: one scan for NUL is all it needs (most text is).
    if value.isascii() and "\x00" not in value:
        return value
    reason = unstorable(value)
    if reason is not None:
        raise PydanticCustomError("text_unstorable", reason)
    return value


Storable = AfterValidator(_storable)
LongText = Annotated[str, Field(max_length=LONG_TEXT), Storable]
ShortText = Annotated[str, Field(max_length=SHORT_TEXT), Storable]
Reference = Annotated[str, Field(max_length=REFERENCE), Storable]
Identifier = Annotated[str, Field(max_length=IDENTIFIER), Storable]


def as_utc(value: datetime) -> datetime:
    """An instant in UTC (a time without an offset is taken as UTC); ValueError, not an
    OverflowError, when converting it leaves the calendar (9999-12-31 at -12:00)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is outside the years 1 to 9999 in UTC") from None


UTCInstant = Annotated[datetime, AfterValidator(as_utc)]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """Only a calendar date as YYYY-MM-DD: pydantic would also take a number, or a string
    of one, as seconds since 1970, and a date-time as the day it falls on, which a person
    who typed them did not mean."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "a date as YYYY-MM-DD")


def _iso_instant(value: Any) -> Any:
    """Only an ISO 8601 date-time (a date and a time): not a number of seconds since 1970."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value) and len(value) > 10:
        return value
    raise PydanticCustomError("datetime_format", "a date and time as YYYY-MM-DDTHH:MM:SS")


Day = Annotated[date, BeforeValidator(_iso_day)]
Instant = Annotated[datetime, BeforeValidator(_iso_instant), AfterValidator(as_utc)]


Bad = tuple[str, str, str]  # (dotted path, "text", "number" or "json", reason)


def bad_values(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[Bad]:
    """Every string (key or value) that cannot be stored and every non-finite number in a
    decoded JSON document."""
    where = ".".join(str(p) for p in path)
    if len(path) > MAX_DEPTH:
        yield where, "json", f"nested deeper than {MAX_DEPTH} levels"
    elif isinstance(value, str):
        reason = unstorable(value)
        if reason is not None:
            yield where, "text", reason
    elif isinstance(value, float) and not math.isfinite(value):
        yield where, "number", "NaN and Infinity are not numbers JSON can hold"
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = unstorable(key)
            if reason is not None:
                yield ".".join(str(p) for p in (*path, key)), "text", f"the field name {reason}"
            yield from bad_values(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from bad_values(item, (*path, index))

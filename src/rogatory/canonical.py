"""Canonical JSON: one byte string per value, so that hashes and signatures are reproducible.

Sorted keys, no insignificant white space, UTF-8, no NaN or infinity. The audit chain and
custody receipts both hash or sign this form, whichever program or database produced the
values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(
        payload,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    ).encode("utf-8")


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


# 1e16 and beyond, a float is an integer (floats are exact integers from 2**53): PostgreSQL's
# jsonb keeps only the number and writes it back as digits ("10000000000000000"), which reads
# as an int, so it would hash otherwise than the "1e+16" the float was hashed as.
_INTEGRAL_FLOAT = 1e16


def storable(value: Any) -> Any:
    """``value`` with every number as any JSON store gives it back: a float from 1e16 on as
    the int it equals, -0.0 as 0.0. What is hashed must be what is read back, on
    SQLite's text JSON and PostgreSQL's jsonb alike."""
    if isinstance(value, float):
        if value == 0.0:
            return 0.0  # jsonb has no negative zero
        if abs(value) >= _INTEGRAL_FLOAT and value != float("inf") and value != -float("inf"):
            return int(value)
        return value
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value

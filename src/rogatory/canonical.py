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

"""This organisation's fraud thresholds, read from a YAML file and the environment's values.

The thresholds of the ``requester.*`` signals (free mail domains, how many identifiers, how
many requests from one sender within how many hours, the emergency wording) are policy, not
treaty values: an organisation sets its own. ``RequesterPolicy``'s values are the defaults;
a file names only what it changes, and every key is checked strictly (an unknown key, a
number that is not a whole number of at least 1, a list that is not of words), each problem
named by its key. The adapter (``cli.common.requester_policy``) reads the file and the
``ROGATORY_FRAUD_*`` settings and hands the policy to the screener: this module reads no
setting itself.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from rogatory.errors import ProblemCollector, RogatoryError
from rogatory.safeguards.requester import RequesterPolicy

COUNTS = ("max_identifiers", "burst_count", "burst_hours")
WORDS = ("free_mail_domains", "emergency_wording")
KEYS = (*WORDS, *COUNTS)
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_HOURS = 24 * 366


def _count(key: str, value: Any, problems: ProblemCollector, label: str) -> int | None:
    ceiling = MAX_HOURS if key == "burst_hours" else 1_000_000
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
        problems.add(
            "policy.invalid_value",
            f"key {key}: {value!r} is not a whole number from 1 to {ceiling}",
            file=label,
        )
        return None
    return value


def _words(key: str, value: Any, problems: ProblemCollector, label: str) -> list[str] | None:
    if not isinstance(value, list) or not value:
        problems.add(
            "policy.invalid_value", f"key {key}: expected a non-empty list of words", file=label
        )
        return None
    out: list[str] = []
    for i, item in enumerate(value):
        word = item.strip().lower() if isinstance(item, str) else ""
        if not word or (key == "free_mail_domains" and not DOMAIN.match(word)):
            what = "a domain name (e.g. mail.example)" if key == "free_mail_domains" else "a word"
            problems.add(
                "policy.invalid_value", f"key {key}[{i}]: {item!r} is not {what}", file=label
            )
            continue
        out.append(word)
    return out


def apply(
    data: Mapping[str, Any], label: str, base: RequesterPolicy | None = None
) -> RequesterPolicy:
    """``base`` (default: the shipped values) with the keys ``data`` gives, every key checked;
    all problems raised together (``policy.invalid``), each naming its key."""
    problems = ProblemCollector()
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            problems.add(
                "policy.unknown_key",
                f"key {key}: not a threshold of the fraud signals (keys: {', '.join(KEYS)})",
                file=label,
            )
        elif key in COUNTS:
            if (n := _count(key, value, problems, label)) is not None:
                changes[key] = n
        elif (words := _words(key, value, problems, label)) is not None:
            changes[key] = frozenset(words) if key == "free_mail_domains" else tuple(words)
    problems.raise_if_any("policy.invalid", f"the fraud policy ({label}) is invalid")
    return dataclasses.replace(base or RequesterPolicy(), **changes)


def read(path: Path, base: RequesterPolicy | None = None) -> RequesterPolicy:
    """The policy of a YAML file (a mapping of the keys it changes)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RogatoryError("policy.invalid", f"{path}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        raise RogatoryError("policy.invalid", f"{path}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RogatoryError(
            "policy.invalid", f"{path}: expected a mapping of keys ({', '.join(KEYS)})"
        )
    return apply(data, str(path), base)

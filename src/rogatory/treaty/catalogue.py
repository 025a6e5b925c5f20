"""Where the shipped bundles live, and loading them once per process.

Bundles are package data, so an installed rogatory carries the law it applies and its
revision hash is the same on every machine with the same release.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle, load_bundle

DEFAULT = "uncc"


def rules_root() -> Path:
    return Path(str(resources.files("rogatory") / "rules"))


def bundle_ids() -> list[str]:
    return sorted(p.name for p in rules_root().iterdir() if (p / "bundle.yaml").is_file())


@cache
def get(bundle_id: str = DEFAULT) -> Bundle:
    """The shipped bundle with that id, loaded and validated (cached)."""
    if bundle_id not in bundle_ids():
        raise RogatoryError(
            "rules.unknown_bundle",
            f"no bundle {bundle_id!r}",
            help=f"shipped bundles: {', '.join(bundle_ids())}",
        )
    return load_bundle(rules_root() / bundle_id)

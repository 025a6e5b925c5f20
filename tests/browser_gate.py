"""Whether the browser tests can run on this machine, and what a newcomer is told if not.

They need Debian's Chromium (``/usr/bin/chromium``, or ``ROGATORY_CHROMIUM``) and axe-core
from ``npm ci`` (``node_modules``). On a fresh machine without them ``make test`` skips the
browser tests and says, once, how to enable them; CI sets ``ROGATORY_REQUIRE_BROWSER=1``, and
then a missing browser fails the run instead, so that the browser tests can never be skipped
there without anyone noticing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ENV = "ROGATORY_CHROMIUM"
REQUIRE_ENV = "ROGATORY_REQUIRE_BROWSER"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HOW = (
    "install Debian's chromium and npm (apt-get install chromium npm, then make test runs "
    "npm ci), or run .ci/run"
)


@dataclass(frozen=True)
class Gate:
    chromium: Path
    missing: tuple[str, ...]  # what is absent, in words
    required: bool  # ROGATORY_REQUIRE_BROWSER=1: absent is a failure, not a skip

    @property
    def runs(self) -> bool:
        return not self.missing

    def message(self) -> str:
        absent = " and ".join(self.missing)
        if self.required:
            return f"{REQUIRE_ENV}=1 but the browser tests cannot run: {absent} missing; {HOW}"
        return (
            f"browser tests SKIPPED: {absent} missing; to run them, {HOW} "
            f"(set {REQUIRE_ENV}=1 to make this a failure)"
        )


def decide(chromium: Path, axe: Path, environ: Mapping[str, str]) -> Gate:
    missing = []
    if not (chromium.is_file() and os.access(chromium, os.X_OK)):
        missing.append(f"Chromium ({chromium})")
    if not axe.is_file():
        missing.append(f"axe-core ({axe.relative_to(ROOT) if axe.is_relative_to(ROOT) else axe})")
    return Gate(chromium, tuple(missing), environ.get(REQUIRE_ENV, "") == "1")


def current() -> Gate:
    """The decision for this machine and environment."""
    chromium = Path(os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)
    return decide(chromium, AXE, os.environ)

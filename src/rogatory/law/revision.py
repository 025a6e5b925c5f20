"""Bundle revisions: a content hash, so that a decision can name the exact law it applied.

The hash covers every file of the bundle (relative path and bytes, in a fixed order), so any
edit to the data, a test or a source note gives a new revision, and an untouched bundle gives
the same revision on every machine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def bundle_files(root: Path) -> list[Path]:
    """The files that make up a bundle, in a stable order; caches and hidden files excluded."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(
            part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts
        )
    )


def revision(root: Path) -> str:
    digest = hashlib.sha256()
    for path in bundle_files(root):
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(4, "big") + rel)
        digest.update(len(data).to_bytes(8, "big") + data)
    return f"sha256:{digest.hexdigest()}"

"""Evidence on its way in: the spool, and moving a file into place once its row is committed.

An upload is written to ``EVIDENCE_DIR/.spool/<file id>`` while it is hashed, then fsynced;
its row (which names the file's final path) is committed, and only then is the file renamed
into place. A process killed at any point leaves one of three things: a spool file and no row
(the sweep removes the file), a spool file and a committed row (the sweep moves the file into
place once its hash matches the row), or the file in place with its row. Never a row whose
file is lost, and never a file in place that no row names.

A spool file in flight is held under an exclusive ``flock`` by the process writing it, from
before its first byte until it is in place: the sweep skips a spool file it cannot lock, so it
never takes an upload from a live server; the kernel drops the lock when its process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from pathlib import Path
from typing import BinaryIO

from rogatory.errors import RogatoryError

SPOOL = ".spool"


def spool_dir(base_dir: Path) -> Path:
    return base_dir / SPOOL


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def locked(path: Path, *, wait: bool, write: bool = False) -> BinaryIO | None:
    """``path`` opened and exclusively locked, or None if it is gone or (without ``wait``)
    another process holds it. The path is checked to still be the file that was locked: a
    file removed or replaced meanwhile is not this one."""
    try:
        handle = path.open("rb+" if write else "rb")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        if os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino:
            raise FileNotFoundError(path)
    except (BlockingIOError, FileNotFoundError):
        handle.close()
        return None
    return handle


class Spooled:
    """One incoming file: written and hashed in the spool, under its lock, until it is placed
    (or discarded). ``committed`` is set once its row is committed: from then on it is never
    discarded, only placed, by this process or by the sweep."""

    def __init__(self, base_dir: Path, max_bytes: int) -> None:
        folder = spool_dir(base_dir)
        folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.size = 0
        self.committed = False
        self.placed: Path | None = None
        self._digest = hashlib.sha256()
        while True:  # a sweep may remove a new file before it is locked: then take another
            self.file_id = str(uuid.uuid4())
            self.path = folder / self.file_id
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            handle = locked(self.path, wait=True, write=True)
            if handle is not None:
                self._handle: BinaryIO | None = handle
                break

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def write(self, chunk: bytes) -> None:
        assert self._handle is not None, "this spool file was closed"
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise RogatoryError(
                "evidence.too_large", f"the file exceeds the limit of {self.max_bytes} bytes"
            )
        self._digest.update(chunk)
        self._handle.write(chunk)

    def finish(self) -> None:
        """Everything received: flushed and fsynced before any row can name it."""
        assert self._handle is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def place(self, final: Path) -> None:
        """Move the committed file into place (read-only from now on), then let it go."""
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path, 0o444)
        os.replace(self.path, final)
        _fsync_dir(final.parent)
        self.placed = final
        self._release()

    def discard(self) -> None:
        """Give the file up: removed unless its row was committed (the sweep then places
        it), or it is already in place."""
        if self.placed is None and not self.committed and self._handle is not None:
            self.path.unlink(missing_ok=True)
        self._release()

    def _release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

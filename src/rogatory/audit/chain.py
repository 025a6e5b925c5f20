"""The hash chain itself: canonical JSON, linking, and verification, with no storage.

Canonical JSON (sorted keys, no insignificant white space, UTF-8) makes the hash independent
of how a database or a language happens to serialise the same values. Verification streams:
it holds one event at a time, so a chain of millions of events is checked in constant memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rogatory.canonical import canonical

GENESIS = "0" * 64


def link(prev_hash: str, payload: Mapping[str, Any]) -> str:
    """The hash of an event: SHA-256 over the previous hash and the canonical content."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(payload))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as read back from storage: its content and the hashes stored beside it."""

    chain: str
    seq: int
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass
class ChainReport:
    """What verification found: every chain checked, and the first broken link if any."""

    events: int = 0
    chains: dict[str, int] = field(default_factory=dict)
    broken_chain: str | None = None
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        if self.ok:
            return (
                f"verified: {self.events} events in {len(self.chains)} chain"
                f"{'s' if len(self.chains) != 1 else ''}, no broken link"
            )
        return f"broken at event {self.broken_seq} of chain {self.broken_chain!r}: {self.reason}"


def verify(events: Iterable[StoredEvent]) -> ChainReport:
    """Check events ordered by (chain, seq); stop at the first broken link.

    A gap in the sequence means an event was deleted (or renumbered); a ``prev_hash`` that is
    not the previous event's hash means events were reordered or one was replaced; a hash that
    does not match the content means the event was edited.
    """
    report = ChainReport()
    chain: str | None = None
    expected_seq = 1
    prev = GENESIS
    for event in events:
        if event.chain != chain:
            chain, expected_seq, prev = event.chain, 1, GENESIS
        report.events += 1
        report.chains[event.chain] = report.chains.get(event.chain, 0) + 1
        problem = None
        if event.seq != expected_seq:
            problem = (
                f"expected event {expected_seq} here, found {event.seq}: an event was "
                "deleted or the events were renumbered"
            )
        elif event.prev_hash != prev:
            problem = (
                "its previous-hash does not match the event before it: events were "
                "reordered, or one was replaced"
            )
        elif link(event.prev_hash, event.payload) != event.hash:
            problem = "its hash does not match its content: the event was altered"
        if problem is not None:
            report.broken_chain = event.chain
            report.broken_seq = expected_seq if event.seq != expected_seq else event.seq
            report.reason = problem
            return report
        prev = event.hash
        expected_seq += 1
    return report

"""The hash chain itself: canonical JSON, linking, and verification, with no storage.

Canonical JSON (sorted keys, no insignificant white space, UTF-8) makes the hash independent
of how a database or a language happens to serialise the same values. Verification streams:
it holds one event at a time, so a chain of millions of events is checked in constant memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rogatory.canonical import canonical

GENESIS = "0" * 64


def link(prev_hash: str, payload: Mapping[str, Any]) -> str:
    """The hash of an event: SHA-256 over the previous hash and the canonical content."""
    return link_bytes(prev_hash, canonical(payload))


def link_bytes(prev_hash: str, content: bytes) -> str:
    """``link`` over content already in canonical form."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(content)
    return digest.hexdigest()


class StoredEvent:
    """An event as read back from storage: its content and the hashes stored beside it.

    ``fast``, when the reader has it, is the content serialised by a fast encoder; it is tried
    first, and only if its link does not match is the content rebuilt with the reference
    canonical form (``payload``), which alone decides that an event was altered. So a fast
    encoder can speed verification up but can never call an intact event broken.
    """

    __slots__ = ("_payload", "_rebuild", "chain", "fast", "hash", "prev_hash", "seq")

    def __init__(
        self,
        chain: str,
        seq: int,
        payload: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
        prev_hash: str,
        hash: str,
        fast: bytes | None = None,
    ) -> None:
        self.chain = chain
        self.seq = seq
        self.prev_hash = prev_hash
        self.hash = hash
        self.fast = fast
        if isinstance(payload, Mapping):
            self._payload: Mapping[str, Any] | None = payload
            self._rebuild: Callable[[], Mapping[str, Any]] | None = None
        else:
            self._payload, self._rebuild = None, payload

    @property
    def payload(self) -> Mapping[str, Any]:
        """The content, decoded by the reference JSON decoder (on first use)."""
        if self._payload is None:
            assert self._rebuild is not None
            self._payload = self._rebuild()
        return self._payload

    def links_from(self, prev_hash: str) -> bool:
        """Whether this event's stored hash is the link from ``prev_hash`` over its content."""
        if self.fast is not None and link_bytes(prev_hash, self.fast) == self.hash:
            return True
        return link(prev_hash, self.payload) == self.hash


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
    sha256 = hashlib.sha256
    counts = report.chains
    for event in events:
        if event.chain != chain:
            chain, expected_seq, prev = event.chain, 1, GENESIS
        counts[chain] = expected_seq  # this chain's events so far, this one included
        # The common case in one expression: in sequence, linked, and the fast form matches.
        fast = event.fast
        if (
            fast is not None
            and event.seq == expected_seq
            and event.prev_hash == prev
            and sha256(b"%s\n%s" % (prev.encode("ascii"), fast)).hexdigest() == event.hash
        ):
            prev = event.hash
            expected_seq += 1
            continue
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
        elif not event.links_from(event.prev_hash):
            problem = "its hash does not match its content: the event was altered"
        if problem is not None:
            report.broken_chain = event.chain
            report.broken_seq = expected_seq if event.seq != expected_seq else event.seq
            report.reason = problem
            report.events = sum(counts.values())
            return report
        prev = event.hash
        expected_seq += 1
    report.events = sum(counts.values())
    return report

"""Signed checkpoints of the organisations' audit chains: taken, stored, exported, verified.

The chain alone cannot show that its last events, or all of it, were deleted, or that it was
rewritten from some event on with every hash recomputed: what remains is a valid chain. A
checkpoint is the organisation's signature over its chain's head (seq, hash, time). One is
stored whenever a transaction leaves the head ``checkpoint_every`` events (100 by default)
past the last one, so at most that many events can go from the end unseen by the stored
checkpoints; one is taken on demand by ``rogatory audit checkpoint``, to export and keep away
from the database, where nobody who can write to it can reach. A receipt's audit head is the
same claim, signed the same way, and is checked the same way.

Verification recomputes the chain, then holds each checkpoint against it: the chain must still
reach the checkpoint's seq (else events were deleted from its end, or the chain is gone), its
event at that seq must have the signed hash (else it was rewritten), and the signature must be
a genuine key's of that organisation, valid at the checkpoint's time (else it is forged).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rogatory import settings
from rogatory.audit import chain as chains
from rogatory.audit import service as audit
from rogatory.disclosure import receipts
from rogatory.errors import RogatoryError
from rogatory.requests.models import Organisation
from rogatory.signing import checkpoint, envelope, keyring
from rogatory.signing.models import AuditCheckpoint, SigningKey


def document(row: AuditCheckpoint, key: SigningKey) -> checkpoint.Checkpoint:
    return checkpoint.Checkpoint(
        head=checkpoint.Head(chain=row.chain, seq=row.seq, hash=row.head_hash, at=row.at),
        key_id=row.key_id,
        public_key=key.public_key,
        signature=row.signature,
    )


def take(session: Session, chain: str, kek: envelope.Kek | None = None) -> checkpoint.Checkpoint:
    """Sign and store the chain's head now; at a head already checkpointed, the stored one."""
    seq, digest = audit.head(session, chain)  # the chain's lock first, as every writer
    key_row, key = keyring.current(session, chain, kek)
    if seq == 0:
        raise RogatoryError(
            "audit.empty_chain", f"the audit chain of {chain!r} has no events to checkpoint"
        )
    stored = session.execute(
        select(AuditCheckpoint).where(AuditCheckpoint.chain == chain, AuditCheckpoint.seq == seq)
    ).scalar_one_or_none()
    if stored is not None:
        signer = session.get(SigningKey, stored.key_id)
        if signer is not None:
            return document(stored, signer)
    head = checkpoint.Head(chain=chain, seq=seq, hash=digest, at=datetime.now(UTC))
    signed = checkpoint.sign(head, key)
    session.add(
        AuditCheckpoint(
            chain=chain,
            seq=seq,
            head_hash=digest,
            at=head.at,
            key_id=key_row.id,
            signature=signed.signature,
        )
    )
    session.flush()
    return signed


@functools.lru_cache(maxsize=8)
def _every(raw: str | None) -> int:
    return settings.load().checkpoint_every


def checkpoint_every() -> int:
    """The setting, validated once per value: loading every setting costs a quarter of a
    millisecond, too much to pay on every commit that appends."""
    return _every(os.environ.get("ROGATORY_CHECKPOINT_EVERY"))


def take_due(session: Session) -> None:
    """Before a commit: checkpoint each organisation chain this transaction appended to whose
    head is now ``checkpoint_every`` events past its last checkpoint. Chains that are not an
    organisation's (only tests make those) have no key and are left alone."""
    appended = audit.take_appended(session)
    if not appended:
        return
    every = checkpoint_every()
    for chain in sorted(appended):
        seq, _ = audit.head(session, chain)
        last = session.execute(
            select(func.max(AuditCheckpoint.seq)).where(AuditCheckpoint.chain == chain)
        ).scalar_one()
        if seq - (last or 0) >= every and session.get(Organisation, chain) is not None:
            take(session, chain)


@dataclass(frozen=True)
class Claim:
    """A signed head to hold against the chain: a checkpoint, stored or from a file, or a
    receipt's audit head."""

    source: str
    chain: str
    seq: int
    hash: str
    at: datetime
    key_id: str | None
    public_key: str
    signature_problem: str | None


def claim_of(doc: checkpoint.Checkpoint, source: str) -> Claim:
    head = doc.head
    return Claim(
        source,
        head.chain,
        head.seq,
        head.hash,
        head.at,
        doc.key_id,
        doc.public_key,
        checkpoint.signature_problem(doc),
    )


def claim_of_receipt(receipt: receipts.Receipt, source: str) -> Claim:
    head = receipt.manifest.audit_head
    if head is None:
        raise RogatoryError(
            "checkpoint.invalid", f"{source}: this receipt records no audit chain head"
        )
    checks = receipts.verify(receipt)
    bad = next((m for n, ok, m in checks.checks if not ok), None)
    return Claim(
        source,
        head.chain,
        head.seq,
        head.hash,
        receipt.manifest.handed_over_at,
        receipt.key_id,
        receipt.public_key,
        bad,
    )


@dataclass(frozen=True)
class Finding:
    claim: Claim
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class Report:
    chain: chains.ChainReport
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and all(f.ok for f in self.findings)


class _Watch:
    """Passes the events through to the chain's verification, remembering each chain's last
    seq and the hashes at the seqs some claim names."""

    def __init__(self, events: Iterable[chains.StoredEvent], wanted: set[tuple[str, int]]):
        self._events = iter(events)
        self._wanted = wanted
        self.last: dict[str, int] = {}
        self.hashes: dict[tuple[str, int], str] = {}

    def __iter__(self) -> Iterator[chains.StoredEvent]:
        for event in self._events:
            self.last[event.chain] = max(event.seq, self.last.get(event.chain, 0))
            if (event.chain, event.seq) in self._wanted:
                self.hashes[(event.chain, event.seq)] = event.hash
            yield event


def _stored_claims(session: Session, chain: str | None) -> list[Claim]:
    query = (
        select(AuditCheckpoint, SigningKey.public_key)
        .outerjoin(SigningKey, SigningKey.id == AuditCheckpoint.key_id)
        .order_by(AuditCheckpoint.chain, AuditCheckpoint.seq)
    )
    if chain is not None:
        query = query.where(AuditCheckpoint.chain == chain)
    found = []
    for row, public in session.execute(query).all():
        head = checkpoint.Head(chain=row.chain, seq=row.seq, hash=row.head_hash, at=row.at)
        if public is None:
            missing = f"its key {row.key_id} is not in the database: the key was deleted"
            found.append(
                Claim("stored", row.chain, row.seq, row.head_hash, row.at, row.key_id, "", missing)
            )
            continue
        doc = checkpoint.Checkpoint(
            head=head, key_id=row.key_id, public_key=public, signature=row.signature
        )
        found.append(claim_of(doc, "stored"))
    return found


def _key_problem(
    claim: Claim, keys: dict[str, SigningKey], genuine: dict[str, str | None]
) -> str | None:
    row = keys.get(claim.key_id or "")
    if row is None or row.org_id != claim.chain or row.public_key != claim.public_key:
        return (
            f"it is signed with key {claim.key_id or '(unnamed)'}, which is not one of "
            f"{claim.chain!r}'s keys: it is forged"
        )
    if (why := genuine[row.id]) is not None:
        return f"its key cannot be trusted: {why}"
    published = keyring.published(row)
    if not published.valid_at(claim.at):
        return f"key {row.id} was not {claim.chain!r}'s signing key then ({published.period()})"
    return None


def _chain_problem(claim: Claim, watch: _Watch) -> str | None:
    last = watch.last.get(claim.chain)
    if last is None:
        return (
            f"the chain {claim.chain!r} has no events at all, the checkpoint saw {claim.seq}: "
            "the chain was deleted"
        )
    if last < claim.seq:
        return (
            f"the chain ends at event {last}, the checkpoint saw {claim.seq}: events "
            f"{last + 1}-{claim.seq} were deleted from its end"
        )
    found = watch.hashes.get((claim.chain, claim.seq))
    if found != claim.hash:
        return (
            f"event {claim.seq} has hash {(found or '(missing)')[:16]}..., the checkpoint signed "
            f"{claim.hash[:16]}...: the chain was rewritten"
        )
    return None


def verify(
    session: Session,
    *,
    chain: str | None = None,
    external: Iterable[Claim] = (),
    kek: envelope.Kek | None = None,
) -> Report:
    """The chain recomputed, and every stored checkpoint and every given claim held against
    it. A key that is not genuine makes what it signed fail; keys still in plaintext are also
    reported as warnings."""
    given = list(external)
    for claim in given:
        if chain is not None and claim.chain != chain:
            raise RogatoryError(
                "checkpoint.other_chain",
                f"{claim.source}: a checkpoint of chain {claim.chain!r}, but --chain is {chain!r}",
            )
    claims = _stored_claims(session, chain) + given
    orgs = {c.chain for c in claims}
    key_rows = {k.id: k for k in keyring.all_keys(session) if k.org_id in orgs}
    plaintext = keyring.plaintext(session)
    if key_rows:
        kek = kek or envelope.configured()
    genuine = {k.id: keyring.genuine(k, kek) for k in key_rows.values()} if kek else {}
    watch = _Watch(audit.stream(session, chain=chain), {(c.chain, c.seq) for c in claims})
    events = iter(watch)
    report = Report(chains.verify(events))
    for _ in events:  # a broken chain stops its verification; the checkpoints see it all
        pass
    for claim in claims:
        problem = claim.signature_problem or _key_problem(claim, key_rows, genuine)
        report.findings.append(Finding(claim, problem or _chain_problem(claim, watch)))
    report.warnings = [
        f"signing key {k.id} of {k.org_id} is still stored in plaintext: run "
        "'rogatory keys encrypt'"
        for k in plaintext
        if chain is None or k.org_id == chain
    ]
    return report

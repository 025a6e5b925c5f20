"""Appending to and verifying the audit chain in a database session.

``append`` is the only write path and there is no update or delete path at all. Appends to
one chain are serialised: on PostgreSQL with a transaction-scoped advisory lock, on SQLite by
its single writer (transactions begin IMMEDIATE); the unique (chain, seq) constraint is the
last line of defence. The head is read once per transaction, so a flow that records three
events holds the chain for one read and three inserts, not three rounds of lock and read.

An event that changed a subject (a case, by its ``case_id``; a user, by ``subject``) also
records the state it left the subject in (``audit.state``), computed by the hook the storage
adapter put on the session once the chain's lock is held: every writer records it, here,
whichever feature appended.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rogatory.audit import chain as chains
from rogatory.audit import state as states
from rogatory.audit.models import AuditEvent, event_payload
from rogatory.canonical import storable

# Where a session remembers the head of each chain it appended to, and in which (possibly
# nested) transaction: valid only while that transaction is still open.
_HEADS = "rogatory.audit.heads"
# The chains a session appended to since it last handed them to a checkpoint taker.
_APPENDED = "rogatory.audit.appended"


def _lock(session: Session, chain: str) -> None:
    """Serialise writers of one chain until the transaction ends. PostgreSQL: an advisory
    transaction lock. SQLite: the write lock every read-write transaction takes at BEGIN
    (``db.engine`` begins IMMEDIATE), so there is nothing more to take."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"audit:{chain}".encode())}
        )


def _head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's last seq and hash. Read once per transaction under the chain's lock; later
    appends in the same transaction continue from the event it wrote last, which nobody else
    can have followed while the lock is held. A rolled-back or released savepoint makes the
    remembered head stale, so it is read again."""
    remembered = session.info.get(_HEADS, {}).get(chain)
    if remembered is not None and remembered[2].is_active:
        return remembered[0], remembered[1]
    _lock(session, chain)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, chains.GENESIS)


def head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's head (last seq and hash; 0 and the genesis hash when empty), read under the
    chain's lock, so no writer can move it until the transaction ends."""
    return _head(session, chain)


def take_appended(session: Session) -> set[str]:
    """The chains this session appended to since the last call: what a checkpoint taker
    looks at before a commit."""
    taken: set[str] = session.info.pop(_APPENDED, set())
    return taken


# A session's hook called with every event it appends, in the event's transaction (the
# notifications outbox installs one, ``db.engine.sessions``); it must not append events.
EVENT_HOOK = "rogatory.audit.event_hook"
EventHook = Callable[[Session, AuditEvent], None]


def append(
    session: Session,
    *,
    chain: str,
    actor: str,
    action: str,
    summary: dict[str, Any],
    case_id: str | None = None,
    subject: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to ``chain`` inside the caller's transaction.

    The chain's lock is held from the first append to the end of the transaction, so each
    chain has one writer at a time and seq numbers never collide; the unique (chain, seq)
    constraint is the backstop, turning a writer that bypassed the lock into a failed
    transaction, never into a forked chain. ``subject`` (``user:ID``) names what a non-case
    event changed; a case event's subject is its case.
    """
    when = (at or datetime.now(UTC)).astimezone(UTC)
    last_seq, prev = _head(session, chain)
    # Under the chain's lock: on PostgreSQL another writer of the same case commits before
    # this state is read or after this event, never in between (events and states in order).
    hook: states.StateHook | None = session.info.get(states.HOOK)
    state = hook(session, case_id, subject) if hook is not None else None
    # Hashed as it will be read back from either database (jsonb rewrites some numbers).
    summary = storable(summary)
    state = storable(state) if state is not None else None
    seq = last_seq + 1
    payload = event_payload(chain, seq, when, actor, action, case_id, summary, state)
    event = AuditEvent(
        chain=chain,
        seq=seq,
        at=when,
        actor=actor,
        action=action,
        case_id=case_id,
        summary=summary,
        prev_hash=prev,
        hash=chains.link(prev, payload),
        state=state,
    )
    session.add(event)
    session.flush()
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_HEADS, {})[chain] = (seq, event.hash, current)
    session.info.setdefault(_APPENDED, set()).add(chain)
    on_event: EventHook | None = session.info.get(EVENT_HOOK)
    if on_event is not None:  # e.g. the notifications outbox, in this same transaction
        on_event(session, event)
    return event


_COLUMNS = "chain, seq, at, actor, action, case_id, summary, prev_hash, hash, state"
_PG_COLUMNS = "chain, seq, at, actor, action, case_id, summary::text, prev_hash, hash, state::text"
_SQLITE_AT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")


def _iso(value: Any) -> str:
    """The payload's timestamp text from what the driver returns, without a full parse when
    the stored text is SQLAlchemy's fixed SQLite format (UTC, microseconds)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    text_value = str(value)
    if len(text_value) == 26 and text_value[10] == " ":
        # Injective on such strings: a malformed stored value yields a text no hash was made
        # over, and the event is reported altered (the regex below is for the rest).
        return f"{text_value[:10]}T{text_value[11:]}+00:00"
    if _SQLITE_AT.match(text_value):
        return text_value.replace(" ", "T", 1) + "+00:00"
    return _iso(datetime.fromisoformat(text_value))


def _decoded(text_or_value: Any) -> Any:
    return json.loads(text_or_value) if isinstance(text_or_value, str) else text_or_value


def _fast(payload: dict[str, Any], summary: Any, state: Any) -> bytes | None:
    """The payload serialised by orjson (sorted keys, compact, UTF-8: the canonical form for
    every value but some floats and integers beyond 64 bits), or none where it cannot; the
    reference form decides whenever this one does not link (``StoredEvent``)."""
    try:
        payload["summary"] = orjson.loads(summary) if isinstance(summary, str) else summary
        if state is not None:
            payload["state"] = orjson.loads(state) if isinstance(state, str) else state
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError):
        return None


def stream(
    session: Session, *, chain: str | None = None, batch: int = 10_000
) -> Iterator[chains.StoredEvent]:
    """Every event in (chain, seq) order, streamed in batches straight from the driver.

    Verification reads every row of a table that grows by a million rows a year, so it skips
    the ORM and SQLAlchemy's result layer (a driver cursor, server-side on PostgreSQL so memory
    stays constant), reads the JSON columns as text (jsonb too: no decoding by the driver) and
    re-serialises each payload with a fast encoder; the reference canonical form is built only
    for an event whose fast form does not link.
    """
    pg = session.get_bind().dialect.name == "postgresql"
    columns, mark = (_PG_COLUMNS, "%(chain)s") if pg else (_COLUMNS, ":chain")
    where = f"WHERE chain = {mark} " if chain is not None else ""
    sql = f"SELECT {columns} FROM audit_events {where}ORDER BY chain, seq"
    driver = session.connection().connection.dbapi_connection
    assert driver is not None
    # A named cursor is PostgreSQL's server-side cursor: rows arrive ``batch`` at a time.
    cursor = driver.cursor(name="rogatory_audit_stream") if pg else driver.cursor()
    try:
        cursor.execute(sql, {"chain": chain} if chain is not None else {})
        while rows := cursor.fetchmany(batch):
            for c, seq, at, actor, action, case_id, summary, prev, digest, state in rows:
                when = _iso(at)
                head = {
                    "chain": c,
                    "seq": seq,
                    "at": when,
                    "actor": actor,
                    "action": action,
                    "case_id": case_id,
                }
                fast = _fast(head, summary, state)
                rebuild = partial(_reference, c, seq, when, actor, action, case_id, summary, state)
                yield chains.StoredEvent(c, seq, rebuild, prev, digest, fast)
    finally:
        cursor.close()


def _reference(
    c: str,
    seq: int,
    when: str,
    actor: str,
    action: str,
    case_id: str | None,
    summary: Any,
    state: Any,
) -> dict[str, Any]:
    """The payload decoded by the reference JSON decoder, as ``event_payload`` built it."""
    payload = {
        "chain": c,
        "seq": seq,
        "at": when,
        "actor": actor,
        "action": action,
        "case_id": case_id,
        "summary": _decoded(summary),
    }
    if state is not None:
        payload["state"] = _decoded(state)
    return payload


def verify(session: Session, *, chain: str | None = None) -> chains.ChainReport:
    return chains.verify(stream(session, chain=chain))

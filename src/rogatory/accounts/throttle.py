"""Slowing password guessing down, per account and per client address.

Every attempt is counted *before* its password is checked, with one upsert that returns the
new count (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``): on PostgreSQL the row lock the
upsert takes makes concurrent guesses count one after the other, so thirty guesses sent at
once check no more passwords than thirty sent one by one. The count is committed before the
password is hashed: no lock is held while argon2 runs.

An account is never locked out outright, or an attacker could keep its owner out for as long
as they like: after ``ACCOUNT.free`` attempts in the window, each further attempt waits a
delay that doubles (30 s, 1 min, 2 min, 4 min, then five minutes each), answered 429 with
Retry-After.
An attempt made during the delay is refused without being counted, so it does not lengthen
it, and the owner's right password works as soon as the delay is over. A client address that
makes ``ADDRESS.free`` attempts in the window, whichever accounts they name, is refused for the
rest of the window: the attacker's address is blocked harder than any one account. Rows
whose window has passed are purged. ``imposed`` says which waits an attempt started, so that
``accounts.sessions`` can audit them with the failed sign-in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rogatory.accounts.models import SignInThrottle
from rogatory.errors import RogatoryError

WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=5)
TABLE = cast(Table, SignInThrottle.__table__)


@dataclass(frozen=True)
class Rule:
    """How attempts under one kind of key are limited."""

    kind: str  # the key's prefix: account or address
    free: int  # attempts in the window before any wait
    wait: Callable[[int], timedelta]  # the wait after the n-th attempt (n >= free)
    refusal: str  # what a refused client is told, before "try again in ..."


def _doubling(attempts: int) -> timedelta:
    doubled: timedelta = FIRST_DELAY * 2 ** min(attempts - ACCOUNT.free, 20)
    return min(doubled, MAX_DELAY)


ACCOUNT = Rule("account", 5, _doubling, "too many failed sign-ins for this email")
ADDRESS = Rule("address", 20, lambda _: WINDOW, "too many failed sign-ins from this address")


def _key(rule: Rule, value: str) -> str:
    return f"{rule.kind}:{value}"[:300]


def reserve(session: Session, rule: Rule, value: str, now: datetime) -> RogatoryError | None:
    """Count one attempt under ``rule`` for ``value``; None if it may go ahead, else the
    ``auth.throttled`` error to answer (the attempt is then not counted)."""
    key = _key(rule, value)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counted = (
        insert(TABLE)
        .values(key=key, attempts=1, last_at=now, blocked_until=None)
        .on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                "attempts": case((TABLE.c.last_at <= now - WINDOW, 1), else_=TABLE.c.attempts + 1),
                "last_at": now,
                "blocked_until": None,
            },
            where=or_(TABLE.c.blocked_until.is_(None), TABLE.c.blocked_until <= now),
        )
        .returning(TABLE.c.attempts)
    )
    attempts = session.execute(counted).scalar_one_or_none()
    if attempts is None:  # still waiting: refused, and not counted
        until = session.execute(
            select(TABLE.c.blocked_until).where(TABLE.c.key == key)
        ).scalar_one()
        return throttled(rule, until - now)
    if attempts >= rule.free:
        session.execute(
            update(TABLE).where(TABLE.c.key == key).values(blocked_until=now + rule.wait(attempts))
        )
    return None


@dataclass(frozen=True)
class Delay:
    """A wait one attempt started: what it applies to, after how many attempts, until when."""

    kind: str  # account or address
    value: str  # the email or the client address
    attempts: int
    until: datetime


def imposed(session: Session, account: str, address: str, now: datetime) -> list[Delay]:
    """The waits the attempt counted at ``now`` started (for the account, the address or
    both): the rows it counted last (``last_at`` is its time) that now make others wait."""
    keys = {_key(ADDRESS, address): (ADDRESS, address), _key(ACCOUNT, account): (ACCOUNT, account)}
    rows = session.execute(
        select(TABLE.c.key, TABLE.c.attempts, TABLE.c.last_at, TABLE.c.blocked_until).where(
            TABLE.c.key.in_(keys)
        )
    ).all()
    return [
        Delay(keys[key][0].kind, keys[key][1], attempts, until)
        for key, attempts, last_at, until in sorted(rows)
        if last_at == now and until is not None and until > now
    ]


def throttled(rule: Rule, wait: timedelta) -> RogatoryError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    when = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return RogatoryError(
        "auth.throttled",
        f"{rule.refusal}; try again in {when}",
        details={"retry_after": seconds},
    )


def succeeded(session: Session, account: str, address: str) -> None:
    """A right password: the account starts afresh; the address's count loses this attempt
    (a success is not a failure) but keeps the rest, so signing in to one's own account
    between guesses does not reset the address."""
    session.execute(
        update(TABLE)
        .where(TABLE.c.key == _key(ADDRESS, address), TABLE.c.attempts > 0)
        .values(attempts=TABLE.c.attempts - 1)
    )
    session.execute(delete(TABLE).where(TABLE.c.key == _key(ACCOUNT, account)))


def purge(session: Session, now: datetime) -> int:
    """Remove the rows whose window has passed and whose wait is over. Rows another sign-in
    holds are skipped (``SKIP LOCKED`` on PostgreSQL), so purging never waits on a lock."""
    expired = (
        select(TABLE.c.key)
        .where(
            TABLE.c.last_at <= now - WINDOW,
            or_(TABLE.c.blocked_until.is_(None), TABLE.c.blocked_until <= now),
        )
        .with_for_update(skip_locked=True)
    )
    result = session.execute(delete(TABLE).where(TABLE.c.key.in_(expired)))
    return int(getattr(result, "rowcount", 0) or 0)

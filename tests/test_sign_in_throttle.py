"""Sign-in throttling on SQLite and PostgreSQL: counted atomically under concurrent guesses, a
progressive delay per account (never a lock-out), a harder limit per client address, rows
purged after their window, and argon2 outside any database lock."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.accounts import service as accounts
from rogatory.accounts import sessions, throttle
from rogatory.accounts.models import SignInThrottle
from rogatory.db import engine as dbe
from rogatory.errors import RogatoryError
from rogatory.requests import flows

PASSWORD = "correct horse battery"
RITA = "rita@a.example"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    made = dbe.sessions(engine)
    with made.begin() as s:
        flows.ensure_organisation(s, "org-a", "org-a")
        accounts.add_user(s, org="org-a", email=RITA, name="Rita", password=PASSWORD, roles=[])
    return made


def _try(
    factory: sessionmaker[Session],
    password: str,
    at: datetime,
    *,
    email: str = RITA,
    address: str | None = None,
) -> str | int:
    """'ok', 'wrong', or the Retry-After seconds of a throttled attempt; from a new client
    address each time unless one is given."""
    try:
        sessions.sign_in(factory, email, password, address=address or next(_addresses), now=at)
    except RogatoryError as exc:
        if exc.code == "auth.throttled":
            return int(exc.details["retry_after"])
        return "wrong" if exc.code == "auth.invalid_credentials" else exc.code
    return "ok"


@pytest.fixture
def argon2_calls() -> Iterator[list[str]]:
    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str, password: str) -> bool:
        calls.append(password)
        return real(self, hash, password)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(PasswordHasher, "verify", counting)
        yield calls


def test_thirty_concurrent_guesses_check_only_the_free_attempts(
    factory: sessionmaker[Session], argon2_calls: list[str]
) -> None:
    """Thirty threads guess one account at the same instant (each from its own address):
    the count is taken atomically, so only ``ACCOUNT.free`` passwords are hashed."""
    barrier = threading.Barrier(30)
    results: list[str | int] = []

    def guess(n: int) -> None:
        barrier.wait()
        results.append(_try(factory, f"guess {n}", T0, address=f"198.51.100.{n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcome = Counter("wrong" if r == "wrong" else "throttled" for r in results)
    assert outcome == {"wrong": throttle.ACCOUNT.free, "throttled": 30 - throttle.ACCOUNT.free}
    assert len(argon2_calls) == throttle.ACCOUNT.free


def test_each_further_attempt_waits_longer_and_the_right_password_works_after_the_wait(
    factory: sessionmaker[Session],
) -> None:
    free = throttle.ACCOUNT.free
    assert [_try(factory, "wrong guess", T0) for _ in range(free)] == ["wrong"] * free
    assert _try(factory, PASSWORD, T0) == 30  # even the right password waits: 429
    at, waits = T0, []
    for _ in range(6):  # a guess after each wait: the next wait doubles, up to five minutes
        at += timedelta(seconds=_try(factory, "x", at) if waits else 30)
        assert _try(factory, "another guess", at) == "wrong"
        waits.append(_try(factory, PASSWORD, at))
    assert waits == [60, 120, 240, 300, 300, 300]
    # attempts during the wait are refused without being counted: the wait does not grow
    for seconds in (10, 100, 200):
        assert _try(factory, "hammering", at + timedelta(seconds=seconds)) == 300 - seconds
    assert _try(factory, PASSWORD, at + timedelta(seconds=300)) == "ok"
    # a success starts the account afresh
    assert _try(factory, "typo", at + timedelta(seconds=301)) == "wrong"


def test_an_address_making_too_many_attempts_is_blocked_harder_than_an_account(
    factory: sessionmaker[Session],
) -> None:
    attacker, limit = "203.0.113.9", throttle.ADDRESS.free
    sprayed = [
        _try(factory, "Winter2026!", T0, email=f"user{n}@a.example", address=attacker)
        for n in range(limit)
    ]
    assert sprayed == ["wrong"] * limit
    window = int(throttle.WINDOW.total_seconds())
    # the attacker's address waits the whole window, whatever account or password it sends
    assert _try(factory, PASSWORD, T0, address=attacker) == window
    assert _try(factory, PASSWORD, T0 + timedelta(minutes=10), address=attacker) == window - 600
    # Rita, from her own address, is not affected
    assert _try(factory, PASSWORD, T0 + timedelta(minutes=1), address="192.0.2.50") == "ok"
    assert _try(factory, PASSWORD, T0 + throttle.WINDOW, address=attacker) == "ok"


def _keys(factory: sessionmaker[Session]) -> set[str]:
    with factory() as s:
        return set(s.execute(select(SignInThrottle.key)).scalars())


def test_rows_are_purged_once_their_window_has_passed(factory: sessionmaker[Session]) -> None:
    assert _try(factory, "old guess", T0, email="old@a.example", address="192.0.2.7") == "wrong"
    later = T0 + timedelta(minutes=10)
    assert _try(factory, "new guess", later, email="new@a.example", address="192.0.2.8") == "wrong"
    assert _keys(factory) == {
        "account:old@a.example",
        "address:192.0.2.7",
        "account:new@a.example",
        "address:192.0.2.8",
    }
    after_window = T0 + throttle.WINDOW + timedelta(seconds=1)
    assert _try(factory, PASSWORD, after_window, address="192.0.2.9") == "ok"
    # the first attempt's rows are gone; the recent ones and the address just used are kept
    assert _keys(factory) == {"account:new@a.example", "address:192.0.2.8", "address:192.0.2.9"}


def test_argon2_runs_with_no_database_lock_held(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    """While the password is being hashed, another connection can take the locks a sign-in
    writes under (SQLite's write lock; the throttle rows on PostgreSQL) at once."""
    probes: list[str] = []
    other = dbe.make_engine(engine.url.render_as_string(hide_password=False), lock_timeout=1)
    real = PasswordHasher.verify

    def probing(self: PasswordHasher, hash: str, password: str) -> bool:
        with other.begin() as conn:
            if other.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
            conn.execute(
                throttle.TABLE.update().values(attempts=throttle.TABLE.c.attempts)
            )  # takes the write lock (SQLite) or every row lock (PostgreSQL)
        probes.append("took the lock")
        return real(self, hash, password)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(PasswordHasher, "verify", probing)
        assert _try(factory, "wrong", T0) == "wrong"
        assert _try(factory, PASSWORD, T0) == "ok"
    other.dispose()
    assert probes == ["took the lock", "took the lock"]

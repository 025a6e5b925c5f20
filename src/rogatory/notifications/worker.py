"""``rogatory worker``: write what time makes due, then deliver the outbox, round after round.

Each notice is claimed in a committed transaction (status ``sending``), sent outside any
transaction, then recorded as sent, or put back with a later attempt time (exponential
back-off) or, after the last attempt, as failed. A worker killed mid-send leaves the notice
``sending``; once its lease has run out the next round sends it again, with the same
delivery id. Several workers may run: PostgreSQL's SKIP LOCKED keeps them off each other's
notices, and on SQLite the claim is one write transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from rogatory.notifications import delivery, outbox, webhooks
from rogatory.notifications.models import OutboxRow, WebhookRow
from rogatory.signing import envelope

MAX_ATTEMPTS = 8
BATCH = 50


@dataclass
class Round:
    """What one round did."""

    written: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # email notices held back: no SMTP server is configured
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Config:
    kek: envelope.Kek
    smtp: delivery.Smtp | None
    base_url: str = outbox.DEFAULT_BASE_URL
    lease: timedelta = timedelta(minutes=5)


def _claim(session: Session, now: datetime, lease: timedelta, email: bool) -> list[OutboxRow]:
    due = or_(
        (OutboxRow.status == "pending") & (OutboxRow.next_attempt_at <= now),
        (OutboxRow.status == "sending") & (OutboxRow.claimed_at <= now - lease),
    )
    query = select(OutboxRow).where(due)
    if not email:
        query = query.where(OutboxRow.channel != outbox.EMAIL)
    rows = list(
        session.execute(
            query.order_by(OutboxRow.id).limit(BATCH).with_for_update(skip_locked=True)
        ).scalars()
    )
    for row in rows:
        row.status, row.claimed_at = "sending", now
        row.attempts += 1
    return rows


def _send(config: Config, session: Session, row: OutboxRow) -> None:
    if row.channel == outbox.EMAIL:
        assert config.smtp is not None
        delivery.send_email(config.smtp, row)
        return
    hook = session.get(WebhookRow, row.recipient)
    if hook is None or not hook.active:
        raise delivery.DeliveryError(f"webhook {row.recipient} was removed")
    delivery.send_webhook(hook.url, webhooks.secret_of(config.kek, hook), row)


def run_round(
    maker: sessionmaker[Session], config: Config, now: Callable[[], datetime] | None = None
) -> Round:
    clock = now or (lambda: datetime.now(UTC))
    report = Round()
    with maker.begin() as session:
        report.written = outbox.scan(session, clock(), config.base_url)
    while True:
        with maker.begin() as session:
            claimed = _claim(session, clock(), config.lease, config.smtp is not None)
            ids = [r.id for r in claimed]
        if not ids:
            break
        for row_id in ids:
            with maker() as session:
                row = session.get(OutboxRow, row_id)
                assert row is not None
                try:
                    _send(config, session, row)
                    error = None
                except delivery.DeliveryError as exc:
                    error = str(exc)[:500]
            with maker.begin() as session:
                row = session.get(OutboxRow, row_id)
                assert row is not None
                if error is None:
                    row.status, row.sent_at, row.last_error = "sent", clock(), None
                    report.sent += 1
                elif row.attempts >= MAX_ATTEMPTS:
                    row.status, row.last_error = "failed", error
                    report.failed += 1
                    report.errors.append(error)
                else:
                    row.status, row.last_error = "pending", error
                    row.next_attempt_at = clock() + outbox.retry_delay(row.attempts)
                    report.retried += 1
                    report.errors.append(error)
    if config.smtp is None:
        with maker() as session:
            report.waiting = len(
                session.execute(
                    select(OutboxRow.id).where(
                        OutboxRow.channel == outbox.EMAIL, OutboxRow.status == "pending"
                    )
                ).all()
            )
    return report


def run(
    maker: sessionmaker[Session],
    config: Config,
    *,
    interval: float,
    rounds: int | None = None,
    on_round: Callable[[Round], None] | None = None,
) -> None:
    """Round after round every ``interval`` seconds (``rounds`` of them, or until stopped)."""
    done = 0
    while rounds is None or done < rounds:
        report = run_round(maker, config)
        if on_round is not None:
            on_round(report)
        done += 1
        if rounds is None or done < rounds:
            time.sleep(interval)

"""An organisation's webhooks: registered by an admin with a shared secret, audited."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from rogatory.audit import service as audit
from rogatory.errors import RogatoryError
from rogatory.notifications.kinds import Kind
from rogatory.notifications.models import WebhookRow
from rogatory.signing import envelope

URL_MAX = 500


def _key_id(webhook_id: str) -> str:
    return f"webhook:{webhook_id}"


def parse_kinds(kinds: list[str]) -> list[str]:
    known = {k.value for k in Kind}
    wrong = [k for k in kinds if k not in known]
    if wrong or not kinds:
        raise RogatoryError(
            "notification.invalid_kind",
            f"field kinds: {', '.join(wrong) or 'none given'}: not a kind of notice",
            help="kinds: " + ", ".join(sorted(known)),
        )
    return sorted(set(kinds))


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
        raise RogatoryError(
            "notification.invalid_url",
            f"field url: {url!r} is not an http(s) URL of at most {URL_MAX} characters",
        )
    return url


def add(
    session: Session,
    kek: envelope.Kek,
    *,
    org: str,
    by: str,
    url: str,
    kinds: list[str],
    secret: str | None = None,
) -> tuple[WebhookRow, str]:
    """Register a webhook; returns it and its secret (generated when none is given), which
    is shown once and kept sealed."""
    shared = secret or secrets.token_urlsafe(32)
    if len(shared) < 16:
        raise RogatoryError(
            "notification.weak_secret", "field secret: at least 16 characters are needed"
        )
    webhook_id = secrets.token_hex(8)
    sealed = envelope.seal(kek, shared.encode("utf-8"), org=org, key_id=_key_id(webhook_id))
    row = WebhookRow(
        id=webhook_id,
        org_id=org,
        url=check_url(url),
        kinds=parse_kinds(kinds),
        secret_ciphertext=sealed.ciphertext,
        secret_wrapped_dek=sealed.wrapped_dek,
        secret_kek_id=sealed.kek_id,
        active=True,
        created_by=by,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        chain=org,
        actor=by,
        action="webhook.added",
        summary={"webhook": webhook_id, "url": row.url, "kinds": row.kinds},
    )
    return row, shared


def remove(session: Session, *, org: str, by: str, webhook_id: str) -> WebhookRow:
    row = session.get(WebhookRow, webhook_id)
    if row is None or row.org_id != org or not row.active:
        raise RogatoryError("notification.not_found", f"no active webhook {webhook_id!r}")
    row.active = False
    session.flush()
    audit.append(
        session, chain=org, actor=by, action="webhook.removed", summary={"webhook": webhook_id}
    )
    return row


def listed(session: Session, org: str) -> list[WebhookRow]:
    return list(
        session.execute(
            select(WebhookRow).where(WebhookRow.org_id == org).order_by(WebhookRow.created_at)
        ).scalars()
    )


def secret_of(kek: envelope.Kek, row: WebhookRow) -> bytes:
    sealed = envelope.Sealed(row.secret_ciphertext, row.secret_wrapped_dek, row.secret_kek_id)
    return envelope.open_sealed(kek, sealed, org=row.org_id, key_id=_key_id(row.id))

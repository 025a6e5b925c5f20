"""Sending one notice: by SMTP, or as a signed POST to a webhook.

Every attempt carries the notice's delivery id (the email's Message-ID, the webhook's
``X-Rogatory-Delivery``), so a receiver that sees a notice twice (the worker crashed after
sending and before recording it) can tell it is the same one. A webhook body is signed with
HMAC-SHA256 under the webhook's secret (``X-Rogatory-Signature: sha256=<hex>``), over the
exact bytes sent, so the receiver checks it before parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from rogatory.canonical import canonical
from rogatory.notifications.models import OutboxRow


class DeliveryError(Exception):
    """The receiver did not take the notice; worth trying again later."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None


def delivery_id(row: OutboxRow) -> str:
    return f"{row.org_id}-{row.id}"


def message_id(row: OutboxRow, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<notice-{delivery_id(row)}@{domain}>"


def send_email(smtp: Smtp, row: OutboxRow) -> None:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = message_id(row, smtp.sender)
    message["X-Rogatory-Delivery"] = delivery_id(row)
    message.set_content(row.body)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username:
                client.login(smtp.username, smtp.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port}: {exc}") from None


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def webhook_body(row: OutboxRow) -> bytes:
    return canonical(
        {
            "delivery": delivery_id(row),
            "kind": row.kind,
            "org": row.org_id,
            "created_at": row.created_at.isoformat(),
            "subject": row.subject,
            "data": row.payload,
        }
    )


def send_webhook(url: str, secret: bytes, row: OutboxRow) -> None:
    body = webhook_body(row)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "rogatory-notifications",
            "X-Rogatory-Delivery": delivery_id(row),
            "X-Rogatory-Event": row.kind,
            "X-Rogatory-Signature": signature(secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"webhook {url}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook {url}: answered {status}")

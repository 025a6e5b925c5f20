"""Settings from the environment (``ROGATORY_`` prefix), validated at start-up.

The embedded default is a SQLite file in the working directory, so ``make run`` needs nothing
installed; production points ``ROGATORY_DATABASE_URL`` at PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from rogatory import inputs
from rogatory.errors import RogatoryError

PLACEHOLDER = "change-me-development-only"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROGATORY_", extra="ignore")

    database_url: str = "sqlite:///./rogatory.db"
    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = PLACEHOLDER
    evidence_dir: Path = Path("./evidence")
    max_evidence_bytes: int = inputs.DEFAULT_MAX_EVIDENCE_BYTES
    max_body_bytes: int = inputs.DEFAULT_MAX_BODY_BYTES  # any request body but evidence
    # The key-encryption key of the organisations' signing keys: read from this file when it
    # is set (the better choice: it can live outside the database host's backups), otherwise
    # derived from secret_key. See rogatory.signing.envelope.
    key_file: Path | None = None
    # A signed checkpoint of an organisation's audit chain head is stored whenever the head is
    # this many events past the last one (see rogatory.signing.checkpoints).
    checkpoint_every: int = Field(default=100, ge=1)
    # Seconds a client may go without sending more of its request body before the request is
    # cut off (408): a stalled upload must not hold anything for as long as its sender likes.
    body_timeout: float = Field(default=30.0, gt=0)
    # The organisation's own templates of replies and of the case file, over the shipped ones
    # (replies/<language>/<kind>.txt, casefile/case_file.html; see rogatory.replies.templates).
    templates_dir: Path | None = None
    # Seconds a write waits for SQLite's write lock before it is answered 503 db.busy.
    db_lock_timeout: float = Field(default=10.0, gt=0)

    # Notifications (``rogatory worker``): where the links in notices point, and the SMTP
    # server email goes through (none: email notices wait in the outbox, webhooks still go).
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "rogatory@localhost"
    # Seconds between the worker's rounds, and after which a notice a crashed worker was
    # sending is taken up again.
    worker_interval: float = Field(default=15.0, gt=0)
    worker_lease: float = Field(default=300.0, gt=0)
    # Signed requests: one issued longer ago than this is refused at intake as a replay; with
    # require_signed_requests, an unsigned request goes to a person (requester.signature).
    request_window_hours: float = Field(default=24.0, gt=0, le=24 * 366)
    require_signed_requests: bool = False
    # The fraud signals' thresholds (requester.*; docs: README "Configuration"): a YAML file
    # of the keys it changes, then each of these over it; unset, the shipped defaults.
    fraud_policy_file: Path | None = None
    fraud_burst_count: int | None = Field(default=None, ge=1)
    fraud_burst_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    fraud_max_identifiers: int | None = Field(default=None, ge=1)
    fraud_free_mail_domains: str | None = None  # comma-separated: replaces the list

    def check_for_production(self) -> None:
        """Refuse to run outside development with the placeholder secret."""
        if self.environment != "development" and self.secret_key == PLACEHOLDER:
            raise RogatoryError(
                "settings.placeholder_secret",
                f"ROGATORY_SECRET_KEY is the placeholder; refusing to start in {self.environment}",
                help="set ROGATORY_SECRET_KEY to a long random value",
            )


def load() -> Settings:
    """The settings, or ``settings.invalid`` naming each variable that has a bad value."""
    try:
        return Settings()
    except ValidationError as exc:
        wrong = "; ".join(
            f"ROGATORY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise RogatoryError(
            "settings.invalid", wrong, help="fix or unset the variables named"
        ) from None

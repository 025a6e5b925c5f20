"""Alembic environment: runs migrations on the engine handed over by rogatory.db.migrate."""

from __future__ import annotations

from alembic import context

from rogatory.accounts import models as account_models  # noqa: F401  (registers the tables)
from rogatory.audit import models as audit_models  # noqa: F401
from rogatory.orm import Base
from rogatory.requests import models as request_models  # noqa: F401

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()

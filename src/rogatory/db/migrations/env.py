"""Alembic environment: runs migrations on the engine handed over by rogatory.db.migrate."""

from __future__ import annotations

from alembic import context

from rogatory.db import models

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=models.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()

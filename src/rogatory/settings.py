"""Settings from the environment (``ROGATORY_`` prefix), validated at start-up.

The embedded default is a SQLite file in the working directory, so ``make run`` needs nothing
installed; production points ``ROGATORY_DATABASE_URL`` at PostgreSQL.
"""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROGATORY_", extra="ignore")

    database_url: str = "sqlite:///./rogatory.db"
    environment: Literal["development", "test", "production"] = "development"


def load() -> Settings:
    return Settings()

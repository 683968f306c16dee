"""Storage settings from the environment: which database, and how hard to wait for it."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///yinqi.db"


class DbSettings(BaseSettings):
    """`DATABASE_URL`: a SQLite file by default (embedded); `postgresql+psycopg://…` in
    production. `DATABASE_BUSY_TIMEOUT_S`: how long a writer waits for the lock."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    database_busy_timeout_s: float = 30.0


@lru_cache(maxsize=1)
def get_settings() -> DbSettings:
    return DbSettings()

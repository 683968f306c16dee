"""Storage settings from the environment: which database, how hard to wait for it, and how
many connections to keep."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///yinqi.db"


class DbSettings(BaseSettings):
    """`DATABASE_URL`: a SQLite file by default (embedded); `postgresql+psycopg://…` in
    production. `DATABASE_BUSY_TIMEOUT_S`: how long a writer waits for the lock.
    `DATABASE_POOL_SIZE`: the connections a process keeps open, as many as a busy API has
    requests in flight (its thread pool runs 40 at once); lower it when several processes
    share a PostgreSQL server's `max_connections`."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    database_busy_timeout_s: float = 30.0
    database_pool_size: int = Field(default=40, ge=1)


@lru_cache(maxsize=1)
def get_settings() -> DbSettings:
    return DbSettings()

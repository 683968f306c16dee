"""HTTP API settings from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """`METRICS_TOKEN`: when set, `GET /metrics` answers only a request that carries it as
    `Authorization: Bearer <token>` (as Prometheus' `authorization` scrape setting sends it);
    unset, the metrics are open, for a server whose /metrics the load balancer does not expose."""

    model_config = SettingsConfigDict(extra="ignore")

    metrics_token: SecretStr | None = None


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return ApiSettings()

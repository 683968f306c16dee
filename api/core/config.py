"""HTTP API settings from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """`METRICS_TOKEN`: when set, `GET /metrics` answers only a request that carries it as
    `Authorization: Bearer <token>` (as Prometheus' `authorization` scrape setting sends it);
    unset, the metrics are open, for a server whose /metrics the load balancer does not expose.
    `PUBLIC_URL`: the https base where `yinqi serve` is reached from phones (e.g.
    `https://yinqi.example.cn`); when set, loan QR codes open the web chat under it, which
    WeChat and a phone's camera can open in mainland China; unset, they stay Telegram links."""

    model_config = SettingsConfigDict(extra="ignore")

    metrics_token: SecretStr | None = None
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
            raise ValueError("PUBLIC_URL must be an http(s) base such as https://yinqi.example.cn")
        return value


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return ApiSettings()

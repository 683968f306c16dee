"""Webhook settings from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    """`WEBHOOKS_ALLOW_LOCALHOST=1`: endpoints on loopback and private addresses are taken, over
    http too (tests and local development only; never in production). `WEBHOOKS_TIMEOUT`:
    seconds a bank's endpoint has to answer one delivery."""

    model_config = SettingsConfigDict(extra="ignore")

    webhooks_allow_localhost: bool = False
    webhooks_timeout: float = Field(default=10.0, gt=0, le=60)


@lru_cache(maxsize=1)
def get_webhook_settings() -> WebhookSettings:
    return WebhookSettings()

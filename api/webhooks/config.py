"""Webhook settings from the environment."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.webhooks.upkeep import KEPT


class WebhookSettings(BaseSettings):
    """`WEBHOOKS_ALLOW_LOCALHOST=1`: endpoints on loopback and private addresses are taken, over
    http too (tests and local development only; never in production). `WEBHOOKS_TIMEOUT`:
    seconds a bank's endpoint has to answer one delivery. `WEBHOOKS_KEPT_DAYS`: days a delivery
    delivered or given up stays listed and replayable before the worker deletes it (30)."""

    model_config = SettingsConfigDict(extra="ignore")

    webhooks_allow_localhost: bool = False
    webhooks_timeout: float = Field(default=10.0, gt=0, le=60)
    webhooks_kept_days: int = Field(default=KEPT.days, ge=1, le=3660)

    @property
    def kept(self) -> timedelta:
        return timedelta(days=self.webhooks_kept_days)


@lru_cache(maxsize=1)
def get_webhook_settings() -> WebhookSettings:
    return WebhookSettings()

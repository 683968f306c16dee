"""Bot settings from the environment: how to reach Telegram and how to be reached by it, and
the SMS gateway that tells firms without Telegram."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"


class BotSettings(BaseSettings):
    """`TELEGRAM_BOT_TOKEN`: the bot's token (none: the bot does not run).
    `TELEGRAM_BOT_USERNAME`: the bot's @name, for the deep links QR codes carry.
    `TELEGRAM_API_BASE_URL`: Telegram's Bot API, or a local Bot API server.
    `TELEGRAM_WEBHOOK_URL`: set in production to receive updates by webhook instead of polling,
    with `TELEGRAM_WEBHOOK_SECRET` checked on every delivery.
    `TELEGRAM_MAX_RATE`: messages per second to all chats (Telegram allows about 30)."""

    model_config = SettingsConfigDict(extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str = "YinqiLoanBot"
    telegram_api_base_url: str = TELEGRAM_API_BASE_URL
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_max_rate: float = 30.0


@lru_cache(maxsize=1)
def get_settings() -> BotSettings:
    return BotSettings()


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class SmsSettings(BaseSettings):
    """SMS notices to firms that registered in the web chat (no Telegram), off unless set.
    `SMS_URL`: the gateway that takes one JSON POST per message (https; http only on this
    machine, for a relay beside the server). `SMS_TOKEN`: sent as `Authorization: Bearer`.
    `SMS_TEMPLATE`: the message around the notice's `{text}`, e.g. `【银企】{text}` (China's
    carriers want the signature the gateway registered). `SMS_TIMEOUT`: seconds per request."""

    model_config = SettingsConfigDict(extra="ignore")

    sms_url: str | None = None
    sms_token: SecretStr | None = None
    sms_template: str = "{text}"
    sms_timeout: Annotated[float, Field(gt=0, le=60)] = 10.0

    @field_validator("sms_url")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
        if not (parts.scheme == "https" or local) or not parts.hostname:
            raise ValueError("SMS_URL must be https (or http on localhost)")
        return value.strip()

    @field_validator("sms_template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            value.format(text="")
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError("SMS_TEMPLATE may name only {text}") from err
        if "{text}" not in value:
            raise ValueError("SMS_TEMPLATE must hold {text}")
        return value


@lru_cache(maxsize=1)
def get_sms_settings() -> SmsSettings:
    return SmsSettings()

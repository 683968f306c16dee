"""Bot settings from the environment: how to reach Telegram and how to be reached by it."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
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

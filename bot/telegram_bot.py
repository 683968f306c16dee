"""The bot's client of the Bot API: PTB's `ExtBot` on bot/bot_http.py, rate-limited as the
settings say."""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter, ExtBot

from bot.bot_http import StreamRequest
from bot.config import BotSettings

CONNECTIONS = 8
"""HTTP connections to the Bot API: enough for the updates handled at once."""


def make_bot(settings: BotSettings) -> ExtBot[Any]:
    """The bot's client, on `TELEGRAM_API_BASE_URL`, paced at `TELEGRAM_MAX_RATE` (0: not)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url.rstrip("/")
    limiter = (
        AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
        if settings.telegram_max_rate > 0
        else None
    )
    return ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base,
        base_file_url=base.removesuffix("/bot") + "/file/bot",
        # wait for a free connection rather than fail under a burst
        request=StreamRequest(CONNECTIONS, pool_timeout=30.0),
        get_updates_request=StreamRequest(1),
        rate_limiter=limiter,
    )

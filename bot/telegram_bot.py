"""The bot's client of the Bot API: PTB's `ExtBot` on PTB's own transport (`HTTPXRequest`),
rate-limited as the settings say.

httpx reads the usual environment when the bot is made: `HTTPS_PROXY`, `HTTP_PROXY`,
`ALL_PROXY` and `NO_PROXY` for a proxy, `SSL_CERT_FILE` or `SSL_CERT_DIR` for the certificates
to trust (a local Bot API server behind a private CA).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.config import BotSettings

CONNECTIONS = 32
"""HTTP connections to the Bot API. Each update being handled (bot/telegram_app.py's
`CONCURRENT_UPDATES`, 16) and each chat the outbox is sent to (bot/notify.py's `CHATS_AT_ONCE`,
8; in `yinqi serve` through the same bot) holds one while it calls; the rest is room for the
command menu and the error handler's apologies."""
CONNECT_S, READ_S, WRITE_S = 5.0, 10.0, 5.0
"""PTB's defaults, but a longer read: an answer that times out may still have been sent, and
the outbox would send that notice again."""
POOL_S = 30.0
"""Waiting for a free connection: a burst waits rather than fails (such a failure is a reply
never sent)."""


def transport(connections: int) -> HTTPXRequest:
    """PTB's httpx transport over HTTP/1.1: what the Bot API, a local Bot API server and the
    tests' stand-in all speak; HTTP/2 would need the `h2` package for nothing a user sees, at
    Telegram's ~30 messages a second over keep-alive connections."""
    return HTTPXRequest(
        connection_pool_size=connections,
        connect_timeout=CONNECT_S,
        read_timeout=READ_S,
        write_timeout=WRITE_S,
        pool_timeout=POOL_S,
        http_version="1.1",
    )


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
        request=transport(CONNECTIONS),
        get_updates_request=transport(1),  # one long poll at a time; PTB adds its wait to READ_S
        rate_limiter=limiter,
    )

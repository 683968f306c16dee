"""The bot's client of the Bot API: PTB's `ExtBot` on bot/bot_http.py, rate-limited as the
settings say, which sends the conversation's replies as plain JSON.

PTB's `send_message` reads Telegram's answer back into a `Message`, keyboard and all: for a
question with eight buttons that took 0.8 ms of CPU, more than the rest of the call (bench/bot.py).
Nothing reads that message, so `send` and `replace` go without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram.ext import AIORateLimiter, ExtBot

from bot.bot_http import StreamRequest
from bot.config import BotSettings
from bot.events import Reply

CONNECTIONS = 8
"""HTTP connections to the Bot API: enough for the updates handled at once."""


class ReplyingBot(ExtBot[Any]):
    async def raw_updates(
        self, offset: int | None, wait_s: float, allowed: Sequence[str]
    ) -> list[dict[str, Any]]:
        """`getUpdates` as Telegram's JSON, not made into `Update`s (bot/shards.py's receiver
        only reads each one's chat and passes it on)."""
        data: dict[str, Any] = {"timeout": wait_s, "allowed_updates": list(allowed)}
        if offset is not None:
            data["offset"] = offset
        result = await self._post("getUpdates", data, read_timeout=wait_s + 5)
        return list(result) if isinstance(result, list) else []

    async def send(self, chat_id: int, reply: Reply) -> None:
        """A new message: the reply's text and its keyboard (inline, the phone button, none)."""
        data = {"chat_id": chat_id, "text": reply.text, "reply_markup": keyboard(reply)}
        await self._post("sendMessage", data)

    async def replace(self, chat_id: int, message_id: int, reply: Reply) -> None:
        """Message `message_id` becomes the reply: its text, its inline buttons (or none)."""
        data = {"chat_id": chat_id, "message_id": message_id, "text": reply.text,
                "reply_markup": inline_keyboard(reply)}  # fmt: skip
        await self._post("editMessageText", data)


def make_bot(settings: BotSettings) -> ReplyingBot:
    """The bot's client, on `TELEGRAM_API_BASE_URL`, paced at `TELEGRAM_MAX_RATE` (0: not)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url.rstrip("/")
    limiter = (
        AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3)
        if settings.telegram_max_rate > 0
        else None
    )
    return ReplyingBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base,
        base_file_url=base.removesuffix("/bot") + "/file/bot",
        # wait for a free connection rather than fail under a burst
        request=StreamRequest(CONNECTIONS, pool_timeout=30.0),
        get_updates_request=StreamRequest(1),
        rate_limiter=limiter,
    )


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """The reply's keyboard as the Bot API takes it: the phone button, its removal, or inline
    buttons; None for no keyboard."""
    if reply.ask_contact:
        button = {"text": reply.contact_label, "request_contact": True}
        return {"keyboard": [[button]], "resize_keyboard": True, "one_time_keyboard": True}
    if reply.clear_keyboard:
        return {"remove_keyboard": True}
    return inline_keyboard(reply)


def inline_keyboard(reply: Reply) -> dict[str, Any] | None:
    if not reply.buttons:
        return None
    rows = [[{"text": b.label, "callback_data": b.data} for b in row] for row in reply.buttons]
    return {"inline_keyboard": rows}

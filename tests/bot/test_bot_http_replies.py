"""ReplyingBot's plain-JSON replies (bot/telegram_bot.py) fail as PTB's own send_message and
edit_message_text fail, through the transport and the rate limiter make_bot gives them."""

from __future__ import annotations

import asyncio
import inspect
import json
from urllib.parse import quote_plus, unquote_plus

import pytest
from pydantic import SecretStr
from telegram import Bot
from telegram.error import TelegramError

from bot.config import BotSettings
from bot.events import Button, Reply
from bot.telegram_bot import make_bot
from tests.bot.test_bot_http_wire import answering, listening, sized

ME = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Y","username":"YBot"}}'
SENT = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"}}}'


def refusal(code: int, status: str, description: str, **parameters: int) -> tuple[bytes, str]:
    answer = {"ok": False, "error_code": code, "description": description}
    return json.dumps(
        {**answer, "parameters": parameters} if parameters else answer
    ).encode(), status


ANSWERS = {
    "ok": (SENT, "200 OK"),
    "blocked": refusal(403, "403 Forbidden", "Forbidden: bot was blocked by the user"),
    "not modified": refusal(400, "400 Bad Request", "Bad Request: message is not modified"),
    "flood": refusal(429, "429 Too Many Requests", "Too Many Requests", retry_after=7),
}
EXPECTED = {"ok": "ok", "blocked": "Forbidden", "not modified": "BadRequest", "flood": "RetryAfter"}


def test_private_post_is_still_what_replying_bot_calls() -> None:
    """ReplyingBot leans on PTB's private Bot._post (pinned below 23): fail loudly if it moves."""
    assert list(inspect.signature(Bot._post).parameters)[:3] == ["self", "endpoint", "data"]


@pytest.mark.parametrize("name", ANSWERS)
def test_replies_fail_as_ptbs_own_methods_fail(name: str) -> None:
    bodies: list[dict[str, str]] = []

    def answer(head: str, body: bytes) -> bytes:
        if head.split()[1].endswith("/getMe"):
            return sized(ME)
        bodies.append(dict(pair.split("=", 1) for pair in body.decode().split("&")))
        return sized(*ANSWERS[name])

    async def outcomes(port: int) -> list[str]:
        settings = BotSettings(
            telegram_bot_token=SecretStr("1:X"),
            telegram_api_base_url=f"http://127.0.0.1:{port}/bot",
            telegram_max_rate=0,
        )
        bot = make_bot(settings)
        reply = Reply("你好", buttons=((Button("是", "yes"),),))
        calls = [
            bot.send(5, reply),
            bot.send_message(5, "你好"),
            bot.replace(5, 1, reply),
            bot.edit_message_text("你好", 5, 1),
        ]
        got = []
        async with bot:
            for call in calls:
                try:
                    await call
                    got.append("ok")
                except TelegramError as err:
                    got.append(f"{type(err).__name__}: {err}")
        return got

    async def run() -> list[str]:
        async with listening(answering(answer)) as port:
            return await outcomes(port)

    ours_send, ptb_send, ours_edit, ptb_edit = asyncio.run(run())
    assert ours_send == ptb_send and ours_edit == ptb_edit
    assert ours_send.split(":")[0] == EXPECTED[name]
    sent = [b for b in bodies if b.get("text") == quote_plus("你好")]
    assert json.loads(unquote_plus(sent[0]["reply_markup"])) == {
        "inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]
    }

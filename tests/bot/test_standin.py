"""The Bot API stand-in, driven by a real python-telegram-bot Application polling it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any

import httpx
import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.bot.standin import StandIn, launch

CHOICES = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("确认申请", callback_data="yes"),
            InlineKeyboardButton("取消申请", callback_data="no"),
        ],
        [InlineKeyboardButton("官网", url="https://example.com")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    share = ReplyKeyboardMarkup([[KeyboardButton("分享手机号", request_contact=True)]])
    assert update.message is not None
    await update.message.reply_text(f"欢迎 args={context.args}", reply_markup=share)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=CHOICES)


async def chose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"收到 {query.data}")
    await query.edit_message_text(f"<b>chose</b> {query.data}", parse_mode="HTML")


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.contact is not None
    shared = update.message.contact
    await update.message.reply_text(
        f"contact {shared.phone_number} from {shared.user_id}", reply_markup=ReplyKeyboardRemove()
    )


async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    kind = "sticker" if update.effective_message.sticker else "other media"
    await update.effective_message.reply_text(f"got {kind}")


class Bot:
    """A PTB Application polling the stand-in from an event loop in a thread of its own."""

    def __init__(self, standin: StandIn, port: int | None = None) -> None:
        base = f"http://127.0.0.1:{port}" if port else f"http://127.0.0.1:{standin.port}"
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(standin.token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .build()
        )
        self.seen: list[int] = []

        async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            self.seen.append(update.update_id)

        self.app.add_handler(TypeHandler(Update, remember), group=-1)
        self.app.add_handler(CommandHandler("start", start))
        self.app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        self.app.add_handler(MessageHandler(filters.CONTACT, contact))
        self.app.add_handler(
            MessageHandler(filters.Sticker.ALL | filters.PHOTO | filters.VOICE, media)
        )
        self.app.add_handler(CallbackQueryHandler(chose))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def __enter__(self) -> Bot:
        self.thread.start()
        self.run(self.app.initialize())
        self.run(self.app.start())
        assert self.app.updater is not None
        self.run(self.app.updater.start_polling(poll_interval=0, timeout=5))
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.app.updater is not None
        self.run(self.app.updater.stop())
        self.run(self.app.stop())
        self.run(self.app.shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    server = StandIn(token="123:ABC", username="YinqiTestBot")
    with server.running():
        yield server


@pytest.fixture
def bot(standin: StandIn) -> Iterator[Bot]:
    with Bot(standin) as running:
        yield running


def test_the_bot_initialises_against_getme_and_deletes_its_webhook(
    standin: StandIn, bot: Bot
) -> None:
    assert bot.app.bot.username == "YinqiTestBot" and bot.app.bot.id == 123
    assert standin.counts["getMe"] == 1 and standin.counts["deleteWebhook"] == 1


def test_a_text_is_echoed_with_its_inline_keyboard(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1001, first_name="张三")
    user.send("你好")
    reply = user.wait_for("echo: 你好", timeout=5)
    assert reply.buttons == [
        [("确认申请", "yes"), ("取消申请", "no")],
        [("官网", "https://example.com")],
    ]
    assert reply.message_id == 2 and not reply.edited  # the user's message was #1
    params = next(p for method, p in reversed(standin.calls) if method == "sendMessage")
    assert params["chat_id"] == 1001  # form data arrives as strings; the stand-in decodes them
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"


def test_a_command_carries_its_entity_and_a_contact_request(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1002)
    user.send("/start park_abc")
    reply = user.wait_for("欢迎", timeout=5)
    assert "args=['park_abc']" in reply.text
    assert reply.contact_request and reply.keyboard == [["分享手机号"]]


def test_pressing_a_button_answers_the_query_and_edits_the_message(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.user(1003)
    user.send("贷款")
    asked = user.wait_for("echo", timeout=5)
    user.press("确认")  # a unique substring of 确认申请
    edited = user.wait_for(lambda sent: sent.edited, timeout=5)
    assert edited.message_id == asked.message_id
    assert edited.text == "chose yes" and edited.buttons == []  # HTML stripped, keyboard gone
    standin.wait_idle(timeout=5)
    assert standin.callback_answers[-1]["text"] == "收到 yes"
    assert user.last() == edited and standin.counts["answerCallbackQuery"] == 1


def test_pressing_a_missing_button_lists_the_buttons(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1004)
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        user.press("确认")
    user.send("x")
    user.wait_for("echo", timeout=5)
    with pytest.raises(AssertionError, match=r"0 pressable buttons match '放弃'.*取消申请"):
        user.press("放弃")
    with pytest.raises(AssertionError, match="2 pressable buttons match '申请'"):
        user.press("申请")
    with pytest.raises(AssertionError, match="1 pressable buttons match '官网'"):
        user.press("官网")  # a url button sends nothing to the bot


def test_an_old_message_button_can_still_be_pressed(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1005)
    user.send("一")
    first = user.wait_for("echo: 一", timeout=5)
    user.send("二")
    user.wait_for("echo: 二", timeout=5)
    user.press_data(first.message_id, "no")
    assert user.wait_for("chose no", timeout=5).message_id == first.message_id


def test_a_shared_contact_arrives_as_message_contact(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1006)
    user.share_contact("+8613800138000")
    reply = user.wait_for("contact", timeout=5)
    assert reply.text == "contact +8613800138000 from 1006" and reply.remove_keyboard


def test_sticker_photo_and_voice_do_not_break_anything(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1007)
    user.send_sticker()
    assert user.wait_for("got", timeout=5).text == "got sticker"
    user.send_photo()
    user.wait_for("got other media", timeout=5)
    user.send_voice()
    user.wait_for("got other media", timeout=5)
    assert len(user.replies(since=0)) == 3


def test_set_my_commands_is_recorded(standin: StandIn, bot: Bot) -> None:
    bot.run(bot.app.bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")]))
    assert [c["command"] for c in standin.commands[""]] == ["start", "help"]
    assert [c.command for c in bot.run(bot.app.bot.get_my_commands())] == ["start", "help"]


def test_a_photo_the_bot_uploads_arrives_as_multipart(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1012)
    photo = bot.run(
        bot.app.bot.send_photo(1012, b"\x89PNG fake", caption="贷款码", filename="qr.png")
    )
    assert photo.photo and photo.caption == "贷款码" and user.last().text == "贷款码"
    params = next(p for method, p in reversed(standin.calls) if method == "sendPhoto")
    assert params["chat_id"] == 1012 and params["photo"]["filename"] == "qr.png"


def test_long_polling_returns_as_soon_as_an_update_is_queued(standin: StandIn, bot: Bot) -> None:
    time.sleep(0.2)  # the bot is now parked in a 5 s getUpdates
    user = standin.user(1008)
    began = time.monotonic()
    user.send("快")
    user.wait_for("echo: 快", timeout=5)
    assert time.monotonic() - began < 1


def test_a_redelivered_update_reaches_the_bot_again_and_polling_goes_on(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.user(1009)
    first = user.send("一次")
    user.wait_for("echo: 一次", timeout=5)
    standin.wait_idle(timeout=5)
    standin.redeliver(first)
    user.wait_for("echo: 一次", timeout=5, since=first + 1)  # the bot answered it twice
    second = user.send("两次")
    user.wait_for("echo: 两次", timeout=5)
    standin.wait_idle(timeout=5)
    assert bot.seen == [first, first, second]


def test_wait_for_times_out_with_the_transcript(standin: StandIn, bot: Bot) -> None:
    user = standin.user(1010)
    user.send("hello")
    with pytest.raises(AssertionError, match=r"(?s)user: hello.*echo: hello \[\[\('确认申请'"):
        user.wait_for("never said", timeout=0.3)


def test_wait_for_async_does_not_block_the_callers_loop(standin: StandIn, bot: Bot) -> None:
    async def converse() -> str:
        user = standin.user(1011)
        user.send("异步")
        return (await user.wait_for_async("echo", timeout=5)).text

    assert asyncio.run(converse()) == "echo: 异步"


def test_the_http_shape_of_errors_and_of_get_updates(standin: StandIn) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{standin.port}") as http:
        assert http.post("/bot999:XYZ/getMe").json()["error_code"] == 401
        unknown = http.post("/bot123:ABC/sendDice", data={"chat_id": "1"}).json()
        assert unknown["ok"] is False and unknown["error_code"] == 400
        assert (
            http.post("/bot123:ABC/sendMessage", json={"chat_id": 5, "text": "x"}).json()[
                "description"
            ]
            == "Bad Request: chat not found"
        )
        user = standin.user(7)
        ids = [user.send(str(n)) for n in range(3)]
        batch = http.post("/bot123:ABC/getUpdates", data={"limit": "2", "timeout": "0"}).json()
        assert [u["update_id"] for u in batch["result"]] == ids[:2]
        batch = http.post("/bot123:ABC/getUpdates", json={"offset": ids[2], "timeout": 0}).json()
        assert [u["update_id"] for u in batch["result"]] == ids[2:]
        began = time.monotonic()
        empty = http.post("/bot123:ABC/getUpdates", data={"offset": ids[2] + 1, "timeout": "0.3"})
        assert empty.json()["result"] == [] and 0.25 < time.monotonic() - began < 1
        sent = http.post(
            "/bot123:ABC/sendMessage",
            data={
                "chat_id": "7",
                "text": "hi",
                "reply_markup": '{"inline_keyboard": [[{"text": "a", '
                '"callback_data": "' + "长" * 22 + '"}]]}',
            },
        ).json()
        assert sent["description"] == "Bad Request: BUTTON_DATA_INVALID"  # 66 bytes in UTF-8


def test_the_control_api_drives_a_stand_in_in_another_process() -> None:
    process, port = launch()
    try:
        standin = StandIn()  # only its token: the server is the other process
        with Bot(standin, port=port), httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            act = {"chat_id": 42, "first_name": "李四", "action": "send", "args": ["远程"]}
            update_id = http.post("/_control/act", json=act).json()["result"]
            sent = http.get("/_control/sent", params={"after": update_id, "wait": 5}).json()
            assert [s["text"] for s in sent["result"]] == ["echo: 远程"]
            press = {"chat_id": 42, "action": "press", "args": ["取消"]}
            update_id = http.post("/_control/act", json=press).json()["result"]
            sent = http.get(
                "/_control/sent", params={"chat_id": 42, "after": update_id, "wait": 5}
            ).json()["result"]
            assert sent[0]["edited"] and sent[0]["text"] == "chose no"
            assert http.get("/_control/idle", params={"timeout": 5}).json()["result"] is True
            stats = http.get("/_control/stats").json()["result"]
            assert stats["counts"]["answerCallbackQuery"] == 1 and stats["pending"] == 0
            ask = {"chat_id": 42, "action": "send", "args": ["再来"], "contains": ["再"], "wait": 5}
            answer = http.post("/_control/ask", json=ask).json()["result"]
            assert answer["update_id"] > update_id and answer["sent"]["text"] == "echo: 再来"
            missing = {"chat_id": 42, "action": "press", "args": ["无此按钮"]}
            assert http.post("/_control/act", json=missing).status_code == 400
    finally:
        process.terminate()
        with contextlib.suppress(Exception):
            process.wait(5)

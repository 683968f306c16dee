"""A Telegram Bot API stand-in on 127.0.0.1, for end-to-end tests and benchmarks.

The bot under test is a python-telegram-bot ``Application`` polling this server::

    ApplicationBuilder().token(standin.token).base_url(standin.base_url)
        .base_file_url(standin.base_file_url)

(``start_polling(poll_interval=0, timeout=…)``: the long poll ends as soon as an update is
queued, so a long ``timeout`` costs nothing. PTB's HTTP pool is 256 connections by default and
httpx's pool costs grow with its size: under load, ``connection_pool_size(16)`` or so is faster.)

In a test (the server runs in a thread with its own event loop; every method here is
thread-safe and never blocks, except the ``wait_*`` ones)::

    standin = StandIn(token="123:ABC", username="YinqiTestBot")
    with standin.running():
        user = standin.user(1001, first_name="张三")
        user.send("/start park_abc")
        user.wait_for("欢迎")              # a bot message sent or edited after that input
        user.press("我要贷款")             # a button of the latest message with an inline keyboard
        assert user.last().edited

One clock numbers everything: update ids and the ``seq`` of every bot message (sent or edited)
come from the same increasing counter, so ``user.replies(since=update_id)`` is "what the bot
said after that update". ``wait_for``/``replies`` default ``since`` to the user's latest input.
``wait_idle(timeout, quiet)`` returns once every queued update has been confirmed by the bot
(a ``getUpdates`` with a higher offset) and no Bot API call other than ``getUpdates`` has
arrived, and no update has been confirmed, for ``quiet`` seconds: a quiet period, not a proof.

Telegram habits kept: message ids count per chat (user and bot share them); sending to an
unknown chat, an empty or over-4096-character text, callback data over 64 bytes, an edit that
changes nothing, or answering a callback query twice is a 400 error; ``editMessageText``
without ``reply_markup`` drops the inline keyboard; ``parse_mode=HTML`` tags are stripped from
the recorded text; ``getUpdates`` while a webhook is set is a 409; an unknown method is a 400
(Telegram says 404, which PTB reports as InvalidToken), a wrong token a 401.

Out of process: ``python -m tests.bot.standin --port 0`` prints ``listening on <port>`` and
serves until killed (``launch()`` does this and returns the process and the port). Its control
API, JSON in and ``{"ok": true, "result": ...}`` out:

- ``POST /_control/act`` ``{"chat_id", "first_name"?, "language_code"?, "action", "args"?: [],
  "kwargs"?: {}}``:
  runs a SimUser action (send, press, press_data, share_contact, send_sticker, send_photo,
  send_voice); the result is the new update id; a button not found is a 400.
- ``POST /_control/make``: the same, and the update itself, ``{"update_id", "update"}``, for
  the caller to deliver to the bot's webhook as Telegram would (it stays queued for
  ``getUpdates`` too, which answers 409 while a webhook is set).
- ``POST /_control/ask``: the same as ``act``, and ``"contains": [...]``, ``"wait"``: an action
  and the bot's answer to it in one request, ``{"update_id", "sent"}``: the first bot message
  after the action whose text contains one of ``contains`` (``Sent`` as JSON), or null after
  ``wait`` s.
- ``POST /_control/updates`` ``{"message": {...}}``: enqueues a raw update, returns its id.
- ``GET /_control/sent?chat_id=&after=&wait=``: bot messages (``Sent`` as JSON) with ``seq``
  above ``after`` (all chats without ``chat_id``), waiting up to ``wait`` s for the first one.
- ``POST /_control/redeliver?update_id=``; ``GET /_control/idle?timeout=&quiet=`` (``result``
  is whether it went idle); ``GET /_control/stats`` (calls per method, pending updates).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import dataclasses
import email
import email.policy
import html
import itertools
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "user_id", "cache_time"}
BOOL_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
MEDIA: dict[str, Json] = {  # what the bot's sendPhoto/sendDocument come back with
    "sendPhoto": {"photo": [{"file_id": "P", "file_unique_id": "p", "width": 9, "height": 9}]},
    "sendDocument": {"document": {"file_id": "D", "file_unique_id": "d"}},
}
USER_ACTIONS = {
    "send",
    "press",
    "press_data",
    "share_contact",
    "send_sticker",
    "send_photo",
    "send_voice",
}
Json = dict[str, Any]


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclasses.dataclass(frozen=True)
class Sent:
    """A bot message as it stood after one sendMessage/edit (``seq`` orders all of them)."""

    seq: int
    chat_id: int
    message_id: int
    text: str
    buttons: list[list[tuple[str, str]]]  # inline keyboard: (label, callback_data or url)
    keyboard: list[list[str]]  # reply keyboard labels sent with the message
    contact_request: bool
    remove_keyboard: bool
    edited: bool
    raw: Json = dataclasses.field(repr=False, compare=False)

    def as_json(self) -> Json:
        """Its fields, as they are (`dataclasses.asdict` deep-copies `raw`: slow under load)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def __str__(self) -> str:
        extra = f" {self.buttons}" if self.buttons else ""
        extra += f" keyboard={self.keyboard}" if self.keyboard else ""
        return f"bot #{self.message_id}{' (edited)' if self.edited else ''}: {self.text}{extra}"


def _sent(seq: int, msg: Json, markup: Json | None, edited: bool) -> Sent:
    markup = markup or {}
    rows = markup.get("keyboard", [])
    return Sent(
        seq,
        msg["chat"]["id"],
        msg["message_id"],
        str(msg.get("text") or msg.get("caption") or ""),
        [
            [(b["text"], b.get("callback_data") or b.get("url", "")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ],
        [[b if isinstance(b, str) else b["text"] for b in row] for row in rows],
        any(isinstance(b, dict) and b.get("request_contact") for r in rows for b in r),
        bool(markup.get("remove_keyboard")),
        edited,
        msg,
    )


def _wake_up(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _matcher(match: str | Callable[[Sent], bool]) -> Callable[[Sent], bool]:
    return (lambda s: match in s.text) if isinstance(match, str) else match


class SimUser:
    """A Telegram user in a private chat with the bot (chat id = user id)."""

    def __init__(self, standin: StandIn, chat_id: int, first_name: str, language: str) -> None:
        self.standin, self.chat_id, self.first_name = standin, chat_id, first_name
        self.language_code = language
        self.last_action = 0  # update id of this user's latest input

    def as_user(self) -> Json:
        return {
            "id": self.chat_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _message(self, line: str, **content: Any) -> int:
        st = self.standin
        with st._lock:
            msg = {
                "message_id": st._next_message_id(self.chat_id),
                "date": int(time.time()),
                "chat": st._chats[self.chat_id],
                "from": self.as_user(),
                **content,
            }
            return self._enqueue({"message": msg}, line)

    def _enqueue(self, update: Json, line: str) -> int:
        with self.standin._lock:
            self.last_action = self.standin.enqueue(update)
            self.standin._transcript[self.chat_id].append(f"user: {line}")
            return self.last_action

    def send(self, text: str) -> int:
        """A text message; "/cmd args" gets a bot_command entity as Telegram adds one."""
        if not text.startswith("/"):
            return self._message(text, text=text)
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        return self._message(text, text=text, entities=[entity])

    def press(self, label: str) -> int:
        """Press a button (exact label, else a unique substring) of the latest inline keyboard."""
        with self.standin._lock:
            mine = self.standin._messages.get(self.chat_id, {})
            msg = next(
                (
                    m
                    for _, m in sorted(mine.items(), reverse=True)
                    if m.get("reply_markup", {}).get("inline_keyboard")
                ),
                None,
            )
            if msg is None:
                raise AssertionError(f"no bot message with an inline keyboard\n{self.transcript()}")
            buttons = [b for row in msg["reply_markup"]["inline_keyboard"] for b in row]
            found = [b for b in buttons if b["text"] == label] or [
                b for b in buttons if label in b["text"]
            ]
            if len(found) != 1 or "callback_data" not in found[0]:
                labels = [b["text"] for b in buttons]
                raise AssertionError(
                    f"{len(found)} pressable buttons match {label!r} "
                    f"in message #{msg['message_id']}: {labels}"
                )
            return self.press_data(msg["message_id"], found[0]["callback_data"])

    def press_data(self, message_id: int, data: str) -> int:
        """Press a button with this callback data on one of the bot's messages (old or not)."""
        st = self.standin
        with st._lock:
            msg = st._messages.get(self.chat_id, {}).get(message_id)
            if msg is None:
                raise AssertionError(f"the bot sent no message #{message_id} to {self.chat_id}")
            query_id = str(next(st._clock))
            st._open_queries.add(query_id)
            query = {
                "id": query_id,
                "from": self.as_user(),
                "message": msg,
                "data": data,
                "chat_instance": str(self.chat_id),
            }
            return self._enqueue({"callback_query": query}, f"[press {data!r} on #{message_id}]")

    def share_contact(self, phone: str, first_name: str | None = None) -> int:
        contact = {
            "phone_number": phone,
            "first_name": first_name or self.first_name,
            "user_id": self.chat_id,
        }
        return self._message(f"[contact {phone}]", contact=contact)

    def send_sticker(self) -> int:
        sticker = {
            "file_id": "STK1",
            "file_unique_id": "stk1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": "👍",
        }
        return self._message("[sticker]", sticker=sticker)

    def send_photo(self) -> int:
        photo = [{"file_id": "PH1", "file_unique_id": "ph1", "width": 90, "height": 90}]
        return self._message("[photo]", photo=photo)

    def send_voice(self) -> int:
        voice = {"file_id": "VO1", "file_unique_id": "vo1", "duration": 2, "mime_type": "audio/ogg"}
        return self._message("[voice]", voice=voice)

    def replies(self, since: int | None = None) -> list[Sent]:
        """Bot messages sent or edited after ``since`` (default: this user's latest input)."""
        after = self.last_action if since is None else since
        with self.standin._lock:
            return [s for s in self.standin._outputs[self.chat_id] if s.seq > after]

    def last(self) -> Sent:
        """The latest message the bot sent or edited in this chat."""
        with self.standin._lock:
            if not self.standin._outputs[self.chat_id]:
                raise AssertionError(f"the bot has said nothing to chat {self.chat_id}")
            return self.standin._outputs[self.chat_id][-1]

    def transcript(self) -> str:
        with self.standin._lock:
            return "\n".join(f"  {line}" for line in self.standin._transcript[self.chat_id])

    def wait_for(
        self, match: str | Callable[[Sent], bool], timeout: float = 10, since: int | None = None
    ) -> Sent:
        """The first bot message after ``since`` (default: the latest input) that contains
        ``match`` or satisfies it; AssertionError with the transcript after ``timeout``."""
        test, after = _matcher(match), self.last_action if since is None else since
        with self.standin._changed:
            found = self.standin._changed.wait_for(
                lambda: next((s for s in self.replies(after) if test(s)), None), timeout
            )
        if not found:
            raise AssertionError(
                f"no bot reply matching {match!r} within {timeout}s in chat "
                f"{self.chat_id}:\n{self.transcript()}"
            )
        return found

    async def wait_for_async(
        self,
        match: str | Callable[[Sent], bool],
        timeout: float = 10,  # noqa: ASYNC109 -- as in wait_for
        since: int | None = None,
    ) -> Sent:
        """``wait_for`` for asyncio code: waits without blocking the caller's loop."""
        test, after = _matcher(match), self.last_action if since is None else since
        found = await self.standin._await_sent(self.chat_id, after, test, timeout)
        if not found:
            raise AssertionError(
                f"no bot reply matching {match!r} within {timeout}s in chat "
                f"{self.chat_id}:\n{self.transcript()}"
            )
        return found[0]


class StandIn:
    """The Bot API server and the record of what the bot did."""

    def __init__(self, token: str = "123:ABC", username: str = "YinqiTestBot") -> None:
        self.token, self.port = token, 0
        bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self.me = {"id": bot_id, "is_bot": True, "first_name": "Yinqi", "username": username}
        self.calls: list[tuple[str, Json]] = []
        self.counts: Counter[str] = Counter()
        self.callback_answers: list[Json] = []
        self.commands: dict[str, list[Json]] = {}  # language_code ("" = default) -> commands
        self.webhook_url = ""
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._clock = itertools.count(1)
        self._queue: list[Json] = []  # unconfirmed updates, in order
        self._updates: dict[int, Json] = {}
        self._delivered: set[int] = set()
        self._redelivered: set[int] = set()
        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, Json] = {}
        self._message_ids: Counter[int] = Counter()
        self._messages: dict[int, dict[int, Json]] = {}  # chat -> message id -> bot message
        self._outputs: dict[int, list[Sent]] = {}
        self._all_sent: list[Sent] = []
        self._transcript: dict[int, list[str]] = {}
        self._open_queries: set[str] = set()
        self._waiters: dict[int | None, list[asyncio.Future[None]]] = {}
        self._last_activity = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- the simulated side ------------------------------------------------------------------

    def user(
        self, chat_id: int, first_name: str = "张三", language_code: str = "zh-hans"
    ) -> SimUser:
        """The user of this private chat (made on first use; later arguments are ignored)."""
        with self._lock:
            if chat_id not in self._users:
                self._users[chat_id] = SimUser(self, chat_id, first_name, language_code)
                self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": first_name}
                self._outputs[chat_id], self._transcript[chat_id] = [], []
                self._messages[chat_id] = {}
            return self._users[chat_id]

    def enqueue(self, update: Json) -> int:
        """Queue a raw update (without update_id) and wake a waiting getUpdates."""
        with self._lock:
            update = {"update_id": next(self._clock), **update}
            self._queue.append(update)
            self._updates[update["update_id"]] = update
        self._wake()
        return int(update["update_id"])

    def update(self, update_id: int) -> Json:
        """An update as queued: what a webhook delivery of it carries."""
        with self._lock:
            return json.loads(json.dumps(self._updates[update_id]))

    def redeliver(self, update_id: int) -> None:
        """Queue an already-delivered update again; it is delivered alone in its batch."""
        with self._lock:
            self._queue = [u for u in self._queue if u["update_id"] != update_id]
            self._queue.insert(0, self._updates[update_id])
            self._delivered.discard(update_id)
            self._redelivered.add(update_id)
        self._wake()

    def _wake(self) -> None:
        if self._loop and self._new_update:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is polling
                self._loop.call_soon_threadsafe(self._new_update.set)

    def _idle(self, quiet: float) -> bool:
        with self._lock:
            return not self._queue and time.monotonic() - self._last_activity >= quiet

    def wait_idle(self, timeout: float = 10, quiet: float = 0.1) -> None:
        """Wait until all updates are confirmed and the bot has been quiet for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while not self._idle(quiet):
            if time.monotonic() > deadline:
                raise AssertionError(f"bot not idle after {timeout}s; pending {self._queue}")
            time.sleep(0.01)

    async def _await_sent(
        self, chat_id: int | None, after: int, test: Callable[[Sent], bool], wait: float
    ) -> list[Sent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            with self._lock:
                if chat_id is None:
                    start = bisect.bisect(self._all_sent, after, key=lambda s: s.seq)
                    sent = self._all_sent[start:]
                else:
                    sent = [s for s in self._outputs.get(chat_id, []) if s.seq > after]
                if (found := [s for s in sent if test(s)]) or loop.time() >= deadline:
                    return found
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.setdefault(chat_id, []).append(future)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, deadline - loop.time())

    def _record(self, msg: Json, markup: Json | None, edited: bool) -> Json:
        """Store a bot message (sent or edited) and wake everyone waiting for its chat."""
        chat_id = msg["chat"]["id"]
        sent = _sent(next(self._clock), msg, markup, edited)
        self._messages[chat_id][msg["message_id"]] = msg
        self._outputs[chat_id].append(sent)
        self._all_sent.append(sent)
        self._transcript[chat_id].append(str(sent))
        self._changed.notify_all()
        for future in self._waiters.pop(chat_id, []) + self._waiters.pop(None, []):
            with contextlib.suppress(RuntimeError):  # that waiter's loop is gone
                future.get_loop().call_soon_threadsafe(_wake_up, future)
        return msg

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    # -- the Bot API ---------------------------------------------------------------------------

    async def _get_updates(self, p: Json) -> list[Json]:
        assert self._new_update is not None
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        offset, limit = p.get("offset"), min(max(int(p.get("limit") or 100), 1), 100)
        allowed = {"update_id", *(p.get("allowed_updates") or [])}
        with self._lock:
            self.calls.append(("getUpdates", p))
            self.counts["getUpdates"] += 1
        while True:
            with self._lock:
                if offset is not None:
                    before = len(self._queue)
                    self._queue = [
                        u
                        for u in self._queue
                        if u["update_id"] >= offset or u["update_id"] not in self._delivered
                    ]
                    if len(self._queue) != before:
                        self._last_activity = time.monotonic()
                if len(allowed) > 1:  # Telegram drops the updates of other types
                    self._queue = [u for u in self._queue if set(u) <= allowed]
                again = [u for u in self._queue if u["update_id"] in self._redelivered][:1]
                batch = again or self._queue[:limit]
                if batch or time.monotonic() >= deadline:
                    self._delivered.update(u["update_id"] for u in batch)
                    self._redelivered.difference_update(u["update_id"] for u in batch)
                    return batch
                self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())

    def _call(self, method: str, p: Json) -> Any:
        if method == "getMe":
            return self.me
        if method in {"deleteWebhook", "setWebhook"}:
            self.webhook_url = p.get("url", "")
            if p.get("drop_pending_updates"):
                self._queue.clear()
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._queue),
            }
        if method in {"close", "logOut", "sendChatAction"}:
            return True
        if method == "setMyCommands":
            self.commands[p.get("language_code", "")] = p["commands"]
            return True
        if method == "getMyCommands":
            return self.commands.get(p.get("language_code", ""), [])
        if method == "answerCallbackQuery":
            if p.get("callback_query_id") not in self._open_queries:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired "
                    "or query ID is invalid",
                )
            self._open_queries.discard(p["callback_query_id"])
            self.callback_answers.append(p)
            return True
        if method == "getFile":
            return {
                "file_id": p["file_id"],
                "file_unique_id": p["file_id"],
                "file_size": 7,
                "file_path": f"files/{p['file_id']}",
            }
        chat_id = p.get("chat_id")
        if chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        markup = p.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if not 1 <= len(button.get("callback_data", "x").encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        inline = {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}
        text = p.get("text", "")
        if p.get("parse_mode") == "HTML":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        if method in {"sendMessage", "sendPhoto", "sendDocument"}:
            if method == "sendMessage" and not 1 <= len(text.strip()) <= 4096:
                problem = "too long" if text.strip() else "empty"
                raise ApiError(400, f"Bad Request: message text is {problem}")
            content = (
                {"text": text}
                if method == "sendMessage"
                else {"caption": p.get("caption", ""), **MEDIA[method]}
            )
            msg = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": self._chats[chat_id],
                "from": self.me,
                **content,
                **inline,
            }
            return self._record(msg, markup, edited=False)
        old = self._messages[chat_id].get(p.get("message_id", 0))
        if old is None:
            verb = "delete" if method == "deleteMessage" else "edit"
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        if method == "deleteMessage":
            del self._messages[chat_id][p["message_id"]]
            return True
        if method in {"editMessageText", "editMessageReplyMarkup"}:
            new = {k: v for k, v in old.items() if k != "reply_markup"} | inline
            if method == "editMessageText":
                new["text"] = text
            if {**new, "edit_date": 0} == {**old, "edit_date": 0}:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message "
                    "content and reply markup are exactly the same as a current "
                    "content and reply markup of the message",
                )
            return self._record(new | {"edit_date": int(time.time())}, markup, edited=True)
        raise ApiError(400, f"Bad Request: method {method} is not supported by the stand-in")

    # -- HTTP ----------------------------------------------------------------------------------

    async def _handle(
        self, verb: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        url = urlsplit(target)
        params: Json = dict(parse_qsl(url.query))
        ctype = headers.get("content-type", "")
        if ctype.startswith("application/json") and body:
            params.update(json.loads(body))
        elif ctype.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        elif ctype.startswith("multipart/form-data"):
            form = email.message_from_bytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body, policy=email.policy.HTTP
            )
            for part in form.walk():
                content = part.get_payload(decode=True)
                if isinstance(content, bytes):  # not the multipart container itself
                    name = str(part.get_param("name", header="content-disposition"))
                    filename = part.get_filename()
                    params[name] = (
                        {"filename": filename, "size": len(content)}
                        if filename
                        else content.decode()
                    )
        for key, value in list(params.items()):
            if isinstance(value, str) and key in JSON_FIELDS | INT_FIELDS | BOOL_FIELDS:
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        prefix, _, rest = url.path.lstrip("/").partition("/")
        if prefix == "_control":
            return await self._control(verb, rest, params)
        if prefix.startswith("bot") and prefix[3:] == self.token:
            if rest == "getUpdates" and self.webhook_url:
                return self._error(
                    ApiError(
                        409,
                        "Conflict: can't use getUpdates method while "
                        "webhook is active; use deleteWebhook to delete the webhook first",
                    )
                )
            if rest == "getUpdates":
                return self._ok(await self._get_updates(params))
            return self._api(rest, params)
        if prefix == "file" and rest.startswith(f"bot{self.token}/"):
            return 200, b"standin"
        return self._error(
            ApiError(401, "Unauthorized")
            if prefix.startswith("bot")
            else ApiError(404, "Not Found")
        )

    def _api(self, method: str, params: Json) -> tuple[int, bytes]:
        with self._lock:
            self.calls.append((method, params))
            self.counts[method] += 1
            self._last_activity = time.monotonic()
            try:
                return self._ok(self._call(method, params))
            except ApiError as err:
                return self._error(err)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                return self._error(ApiError(400, f"Bad Request: {method}: {err!r}"))

    async def _control(self, verb: str, what: str, p: Json) -> tuple[int, bytes]:
        try:
            if what in ("act", "ask", "make") and p.get("action") in USER_ACTIONS:
                user = self.user(
                    int(p["chat_id"]),
                    p.get("first_name", "张三"),
                    p.get("language_code", "zh-hans"),
                )
                action = getattr(user, p["action"])
                update_id = action(*p.get("args", []), **p.get("kwargs", {}))
                if what == "act":
                    return self._ok(update_id)
                if what == "make":
                    return self._ok({"update_id": update_id, "update": self._updates[update_id]})
                wanted = [str(w) for w in p["contains"]]
                sent = await self._await_sent(
                    user.chat_id, update_id, lambda s: any(w in s.text for w in wanted),
                    float(p.get("wait", 0)),
                )  # fmt: skip
                reply = sent[0].as_json() if sent else None
                return self._ok({"update_id": update_id, "sent": reply})
            if what == "updates":
                return self._ok(self.enqueue(p))
            if what == "redeliver":
                self.redeliver(int(p["update_id"]))
                return self._ok(True)
            if what == "sent":
                chat_id = int(p["chat_id"]) if p.get("chat_id") else None
                sent = await self._await_sent(
                    chat_id, int(p.get("after", 0)), lambda s: True, float(p.get("wait", 0))
                )
                return self._ok([s.as_json() for s in sent])
            if what == "idle":
                for _ in range(int(float(p.get("timeout", 10)) * 100)):
                    if self._idle(float(p.get("quiet", 0.1))):
                        return self._ok(True)
                    await asyncio.sleep(0.01)
                return self._ok(False)
            if what == "stats":
                with self._lock:
                    return self._ok(
                        {
                            "counts": self.counts,
                            "pending": len(self._queue),
                            "callback_answers": len(self.callback_answers),
                        }
                    )
        except (AssertionError, KeyError, ValueError, TypeError) as err:
            return self._error(ApiError(400, f"{verb} /_control/{what}: {err}"))
        return self._error(ApiError(404, f"no control endpoint {verb} /_control/{what}"))

    @staticmethod
    def _ok(result: Any) -> tuple[int, bytes]:
        return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()

    @staticmethod
    def _error(err: ApiError) -> tuple[int, bytes]:
        body = {"ok": False, "error_code": err.code, "description": err.description}
        return err.code, json.dumps(body, ensure_ascii=False).encode()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:  # HTTP/1.1 keep-alive: one request after another
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                verb, target, _ = head[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in head[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                status, payload = await self._handle(verb, target, headers, body)
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(payload)}"
                    f"\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    # -- running -------------------------------------------------------------------------------

    async def _open(self, port: int = 0) -> None:
        self._loop, self._new_update = asyncio.get_running_loop(), asyncio.Event()
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    def start(self, port: int = 0) -> str:
        """Serve from a thread with an event loop of its own; returns ``base_url``."""
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="standin", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(port), loop).result(10)
        return self.base_url

    def stop(self) -> None:
        if self._loop and self._thread:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self._thread = None

    @contextlib.contextmanager
    def running(self, port: int = 0) -> Iterator[str]:
        self.start(port)
        try:
            yield self.base_url
        finally:
            self.stop()

    async def serve_forever(self, port: int = 0) -> None:
        await self._open(port)
        print(f"listening on {self.port}", flush=True)
        await asyncio.Event().wait()


def launch(
    token: str = "123:ABC", username: str = "YinqiTestBot"
) -> tuple[subprocess.Popen[str], int]:
    """Start ``python -m tests.bot.standin`` in a process of its own; returns it and its port."""
    command = [sys.executable, "-m", "tests.bot.standin", "--port", "0", "--token", token]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [*command, "--username", username], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline().split()[-1])


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="A Telegram Bot API stand-in on 127.0.0.1")
    cli.add_argument("--port", type=int, default=8081)
    cli.add_argument("--token", default="123:ABC")
    cli.add_argument("--username", default="YinqiTestBot")
    args = cli.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(StandIn(args.token, args.username).serve_forever(args.port))

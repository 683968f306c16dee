"""Webhook mode on two workers: two apps (`yinqi serve` each, engines of their own) on one
database, taking deliveries of the same chat at the same moment from the Bot API stand-in's
updates. The workers hold a chat one after the other (PostgreSQL: its row locked for the turn;
SQLite: a stale save answered again), so every update is handled exactly once: none lost, none
doubled, and one delivered again, to either worker, changes nothing and says nothing."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.app import WEBHOOK_PATH, create_app
from bot import chat
from bot.chat import HANDLED
from bot.config import BotSettings
from db.core.engine import make_engine
from db.models import Conversation
from tests.bot.standin import SimUser, StandIn
from tests.db.builders import Seeded

SECRET = "webhook-secret_1"
CHAT = 6100
BURST = 8


def settings(standin: StandIn) -> BotSettings:
    return BotSettings(
        telegram_bot_token=SecretStr(standin.token),
        telegram_api_base_url=standin.base_url,
        telegram_webhook_url="https://yinqi.example/telegram/webhook",
        telegram_webhook_secret=SecretStr(SECRET),
    )


class Workers:
    """The two apps' clients, by index; `deliver` POSTs an update as Telegram does."""

    def __init__(self, clients: list[httpx.AsyncClient], standin: StandIn) -> None:
        self.clients, self.standin = clients, standin

    async def deliver(self, worker: int, update_id: int) -> None:
        answer = await self.clients[worker].post(
            WEBHOOK_PATH, json=self.standin.update(update_id),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert answer.status_code == 200 and answer.json() == {"ok": True}

    async def at_once(self, update_ids: list[int], first: int = 0) -> None:
        """Every update, each to the other worker than the last, all at the same moment."""
        await asyncio.gather(
            *(self.deliver((first + i) % 2, u) for i, u in enumerate(update_ids))
        )


async def _serving(stack: AsyncExitStack, app: FastAPI) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    return await stack.enter_async_context(
        httpx.AsyncClient(transport=transport, base_url="http://yinqi.test")
    )


async def run(seeded: Seeded, standin: StandIn, play: Callable[[Workers], object]) -> None:
    other = make_engine(seeded.engine.url.render_as_string(hide_password=False))
    try:
        async with AsyncExitStack() as stack:
            apps = [create_app(e, settings(standin)) for e in (seeded.engine, other)]
            workers = Workers([await _serving(stack, app) for app in apps], standin)
            await play(workers)  # type: ignore[misc]
    finally:
        other.dispose()


def conversation(engine: Engine) -> Conversation:
    with Session(engine) as session:
        return session.exec(select(Conversation).where(Conversation.chat_id == CHAT)).one()


class Turns:
    """The engine's answers, timed, each made to take a while so that turns could overlap."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, takes_s: float = 0.02) -> None:
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        answer = chat.handle

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            time.sleep(takes_s)
            try:
                return answer(*args, **kwargs)
            finally:
                with self._lock:
                    self.spans.append((started, time.monotonic()))

        monkeypatch.setattr(chat, "handle", timed)

    def overlapping(self) -> int:
        spans = sorted(self.spans)
        return sum(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))


def test_one_chat_on_two_workers_at_once_each_update_once(
    seeded: Seeded, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = standin.user(CHAT)
    turns = Turns(monkeypatch)

    async def play(workers: Workers) -> None:
        await workers.deliver(0, user.send("/start"))
        await user.wait_for_async("登记前请确认", since=0)
        before = conversation(seeded.engine).version
        said = len(user.replies(since=0))
        burst = [user.send_sticker() for _ in range(BURST)]
        await workers.at_once(burst)
        after = conversation(seeded.engine)
        assert after.version == before + BURST  # each stored once, none over another
        assert set(burst) <= set(after.draft[HANDLED])
        asked = [m for m in user.replies(since=burst[0] - 1) if "只能看懂文字和按钮" in m.text]
        assert len(asked) == BURST and len(user.replies(since=0)) == said + BURST
        await workers.at_once(burst, first=1)  # each delivered again, to the other worker
        assert conversation(seeded.engine).version == after.version
        assert len(user.replies(since=0)) == said + BURST

    asyncio.run(run(seeded, standin, play))
    assert turns.overlapping() == 0, turns.spans  # one turn of the chat after the other
    assert len(turns.spans) == 1 + BURST  # none answered twice


def test_a_conversation_goes_on_whichever_worker_takes_it(
    seeded: Seeded, standin: StandIn
) -> None:
    user = standin.user(CHAT)

    async def step(workers: Workers, worker: int, act: Callable[[], int], wanted: str) -> int:
        update_id = act()
        await workers.deliver(worker, update_id)
        await user.wait_for_async(wanted, since=update_id)
        return update_id

    async def play(workers: Workers) -> None:
        await step(workers, 0, lambda: user.send("/start"), "登记前请确认")
        pressed = await step(workers, 1, lambda: user.press("同意并开始"), "您是以什么身份申请")
        await step(workers, 0, lambda: user.press("企业"), "请输入企业或个体工商户的名称")
        said = len(user.replies(since=0))
        await workers.at_once([pressed, pressed])  # the press again, to both at once
        assert len(user.replies(since=0)) == said
        assert conversation(seeded.engine).step == "name"

    asyncio.run(run(seeded, standin, play))


def test_two_first_updates_of_a_new_chat_at_once_make_one_conversation(
    seeded: Seeded, standin: StandIn
) -> None:
    user: SimUser = standin.user(CHAT)

    async def play(workers: Workers) -> None:
        starts = [user.send("/start"), user.send("/start")]
        await workers.at_once(starts)
        stored = conversation(seeded.engine)
        assert stored.version == 1 and sorted(stored.draft[HANDLED]) == starts
        assert len([m for m in user.replies(since=0) if "登记前请确认" in m.text]) == 2

    asyncio.run(run(seeded, standin, play))




def test_an_update_arriving_after_a_newer_one_is_handled_not_taken_for_a_redelivery(
    seeded: Seeded, standin: StandIn
) -> None:
    user = standin.user(CHAT)

    async def play(workers: Workers) -> None:
        await workers.deliver(0, user.send("/start"))
        earlier, later = user.send_sticker(), user.send_sticker()
        await workers.deliver(1, later)
        await workers.deliver(0, earlier)  # Telegram's deliveries raced: the older one last
        stored = conversation(seeded.engine)
        assert {earlier, later} <= set(stored.draft[HANDLED])
        assert stored.last_update_id == later
        asked = [m for m in user.replies(since=earlier) if "只能看懂文字和按钮" in m.text]
        assert len(asked) == 2

    asyncio.run(run(seeded, standin, play))

"""The real bot `Application`, polling a Bot API stand-in, run in a thread of its own; and the
sharded bot (a receiver and its worker processes) the same way."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import threading
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine
from telegram import Update

from bot.chat import ChatService
from bot.config import BotSettings
from bot.db_world import DbWorld
from bot.shards import Receiver
from bot.telegram_app import build_application, set_commands
from bot.telegram_bot import make_bot
from tests.bot.standin import StandIn


class RunningBot:
    """`start()` initialises the application, sets its commands and starts polling, in a
    background event loop; `stop()` stops it as a process shutting down would."""

    def __init__(self, engine: Engine, standin: StandIn, max_rate: float = 30.0) -> None:
        settings = BotSettings(
            telegram_bot_token=SecretStr(standin.token),
            telegram_api_base_url=standin.base_url,
            telegram_max_rate=max_rate,
        )
        self.application = build_application(ChatService(engine, DbWorld(engine)), settings)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> RunningBot:
        self.thread.start()
        self._run(self._start())
        return self

    async def _start(self) -> None:
        app = self.application
        await app.initialize()
        await set_commands(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )

    def stop(self) -> None:
        self._run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)


class ShardedBot:
    """`yinqi bot --workers N` in a test: the receiver (bot/shards.py) in a background event
    loop, polling the stand-in, and its N worker processes (`yinqi bot --shard-of N`) on the
    test's database."""

    def __init__(self, engine: Engine, standin: StandIn, workers: int = 2) -> None:
        settings = BotSettings(
            telegram_bot_token=SecretStr(standin.token),
            telegram_api_base_url=standin.base_url,
            telegram_max_rate=0,
        )
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "TELEGRAM_BOT_TOKEN": standin.token,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "TELEGRAM_MAX_RATE": "30",
        }
        env.pop("TELEGRAM_WEBHOOK_URL", None)
        command = [sys.executable, "-c", "from api.cli import main; main()", "bot",
                   "--shard-of", str(workers)]  # fmt: skip
        self.receiver = Receiver(make_bot(settings), command, workers, env=env, poll_timeout=1)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._stop: asyncio.Event | None = None
        self._running: concurrent.futures.Future[None] | None = None

    def start(self) -> ShardedBot:
        self.thread.start()
        self._stop = self._run(self._event())
        ready = self._run(self._event())
        self._running = asyncio.run_coroutine_threadsafe(
            self.receiver.run(self._stop, ready=ready), self.loop
        )
        self._run(asyncio.wait_for(ready.wait(), 60), timeout=65)
        return self

    @staticmethod
    async def _event() -> asyncio.Event:
        return asyncio.Event()

    def worker_pid(self, chat_id: int) -> int:
        """The pid of the worker process that handles this chat."""
        worker = self.receiver.workers[chat_id % len(self.receiver.workers)]
        assert worker.process is not None
        return worker.process.pid

    def stop(self) -> None:
        assert self._stop is not None and self._running is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self._running.result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def _run(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=timeout)

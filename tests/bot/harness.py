"""The real bot `Application`, polling a Bot API stand-in, run in a thread of its own."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine
from telegram import Update

from bot.chat import ChatService
from bot.config import BotSettings
from bot.db_world import DbWorld
from bot.telegram_app import build_application, set_commands
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

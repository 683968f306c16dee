"""The HTTP app `yinqi serve` runs: health, the Telegram webhook, and (next) the bank API.

The bot runs inside the app's lifespan when a token is set: polling in development, or taking
updates at `/telegram/webhook` when `TELEGRAM_WEBHOOK_URL` is set, each delivery checked against
`TELEGRAM_WEBHOOK_SECRET` (Telegram sends it in `X-Telegram-Bot-Api-Secret-Token`).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request
from sqlalchemy import Engine
from telegram import Update
from telegram.ext import Application

from bot.chat import ChatService
from bot.config import BotSettings
from bot.db_world import DbWorld
from bot.telegram_app import build_application, set_commands

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"


def create_app(engine: Engine, bot_settings: BotSettings) -> FastAPI:
    bot = _bot(engine, bot_settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if bot is None:
            yield
            return
        async with bot:
            await set_commands(bot)
            await _start_receiving(bot, bot_settings)
            await bot.start()
            yield
            if bot.updater is not None and bot.updater.running:
                await bot.updater.stop()
            await bot.stop()

    app = FastAPI(title="Yinqi 银企", lifespan=lifespan)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        """Alive; says whether the bot runs here."""
        return {"status": "ok", "bot": bot is not None}

    if bot is not None and bot_settings.telegram_webhook_url:
        _add_webhook(app, bot, bot_settings)
    return app


Bot = Application[Any, Any, Any, Any, Any, Any]


def _bot(engine: Engine, settings: BotSettings) -> Bot | None:
    if settings.telegram_bot_token is None:
        log.info("TELEGRAM_BOT_TOKEN is not set: the bot does not run")
        return None
    world = DbWorld(engine)
    world.warm()
    return build_application(ChatService(engine, world), settings)


async def _start_receiving(bot: Bot, settings: BotSettings) -> None:
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        await bot.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=Update.ALL_TYPES,
        )
    elif bot.updater is not None:
        await bot.updater.start_polling(allowed_updates=Update.ALL_TYPES)


def _add_webhook(app: FastAPI, bot: Bot, settings: BotSettings) -> None:
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise ValueError("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not")
    expected = secret.get_secret_value()

    @app.post(WEBHOOK_PATH, include_in_schema=False)
    async def webhook(
        request: Request,
        token: Annotated[str, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = "",
    ) -> dict[str, bool]:
        if not hmac.compare_digest(token, expected):
            raise HTTPException(status_code=403, detail="wrong secret token")
        update = Update.de_json(await request.json(), bot.bot)
        await bot.update_queue.put(update)
        return {"ok": True}

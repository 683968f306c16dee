"""The HTTP app `yinqi serve` runs: the bank and coordination API, health, the Telegram webhook.

The bot runs inside the app's lifespan when a token is set: polling in development, or taking
updates at `/telegram/webhook` when `TELEGRAM_WEBHOOK_URL` is set, each delivery checked against
`TELEGRAM_WEBHOOK_SECRET` (Telegram sends it in `X-Telegram-Bot-Api-Secret-Token`).

Webhooks are how the bot runs on many processes: any number of `yinqi serve` behind a load
balancer, the state in PostgreSQL (bot/chat.py). An update is handled inside its request, replies
sent, before the 200: Telegram delivers again an update whose request failed or timed out, so a
worker killed before it stored the turn loses nothing (its transaction rolls back; another
worker handles the redelivery). One killed between storing and replying leaves those replies
unsent: the redelivery is known as handled (milliseconds; the user asks again). A turn takes
milliseconds; Telegram waits far longer for an answer.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from sqlalchemy import Engine
from telegram import Update
from telegram.ext import Application

from api import dashboard, web
from api.core import docs, errors, idempotency, metrics
from api.core.config import ApiSettings, get_api_settings
from api.core.deps import plain_text
from api.core.throttle import Throttle
from api.routes import filings, leads, needs, parks, pool, problems, qr, reports, webhooks
from api.webhooks.config import WebhookSettings, get_webhook_settings
from api.webhooks.sender import WebhookSender
from api.worker import Intervals, Kept, Worker, sms_gateway
from bot.chat import ChatService
from bot.config import BotSettings, SmsSettings, get_sms_settings
from bot.db_world import DbWorld
from bot.telegram_app import build_application, set_commands
from db.core.engine import checkpoint_in_background, is_sqlite
from db.models import utcnow

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
THREADS = 4
"""Threads for blocking work (routes and dependencies that are plain `def`). More would not run
more Python at once (one interpreter lock), only ask for more database connections than the
pool keeps, so each extra request paid for a connection of its own; the others wait their turn
in the event loop, in order. Fewer threads also keep a writer's turn short under a burst: a
thread holding SQLite's one write lock waits for the interpreter lock after each statement,
longer the more threads compete for it (bench/web.py, 2026-12-06: the slowest answers' turn
8–12 ms with 4 threads against 14–46 ms with 8). Paced below saturation, by phones that send
on time, the two are alike (SQLite p99 11–14 against 12–18 ms). The one blocking network call
made from them, the web chat's phone-code SMS, may hold at most `bot.sms.CODES_AT_ONCE`."""


DESCRIPTION = """
Bank account managers pull the leads assigned to them, claim open needs from the pool and record
every follow-up; coordination teams register needs met in person and track progress.

Authenticate with `Authorization: Bearer <token>` (a token from `yinqi users add`). A lead or
need the caller may not see answers 404, exactly like one that does not exist. Errors are JSON:
`{"error": {"code", "message", "field"}}`, the message in the language of `Accept-Language`
(Chinese by default, `en` for English). Times are ISO 8601 with their offset, days and times
within the years 2000–2100. Every answer carries an `X-Request-ID` (the one you sent, if it is
1–64 letters, digits or `._:-`): quote it when reporting a 500. Every change (`POST`) takes an
`Idempotency-Key` header: retried with the same key and body, it is answered as the first time
(`Idempotency-Replayed: true`) and takes effect once.
"""

TAGS = [
    {"name": "leads", "description": "A bank's leads: pull, accept, decline, follow up, reassign"},
    {"name": "pool", "description": "Open needs a bank may still take under the 3/2 limit"},
    {"name": "needs", "description": "Needs registered in person; a need's leads and timeline"},
    {"name": "reports", "description": "Progress, key problems, park coverage, Excel ledgers"},
    {"name": "qr", "description": "Loan QR codes (贷款码) and their funnels (admins)"},
    {"name": "parks", "description": "Park rosters (入园企业名录): the base of coverage"},
    {"name": "webhooks", "description": "A bank's webhooks: endpoints, deliveries, replays"},
    {"name": "ops", "description": "Health and metrics"},
]


def create_app(
    engine: Engine,
    bot_settings: BotSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    worker: Intervals | None = None,
    api_settings: ApiSettings | None = None,
    sms_settings: SmsSettings | None = None,
    webhook_settings: WebhookSettings | None = None,
) -> FastAPI:
    """The app on `engine`; the bot runs inside it when a token is set, and the background
    worker (expiry, overdue flags, the outbox, sent by the bot and by SMS) when `worker` gives
    its pace."""
    bot = _bot(engine, bot_settings)
    api_settings = api_settings or get_api_settings()
    webhook_settings = webhook_settings or get_webhook_settings()
    runner = sms = None
    sms_settings = sms_settings or get_sms_settings()
    if worker is not None:
        sms = sms_gateway(sms_settings, api_settings.public_url)
        hooks = WebhookSender(engine, webhook_settings, clock=clock)
        runner = Worker(
            engine, bot=bot.bot if bot else None, sms=sms, public_url=api_settings.public_url,
            webhooks=hooks, intervals=worker, kept=Kept(webhooks=webhook_settings.kept),
            clock=clock,
        )  # fmt: skip

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        async with contextlib.AsyncExitStack() as stack:
            if bot is not None:
                await stack.enter_async_context(bot)
                await set_commands(bot)
                await _start_receiving(bot, bot_settings)
                await bot.start()
                stack.push_async_callback(_stop_bot, bot)
            if sms is not None:
                stack.push_async_callback(sms.aclose)
            if texter is not None:
                stack.callback(texter.close)
            if runner is not None:
                runner.start()
                stack.push_async_callback(runner.stop)
            if is_sqlite(engine):  # not in a request's commit (db.core.engine)
                stack.callback(checkpoint_in_background(engine))
            yield

    app = FastAPI(
        title="Yinqi 银企 API",
        version="1",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(plain_text)],
        docs_url=None,  # served by api.core.docs, without a CDN
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.bot_settings = bot_settings
    app.state.worker = runner
    app.state.throttle = Throttle()
    app.state.api_settings = api_settings
    idempotency.install(app, most=parks.MAX_BYTES)  # before the errors: inside the request ids
    app.state.webhook_settings = webhook_settings
    errors.install(app)
    docs.install(app)
    secret = api_settings.metrics_token
    metrics.install(app, engine, runner, token=secret.get_secret_value() if secret else None)
    for router in (
        leads.router,
        pool.router,
        needs.router,
        reports.router,
        problems.router,
        filings.router,
        qr.router,
        parks.router,
        webhooks.router,
    ):
        app.include_router(router, dependencies=[Depends(idempotency.idempotent)])
    webhooks.describe_events(app)
    dashboard.install(app)
    texter = web.install(app, sms_settings)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        """Alive; says whether the bot runs here."""
        return {"status": "ok", "bot": bot is not None}

    if bot is not None and bot_settings.telegram_webhook_url:
        _add_webhook(app, bot, bot_settings)
    return app


Bot = Application[Any, Any, Any, Any, Any, Any]


async def _stop_bot(bot: Bot) -> None:
    if bot.updater is not None and bot.updater.running:
        await bot.updater.stop()
    await bot.stop()


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
        # in order with this process's other updates of the chat; errors go to the bot's error
        # handler, which tells the user: an update that failed is not delivered again
        await bot.update_processor.process_update(update, bot.process_update(update))
        return {"ok": True}

"""`yinqi bot`, `yinqi serve` and `yinqi chat`: the conversation on Telegram, over HTTP, and in
the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlmodel import Session

from api.cli.common import LangOption, fail, freeze_startup, open_database
from api.core.config import get_api_settings
from bot.chat import ChatService
from bot.config import get_settings
from bot.db_world import DbWorld
from bot.qr import web_link
from bot.terminal import TerminalChat
from db.core.vocabulary import QrKind
from db.intake.qr_sources import list_sources
from matching.i18n import Lang, t


def register(app: typer.Typer) -> None:
    app.command("bot")(run_bot)
    app.command("serve")(serve)
    app.command("chat")(chat)
    app.command("worker")(worker)


def run_bot(lang: LangOption = Lang.ZH) -> None:
    """Run the Telegram bot alone in one process, by long polling, on the database DATABASE_URL
    names: the way for development. Production takes updates by webhook under `yinqi serve`
    (TELEGRAM_WEBHOOK_URL), on as many processes behind a load balancer as it needs."""
    from bot.telegram_app import build_application  # PTB is only loaded by the commands using it

    settings = get_settings()
    if settings.telegram_bot_token is None:
        raise fail("TELEGRAM_BOT_TOKEN is not set: give the bot's token (from @BotFather).")
    if settings.telegram_webhook_url:
        raise fail("TELEGRAM_WEBHOOK_URL is set: webhooks are received by `yinqi serve`.")
    _logging()
    engine = open_database(lang)
    world = DbWorld(engine)
    world.warm()
    application = build_application(ChatService(engine, world), settings)
    freeze_startup()
    application.run_polling(allowed_updates=["message", "edited_message", "callback_query"])


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Run the background worker inside (expiry, overdue flags, notices); turn it off "
            "when `yinqi worker` runs on its own.",
        ),
    ] = True,
    lang: LangOption = Lang.ZH,
) -> None:
    """Serve the HTTP API (docs at /docs), with the bot when TELEGRAM_BOT_TOKEN is set (polling,
    or the webhook at /telegram/webhook when TELEGRAM_WEBHOOK_URL is set) and the background
    worker."""
    import uvicorn

    from api.app import create_app
    from api.worker import Intervals

    _logging()
    engine = open_database(lang)
    app = create_app(engine, get_settings(), worker=Intervals() if with_worker else None)
    _say_web_chat(engine, host, port, lang)
    freeze_startup()
    uvicorn.run(app, host=host, port=port)


def _say_web_chat(engine: Engine, host: str, port: int, lang: Lang) -> None:
    """Print where a park's code opens the web chat (the first active park code, as `yinqi
    demo` makes them), under PUBLIC_URL or, unset, this server's own address."""
    with Session(engine) as session:
        parks = list_sources(session, kind=QrKind.PARK, active=True, with_funnel=False)
    if not parks:
        return
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = get_api_settings().public_url or f"http://{local}:{port}"
    typer.echo(t("qr.web_chat", lang, label=parks[0].label, link=web_link(base, parks[0].token)))


def chat(lang: LangOption = Lang.ZH) -> None:
    """Try the bot's conversation in the terminal: type answers, or a button's number."""
    engine = open_database(lang)
    terminal = TerminalChat(ChatService(engine, DbWorld(engine)), typer.echo)
    terminal.send("/start")
    if lang is Lang.EN:
        terminal.send("/lang en")
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if line.strip() in ("/quit", "/exit"):
            return
        terminal.send(line)


def worker(
    expiry_every: Annotated[
        float, typer.Option(help="Seconds between two runs of expiry and reassignment.")
    ] = 60.0,
    overdue_every: Annotated[
        float, typer.Option(help="Seconds between two looks for overdue contacts and decisions.")
    ] = 300.0,
    outbox_every: Annotated[
        float, typer.Option(help="Seconds between two looks for notices to send.")
    ] = 3.0,
    copies_every: Annotated[
        float, typer.Option(help="Seconds between two updates of the reports' copies.")
    ] = 120.0,
    filings_every: Annotated[
        float, typer.Option(help="Seconds between two looks for quarterly tables due soon.")
    ] = 3600.0,
    webhooks_every: Annotated[
        float, typer.Option(help="Seconds between two looks for webhooks to send.")
    ] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Run one pass and exit.")] = False,
    lang: LangOption = Lang.ZH,
) -> None:
    """Run the background worker alone until Ctrl-C or SIGTERM: expire overdue offers and pass
    them to the next bank, flag overdue contacts and decisions, send the outbox through
    Telegram (when TELEGRAM_BOT_TOKEN is set; otherwise notices stay queued) and to web firms
    by SMS (when SMS_URL and PUBLIC_URL are set), send banks' webhooks, remind coordinators of
    the quarterly tables due soon, keep the reports' copies up to date, and sweep the API's
    idempotency keys older than a day and the deliveries and notices past their kept period
    (hourly)."""
    from api.webhooks.config import get_webhook_settings
    from api.webhooks.sender import WebhookSender
    from api.worker import Intervals, Kept, Worker, sms_gateway
    from bot.config import get_sms_settings
    from bot.notify import make_bot

    _logging()
    engine = open_database(lang)
    settings = get_settings()
    bot = make_bot(settings) if settings.telegram_bot_token is not None else None
    intervals = Intervals(
        expiry_s=expiry_every,
        overdue_s=overdue_every,
        outbox_s=outbox_every,
        copies_s=copies_every,
        filings_s=filings_every,
        webhooks_s=webhooks_every,
    )
    public_url = get_api_settings().public_url
    sms = sms_gateway(get_sms_settings(), public_url)
    hooks = WebhookSender(engine, get_webhook_settings())
    kept = Kept(webhooks=hooks.settings.kept)
    runner = Worker(
        engine, bot=bot, sms=sms, public_url=public_url, webhooks=hooks, intervals=intervals,
        kept=kept,
    )  # fmt: skip

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            if once:
                summary = (await runner.run_once()).summary()
                logging.getLogger("api.worker").info("worker pass: %s", summary or "nothing to do")
            else:
                await runner.run(stop)
        finally:
            if bot is not None:
                with contextlib.suppress(Exception):  # never initialised, or already gone
                    await bot.shutdown()
            if sms is not None:
                await sms.aclose()
            await hooks.aclose()

    if not once:
        freeze_startup()
    asyncio.run(main())


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call otherwise

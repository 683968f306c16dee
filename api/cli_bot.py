"""`yinqi bot`, `yinqi serve` and `yinqi chat`: the conversation on Telegram, over HTTP, and in
the terminal."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from api.cli_common import LangOption, fail, open_database
from bot.chat import ChatService
from bot.config import get_settings
from bot.db_world import DbWorld
from bot.terminal import TerminalChat
from matching.i18n import Lang


def register(app: typer.Typer) -> None:
    app.command("bot")(run_bot)
    app.command("serve")(serve)
    app.command("chat")(chat)


def run_bot(lang: LangOption = Lang.ZH) -> None:
    """Run the Telegram bot alone (long polling), on the database DATABASE_URL names."""
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
    application.run_polling(allowed_updates=["message", "edited_message", "callback_query"])


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    lang: LangOption = Lang.ZH,
) -> None:
    """Serve the HTTP API, with the bot when TELEGRAM_BOT_TOKEN is set (polling, or the
    webhook at /telegram/webhook when TELEGRAM_WEBHOOK_URL is set)."""
    import uvicorn

    from api.app import create_app

    _logging()
    engine = open_database(lang)
    uvicorn.run(create_app(engine, get_settings()), host=host, port=port)


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


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call otherwise

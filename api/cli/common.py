"""What every `yinqi` subcommand shares: the exit code for bad input, the language option, and
the database a command works on."""

from __future__ import annotations

import gc
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from db.core.engine import make_engine
from db.core.migrate import current_revision, head_revision
from matching.i18n import Lang, t

EXIT_BAD_INPUT = 2

LangOption = Annotated[Lang, typer.Option("--lang", help="Language of texts: zh or en.")]


def fail(message: str) -> typer.Exit:
    """Say what is wrong on stderr; raise the result to exit with code 2."""
    typer.echo(message, err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def shown(engine: Engine) -> str:
    """The database URL as an operator may see it (password hidden)."""
    return engine.url.render_as_string(hide_password=True)


def unreachable(engine: Engine, err: OperationalError, lang: Lang) -> typer.Exit:
    return fail(t("cli.db_unreachable", lang, url=shown(engine), error=err.orig))


def open_database(lang: Lang) -> Engine:
    """The database `DATABASE_URL` names, once `yinqi init` has made its schema."""
    engine = make_engine()
    try:
        ready = current_revision(engine) == head_revision()
    except OperationalError as err:
        raise unreachable(engine, err, lang) from None
    if not ready:
        raise fail(t("cli.db_not_initialised", lang, url=shown(engine)))
    return engine


def freeze_startup() -> None:
    """Before a long-running process (server, bot, worker) starts its work: put what starting
    made — modules, the app, its routes, schemas and texts, some 200,000 objects living as long
    as the process — out of the garbage collector's sight. Each full collection scanned them
    all, pausing every request in flight for ~0.1 s; now it scans only what came after."""
    gc.collect()
    gc.freeze()

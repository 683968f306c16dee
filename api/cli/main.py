"""The `yinqi` command: the composition root where files, stdin and the matching core meet."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from api.cli.bot import register as register_bot_commands
from api.cli.common import EXIT_BAD_INPUT, LangOption, fail
from api.cli.demo import register as register_demo_command
from api.cli.lists import list_app
from api.cli.parks import park_app
from api.cli.qr import qr_app
from api.cli.report import report_app
from api.cli.storage import register as register_storage_commands
from api.cli.webhooks import webhooks_app
from api.core.config import ApiSettings
from api.webhooks.config import WebhookSettings
from bot.config import BotSettings, SmsSettings
from db.core.config import DbSettings
from matching.catalog import Catalog
from matching.catalog_yaml import parse_catalog
from matching.data import sample_catalog
from matching.engine import match
from matching.errors import MatchingError
from matching.i18n import Lang, t
from matching.policy import DEFAULT_POLICY
from matching.request import check_codes, parse_request
from matching.serialize import deadlines_json, explain, explain_deadlines, result_json
from matching.workdays import deadlines

app = typer.Typer(
    name="yinqi",
    help="Yinqi (银企): bank–enterprise financing matchmaking for small firms in Zhejiang.",
    no_args_is_help=True,
    add_completion=False,
)
catalog_app = typer.Typer(
    help="Check and inspect catalogs of banks, parks and products.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")
app.add_typer(list_app, name="list")
app.add_typer(park_app, name="park")
app.add_typer(qr_app, name="qr")
app.add_typer(report_app, name="report")
app.add_typer(webhooks_app, name="webhooks")

CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Catalog YAML file (default: the bundled sample catalog).",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise fail(f"{path}: cannot be read ({err.strerror})") from None


def _load_catalog(path: Path | None) -> Catalog:
    if path is None:
        return sample_catalog()
    return parse_catalog(_read_text(path), source=str(path))


def _read_request(source: str) -> Any:
    """The decoded JSON request from a file or stdin; anything unreadable exits with code 2."""
    if source == "-":
        if sys.stdin.isatty():
            raise fail("Reading a JSON request from standard input; pipe one in, or give a file.")
        try:
            text, name = sys.stdin.read(), "<stdin>"
        except UnicodeDecodeError:
            raise fail("<stdin>: not UTF-8 text") from None
    else:
        path = Path(source)
        if not path.is_file():
            raise fail(f"{source}: no such file")
        text, name = _read_text(path), source
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise fail(
            f"{name}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    except (ValueError, RecursionError) as err:  # absurd numbers, absurd nesting
        raise fail(f"{name}: not a usable JSON request ({type(err).__name__})") from None


@app.command("match")
def match_command(
    request: Annotated[
        str, typer.Argument(help="JSON request file, or - for standard input.", metavar="[FILE|-]")
    ] = "-",
    explain_: Annotated[
        bool, typer.Option("--explain", help="Print the reasons as readable text instead of JSON.")
    ] = False,
    lang: LangOption = Lang.ZH,
    catalog: CatalogOption = None,
) -> None:
    """Match one financing need to banks and guarantee products.

    The request has `firm`, `need` and `standards` (see docs/matching.md). Bad input names the
    field and exits with code 2.
    """
    data = _read_request(request)
    try:
        cat = _load_catalog(catalog)
        req = parse_request(data)
        check_codes(req, cat)
    except MatchingError as err:
        raise fail(err.render(lang)) from None
    result = match(
        req.firm,
        req.need,
        cat,
        standards=req.standards,
        loads=req.loads,
        live_banks=req.live_banks,
        rotation=req.rotation,
        explain=explain_,
    )
    clocks = deadlines(req.assigned_at, DEFAULT_POLICY.clock) if req.assigned_at else None
    if explain_:
        typer.echo(explain(result, lang))
        if clocks:
            typer.echo(explain_deadlines(clocks, lang))
    else:
        out = result_json(result)
        if clocks:
            out["deadlines"] = deadlines_json(clocks)
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@catalog_app.command("check")
def catalog_check(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    lang: LangOption = Lang.ZH,
) -> None:
    """Validate a catalog file; every problem names the entry and the field."""
    try:
        cat = parse_catalog(_read_text(path), source=str(path))
    except MatchingError as err:
        raise fail(err.render(lang)) from None
    typer.echo(
        f"{path}: {len(cat.banks)} banks, {len(cat.branches)} branches, "
        f"{len(cat.parks)} parks, {len(cat.products)} products, "
        f"{len(cat.guarantees)} guarantee products" + (" (sample data)" if cat.sample else "")
    )


register_storage_commands(app, catalog_app)
register_bot_commands(app)
register_demo_command(app)


SETTINGS = frozenset(
    kind.__name__ for kind in (DbSettings, ApiSettings, BotSettings, SmsSettings, WebhookSettings)
)
"""The settings read from the environment: a `ValidationError` titled so is a wrong setting."""


def main() -> None:
    try:
        app()
    except ValidationError as err:
        if err.title not in SETTINGS:  # not one of ours from the environment
            raise
        lang = asked_lang(sys.argv[1:])
        for error in err.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else err.title
            typer.echo(t("cli.bad_setting", lang, name=name, error=error["msg"]), err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None


def asked_lang(args: list[str]) -> Lang:
    """The language `--lang` asks for on the command line, the last one given as for the
    command itself (Chinese without it, or with a value it does not know): a wrong setting may
    stop a command before its options are read."""
    asked = Lang.ZH
    for arg, following in zip(args, [*args[1:], ""], strict=True):
        value = following if arg == "--lang" else arg.removeprefix("--lang=")
        if arg.startswith("--lang") and value in tuple(Lang):
            asked = Lang(value)
    return asked

"""`yinqi qr …`: loan QR codes (贷款码): make them, print sheets of them for parks and branches,
see how far the firms of each one got, and retire them."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from sqlmodel import Session

from api.cli.common import LangOption, fail, open_database
from api.core.config import get_api_settings
from bot.config import get_settings
from bot.qr import QrError, cjk_font_path, code_link, render_png, render_svg, sheet, sheet_pages
from db.core.errors import StorageError
from db.core.vocabulary import QrKind
from db.intake.qr_sources import (
    Funnel,
    SourceView,
    create_source,
    deactivate_source,
    list_sources,
)
from matching.i18n import Lang, t

qr_app = typer.Typer(
    help="Loan QR codes (贷款码): make them, print sheets, count each one's funnel, retire them.",
    no_args_is_help=True,
)

FUNNEL_STAGES = ("scanned", "consented", "submitted", "offered", "accepted", "credit_granted")
COLUMNS = ("token", "kind", "target", "state", *FUNNEL_STAGES, "label")
KindOption = Annotated[
    QrKind | None, typer.Option("--kind", help="park, branch, manager, campaign or event.")
]


@qr_app.command("make")
def make_command(
    kind: Annotated[
        QrKind, typer.Option("--kind", help="park, branch, manager, campaign or event.")
    ],
    target: Annotated[
        str,
        typer.Option(
            "--target",
            help="A park or branch code, a manager's staff id, or a campaign's or event's name.",
        ),
    ],
    label: Annotated[
        str, typer.Option("--label", help="Printed under the code: 越城区 · 绍兴高新区 贷款码.")
    ],
    token: Annotated[
        str | None, typer.Option("--token", help="The token to use (default: a random one).")
    ] = None,
    png: Annotated[
        Path | None,
        typer.Option("--png", help="Write the code and its label as PNG.", dir_okay=False),
    ] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Write the code alone as SVG.", dir_okay=False)
    ] = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Make a loan QR code: print its token and link (the web chat under PUBLIC_URL, else the
    bot's deep link, which mainland China cannot open: said so), and write its picture if asked."""
    if png and svg:
        raise fail(t("qr.one_format", lang))
    if png:
        _check_font(lang)  # before anything is stored
    with Session(open_database(lang)) as session:
        try:
            source = create_source(session, kind=kind, target=target, label=label, token=token)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    link = _link(source.token)
    kind_word = t(f"qr.kind.{source.kind.value}", lang)
    typer.echo(
        t("qr.made", lang, token=source.token, kind=kind_word, target=source.target, label=label)
    )
    typer.echo(t("qr.link", lang, link=link))
    if get_api_settings().public_url is None:
        typer.echo(t("qr.telegram_only", lang), err=True)
    if png:
        _write(png, render_png(link, source.label), lang)
    elif svg:
        _write(svg, render_svg(link).encode("utf-8"), lang)


@qr_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of objects.")] = False,
    lang: LangOption = Lang.ZH,
) -> None:
    """List the loan QR codes with their funnels: scanned, consented, submitted, offered to a
    bank, accepted, credit granted (needs counted once each)."""
    with Session(open_database(lang)) as session:
        sources = list_sources(session)
    if as_json:
        typer.echo(json.dumps([_json(s) for s in sources], ensure_ascii=False, indent=2))
        return
    header = [t(f"qr.column.{column}", lang) for column in COLUMNS]
    figures = {COLUMNS.index(stage) for stage in FUNNEL_STAGES}
    for line in _table([header, *(_row(s, lang) for s in sources)], right=figures):
        typer.echo(line)
    typer.echo(t("qr.listed", lang, count=len(sources)))


@qr_app.command("sheet")
def sheet_command(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="A .pdf (as many A4 pages as needed) or .png (one page).", dir_okay=False
        ),
    ],
    kind: KindOption = None,
    tokens: Annotated[
        list[str] | None, typer.Option("--token", help="Only this code; repeat for more.")
    ] = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Print loan QR codes with their labels on A4 pages, 12 a page with cut lines (default:
    every active code)."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise fail(t("qr.sheet_format", lang, path=out))
    sources = _sources_to_print(kind, tokens or [], lang)
    try:
        data = sheet([(_link(s.token), s.label) for s in sources], _format(fmt))
    except QrError as err:
        raise fail(err.render(lang)) from None
    _write(out, data, lang, quiet=True)
    pages = sheet_pages(len(sources))
    typer.echo(t("qr.sheet_written", lang, count=len(sources), pages=pages, path=out))


@qr_app.command("deactivate")
def deactivate_command(
    token: Annotated[str, typer.Argument(help="The code's token (see `yinqi qr list`).")],
    lang: LangOption = Lang.ZH,
) -> None:
    """Retire a loan QR code: the bot no longer attributes its scans; its figures are kept."""
    with Session(open_database(lang)) as session:
        try:
            source = deactivate_source(session, token=token)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    typer.echo(t("qr.deactivated", lang, token=source.token))


def _sources_to_print(kind: QrKind | None, tokens: list[str], lang: Lang) -> list[SourceView]:
    """The codes asked for by token, in that order (each must be active), or every active one."""
    active = None if tokens else True
    with Session(open_database(lang)) as session:
        try:
            found = list_sources(
                session, kind=kind, tokens=tokens, active=active, with_funnel=False
            )
        except StorageError as err:
            raise fail(err.render(lang)) from None
    for source in found:
        if not source.active:
            raise fail(t("qr.not_active", lang, token=source.token))
    return sorted(found, key=lambda s: tokens.index(s.token)) if tokens else list(found)


def _format(fmt: str) -> Literal["pdf", "png"]:
    return "png" if fmt == "png" else "pdf"


def _link(token: str) -> str:
    username = get_settings().telegram_bot_username
    return code_link(token, public_url=get_api_settings().public_url, bot_username=username)


def _check_font(lang: Lang) -> None:
    try:
        cjk_font_path()
    except QrError as err:
        raise fail(err.render(lang)) from None


def _write(path: Path, data: bytes, lang: Lang, *, quiet: bool = False) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        reason = err.strerror or str(err)
        raise fail(t("qr.cannot_write", lang, path=path, reason=reason)) from None
    if not quiet:
        typer.echo(t("qr.written", lang, path=path))


def _json(source: SourceView) -> dict[str, Any]:
    return {
        "token": source.token,
        "kind": source.kind.value,
        "target": source.target,
        "label": source.label,
        "active": source.active,
        "created_at": source.created_at.isoformat(),
        "link": _link(source.token),
        "funnel": asdict(source.funnel or Funnel()),
    }


def _row(source: SourceView, lang: Lang) -> list[str]:
    counts = asdict(source.funnel or Funnel())
    state = t("qr.state.active" if source.active else "qr.state.inactive", lang)
    kind = t(f"qr.kind.{source.kind.value}", lang)
    figures = [str(counts[stage]) for stage in FUNNEL_STAGES]
    return [source.token, kind, source.target, state, *figures, source.label]


def _table(rows: list[list[str]], *, right: set[int]) -> list[str]:
    """Rows as aligned columns (a Chinese character takes two places), the columns in `right`
    aligned right; the last column is left ragged."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [
            _pad(cell, width, right=i in right)
            for i, (cell, width) in enumerate(zip(row[:-1], widths, strict=True))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def _pad(cell: str, width: int, *, right: bool) -> str:
    padding = " " * (width - _width(cell))
    return padding + cell if right else cell + padding


def _width(text: str) -> int:
    """Terminal columns `text` takes."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)

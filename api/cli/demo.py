"""`yinqi demo`: a generated season of matchmaking in the database, to look around in."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.cli.common import LangOption, fail, shown
from api.cli.storage import init_command
from db.core.engine import make_engine
from db.demo.season import (
    DEFAULT_FIRMS,
    FULL_FIRMS,
    WEEKS,
    DemoSeason,
    empty_season,
    fill_season,
    has_needs,
)
from matching.i18n import Lang, t


def register(app: typer.Typer) -> None:
    """Add `yinqi demo` to the `yinqi` command."""
    app.command("demo")(demo_command)


def demo_command(
    firms: Annotated[
        int | None,
        typer.Option(
            "--firms",
            min=1,
            max=100_000,
            help=f"Firms that register [default: {DEFAULT_FIRMS}; {FULL_FIRMS} with --full].",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help=f"The full season: {FULL_FIRMS} firms (a minute or more)."),
    ] = False,
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=52, help="Weeks, ending today.")
    ] = WEEKS,
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same season.")] = 1,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Empty a database that holds needs first (the catalog is kept)."
        ),
    ] = False,
    lang: LangOption = Lang.ZH,
) -> None:
    """Fill the database (`DATABASE_URL`) with a generated season of matchmaking: firms across
    the catalog's parks, QR codes, offers, claims, visits, credit, loans, declines and expiries
    over the weeks before today, made through the same use cases as the bot and the API; and
    demo staff accounts whose tokens are printed once. Then `yinqi serve` and open /dashboard.

    Refuses a database that already holds needs unless `--replace`.
    """
    chosen = firms if firms is not None else FULL_FIRMS if full else DEFAULT_FIRMS
    init_command(lang)
    engine = make_engine()
    if has_needs(engine):
        if not replace:
            raise fail(t("cli.demo_refused", lang, url=shown(engine)))
        empty_season(engine)
        typer.echo(t("cli.demo_emptied", lang, url=shown(engine)))
    started = time.perf_counter()
    with _progress_bar() as bar:
        task = bar.add_task(t("cli.demo_progress", lang, weeks=weeks), total=chosen)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        season = fill_season(engine, firms=chosen, weeks=weeks, seed=seed, progress=progress)
    short = firms is None and not full
    _say_what_was_made(season, time.perf_counter() - started, lang, short=short)


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


def _say_what_was_made(season: DemoSeason, seconds: float, lang: Lang, *, short: bool) -> None:
    typer.echo(
        t(
            "cli.demo_made",
            lang,
            start=f"{season.start:%Y-%m-%d}",
            end=f"{season.end - season.end.resolution:%Y-%m-%d}",
            seconds=f"{seconds:.0f}",
            firms=season.firms,
            needs=season.needs,
            leads=season.leads,
            visits=season.visits,
            credit=season.credit_granted,
            loans=season.loans_issued,
            sources=season.sources,
            scans=season.scans,
        )
    )
    if short:  # the default: say how to get the full season
        typer.echo(t("cli.demo_fuller", lang, firms=FULL_FIRMS))
    typer.echo(t("cli.demo_staff", lang))
    for member in season.staff:
        typer.echo(
            f"{member.role.value:<12} {member.bank_code or '-':<8} {member.token}  {member.name}"
        )
    typer.echo(t("cli.demo_look", lang, token=season.coordinator.token))

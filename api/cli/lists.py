"""`yinqi list …`: load campaign lists such as 百行进万企 into the database."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.cli.common import LangOption, fail, open_database, unreachable
from api.workbooks.xlsx import csv_field
from db.campaigns.importing import ImportReport, Rejection
from db.campaigns.importing import Progress as ImportProgress
from db.campaigns.lists import import_list
from db.core.errors import StorageError
from matching.i18n import Lang, t

SHOWN_REJECTIONS = 50

list_app = typer.Typer(
    help="Campaign lists (百行进万企 …): import them for recognising listed firms.",
    no_args_is_help=True,
)


ListFile = Annotated[
    Path,
    typer.Argument(
        help="CSV (UTF-8 or GB18030) or XLSX with a header row.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
ErrorsOption = Annotated[
    Path | None,
    typer.Option(
        "--errors",
        help="CSV for all rejected rows (default when more than 50: <stem>.rejected.csv).",
        dir_okay=False,
    ),
]


@list_app.command("import")
def import_command(
    file: ListFile,
    list_code: Annotated[
        str | None, typer.Option("--list", help="List code (default: the file name's stem).")
    ] = None,
    lang: LangOption = Lang.ZH,
    errors: ErrorsOption = None,
) -> None:
    """Import a campaign list; importing the same list code again replaces it.

    Headers in English or Chinese; a row with a bad USCC or no name is rejected, with its line.
    """
    code = list_code or file.stem

    def run(engine: Engine, progress: ImportProgress) -> ImportReport:
        return import_list(engine, file, list_code=code, progress=progress, lang=lang)

    run_import(file, lang, errors, run, summary="list.summary")


def run_import(
    file: Path,
    lang: Lang,
    errors: Path | None,
    run: Callable[[Engine, ImportProgress], ImportReport],
    *,
    summary: str,
) -> None:
    """Open the database, run an import under a progress bar, print its summary (the catalog's
    text `summary`) and its rejected rows: what `yinqi list import` and `yinqi park roster
    import` share."""
    engine = open_database(lang)
    try:
        report = _import_with_progress(engine, file, run, lang)
    except StorageError as err:
        raise fail(err.render(lang)) from None
    except OperationalError as err:  # unreachable, or locked for longer than the busy timeout
        raise unreachable(engine, err, lang) from None
    finally:
        engine.dispose()
    typer.echo(_summary(report, lang, summary))
    try:
        _show_rejections(report.rejected, errors, file, lang)
    except OSError as err:
        reason = err.strerror or str(err)
        raise fail(t("list.cannot_write", lang, path=err.filename, reason=reason)) from None


def _import_with_progress(
    engine: Engine, file: Path, run: Callable[[Engine, ImportProgress], ImportReport], lang: Lang
) -> ImportReport:
    """Run the import under a progress bar on stderr (by bytes for CSV, by rows for XLSX)."""
    size = file.stat().st_size
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task(t("list.progress", lang, file=file.name, rows=0), total=size)

        def advance(rows: int, position: int | None) -> None:
            description = t("list.progress", lang, file=file.name, rows=f"{rows:,}")
            if position is None:  # XLSX: no byte count, an indeterminate bar
                bar.update(task, description=description, total=None)
            else:
                bar.update(task, description=description, completed=position)

        report = run(engine, advance)
        bar.update(task, completed=size, total=size)
    return report


def _summary(report: ImportReport, lang: Lang, key: str) -> str:
    return t(
        key,
        lang,
        list_code=report.list_code,
        imported=f"{report.imported:,}",
        rejected=f"{len(report.rejected):,}",
        blank=f"{report.blank:,}",
        read=f"{report.rows_read:,}",
        seconds=f"{report.elapsed_s:.1f}",
        rate=f"{report.rows_per_s:,.0f}",
    )


def _show_rejections(
    rejected: tuple[Rejection, ...], errors: Path | None, file: Path, lang: Lang
) -> None:
    """The first rejected rows on stderr; all of them in a CSV when there are more, or asked."""
    for rejection in rejected[:SHOWN_REJECTIONS]:
        typer.echo(
            t("list.rejected_row", lang, line=rejection.line, reason=rejection.reason), err=True
        )
    more = len(rejected) - SHOWN_REJECTIONS
    if more > 0:
        typer.echo(t("list.more_not_shown", lang, more=f"{more:,}"), err=True)
    if errors is None and more <= 0:
        return
    path = errors or Path.cwd() / f"{file.stem}.rejected.csv"
    _write_rejections(rejected, path)
    typer.echo(t("list.rejections_written", lang, total=f"{len(rejected):,}", path=path), err=True)


def _write_rejections(rejected: tuple[Rejection, ...], path: Path) -> None:
    """Rejected rows as CSV (line, reason, name, uscc), with a BOM so that Excel reads UTF-8;
    the list's text as fields Excel will not run as formulas."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("line", "reason", "name", "uscc"))
        writer.writerows(
            [csv_field(field) for field in (r.line, r.reason, r.name, r.uscc)] for r in rejected
        )

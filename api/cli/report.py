"""`yinqi report …`: the coordination team's Excel workbooks from the command line: the weekly
progress workbook, and per quarter the five tables of 000 §五 (`api.workbooks.annexes`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import LangOption, fail, open_database
from api.workbooks import narrowed_focus, weekly_xlsx
from api.workbooks.annexes import ANNEXES, Annex, Ask, Takes
from db.core.engine import reading
from db.core.errors import StorageError
from db.core.vocabulary import Channel
from db.models import utcnow
from db.reports.progress import ReportScope
from db.reports.scope import check_year
from matching.i18n import Lang, t
from matching.workdays import to_china_time

report_app = typer.Typer(
    help=(
        "The coordination team's reports as Excel workbooks: weekly progress (by bank, park and"
        " county, key problems, park credit coverage), and per park and quarter the"
        " classification ledger (附表1) and the financing-need and cost summary (附表2), and per"
        " quarter the city's summary, park by park (附表3), each bank's service to the parks"
        " (附表4), and the parks' partner banks (附表5)."
    ),
    no_args_is_help=True,
)

OutOption = Annotated[
    Path, typer.Option("--out", help="The workbook to write (.xlsx).", dir_okay=False)
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="Only this city or county (绍兴, 新昌县); default: everywhere."),
]
QuarterOption = Annotated[str, typer.Option("--quarter", help="The quarter, e.g. 2026Q4.")]


@report_app.command("weekly")
def weekly_command(
    out: OutOption,
    date_from: Annotated[
        str | None,
        typer.Option("--from", help="First day, e.g. 2026-11-23 (default: last week's Monday)."),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help="Last day, included (default: six days after --from)."),
    ] = None,
    region: RegionOption = None,
    park: Annotated[
        str | None, typer.Option("--park", help="Only this park's needs (its code).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Only one loan QR code's needs (its token).")
    ] = None,
    channel: Annotated[
        Channel | None, typer.Option("--channel", help="Only the needs of this channel.")
    ] = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Write the weekly progress workbook for a period (default: last week, Monday to Sunday,
    China time): progress by bank, park, county and channel, the key-problem list and its
    causes, and each park's credit coverage against its star-rating target; narrowed to a park,
    a QR code or a channel when asked (named in its title), as the API's weekly.xlsx is."""
    first, last = _period(date_from, date_to, lang)
    _check_out(out, lang)
    with reading(open_database(lang)) as session:
        try:
            scope, focus = narrowed_focus(
                session, ReportScope.for_region(region), park=park, source=source,
                channel=channel.value if channel else None, lang=lang,
            )  # fmt: skip
            data = weekly_xlsx(
                session, scope=scope, date_from=first, date_to=last, lang=lang, focus=focus
            )
        except StorageError as err:
            raise fail(err.render(lang)) from None
    _write(out, data, lang)


ParkOption = Annotated[
    str, typer.Option("--park", help="The park's code (see `yinqi catalog list parks`).")
]
SomeParkOption = Annotated[
    str | None, typer.Option("--park", help="One park's code (default: every park).")
]


def _annex_command(annex: Annex) -> None:
    """`yinqi report <slug> --quarter … --out …` with what the annex takes besides."""

    def write(
        out: Path, quarter: str, lang: Lang, park: str | None = None, region: str | None = None
    ) -> None:
        _check_out(out, lang)
        with reading(open_database(lang)) as session:
            try:
                scope = ReportScope.for_region(region)
                data = annex.make(session, Ask(scope, quarter, park, None, lang))
            except StorageError as err:
                raise fail(err.render(lang)) from None
        _write(out, data, lang)

    def of_park(
        park: ParkOption, quarter: QuarterOption, out: OutOption, lang: LangOption = Lang.ZH
    ) -> None:
        write(out, quarter, lang, park=park)

    def of_park_or_region(
        quarter: QuarterOption,
        out: OutOption,
        park: SomeParkOption = None,
        region: RegionOption = None,
        lang: LangOption = Lang.ZH,
    ) -> None:
        write(out, quarter, lang, park=park, region=region)

    def of_region(
        quarter: QuarterOption, out: OutOption, region: RegionOption = None,
        lang: LangOption = Lang.ZH,
    ) -> None:  # fmt: skip
        write(out, quarter, lang, region=region)

    commands: dict[Takes, Callable[..., None]] = {
        Takes.PARK: of_park,
        Takes.PARK_OR_REGION: of_park_or_region,
        Takes.REGION: of_region,
    }
    report_app.command(annex.slug, help=f"Write {annex.doc}")(commands[annex.takes])


for _annex in ANNEXES:
    _annex_command(_annex)


def _period(first: str | None, last: str | None, lang: Lang) -> tuple[date, date]:
    """The days asked for; by default last week, Monday to Sunday (China time)."""
    start, end = _day(first, lang), _day(last, lang)
    if start is None and end is None:
        today = to_china_time(utcnow()).date()
        start = today - timedelta(days=today.weekday() + 7)
    if start is None:
        assert end is not None
        start = end - timedelta(days=6)
    return start, end or start + timedelta(days=6)


def _day(text: str | None, lang: Lang) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise fail(t("report.bad_date", lang, value=text)) from None
    try:
        check_year(day.year, "date")  # a week around year 1 or 9999 overflows date arithmetic
    except StorageError as err:
        raise fail(err.render(lang)) from None
    return day


def _check_out(path: Path, lang: Lang) -> None:
    if path.suffix.lower() != ".xlsx":
        raise fail(t("report.not_xlsx", lang, path=path))


def _write(path: Path, data: bytes, lang: Lang) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        reason = err.strerror or str(err)
        raise fail(t("report.cannot_write", lang, path=path, reason=reason)) from None
    typer.echo(t("report.written", lang, path=path))

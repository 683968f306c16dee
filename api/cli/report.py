"""`yinqi report …`: the coordination team's Excel workbooks from the command line: the weekly
progress workbook, and per quarter the ledgers 附表1, 附表2, 附表3 and 附表5 (000 §五)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import LangOption, fail, open_database
from api.workbooks import (
    city_summary_xlsx,
    ledger_xlsx,
    needs_summary_xlsx,
    partner_banks_xlsx,
    weekly_xlsx,
)
from db.core.engine import reading
from db.core.errors import StorageError
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
        " quarter the city's summary, park by park (附表3), and the parks' partner banks (附表5)."
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
    lang: LangOption = Lang.ZH,
) -> None:
    """Write the weekly progress workbook for a period (default: last week, Monday to Sunday,
    China time): progress by bank, park and county, the key-problem list and its causes, and
    each park's credit coverage against its star-rating target."""
    first, last = _period(date_from, date_to, lang)
    _check_out(out, lang)
    with reading(open_database(lang)) as session:
        try:
            scope = ReportScope.for_region(region)
            data = weekly_xlsx(session, scope=scope, date_from=first, date_to=last, lang=lang)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    _write(out, data, lang)


@report_app.command("ledger")
def ledger_command(
    park: Annotated[
        str, typer.Option("--park", help="The park's code (see `yinqi catalog list parks`).")
    ],
    quarter: QuarterOption,
    out: OutOption,
    lang: LangOption = Lang.ZH,
) -> None:
    """Write a park's classification ledger (分类建档基础台账, 附表1) for a quarter: one row per
    firm, as things stood at the quarter's end."""
    _check_out(out, lang)
    with reading(open_database(lang)) as session:
        try:
            data = ledger_xlsx(
                session, scope=ReportScope(), park_code=park, quarter=quarter, lang=lang
            )
        except StorageError as err:
            raise fail(err.render(lang)) from None
    _write(out, data, lang)


@report_app.command("needs-summary")
def needs_summary_command(
    quarter: QuarterOption,
    out: OutOption,
    park: Annotated[
        str | None, typer.Option("--park", help="One park's code (default: every park).")
    ] = None,
    region: RegionOption = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Write the financing-need and financing-cost summary (融资需求及融资成本情况汇总表, 附表2)
    for a quarter, per credit-scale tier: of one park, or of every park (of a region)."""
    _check_out(out, lang)
    with reading(open_database(lang)) as session:
        try:
            scope = ReportScope.for_region(region)
            data = needs_summary_xlsx(
                session, scope=scope, quarter=quarter, park_code=park, lang=lang
            )
        except StorageError as err:
            raise fail(err.render(lang)) from None
    _write(out, data, lang)


@report_app.command("city-summary")
def city_summary_command(
    quarter: QuarterOption,
    out: OutOption,
    region: RegionOption = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Write the city's roll-up of 附表2 (小微企业园融资需求及融资成本情况汇总表, 附表3) for a
    quarter: every park (of a region) on a row, with its needs, credit, loans and rates, and
    their total."""
    _check_out(out, lang)
    with reading(open_database(lang)) as session:
        try:
            scope = ReportScope.for_region(region)
            data = city_summary_xlsx(session, scope=scope, quarter=quarter, lang=lang)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    _write(out, data, lang)


@report_app.command("partner-banks")
def partner_banks_command(
    quarter: QuarterOption,
    out: OutOption,
    region: RegionOption = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Write the partner-bank table (伙伴银行情况表, 附表5) for a quarter: each park's partner
    banks in its order, the 主办 bank, branches, and the firms each served."""
    _check_out(out, lang)
    with reading(open_database(lang)) as session:
        try:
            scope = ReportScope.for_region(region)
            data = partner_banks_xlsx(session, scope=scope, quarter=quarter, lang=lang)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    _write(out, data, lang)


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

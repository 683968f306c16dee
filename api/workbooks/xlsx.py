"""How Yinqi's Excel tables look: a merged title row and a merged line under it, a header row,
the rows, a bold total; number formats by kind of figure; panes frozen under the header and right
of the first columns; widths from what the columns hold (a Chinese character takes two).

Every cell goes through `write_cell`, so text typed by a firm or a bank (a firm named
`=HYPERLINK(…)`) is stored as text and never run as a formula; `csv_field` does the same for the
CSV files the command line writes for Excel."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from matching.i18n import Lang, t
from matching.workdays import to_china_time

YUAN_PER_WAN: Final = 10_000
# number formats
COUNT: Final = "#,##0"
WAN: Final = "#,##0.00"  # amounts in 万元
PERCENT: Final = "0.0%"
HOURS: Final = "0.0"
RATE: Final = "0.00"  # interest rates, in percent
DAY: Final = "yyyy-mm-dd"
MOMENT: Final = "yyyy-mm-dd hh:mm"
TEXT: Final = "@"

HEADER_ROW: Final = 3
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_MIN_WIDTH, _MAX_WIDTH = 6, 48
# What a spreadsheet may take for the start of a formula (OWASP, "CSV Injection").
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, how to read its cell from a row, and its number format."""

    header: str
    value: Callable[[Any], Any]
    number_format: str | None = None


def wan(yuan: int | None) -> float | None:
    """Yuan as 万元 (ten thousand yuan), as the ledgers count money."""
    return None if yuan is None else yuan / YUAN_PER_WAN


def local(moment: datetime | None) -> datetime | None:
    """China time without a zone: Excel has no time zones."""
    return None if moment is None else to_china_time(moment).replace(tzinfo=None)


def new_workbook() -> Any:
    book = Workbook()
    book.remove(book.active)
    return book


def write_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """Put `value` in a cell, a string always as text: openpyxl would store one starting with
    "=" as a formula, which Excel evaluates on opening (a live link carrying the sheet's data
    away, say). The text is shown as typed; one that could start a formula is quote-prefixed
    too, as Excel marks text typed after an apostrophe, so that it stays text when edited.
    Control characters a spreadsheet cannot hold (a firm named "绍兴\x0b公司") are left out
    rather than failing the whole workbook for everyone who asks for it."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def csv_field(value: object) -> object:
    """A CSV field that Excel will not run: text that could start a formula gets a leading
    apostrophe (OWASP's mitigation, CSV having no cell types); anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def add_table(
    book: Any,
    *,
    sheet: str,
    title: str,
    subtitle: str,
    columns: Sequence[Column],
    rows: Sequence[Any],
    total: Any = None,
    frozen_columns: int = 1,
) -> Any:
    """A sheet holding one table, with `total` (a row like the others) in bold at the end."""
    ws = book.create_sheet(sheet[:31])  # Excel's limit on sheet names
    width = len(columns)
    for row, text, size in ((1, title, 14), (2, subtitle, 10)):
        cell = write_cell(ws, row, 1, text)
        cell.font = Font(bold=row == 1, size=size)
        cell.alignment = Alignment(horizontal="center" if row == 1 else "left")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[1].height = 24
    for i, column in enumerate(columns, start=1):
        cell = write_cell(ws, HEADER_ROW, i, column.header)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    body = [*rows, total] if total is not None else list(rows)
    styles: dict[tuple[int, bool], Any] = {}  # a column's style, worked out on its first cell
    for r, item in enumerate(body, start=HEADER_ROW + 1):
        is_total = total is not None and item is total
        for i, column in enumerate(columns, start=1):
            cell = ws.cell(r, i)
            style = styles.get((i, is_total))
            if style is not None:  # copied: setting each attribute per cell costs seconds
                cell._style = copy(style)
            else:
                cell.border = _BOX
                if column.number_format:
                    cell.number_format = column.number_format
                if is_total:
                    cell.font, cell.fill = Font(bold=True), _TOTAL_FILL
                styles[(i, is_total)] = copy(cell._style)
            write_cell(ws, r, i, column.value(item))  # after: it may mark the cell as text
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, frozen_columns + 1)
    _fit_widths(ws, columns, body)
    _print_setup(ws)
    return ws


def _print_setup(ws: Any) -> None:
    """Printed as filed: landscape A4, the columns fitted to one page's width (as many pages
    down as it takes), the header row repeated on every page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _fit_widths(ws: Any, columns: Sequence[Column], rows: Sequence[Any]) -> None:
    """Each column as wide as its longest value, its header wrapped over at most two lines;
    the header row as tall as its longest wrapped header (a spreadsheet does not grow a row
    written with its height unset, and a printout would cut the header off)."""
    lines = 1
    for i, column in enumerate(columns, start=1):
        header = (_display_width(column.header) + 1) // 2 + 2
        cells = [_display_width(_shown(column.value(row), column.number_format)) for row in rows]
        width = max(_MIN_WIDTH, min(_MAX_WIDTH, max([header, *(c + 2 for c in cells)])))
        ws.column_dimensions[get_column_letter(i)].width = width
        lines = max(lines, -(-_display_width(column.header) // max(width - 2, 1)))
    ws.row_dimensions[HEADER_ROW].height = 15 * lines + 3


def _shown(value: Any, number_format: str | None) -> str:
    """Roughly what Excel will show, to size the column."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "2026-11-23 10:00"
    if isinstance(value, date):
        return "2026-11-23"
    if isinstance(value, float) and number_format in (PERCENT, HOURS, RATE, WAN):
        return f"{value:,.2f}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_bytes(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def title_line(lang: Lang, first: str, now: datetime, *, money: bool = False) -> str:
    """The line under a title: what it covers, when it was made, and the unit of money."""
    parts = [first, t("workbook.made", lang, made=f"{local(now):%Y-%m-%d %H:%M}")]
    if money:
        parts.append(t("workbook.in_wan", lang))
    return "　".join(p for p in parts if p)


def cause_text(kind: str, cause: str, lang: Lang) -> str:
    """A problem's cause in words: the standards not met, the decline reason (000 §一: the
    firm's own reasons, the bank's service, other), or the kind itself."""
    if kind in ("standards_failed", "credit_repair") and cause != kind:
        standards = "、".join(t(f"standard.{s}", lang) for s in cause.split(","))
        return t("workbook.cause.failed", lang, standards=standards)
    if kind == "declined":
        return t(f"workbook.cause.{cause}", lang)
    if kind == "complaint":
        return t(f"complaint.cause.{cause}", lang)
    return t(f"workbook.problem.{kind}", lang)

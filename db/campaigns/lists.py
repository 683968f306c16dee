"""Campaign lists (百行进万企, 001 §六): import a CSV or XLSX file into `campaign_entry`, fast.

Every data row ends up imported, rejected with its file line and a reason, or counted as blank:
none is dropped silently. A list is replaced as a whole, in one transaction, so importing the
same file twice leaves the same table. Per-row work is kept to what a list needs (USCC check,
trimming, flags, cached region names); name cores are left to whoever matches against the list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Final, NoReturn

from sqlalchemy import Connection, Engine, delete

from db.campaigns.files import ListFileError, open_list_file
from db.models import CampaignEntry
from db.models.base import utcnow
from matching.errors import UsccError
from matching.i18n import DEFAULT_LANG, Lang, Text
from matching.regions import canonical_city, canonical_county, city_of_county
from matching.textnorm import squash
from matching.uscc import is_normal_valid_uscc, parse_uscc

Progress = Callable[[int, int | None], None]
"""Called after each batch with the data rows read so far and the bytes read (None for XLSX)."""

BATCH_ROWS: Final = 10_000
TABLE = CampaignEntry.__table__  # type: ignore[attr-defined]
COLUMNS: Final = (
    "list_code", "line", "name", "uscc", "city", "county", "no_loan", "single_bank", "imported_at",
)  # fmt: skip
PG_TYPES: Final = (
    "varchar", "int4", "varchar", "varchar", "varchar", "varchar", "bool", "bool", "timestamptz",
)  # fmt: skip
FIELDS: Final = ("name", "uscc", "city", "county", "no_loan", "single_bank")
HEADERS: Final = {  # header as folded by `_fold` → field
    "name": "name", "企业名称": "name",
    "uscc": "uscc", "统一社会信用代码": "uscc",
    "city": "city", "市": "city", "地市": "city", "城市": "city",
    "county": "county", "区县": "county", "县(市、区)": "county",
    "no_loan": "no_loan", "无贷户": "no_loan",
    "single_bank": "single_bank", "单一银行": "single_bank", "仅一家银行": "single_bank",
}  # fmt: skip
FLAGS: Final = {
    "": False, "是": True, "否": False, "y": True, "n": False, "yes": True, "no": False,
    "1": True, "0": False, "true": True, "false": False, "√": True, "✓": True, "×": False,
}  # fmt: skip
MAX_LENGTH: Final = {"name": 200, "city": 40, "county": 40}
LIST_CODE_MAX: Final = 60
# The check of GB 32100 (as in matching.uscc), inlined for the common case of a clean code;
# anything else goes through parse_uscc, which normalises and names the problem.


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row left out, with its file line (the header is line 1) and why, in the chosen language."""

    line: int
    reason: str
    name: str
    uscc: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read = imported + rejected + blank."""

    list_code: str
    rows_read: int
    imported: int
    rejected: tuple[Rejection, ...]
    blank: int
    elapsed_s: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.elapsed_s if self.elapsed_s > 0 else 0.0


def import_list(
    engine: Engine,
    path: Path,
    *,
    list_code: str,
    progress: Progress | None = None,
    now: datetime | None = None,
    lang: Lang | str = DEFAULT_LANG,
) -> ImportReport:
    """Replace the list `list_code` with the rows of `path`, rejecting bad rows by line."""
    started = time.perf_counter()
    list_code = list_code.strip()
    if not 0 < len(list_code) <= LIST_CODE_MAX:
        raise ListFileError.of("bad_list_code", list_code=list_code, limit=LIST_CODE_MAX)
    with open_list_file(path) as source:
        checker = _RowChecker(path, source.header, lang=Lang(lang))
        with engine.begin() as conn:
            conn.execute(delete(TABLE).where(TABLE.c.list_code == list_code))
            stamp = _bound(conn, TABLE.c.imported_at, now or utcnow())
            entries = checker.entries(source.records, list_code, stamp)
            imported = _insert(conn, entries, lambda: (checker.read, source.position()), progress)
    return ImportReport(
        list_code=list_code,
        rows_read=checker.read,
        imported=imported,
        rejected=tuple(checker.rejected),
        blank=checker.blank,
        elapsed_s=time.perf_counter() - started,
    )


def _bound(conn: Connection, column: Any, value: object) -> object:
    """`value` as the column type stores it on this database (bound once, not per row)."""
    processor = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor(value) if processor else value


def _insert(
    conn: Connection,
    entries: Iterator[tuple[Any, ...]],
    status: Callable[[], tuple[int, int | None]],
    progress: Progress | None,
) -> int:
    """Write the entries in batches, telling `progress` after each."""
    done = 0
    with _batch_writer(conn) as write:
        while batch := list(islice(entries, BATCH_ROWS)):
            write(batch)
            done += len(batch)
            if progress:
                progress(*status())
    if progress:
        progress(*status())
    return done


@contextmanager
def _batch_writer(conn: Connection) -> Iterator[Callable[[list[tuple[Any, ...]]], None]]:
    """SQLite: one executemany per batch. PostgreSQL: one binary COPY for the whole list, so
    the server stores rows while the next batch is being read."""
    if conn.dialect.name != "postgresql":
        marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(COLUMNS))
        sql = f"INSERT INTO {TABLE.name} ({', '.join(COLUMNS)}) VALUES ({marks})"

        def execute(batch: list[tuple[Any, ...]]) -> None:
            conn.exec_driver_sql(sql, batch)

        yield execute
        return
    cursor: Any = conn.connection.cursor()
    try:
        copy_sql = f"COPY {TABLE.name} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(copy_sql) as copy:
            copy.set_types(PG_TYPES)  # binary with the types given: about 3× faster than text

            def write(batch: list[tuple[Any, ...]]) -> None:
                for row in batch:
                    copy.write_row(row)

            yield write
    finally:
        cursor.close()


class _Rejected(Exception):
    """A row breaks a rule; `text` says which."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.key)
        self.text = text


class _RowChecker:
    """Turns a file's rows into table rows, by the rules of the module docstring."""

    def __init__(self, path: Path, header: Sequence[str], *, lang: Lang) -> None:
        folded = [_fold(cell) for cell in header]
        found = {HEADERS[f]: i for i, f in reversed(list(enumerate(folded))) if f in HEADERS}
        if "name" not in found:
            shown = tuple(cell.strip() for cell in header if cell.strip()) or ("—",)
            raise ListFileError.of("no_name_column", path=str(path), found=shown)
        self.width = len(header)
        self.pick = itemgetter(*(found.get(field, self.width) for field in FIELDS))
        self.titles = {field: header[found[field]].strip() for field in found}
        self.lang = lang
        self.read = self.blank = 0
        self.rejected: list[Rejection] = []
        self.first_line: dict[str, int] = {}
        self.regions: dict[tuple[str, str], tuple[str, str]] = {}

    def entries(
        self, records: Iterator[tuple[int, list[str]]], list_code: str, stamp: object
    ) -> Iterator[tuple[Any, ...]]:
        """The table rows of the data records; rejected and blank ones are counted aside."""
        for line, cells in records:
            self.read += 1
            if len(cells) != self.width:
                cells = [*cells[: self.width], *[""] * (self.width - len(cells))]
            cells.append("")  # what a column missing from the header reads as
            try:
                entry = self._entry(line, cells)
            except _Rejected as rejected:
                self._reject(line, cells, rejected.text)
                continue
            if entry is None:
                self.blank += 1
                continue
            yield (list_code, line, *entry, stamp)

    def _entry(self, line: int, cells: list[str]) -> tuple[Any, ...] | None:
        """(name, uscc, city, county, no_loan, single_bank), or None for a blank row."""
        typed_name, typed_uscc, typed_city, typed_county, no_loan, single = self.pick(cells)
        name = typed_name.strip()
        if not name:
            if not any(cell.strip() for cell in cells):
                return None
            raise _Rejected(Text.of("list.missing_name"))
        if len(name) > MAX_LENGTH["name"]:
            self._too_long("name", name)
        regions = self.regions.get((typed_city, typed_county))
        city, county = regions or self._region(typed_city, typed_county)
        flag, other = FLAGS.get(no_loan), FLAGS.get(single)
        flags = (
            self._flag("no_loan", no_loan) if flag is None else flag,
            self._flag("single_bank", single) if other is None else other,
        )
        # last, so that only a row that is imported holds its code against later duplicates
        uscc = self._uscc(line, typed_uscc.strip())
        return name, uscc, city, county, *flags

    def _uscc(self, line: int, typed: str) -> str | None:
        """The code in normal form (None when blank); a bad or repeated one rejects the row."""
        if not typed:
            return None
        code = typed
        if not is_normal_valid_uscc(code):
            try:
                code = parse_uscc(typed).code
            except UsccError as err:
                raise _Rejected(Text.of("list.bad_uscc", reason=err.text)) from None
        first = self.first_line.setdefault(code, line)
        if first != line:
            raise _Rejected(Text.of("list.duplicate_uscc", uscc=code, line=first))
        return code

    def _region(self, typed_city: str, typed_county: str) -> tuple[str, str]:
        """Official names where recognised, else the text as given (once per distinct pair)."""
        found = _official_region(typed_city, typed_county)
        for field, value in zip(("city", "county"), found, strict=True):
            if len(value) > MAX_LENGTH[field]:
                self._too_long(field, value)  # not remembered: every such row is rejected
        self.regions[typed_city, typed_county] = found
        return found

    def _flag(self, field: str, typed: str) -> bool:
        """A flag not written exactly as in FLAGS: compared folded, else the row is rejected."""
        value = FLAGS.get(_fold(typed))
        if value is None:
            raise _Rejected(Text.of("list.bad_flag", column=self.titles[field], value=typed))
        return value

    def _too_long(self, field: str, value: str) -> NoReturn:
        limit = MAX_LENGTH[field]
        column = self.titles.get(field, field)
        raise _Rejected(Text.of("list.too_long", column=column, limit=limit, length=len(value)))

    def _reject(self, line: int, cells: list[str], text: Text) -> None:
        name, uscc = self.pick(cells)[:2]
        reason = text.render(self.lang)
        self.rejected.append(Rejection(line, reason, name.strip(), uscc.strip()))


def _official_region(typed_city: str, typed_county: str) -> tuple[str, str]:
    """(city, county): official names when recognised, the city inferred from a known county."""
    city, county = typed_city.strip(), typed_county.strip()
    official_city = canonical_city(city) if city else None
    official_county = canonical_county(county, official_city) if county else None
    if not city and official_county:
        city = city_of_county(official_county) or ""
    return official_city or city, official_county or county


def _fold(text: str) -> str:
    """A header or flag as compared: NFKC, no whitespace (nor BOM), lower-case."""
    return squash(text).lower()

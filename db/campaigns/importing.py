"""What importing any list of firms from a file shares: reading rows against a header, checking
each (USCC, region names, yes/no flags, lengths), rejecting a bad one with its file line, and
writing the good ones in batches — one binary COPY on PostgreSQL — inside the caller's
transaction. `lists` (campaign lists) and `rosters` (park rosters) say which columns they keep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar, Final, NoReturn

from sqlalchemy import Connection, Engine, Table, delete

from db.campaigns.files import ListFileError, open_list_file
from db.models.base import utcnow
from matching.errors import UsccError
from matching.i18n import DEFAULT_LANG, Lang, Text
from matching.regions import canonical_city, canonical_county, city_of_county
from matching.textnorm import squash
from matching.uscc import is_normal_valid_uscc, parse_uscc

Progress = Callable[[int, int | None], None]
"""Called after each batch with the data rows read so far and the bytes read (None for XLSX)."""

BATCH_ROWS: Final = 10_000
FLAGS: Final = {
    "": False, "是": True, "否": False, "y": True, "n": False, "yes": True, "no": False,
    "1": True, "0": False, "true": True, "false": False, "√": True, "✓": True, "×": False,
    "有": True, "无": False,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row left out, with its file line (the header is line 1) and why, in the chosen language."""

    line: int
    reason: str
    name: str
    uscc: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read = imported + rejected + blank. `list_code` names what was
    replaced: a campaign list's code, or a park's code for its roster."""

    list_code: str
    rows_read: int
    imported: int
    rejected: tuple[Rejection, ...]
    blank: int
    elapsed_s: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.elapsed_s if self.elapsed_s > 0 else 0.0


class Rejected(Exception):
    """A row breaks a rule; `text` says which."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.key)
        self.text = text


class RowChecker:
    """Turns a file's rows into table rows: `entry` (a subclass's) makes one row's values from
    the picked cells, or raises `Rejected`; blank rows and rejections are counted aside."""

    HEADERS: ClassVar[Mapping[str, str]]  # header as folded by `fold` → field
    FIELDS: ClassVar[tuple[str, ...]]  # the fields picked, in the order `entry` takes them
    MAX_LENGTH: ClassVar[Mapping[str, int]]

    def __init__(self, path: Path, header: Sequence[str], *, lang: Lang) -> None:
        folded = [fold(cell) for cell in header]
        headers = self.HEADERS
        found = {headers[f]: i for i, f in reversed(list(enumerate(folded))) if f in headers}
        if "name" not in found:
            shown = tuple(cell.strip() for cell in header if cell.strip()) or ("—",)
            raise ListFileError.of("no_name_column", path=str(path), found=shown)
        self.width = len(header)
        self.pick = itemgetter(*(found.get(field, self.width) for field in self.FIELDS))
        self.titles = {field: header[found[field]].strip() for field in found}
        self.lang = lang
        self.read = self.blank = 0
        self.rejected: list[Rejection] = []
        self.first_line: dict[str, int] = {}
        self.regions: dict[tuple[str, str], tuple[str, str]] = {}

    def entries(
        self, records: Iterator[tuple[int, list[str]]], *head: Any
    ) -> Iterator[tuple[Any, ...]]:
        """The table rows of the data records, each `(*head, line, *entry)`."""
        for line, cells in records:
            self.read += 1
            if len(cells) != self.width:
                cells = [*cells[: self.width], *[""] * (self.width - len(cells))]
            cells.append("")  # what a column missing from the header reads as
            try:
                entry = self.entry(line, self.pick(cells))
            except Rejected as rejected:
                self._reject(line, cells, rejected.text)
                continue
            if entry is None:
                if any(cell.strip() for cell in cells):
                    self._reject(line, cells, Text.of("list.missing_name"))
                else:
                    self.blank += 1
                continue
            yield (*head, line, *entry)

    def entry(self, line: int, picked: tuple[str, ...]) -> tuple[Any, ...] | None:
        """One row's values, None when it has no name; raises `Rejected`."""
        raise NotImplementedError

    def name(self, typed: str) -> str | None:
        """The firm's name trimmed, None when blank; too long rejects the row."""
        name = typed.strip()
        if len(name) > self.MAX_LENGTH["name"]:
            self.too_long("name", name)
        return name or None

    def uscc(self, line: int, typed: str) -> str | None:
        """The code in normal form (None when blank); a bad or repeated one rejects the row.
        Check it last, so that only a row that is imported holds its code against later ones."""
        if not typed:
            return None
        code = typed
        if not is_normal_valid_uscc(code):
            try:
                code = parse_uscc(typed).code
            except UsccError as err:
                raise Rejected(Text.of("list.bad_uscc", reason=err.text)) from None
        first = self.first_line.setdefault(code, line)
        if first != line:
            raise Rejected(Text.of("list.duplicate_uscc", uscc=code, line=first))
        return code

    def region(self, typed_city: str, typed_county: str) -> tuple[str, str]:
        """Official names where recognised, else the text as given (once per distinct pair)."""
        found = self.regions.get((typed_city, typed_county))
        if found is not None:
            return found
        found = official_region(typed_city, typed_county)
        for field, value in zip(("city", "county"), found, strict=True):
            if len(value) > self.MAX_LENGTH[field]:
                self.too_long(field, value)  # not remembered: every such row is rejected
        self.regions[typed_city, typed_county] = found
        return found

    def flag(self, field: str, typed: str) -> bool:
        """A yes/no cell; one that cannot be read rejects the row."""
        value = FLAGS.get(typed)
        if value is None:
            value = FLAGS.get(fold(typed))
            if value is None:
                raise Rejected(Text.of("list.bad_flag", column=self.titles[field], value=typed))
        return value

    def text(self, field: str, typed: str) -> str:
        """A free text cell trimmed; too long rejects the row."""
        value = typed.strip()
        if len(value) > self.MAX_LENGTH[field]:
            self.too_long(field, value)
        return value

    def too_long(self, field: str, value: str) -> NoReturn:
        limit = self.MAX_LENGTH[field]
        column = self.titles.get(field, field)
        raise Rejected(Text.of("list.too_long", column=column, limit=limit, length=len(value)))

    def _reject(self, line: int, cells: list[str], text: Text) -> None:
        name, uscc = self.pick(cells)[:2]
        reason = text.render(self.lang)
        self.rejected.append(Rejection(line, reason, name.strip(), uscc.strip()))


def replace_rows(
    engine: Engine,
    path: Path,
    *,
    code: str,
    checker: type[RowChecker],
    table: Table,
    columns: tuple[tuple[str, str], ...],
    owner: Callable[[Connection], tuple[str, Any]],
    progress: Progress | None = None,
    now: datetime | None = None,
    lang: Lang | str = DEFAULT_LANG,
) -> ImportReport:
    """Replace the rows one list owns with the rows of `path`, in one transaction. `owner`
    names, inside it, the owning column and its value (a list's code, a park's id; it raises
    when there is none); each row starts with that value and the import's time."""
    started = time.perf_counter()
    with open_list_file(path) as source:
        rows = checker(path, source.header, lang=Lang(lang))
        with engine.begin() as conn:
            column, value = owner(conn)
            conn.execute(delete(table).where(table.c[column] == value))
            stamp = bound(conn, table.c.imported_at, now or utcnow())
            entries = rows.entries(source.records, value, stamp)
            status = lambda: (rows.read, source.position())  # noqa: E731
            imported = insert(conn, table, columns, entries, status, progress)
    return ImportReport(
        list_code=code,
        rows_read=rows.read,
        imported=imported,
        rejected=tuple(rows.rejected),
        blank=rows.blank,
        elapsed_s=time.perf_counter() - started,
    )


def bound(conn: Connection, column: Any, value: object) -> object:
    """`value` as the column type stores it on this database (bound once, not per row)."""
    processor = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor(value) if processor else value


def insert(
    conn: Connection,
    table: Table,
    columns: tuple[tuple[str, str], ...],
    entries: Iterator[tuple[Any, ...]],
    status: Callable[[], tuple[int, int | None]],
    progress: Progress | None,
) -> int:
    """Write the entries (values of `columns`: (name, PostgreSQL type)) in batches, telling
    `progress` after each."""
    done = 0
    with _batch_writer(conn, table, columns) as write:
        while batch := list(islice(entries, BATCH_ROWS)):
            write(batch)
            done += len(batch)
            if progress:
                progress(*status())
    if progress:
        progress(*status())
    return done


@contextmanager
def _batch_writer(
    conn: Connection, table: Table, columns: tuple[tuple[str, str], ...]
) -> Iterator[Callable[[list[tuple[Any, ...]]], None]]:
    """SQLite: one executemany per batch. PostgreSQL: one binary COPY for the whole list, so
    the server stores rows while the next batch is being read."""
    names = ", ".join(name for name, _ in columns)
    if conn.dialect.name != "postgresql":
        marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(columns))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"

        def execute(batch: list[tuple[Any, ...]]) -> None:
            conn.exec_driver_sql(sql, batch)

        yield execute
        return
    cursor: Any = conn.connection.cursor()
    try:
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([kind for _, kind in columns])  # binary: about 3× faster than text

            def write(batch: list[tuple[Any, ...]]) -> None:
                for row in batch:
                    copy.write_row(row)

            yield write
    finally:
        cursor.close()


def official_region(typed_city: str, typed_county: str) -> tuple[str, str]:
    """(city, county): official names when recognised, the city inferred from a known county."""
    city, county = typed_city.strip(), typed_county.strip()
    official_city = canonical_city(city) if city else None
    official_county = canonical_county(county, official_city) if county else None
    if not city and official_county:
        city = city_of_county(official_county) or ""
    return official_city or city, official_county or county


def fold(text: str) -> str:
    """A header or flag as compared: NFKC, no whitespace (nor BOM), lower-case."""
    return squash(text).lower()

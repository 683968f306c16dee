"""Reading campaign list files row by row: CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX.

Chinese Excel saves "CSV" as GB18030 (or its GBK subset); a file is taken as UTF-8 only when the
whole of it decodes as UTF-8. Each record comes with the file line it starts on (header = 1), so
a rejected row can be found again in the file the operator has.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from db.core.errors import StorageError
from matching.i18n import Text

Records = Iterator[tuple[int, list[str]]]
_ZIP = b"PK\x03\x04"  # an XLSX file is a zip archive
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class ListFileError(StorageError):
    """The file cannot be imported at all: unreadable, not CSV or XLSX, or no name column."""

    @classmethod
    def of(cls, code: str, *, field: str | None = None, **params: Any) -> ListFileError:
        """The error `code` with the catalog's text `list.<code>`."""
        return cls(code, Text.of(f"list.{code}", **params), field=field)

    def naming(self, shown: str) -> ListFileError:
        """The same refusal naming the file `shown` instead of its path (an upload's temporary
        path means nothing to whoever sent it, and should not be given away)."""
        params = {**self.text.params, "path": shown} if "path" in self.text.params else None
        if params is None:
            return self
        return ListFileError(self.code, Text.of(self.text.key, **params), field="body")


@dataclass(frozen=True, slots=True)
class ListFile:
    """An open list file: its header row, its data records (line, cells), bytes read so far."""

    header: list[str]
    records: Records
    position: Callable[[], int | None]


@contextmanager
def open_list_file(path: Path) -> Iterator[ListFile]:
    """Open a CSV or XLSX list and read its header row; a file that cannot be read raises."""
    try:
        with path.open("rb") as probe:
            magic = probe.read(8)
    except OSError as err:
        raise _unreadable(path, err) from None
    if magic.startswith(_OLE):
        raise ListFileError.of("old_excel", path=str(path))
    opener = _xlsx_file if magic.startswith(_ZIP) else _csv_file
    with opener(path) as (records, position):
        header = next(records, (1, []))[1]
        if not any(cell.strip() for cell in header):
            raise ListFileError.of("empty", path=str(path))
        yield ListFile(header, records, position)


def _unreadable(path: Path, err: OSError) -> ListFileError:
    return ListFileError.of("unreadable", path=str(path), reason=err.strerror or str(err))


@contextmanager
def _csv_file(path: Path) -> Iterator[tuple[Records, Callable[[], int | None]]]:
    try:
        raw = path.open("rb")
    except OSError as err:
        raise _unreadable(path, err) from None
    with raw:
        try:
            encoding = _encoding(path, raw)
        except OSError as err:
            raise _unreadable(path, err) from None
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        yield _csv_records(path, csv.reader(text)), raw.tell


def _encoding(path: Path, file: io.BufferedReader) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such; else GB18030."""
    has_bom = file.read(3) == codecs.BOM_UTF8
    furthest = 0
    for encoding in ("utf-8-sig",) if has_bom else ("utf-8", "gb18030"):
        bad = _first_bad_byte(file, encoding)
        if bad < 0:
            return encoding
        furthest = max(furthest, bad)  # the encoding that reads further is the one meant
    file.seek(0)
    line = file.read(furthest).count(b"\n") + 1
    raise ListFileError.of("bad_encoding", path=str(path), line=line)


def _first_bad_byte(file: io.BufferedReader, encoding: str) -> int:
    """The offset where the file stops decoding in `encoding`; -1 if all of it decodes."""
    file.seek(0)
    decoder, offset, pending = codecs.getincrementaldecoder(encoding)(), 0, 0
    try:
        while chunk := file.read(1 << 20):
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
            decoder.decode(chunk)
            offset += len(chunk)
        pending = len(decoder.getstate()[0])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:
        return offset - pending + err.start
    finally:
        file.seek(0)
    return -1


def _csv_records(path: Path, reader: Any) -> Records:
    """Records with the line each starts on; bad bytes or bad CSV syntax end the import."""
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except UnicodeDecodeError:
        raise ListFileError.of("bad_encoding", path=str(path), line=line) from None
    except csv.Error as err:
        raise ListFileError.of("bad_csv", path=str(path), line=line, reason=str(err)) from None
    except OSError as err:
        raise _unreadable(path, err) from None


@contextmanager
def _xlsx_file(path: Path) -> Iterator[tuple[Records, Callable[[], int | None]]]:
    """The first sheet's rows; read-only mode streams them instead of loading the workbook."""
    try:
        handle = path.open("rb")  # a file, not a name: openpyxl judges names by their suffix
    except OSError as err:
        raise _unreadable(path, err) from None
    with handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except OSError as err:
            raise _unreadable(path, err) from None
        except (zipfile.BadZipFile, KeyError, ValueError, InvalidFileException) as err:
            raise ListFileError.of("bad_xlsx", path=str(path), reason=str(err)) from None
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            yield enumerate((list(map(_cell_text, row)) for row in rows), start=1), lambda: None
        finally:
            book.close()


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees (1.0 → "1", TRUE → "true", empty → "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

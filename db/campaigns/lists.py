"""Campaign lists (百行进万企, 001 §六): import a CSV or XLSX file into `campaign_entry`, fast.

Every data row ends up imported, rejected with its file line and a reason, or counted as blank:
none is dropped silently. A list is replaced as a whole, in one transaction, so importing the
same file twice leaves the same table. Per-row work is kept to what a list needs (USCC check,
trimming, flags, cached region names); name cores are left to whoever matches against the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Final

from sqlalchemy import Engine

from db.campaigns.files import ListFileError
from db.campaigns.importing import (
    ImportReport,
    Progress,
    Rejection,
    RowChecker,
    replace_rows,
)
from db.models import CampaignEntry
from matching.i18n import DEFAULT_LANG, Lang

__all__ = ["ImportReport", "Progress", "Rejection", "import_list"]

TABLE = CampaignEntry.__table__  # type: ignore[attr-defined]
COLUMNS: Final = (
    ("list_code", "varchar"), ("imported_at", "timestamptz"), ("line", "int4"),
    ("name", "varchar"), ("uscc", "varchar"), ("city", "varchar"), ("county", "varchar"),
    ("no_loan", "bool"), ("single_bank", "bool"),
)  # fmt: skip
LIST_CODE_MAX: Final = 60


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
    list_code = list_code.strip()
    if not 0 < len(list_code) <= LIST_CODE_MAX:
        raise ListFileError.of("bad_list_code", list_code=list_code, limit=LIST_CODE_MAX)
    return replace_rows(
        engine, path, code=list_code, checker=_ListChecker, table=TABLE, columns=COLUMNS,
        owner=lambda _: ("list_code", list_code), progress=progress, now=now, lang=lang,
    )  # fmt: skip


class _ListChecker(RowChecker):
    """A campaign list's row: name, USCC, region, and the two flags the campaign marks."""

    FIELDS = ("name", "uscc", "city", "county", "no_loan", "single_bank")
    HEADERS: ClassVar[Mapping[str, str]] = {
        "name": "name", "企业名称": "name",
        "uscc": "uscc", "统一社会信用代码": "uscc",
        "city": "city", "市": "city", "地市": "city", "城市": "city",
        "county": "county", "区县": "county", "县(市、区)": "county",
        "no_loan": "no_loan", "无贷户": "no_loan",
        "single_bank": "single_bank", "单一银行": "single_bank", "仅一家银行": "single_bank",
    }  # fmt: skip
    MAX_LENGTH: ClassVar[Mapping[str, int]] = {"name": 200, "city": 40, "county": 40}

    def entry(self, line: int, picked: tuple[str, ...]) -> tuple[Any, ...] | None:
        """(name, uscc, city, county, no_loan, single_bank), or None for a row without a name."""
        typed_name, typed_uscc, typed_city, typed_county, no_loan, single = picked
        name = self.name(typed_name)
        if name is None:
            return None
        city, county = self.region(typed_city, typed_county)
        flags = self.flag("no_loan", no_loan), self.flag("single_bank", single)
        return name, self.uscc(line, typed_uscc.strip()), city, county, *flags


"""Park rosters (入园企业名录, 001 §一): every firm of a park, imported from the park's own CSV or
XLSX list, replacing the park's previous roster as a whole.

The roster is the base of the park's credit coverage ("入园企业授信比例") and of its 分类建档
ledger: a firm counts whether or not it ever scanned a loan QR code. Rows are checked as campaign
lists' are (`importing`): bad ones rejected with their file line, none dropped silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, Final

from sqlalchemy import Connection, Engine, select

from db.campaigns.files import ListFileError
from db.campaigns.importing import (
    ImportReport,
    Progress,
    Rejected,
    RowChecker,
    replace_rows,
)
from db.models import Park, RosterFirm
from matching.amounts import DEFAULT_MAX_YUAN
from matching.banks import canonical_bank
from matching.i18n import DEFAULT_LANG, Lang, Text
from matching.model import EntityType
from matching.names import core_name

TABLE = RosterFirm.__table__  # type: ignore[attr-defined]
PARK = Park.__table__  # type: ignore[attr-defined]
COLUMNS: Final = (
    ("park_id", "int4"), ("imported_at", "timestamptz"), ("line", "int4"),
    ("name", "varchar"), ("name_key", "varchar"), ("uscc", "varchar"),
    ("entity_type", "varchar"), ("industry", "varchar"), ("existing_banks", "text"),
    ("existing_credit_yuan", "int8"), ("contact_name", "varchar"), ("phone", "varchar"),
    ("has_need", "bool"),
)  # fmt: skip
ENTITY_TYPES: Final = {
    "企业": EntityType.ENTERPRISE, "公司": EntityType.ENTERPRISE, "法人企业": EntityType.ENTERPRISE,
    "enterprise": EntityType.ENTERPRISE, "company": EntityType.ENTERPRISE,
    "个体工商户": EntityType.INDIVIDUAL_BUSINESS, "个体户": EntityType.INDIVIDUAL_BUSINESS,
    "个体": EntityType.INDIVIDUAL_BUSINESS, "individual_business": EntityType.INDIVIDUAL_BUSINESS,
    "individualbusiness": EntityType.INDIVIDUAL_BUSINESS,
    "小微企业主": EntityType.BUSINESS_OWNER, "企业主": EntityType.BUSINESS_OWNER,
    "business_owner": EntityType.BUSINESS_OWNER, "businessowner": EntityType.BUSINESS_OWNER,
    "农户": EntityType.FARMER, "farmer": EntityType.FARMER,
}  # fmt: skip
_BANK_SPLIT: Final = re.compile(r"[、,，;；/|\s]+")
_WAN: Final = Decimal(10_000)


def import_roster(
    engine: Engine,
    path: Path,
    *,
    park_code: str,
    progress: Progress | None = None,
    now: datetime | None = None,
    lang: Lang | str = DEFAULT_LANG,
) -> ImportReport:
    """Replace the roster of the park `park_code` with the rows of `path`."""
    park_code = park_code.strip()

    def park(conn: Connection) -> tuple[str, Any]:
        found = conn.execute(select(PARK.c.id).where(PARK.c.code == park_code)).scalar()
        if found is None:
            raise ListFileError.of("unknown_park", field="park", park=park_code)
        return "park_id", found

    return replace_rows(
        engine, path, code=park_code, checker=_RosterChecker, table=TABLE, columns=COLUMNS,
        owner=park, progress=progress, now=now, lang=lang,
    )  # fmt: skip


class _RosterChecker(RowChecker):
    """A roster's row: the firm, its type and industry, the banks and credit it already has,
    its contact, and whether the park found a financing need."""

    FIELDS = (
        "name", "uscc", "entity_type", "industry", "existing_banks", "existing_credit",
        "contact_name", "phone", "has_need",
    )  # fmt: skip
    HEADERS: ClassVar[Mapping[str, str]] = {
        "name": "name", "企业名称": "name", "名称": "name",
        "uscc": "uscc", "统一社会信用代码": "uscc", "信用代码": "uscc",
        "entity_type": "entity_type", "type": "entity_type", "主体类型": "entity_type",
        "industry": "industry", "行业": "industry", "所属行业": "industry",
        "existing_banks": "existing_banks", "banks": "existing_banks",
        "已合作银行": "existing_banks", "合作银行": "existing_banks",
        "existing_credit_wan": "existing_credit", "existing_credit": "existing_credit",
        "已有授信(万元)": "existing_credit", "已有授信": "existing_credit",
        "授信金额(万元)": "existing_credit",
        "contact_name": "contact_name", "contact": "contact_name", "联系人": "contact_name",
        "phone": "phone", "联系电话": "phone", "电话": "phone",
        "has_need": "has_need", "need": "has_need", "融资需求": "has_need",
        "有无融资需求": "has_need", "是否有融资需求": "has_need",
    }  # fmt: skip
    MAX_LENGTH: ClassVar[Mapping[str, int]] = {
        "name": 200, "industry": 100, "contact_name": 40, "phone": 40,
    }  # fmt: skip

    def __init__(self, path: Path, header: list[str], *, lang: Lang) -> None:
        super().__init__(path, header, lang=lang)
        self.banks: dict[str, str] = {}

    def entry(self, line: int, picked: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The table row's values after park, stamp and line; None for a row without a name."""
        name_cell, uscc, kind, industry, banks, credit, contact, phone, need = picked
        name = self.name(name_cell)
        if name is None:
            return None
        checked = (
            self._entity_type(kind),
            self.text("industry", industry),
            self._banks(banks),
            self._credit(credit),
            self.text("contact_name", contact),
            self.text("phone", phone),
            self.flag("has_need", need) if need.strip() else None,
        )
        return name, core_name(name), self.uscc(line, uscc.strip()), *checked

    def _entity_type(self, typed: str) -> str:
        text = typed.strip()
        if not text:
            return ""
        found = ENTITY_TYPES.get(text) or ENTITY_TYPES.get(text.lower().replace(" ", "_"))
        if found is None:
            column = self.titles["entity_type"]
            raise Rejected(Text.of("roster.bad_entity_type", column=column, value=text))
        return found.value

    def _banks(self, typed: str) -> str:
        """The banks named, each by its well-known name (branch words dropped), once each: as
        the JSON text the column stores (COPY sends it as text: json's binary form is its text)."""
        found = self.banks.get(typed)
        if found is None:
            names = (canonical_bank(part) for part in _BANK_SPLIT.split(typed) if part)
            unique = list(dict.fromkeys(name for name in names if name))
            found = self.banks[typed] = json.dumps(unique, ensure_ascii=False)
        return found

    def _credit(self, typed: str) -> int:
        """Existing credit in 万元 as yuan; blank is none; not a number, negative or above the
        cap rejects the row."""
        text = typed.strip().replace(",", "").replace("，", "")
        if not text:
            return 0
        try:
            wan = Decimal(text)
        except InvalidOperation:
            wan = Decimal(-1)
        yuan = wan * _WAN
        if not wan.is_finite() or yuan < 0 or yuan > DEFAULT_MAX_YUAN:
            column = self.titles["existing_credit"]
            raise Rejected(
                Text.of(
                    "roster.bad_credit", column=column, value=typed, most=DEFAULT_MAX_YUAN // 10_000
                )
            )
        return int(yuan)

"""附表5 as an Excel workbook: the partner banks of each park (伙伴银行, 000 §四), one row per
park and bank in the park's order, its 主办 bank marked with its lead branch (主办支行), since
when and whom to call there, and the firms each bank served."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from api.workbooks.xlsx import (
    COUNT,
    DAY,
    TEXT,
    WAN,
    Column,
    add_table,
    new_workbook,
    title_line,
    to_bytes,
    wan,
)
from db.models import utcnow
from db.reports.ledgers import Quarter
from db.reports.partner_banks import LeadInfo, PartnerBanks, PartnerRow, partner_banks
from db.reports.scope import ReportScope
from matching.i18n import Lang, t


def partner_banks_xlsx(
    session: Session,
    *,
    scope: ReportScope,
    quarter: Quarter | str,
    now: datetime | None = None,
    lang: Lang = Lang.ZH,
) -> bytes:
    """附表5 for the scope's parks: each partner bank, and a row for a park that has none."""
    found: PartnerBanks = partner_banks(session, scope=scope, quarter=quarter)
    q = found.quarter
    place = found.region or t("workbook.all_regions", lang)
    title = t("workbook.partners.title", lang, place=place)
    when = t("workbook.partners.quarter", lang, year=q.year, quarter=q.number)
    annex = t("workbook.annex", lang, number=5)
    subtitle = title_line(lang, f"{annex}　{when}", now or utcnow(), money=True)
    none = t("workbook.partners.none", lang)
    of_park: dict[str, list[PartnerRow]] = defaultdict(list)
    for row in found.rows:
        of_park[row.park.code].append(row)
    rows: list[tuple[Any, ...]] = []
    for park in found.parks:
        partners = of_park[park.code]
        rows += [(park.name, park.county, r.position, r.bank, r) for r in partners]
        if not partners:
            rows.append((park.name, park.county, None, none, None))
    numbered = [(n, *row) for n, row in enumerate(rows, start=1)]
    total = (None, t("workbook.total", lang), "", None, "", _summed(found.rows))
    book = new_workbook()
    add_table(
        book,
        sheet=t("workbook.sheet.partners", lang),
        title=title,
        subtitle=subtitle,
        columns=_columns(lang),
        rows=numbered,
        total=total,
        frozen_columns=2,
    )
    return to_bytes(book)


def _summed(rows: tuple[PartnerRow, ...]) -> dict[str, int]:
    return {
        "firms_served": sum(r.firms_served for r in rows),
        "firms_with_credit": sum(r.firms_with_credit for r in rows),
        "credit_amount_yuan": sum(r.credit_amount_yuan for r in rows),
    }


def _columns(lang: Lang) -> list[Column]:
    """The columns of 附表5, each reading a (number, park, county, order, bank, row) tuple,
    the row None for a park without partners, a dict of sums for the total."""

    def figure(name: str) -> Any:
        def read(row: tuple[Any, ...]) -> Any:
            found = row[5]
            if isinstance(found, dict):
                return found[name]
            return None if found is None else getattr(found, name)

        return read

    def lead(row: tuple[Any, ...]) -> str:
        is_lead = isinstance(row[5], PartnerRow) and row[5].lead is not None
        return t("workbook.partners.lead", lang) if is_lead else ""

    def of_lead(read: Callable[[LeadInfo], Any]) -> Callable[[tuple[Any, ...]], Any]:
        def value(row: tuple[Any, ...]) -> Any:
            found = row[5].lead if isinstance(row[5], PartnerRow) else None
            return read(found) if found is not None else None

        return value

    def branches(row: tuple[Any, ...]) -> str:
        return "、".join(row[5].branches) if isinstance(row[5], PartnerRow) else ""

    return [
        Column(t("workbook.col.number", lang), lambda row: row[0], COUNT),
        Column(t("workbook.col.park", lang), lambda row: row[1]),
        Column(t("workbook.col.county", lang), lambda row: row[2]),
        Column(t("workbook.col.partner_order", lang), lambda row: row[3], COUNT),
        Column(t("workbook.col.bank", lang), lambda row: row[4]),
        Column(t("workbook.col.lead_bank", lang), lead),
        Column(t("workbook.col.lead_branch", lang), of_lead(lambda x: x.branch)),
        Column(t("workbook.col.lead_since", lang), of_lead(lambda x: x.since), DAY),
        Column(t("workbook.col.lead_contact", lang), of_lead(lambda x: x.contact)),
        Column(t("workbook.col.lead_phone", lang), of_lead(lambda x: x.phone), TEXT),
        Column(t("workbook.col.branches", lang), branches),
        Column(t("workbook.col.firms_served", lang), figure("firms_served"), COUNT),
        Column(t("workbook.col.credit_firms", lang), figure("firms_with_credit"), COUNT),
        Column(
            t("workbook.col.credit_amount", lang),
            lambda row: wan(v) if (v := figure("credit_amount_yuan")(row)) is not None else None,
            WAN,
        ),
    ]

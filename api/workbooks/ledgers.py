"""The quarterly ledgers as Excel workbooks (000 §五): a park's classification ledger
(分类建档基础台账, 附表1), the financing-need and financing-cost summary (附表2), and the city's
roll-up of it, park by park (附表3), both with the same figure columns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from api.workbooks.xlsx import (
    COUNT,
    DAY,
    PERCENT,
    RATE,
    TEXT,
    WAN,
    Column,
    add_table,
    cause_text,
    new_workbook,
    title_line,
    to_bytes,
    wan,
)
from db.models import utcnow
from db.reports.ledgers import Ledger, LedgerRow, Quarter, ledger
from db.reports.needs_summary import (
    CitySummary,
    NeedsSummary,
    SummaryRow,
    city_summary,
    needs_summary,
)
from db.reports.scope import ReportScope
from matching.i18n import Lang, t


def ledger_xlsx(
    session: Session,
    *,
    scope: ReportScope,
    park_code: str,
    quarter: Quarter | str,
    now: datetime | None = None,
    lang: Lang = Lang.ZH,
) -> bytes:
    """附表1, the classification ledger of a park for a quarter: one row per firm."""
    found: Ledger = ledger(session, scope=scope, park_code=park_code, quarter=quarter)
    park, q = found.park, found.quarter
    title = t("workbook.ledger.title", lang, place=park.county or park.city, park=park.name)
    when = t("workbook.ledger.quarter", lang, year=q.year, quarter=q.number)
    annex = t("workbook.annex", lang, number=1)
    subtitle = title_line(lang, f"{annex}　{when}", now or utcnow(), money=True)
    book = new_workbook()
    add_table(
        book,
        sheet=t("workbook.sheet.ledger", lang),
        title=title,
        subtitle=subtitle,
        columns=_ledger_columns(lang),
        rows=list(enumerate(found.rows, start=1)),
        frozen_columns=2,
    )
    return to_bytes(book)


def _ledger_columns(lang: Lang) -> list[Column]:
    """The columns of 附表1, each reading a (number, row) pair."""

    def yes_no(value: bool | None) -> str:
        return "" if value is None else t("workbook.yes" if value else "workbook.no", lang)

    def maybe(key: str, value: str | None) -> str:
        return t(f"{key}.{value}", lang) if value else ""

    def standards(row: LedgerRow) -> str:
        if not row.failed_standards:
            return t("workbook.standards.met", lang)
        return cause_text("standards_failed", ",".join(row.failed_standards), lang)

    def banks(row: LedgerRow) -> str:
        stages = (
            f"{lead.bank}：{t(f'workbook.stage.{lead.stage.value}', lang)}" for lead in row.leads
        )
        return "；".join(stages)

    def col(
        key: str, value: Callable[[LedgerRow], Any], number_format: str | None = None
    ) -> Column:
        return Column(t(f"workbook.col.{key}", lang), lambda n_r: value(n_r[1]), number_format)

    return [
        Column(t("workbook.col.number", lang), lambda n_r: n_r[0], COUNT),
        col("firm", lambda r: r.firm),
        col("uscc", lambda r: r.uscc or "", TEXT),
        col("entity_type", lambda r: maybe("entity", r.entity_type)),
        col("industry", lambda r: r.industry),
        col("tags", lambda r: "、".join(t(f"tag.{tag}", lang) for tag in r.tags)),
        col("first_loan", lambda r: yes_no(r.first_loan)),
        col("banks_existing", lambda r: r.banks_existing, COUNT),
        col("existing_credit", lambda r: wan(r.existing_credit_yuan), WAN),
        col("need_amount", lambda r: wan(r.amount_yuan), WAN),
        col("tier", lambda r: maybe("tier", r.tier)),
        col("purpose", lambda r: maybe("purpose", r.purpose)),
        col("term", lambda r: r.term_months, COUNT),
        col("standards", lambda r: standards(r) if r.need_id is not None else ""),
        col("roster_class", lambda r: t(f"roster.class.{r.roster_class.value}", lang)),
        col("category", lambda r: maybe("workbook.category", r.category and r.category.value)),
        col("banks", banks),
        col("credit_amount", lambda r: wan(r.credit_amount_yuan), WAN),
        col("credit_rate", lambda r: r.credit_rate_pct, RATE),
        col("loan_amount", lambda r: wan(r.loan_amount_yuan), WAN),
        col("registered_on", lambda r: r.registered_on, DAY),
        col("on_roster", lambda r: yes_no(r.on_roster)),
    ]


def needs_summary_xlsx(
    session: Session,
    *,
    scope: ReportScope,
    quarter: Quarter | str,
    park_code: str | None = None,
    now: datetime | None = None,
    lang: Lang = Lang.ZH,
) -> bytes:
    """附表2, needs and the cost of the credit granted, per credit-scale tier, for a park or
    for every park of the scope."""
    found: NeedsSummary = needs_summary(session, scope=scope, quarter=quarter, park_code=park_code)
    q = found.quarter
    if found.park is not None:
        place, park = found.park.city, found.park.name
    else:
        place = found.region or t("workbook.all_regions", lang)
        park = t("workbook.summary.all_parks", lang)
    title = t("workbook.summary.title", lang, place=place, park=park)
    when = t("workbook.summary.quarter", lang, year=q.year, quarter=q.number)
    annex = t("workbook.annex", lang, number=2)
    subtitle = title_line(lang, f"{annex}　{when}", now or utcnow(), money=True)

    def tier(row: SummaryRow) -> str:
        return t(f"tier.{row.tier}", lang) if row.tier else t("workbook.total", lang)

    book = new_workbook()
    add_table(
        book,
        sheet=t("workbook.sheet.summary", lang),
        title=title,
        subtitle=subtitle,
        columns=[Column(t("workbook.col.tier", lang), tier), *_summary_columns(lang, lambda r: r)],
        rows=found.rows,
        total=found.total,
    )
    return to_bytes(book)


def _summary_columns(lang: Lang, of: Callable[[Any], SummaryRow]) -> list[Column]:
    """The figures of 附表2 and 附表3, each read from the `SummaryRow` that `of` finds in a row."""

    def col(key: str, value: Callable[[SummaryRow], Any], number_format: str) -> Column:
        return Column(t(f"workbook.col.{key}", lang), lambda row: value(of(row)), number_format)

    return [
        col("firms_with_need", lambda r: r.firms_with_need, COUNT),
        col("need_total", lambda r: wan(r.need_amount_yuan), WAN),
        col("first_loan_firms", lambda r: r.first_loan_firms, COUNT),
        col("credit_firms", lambda r: r.firms_with_credit, COUNT),
        col("credit_amount", lambda r: wan(r.credit_amount_yuan), WAN),
        col("loan_firms", lambda r: r.firms_with_loan, COUNT),
        col("loan_amount", lambda r: wan(r.loan_amount_yuan), WAN),
        col("met_ratio", lambda r: r.met_ratio, PERCENT),
        *(col(name, split_of(name, lambda r: r), WAN) for name in SPLIT_COLUMNS),
        col("average_rate", lambda r: r.average_rate_pct, RATE),
        col("lowest_rate", lambda r: r.lowest_rate_pct, RATE),
        col("highest_rate", lambda r: r.highest_rate_pct, RATE),
        col("average_fee", lambda r: r.average_fee_pct, RATE),
        col("all_in_cost", lambda r: r.all_in_cost_pct, RATE),
    ]


def split_of(name: str, of: Callable[[Any], SummaryRow]) -> Callable[[Any], float | None]:
    """A split's amount in 万元, read from the `SummaryRow` that `of` finds in a row."""
    return lambda row: wan(getattr(of(row), name))


SPLIT_COLUMNS: Final = ("credit_loan_yuan", "secured_yuan", "guaranteed_yuan",
                        "type_unknown_yuan", "short_term_yuan", "medium_long_yuan",
                        "term_unknown_yuan")  # fmt: skip
"""The credit granted by kind of loan and by term (`SummaryRow`), each its own column; the
header's text is `workbook.col.<name>`."""


def city_summary_xlsx(
    session: Session,
    *,
    scope: ReportScope,
    quarter: Quarter | str,
    now: datetime | None = None,
    lang: Lang = Lang.ZH,
) -> bytes:
    """附表3, the city's roll-up of 附表2 (the 银保监分局's): one row per park of the scope, its
    needs, credit, loans and rates for the quarter, and their sum."""
    found: CitySummary = city_summary(session, scope=scope, quarter=quarter)
    q = found.quarter
    place = found.region or t("workbook.all_regions", lang)
    title = t("workbook.city.title", lang, place=place)
    when = t("workbook.summary.quarter", lang, year=q.year, quarter=q.number)
    annex = t("workbook.annex", lang, number=3)
    subtitle = title_line(lang, f"{annex}　{when}", now or utcnow(), money=True)
    rows = [(p.park.name, p.park.county, p.park.stars, p.figures) for p in found.rows]
    total = (t("workbook.total", lang), "", None, found.total)
    book = new_workbook()
    add_table(
        book,
        sheet=t("workbook.sheet.city", lang),
        title=title,
        subtitle=subtitle,
        columns=[
            Column(t("workbook.col.park", lang), lambda row: row[0]),
            Column(t("workbook.col.county", lang), lambda row: row[1]),
            Column(t("workbook.col.stars", lang), lambda row: row[2], COUNT),
            *_summary_columns(lang, lambda row: row[3]),
        ],
        rows=rows,
        total=total,
    )
    return to_bytes(book)

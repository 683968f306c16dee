"""附表4 as an Excel workbook: each bank's service to the parks and their firms in a quarter
(小微工业园金融服务情况监测表, 000 §五), a row per bank and their total. The insurance columns
are the insurers' (Yinqi records no insurance): left empty for them to fill."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from api.workbooks.ledgers import SPLIT_COLUMNS, split_of
from api.workbooks.xlsx import (
    COUNT,
    RATE,
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
from db.reports.monitoring import Monitoring, MonitoringRow, monitoring
from db.reports.scope import ReportScope
from matching.i18n import Lang, t


def monitoring_xlsx(
    session: Session,
    *,
    scope: ReportScope,
    quarter: Quarter | str,
    now: datetime | None = None,
    lang: Lang = Lang.ZH,
) -> bytes:
    """附表4 for the scope's parks: every bank partnering or serving them, and the total."""
    found: Monitoring = monitoring(session, scope=scope, quarter=quarter)
    q = found.quarter
    place = found.region or t("workbook.all_regions", lang)
    when = t("workbook.monitoring.quarter", lang, year=q.year, quarter=q.number)
    annex = t("workbook.annex", lang, number=4)
    book = new_workbook()
    add_table(
        book,
        sheet=t("workbook.sheet.monitoring", lang),
        title=t("workbook.monitoring.title", lang, place=place),
        subtitle=title_line(lang, f"{annex}　{when}", now or utcnow(), money=True),
        columns=_columns(lang),
        rows=found.rows,
        total=found.total,
    )
    return to_bytes(book)


def _columns(lang: Lang) -> list[Column]:
    """The columns of 附表4, each reading a `MonitoringRow`."""

    def col(key: str, value: Callable[[MonitoringRow], Any], number_format: str) -> Column:
        return Column(t(f"workbook.col.{key}", lang), value, number_format)

    def bank(row: MonitoringRow) -> str:
        return row.bank if row.bank is not None else t("workbook.total", lang)

    return [
        Column(t("workbook.col.bank", lang), bank),
        col("partner_parks", lambda r: r.partner_parks, COUNT),
        col("parks_served", lambda r: r.parks_served, COUNT),
        col("firms_served", lambda r: r.firms_served, COUNT),
        col("stock_credit_firms", lambda r: r.firms_with_credit, COUNT),
        col("stock_credit", lambda r: wan(r.credit_amount_yuan), WAN),
        col("quarter_credit_firms", lambda r: r.quarter.firms_with_credit, COUNT),
        col("quarter_credit", lambda r: wan(r.quarter.credit_amount_yuan), WAN),
        col("quarter_first_loan_firms", lambda r: r.first_loan_firms, COUNT),
        col("quarter_loan_firms", lambda r: r.quarter.firms_with_loan, COUNT),
        col("quarter_loans", lambda r: wan(r.quarter.loan_amount_yuan), WAN),
        *(col(n, split_of(n, lambda r: r.quarter), WAN) for n in SPLIT_COLUMNS),
        col("average_rate", lambda r: r.quarter.average_rate_pct, RATE),
        col("average_fee", lambda r: r.quarter.average_fee_pct, RATE),
        col("all_in_cost", lambda r: r.quarter.all_in_cost_pct, RATE),
        col("insured_firms", lambda r: None, COUNT),
        col("insured_amount", lambda r: None, WAN),
    ]

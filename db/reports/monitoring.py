"""Each bank's service to the parks (小微工业园金融服务情况监测表, 附表4 of 000 §五), what a bank
reports to the regulator each quarter: the parks it partners and serves, the park firms it has
served and granted credit by the quarter's end (the 期末 figures: 000 asks for the year-end
figures too), and in the quarter the credit and loans granted, of which to first-loan firms,
split by kind and term, and what they cost — counted by `needs_summary`'s own query, grouped by
bank. A firm served by two banks counts in both rows; the total adds the rows up, as the
分局 adds the banks' tables.

Yinqi records the banks' credit, not insurance: the table's insurance columns are the insurers'
to fill (`api/workbooks/monitoring.py` leaves them empty)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlmodel import Session, col

from db.models import Assignment, Bank, Need, ParkPartner
from db.reports.ledgers import Quarter
from db.reports.needs_summary import (
    RATES,
    SUMMED,
    Figures,
    SummaryRow,
    credit_figures,
    filled,
    parks_of,
)
from db.reports.scope import ReportScope, within
from db.reports.sql import counted_yuan_column


@dataclass(frozen=True, slots=True)
class MonitoringRow:
    """One bank (or the total, `bank` None)."""

    bank: str | None
    partner_parks: int  # parks of the scope it is a partner bank of
    parks_served: int  # parks where it had accepted a firm's lead by the quarter's end
    firms_served: int  # park firms whose lead it accepted by then
    firms_with_credit: int  # of those, granted credit by then (期末)
    credit_amount_yuan: int  # that credit
    first_loan_firms: int  # first-loan firms it granted credit in the quarter
    quarter: SummaryRow  # the quarter's credit, loans, splits and cost (`needs_summary`)


@dataclass(frozen=True, slots=True)
class Monitoring:
    region: str | None
    quarter: Quarter
    rows: tuple[MonitoringRow, ...]  # the banks, by code
    total: MonitoringRow  # the sum of the rows; the rates over all the credit


_STOCK = ("partner_parks", "parks_served", "firms_served", "firms_with_credit",
          "credit_amount_yuan", "first_loan_firms")  # fmt: skip


def monitoring(session: Session, *, scope: ReportScope, quarter: Quarter | str) -> Monitoring:
    """附表4 for the scope's parks and a quarter: a row for every bank that partners one of
    them or served one of their firms (a bank's own scope: its row alone)."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    in_park = col(Need.park_id).in_(parks_of(scope))
    figures: Figures = defaultdict(dict)
    for group in (col(Assignment.bank_id), None):
        credit_figures(session, figures, group, in_park, quarter.period, scope)
    stock = _stock(session, scope, quarter)
    banks = session.execute(select(col(Bank.id), col(Bank.name)).order_by(col(Bank.code))).all()
    rows = tuple(
        MonitoringRow(name, **_counts(stock[bank_id]), quarter=_quarter(figures[bank_id]))
        for bank_id, name in banks
        if bank_id in stock or bank_id in figures
    )
    total = MonitoringRow(
        None,
        **{name: sum(getattr(r, name) for r in rows) for name in _STOCK},
        quarter=_summed(rows, figures[None]),
    )
    return Monitoring(scope.region, quarter, rows, total)


def _counts(found: dict[str, int]) -> dict[str, int]:
    return {name: int(found.get(name) or 0) for name in _STOCK}


def _quarter(found: dict[str, Any]) -> SummaryRow:
    return SummaryRow(None, **filled(found))


def _summed(rows: tuple[MonitoringRow, ...], whole: dict[str, Any]) -> SummaryRow:
    """The banks' quarter figures added up; the rates over all the credit."""
    sums = {name: sum(getattr(r.quarter, name) for r in rows) for name in SUMMED}
    rates = {name: value for name, value in filled(whole).items() if name in RATES}
    return SummaryRow(None, **sums, **rates)


def _stock(session: Session, scope: ReportScope, quarter: Quarter) -> dict[int, dict[str, int]]:
    """Per bank: its partner parks, and what it had done for the parks' firms by the end."""
    a, end, parks = Assignment, quarter.period.end, parks_of(scope)
    found: dict[int, dict[str, int]] = defaultdict(dict)
    partners = (
        select(col(ParkPartner.bank_id), func.count())
        .where(col(ParkPartner.park_id).in_(parks))
        .group_by(col(ParkPartner.bank_id))
    )
    if scope.bank_id is not None:
        partners = partners.where(col(ParkPartner.bank_id) == scope.bank_id)
    for bank_id, count in session.execute(partners).all():
        found[bank_id]["partner_parks"] = count
    firm, credit = distinct(col(Need.enterprise_id)), col(a.credit_granted_at) < end
    in_quarter = within(col(a.credit_granted_at), quarter.period)
    served = (
        select(
            col(a.bank_id), func.count(distinct(col(Need.park_id))), func.count(firm),
            func.count(firm).filter(credit),
            func.sum(counted_yuan_column(col(a.credit_amount_yuan))).filter(credit),
            func.count(firm).filter(in_quarter, col(Need.first_loan).is_(True)),
        )
        .join(Need, col(Need.id) == col(a.need_id))
        .where(col(Need.park_id).in_(parks), col(a.accepted_at) < end)
        .group_by(col(a.bank_id))
    )  # fmt: skip
    if scope.bank_id is not None:
        served = served.where(col(a.bank_id) == scope.bank_id)
    names = _STOCK[1:]
    for bank_id, *values in session.execute(served).all():
        found[bank_id].update(zip(names, values, strict=True))
    return found

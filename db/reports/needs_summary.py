"""The financing-need and financing-cost summary of a park, or of every park of a region
(融资需求及融资成本情况汇总表, 附表2 of 000 §五), per credit-scale tier (000 §四): needs registered
in the quarter, the credit and loans granted in it, and the rates of that credit; and the city's
roll-up of it (附表3), each park's 附表2 total side by side, counted by the same queries.

The cost of the credit (融资成本) is its rate, its guarantee and other fees, and the two together
(综合融资成本), each weighted by amount over the credits that recorded it; the credit is split by
kind of loan and by term, with what was recorded without them as unknown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Float, and_, distinct, func, or_, select, type_coerce
from sqlmodel import Session, col

from db.core.vocabulary import NeedStatus
from db.models import Assignment, Need, Park
from db.reports.ledgers import ParkInfo, Quarter, park_in_scope
from db.reports.scope import Period, ReportScope, within
from db.reports.sql import counted_yuan_column
from matching.loan_terms import SHORT_TERM_MAX_MONTHS, LoanType
from matching.model import Tier


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """附表2, one credit-scale tier (or the total, `tier` None)."""

    tier: str | None
    firms_with_need: int  # firms registering a need in the quarter
    need_amount_yuan: int
    first_loan_firms: int  # of those, first-loan firms
    firms_with_credit: int  # firms granted credit in the quarter (by the tier of their need)
    credit_amount_yuan: int
    firms_with_loan: int
    loan_amount_yuan: int
    # the credit granted, split by kind of loan and by term (matching.loan_terms), unknown
    # where the bank recorded none: each split adds up to `credit_amount_yuan`
    credit_loan_yuan: int  # 信用
    secured_yuan: int  # 抵押 (质押)
    guaranteed_yuan: int  # 保证 (担保)
    type_unknown_yuan: int
    short_term_yuan: int  # up to 12 months
    medium_long_yuan: int
    term_unknown_yuan: int
    average_rate_pct: float | None  # credit rates, weighted by amount
    lowest_rate_pct: float | None
    highest_rate_pct: float | None
    average_fee_pct: float | None  # guarantee and other fees, weighted by amount
    all_in_cost_pct: float | None  # 综合融资成本: rate plus fees, weighted by amount

    @property
    def met_ratio(self) -> float | None:
        """需求满足率: firms granted credit among firms with a need."""
        return self.firms_with_credit / self.firms_with_need if self.firms_with_need else None


Figures = dict[Any, dict[str, Any]]  # by tier, or by park id; the total under None


@dataclass(frozen=True, slots=True)
class NeedsSummary:
    park: ParkInfo | None  # None: every park of the scope
    region: str | None
    quarter: Quarter
    rows: tuple[SummaryRow, ...]  # every tier, smallest first
    total: SummaryRow


def needs_summary(
    session: Session,
    *,
    scope: ReportScope,
    quarter: Quarter | str,
    park_code: str | None = None,
) -> NeedsSummary:
    """附表2 for a park (or all parks of the scope) and a quarter: needs registered in it and
    credit and loans granted in it, per tier of the need, with the rates of the credit."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    park = None
    if park_code is not None:
        park_id, park = park_in_scope(session, scope, park_code)
        in_park: Any = col(Need.park_id) == park_id
    else:
        in_park = col(Need.park_id).in_(parks_of(scope))
    period = quarter.period
    figures: Figures = defaultdict(dict)
    for tier in (col(Need.tier), None):
        _summary_needs(session, figures, tier, in_park, period, scope)
        credit_figures(session, figures, tier, in_park, period, scope)
    rows = tuple(SummaryRow(tier.value, **filled(figures[tier.value])) for tier in Tier)
    return NeedsSummary(
        park, scope.region, quarter, rows, SummaryRow(None, **filled(figures[None]))
    )


@dataclass(frozen=True, slots=True)
class ParkSummary:
    """附表3, one park: its 附表2 total."""

    park: ParkInfo
    figures: SummaryRow


@dataclass(frozen=True, slots=True)
class CitySummary:
    region: str | None
    quarter: Quarter
    rows: tuple[ParkSummary, ...]  # every park of the scope, by city, county and code
    total: SummaryRow  # the sum of the rows


def city_summary(session: Session, *, scope: ReportScope, quarter: Quarter | str) -> CitySummary:
    """附表3 for a quarter: every park of the scope's region with its 附表2 figures (those of
    `needs_summary` for the park, counted by the same queries grouped by park), and their sum."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    parks = session.scalars(
        select(Park)
        .where(col(Park.id).in_(parks_of(scope)))
        .order_by(col(Park.city), col(Park.county), col(Park.code))
    ).all()
    in_park, period = col(Need.park_id).in_(parks_of(scope)), quarter.period
    figures: Figures = defaultdict(dict)
    for group in (col(Need.park_id), None):
        _summary_needs(session, figures, group, in_park, period, scope)
        credit_figures(session, figures, group, in_park, period, scope)
    rows = tuple(
        ParkSummary(
            ParkInfo(p.code, p.name, p.city, p.county, p.stars),
            SummaryRow(None, **filled(figures[p.id])),
        )
        for p in parks
    )
    return CitySummary(scope.region, quarter, rows, _rolled_up(rows, figures[None]))


def _rolled_up(rows: tuple[ParkSummary, ...], whole: dict[str, Any]) -> SummaryRow:
    """The parks' rows added up, as the 分局 adds the parks' 附表2 (a firm with needs in two
    parks counts in both); the rates over all the credit of those parks."""
    sums = {name: sum(getattr(r.figures, name) for r in rows) for name in SUMMED}
    rates = {name: value for name, value in filled(whole).items() if name in RATES}
    return SummaryRow(None, **sums, **rates)


def parks_of(scope: ReportScope) -> Any:
    """The ids of the parks a scope holds: those of its region, or its one park."""
    parks = select(col(Park.id))
    if scope.region is not None:
        parks = parks.where(or_(col(Park.city) == scope.region, col(Park.county) == scope.region))
    if scope.park_id is not None:
        parks = parks.where(col(Park.id) == scope.park_id)
    return parks


_SPLITS: Final = ("credit_loan_yuan", "secured_yuan", "guaranteed_yuan", "type_unknown_yuan",
                  "short_term_yuan", "medium_long_yuan", "term_unknown_yuan")  # fmt: skip
SUMMED: Final = ("firms_with_need", "need_amount_yuan", "first_loan_firms", "firms_with_credit",
                  "credit_amount_yuan", "firms_with_loan", "loan_amount_yuan",
                  *_SPLITS)  # fmt: skip
RATES: Final = ("average_rate_pct", "lowest_rate_pct", "highest_rate_pct", "average_fee_pct",
                 "all_in_cost_pct")  # fmt: skip


def filled(found: dict[str, Any]) -> dict[str, Any]:
    counts = {name: int(found.get(name) or 0) for name in SUMMED}
    rates = {name: float(v) if (v := found.get(name)) is not None else None for name in RATES}
    return counts | rates


def _grouped(session: Session, figures: Figures, tier: Any, query: Any,
             names: list[str]) -> None:  # fmt: skip
    if tier is not None:
        query = query.add_columns(tier).group_by(tier)
    for row in session.execute(query).all():
        values = list(row)
        key = values.pop() if tier is not None else None
        figures[key].update(zip(names, values, strict=True))


def _summary_needs(session: Session, figures: Figures, tier: Any,
                   in_park: Any, period: Period, scope: ReportScope) -> None:  # fmt: skip
    firm = distinct(col(Need.enterprise_id))
    query = select(
        func.count(firm), func.sum(counted_yuan_column(col(Need.amount_yuan))),
        func.count(firm).filter(col(Need.first_loan).is_(True)),
    ).where(in_park, within(col(Need.created_at), period),
            col(Need.status) != NeedStatus.SUPERSEDED)  # fmt: skip
    if scope.bank_id is not None:
        held = select(col(Assignment.need_id)).where(col(Assignment.bank_id) == scope.bank_id)
        query = query.where(col(Need.id).in_(held))
    _grouped(session, figures, tier, query,
             ["firms_with_need", "need_amount_yuan", "first_loan_firms"])  # fmt: skip


def credit_figures(session: Session, figures: Figures, tier: Any,
                    in_park: Any, period: Period, scope: ReportScope) -> None:  # fmt: skip
    a = Assignment
    credit, loan = within(col(a.credit_granted_at), period), within(col(a.loan_issued_at), period)
    rate, amount = col(a.credit_rate_pct), counted_yuan_column(col(a.credit_amount_yuan))
    fee = col(a.fee_rate_pct)
    loaned = counted_yuan_column(col(a.loan_amount_yuan))
    firm = distinct(col(Need.enterprise_id))
    query = (
        select(
            func.count(firm).filter(credit), func.sum(amount).filter(credit),
            func.count(firm).filter(loan), func.sum(loaned).filter(loan),
            *(func.sum(amount).filter(credit, split) for split in credit_splits()),
            weighted(rate, amount, credit),
            func.min(rate).filter(credit), func.max(rate).filter(credit),
            weighted(fee, amount, credit), weighted(rate + fee, amount, credit),
        )
        .join(Need, col(Need.id) == col(a.need_id))
        .where(in_park, or_(credit, loan))
    )  # fmt: skip
    if scope.bank_id is not None:
        query = query.where(col(a.bank_id) == scope.bank_id)
    names = ["firms_with_credit", "credit_amount_yuan", "firms_with_loan", "loan_amount_yuan",
             *_SPLITS, *RATES]  # fmt: skip
    _grouped(session, figures, tier, query, names)


def credit_splits() -> list[Any]:
    """The conditions splitting a lead's credit as `_SPLITS` names them: by kind of loan
    (信用, 抵押, 保证, unknown), then by term (short, medium and long, unknown)."""
    kind, months = col(Assignment.loan_type), col(Assignment.term_months)
    return [
        *(kind == loan_type.value for loan_type in LoanType),
        kind.is_(None),
        months <= SHORT_TERM_MAX_MONTHS,
        months > SHORT_TERM_MAX_MONTHS,
        months.is_(None),
    ]


def weighted(value: Any, amount: Any, among: Any) -> Any:
    """`value` averaged over the rows `among` where it is known, weighted by `amount`."""
    known = and_(among, value.is_not(None))
    average = func.sum(value * amount).filter(known) / func.sum(amount).filter(known)
    return type_coerce(average, Float)  # not rounded to the rate column's 3 decimals

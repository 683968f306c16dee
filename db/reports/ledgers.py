"""The quarterly classification ledger of a park (分类建档基础台账, 附表1 of 000 §五): one row per
firm of the park; and what both quarterly ledgers share (the quarter, the park in scope).
The financing-need and financing-cost summary (附表2) is in `db/reports/needs_summary.py`.

The ledger is read as at the end of the quarter: a lead's stage, a credit or a loan counts when
it was reached by then, so a ledger made later for a past quarter says what was true at its end.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import func, select
from sqlmodel import Session, col

from db.core.errors import InvalidInput
from db.core.vocabulary import ENDED, AssignmentStatus, Attention, NeedStatus
from db.models import Assignment, Bank, Enterprise, Need
from db.reports.scope import Period, ReportScope, check_year, narrowed
from matching.amounts import counted_yuan
from matching.model import Standard
from matching.workdays import to_china_time

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
_LATEST_FIRST: Final = (
    ("loan_issued_at", AssignmentStatus.LOAN_ISSUED),
    ("credit_granted_at", AssignmentStatus.CREDIT_GRANTED),
    ("visited_at", AssignmentStatus.VISITED),
    ("contacted_at", AssignmentStatus.CONTACTED),
    ("accepted_at", AssignmentStatus.ACCEPTED),
)


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q4" (also 2026-Q4, 2026q4)."""
        found = _QUARTER.match(text)
        if found is None:
            raise InvalidInput.of("bad_quarter", field="quarter", value=text)
        year, number = int(found.group(1)), int(found.group(2))
        check_year(year, "quarter")
        return cls(year, number)

    @property
    def period(self) -> Period:
        first = date(self.year, 3 * self.number - 2, 1)
        after = (
            date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, first.month + 3, 1)
        )
        return Period(first, date.fromordinal(after.toordinal() - 1))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True, slots=True)
class ParkInfo:
    code: str
    name: str
    city: str
    county: str
    stars: int


class Category(StrEnum):
    """Where a firm stands at the quarter's end (分类), most settled first."""

    CREDIT_GRANTED = "credit_granted"  # a bank granted it credit
    MATCHING = "matching"  # a bank is working on it
    STANDARDS_FAILED = "standards_failed"
    CREDIT_REPAIR = "credit_repair"
    BANK_LIMIT = "bank_limit"  # served by as many banks as the 3/2 limit allows
    NO_BANK = "no_bank"  # no fitting bank, or every bank let it go
    WAITING = "waiting"  # open, no bank holds it yet


@dataclass(frozen=True, slots=True)
class LedgerLead:
    bank: str  # the bank's name
    stage: AssignmentStatus  # at the quarter's end


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One firm of the park, with its latest need registered by the quarter's end."""

    need_id: int
    firm: str
    uscc: str | None
    entity_type: str
    industry: str
    tags: tuple[str, ...]
    first_loan: bool
    banks_existing: int  # banks already lending when it registered
    existing_credit_yuan: int
    amount_yuan: int
    tier: str
    purpose: str
    term_months: int
    failed_standards: tuple[str, ...]
    category: Category
    leads: tuple[LedgerLead, ...]
    credit_amount_yuan: int  # granted by the quarter's end, all banks
    credit_rate_pct: float | None  # amount-weighted over the credits with a rate
    loan_amount_yuan: int
    registered_on: date  # China date


@dataclass(frozen=True, slots=True)
class Ledger:
    park: ParkInfo
    quarter: Quarter
    rows: tuple[LedgerRow, ...]


def park_in_scope(session: Session, scope: ReportScope, code: str) -> tuple[int, ParkInfo]:
    """The park of this code, if the scope's region holds it; otherwise "not found"."""
    park = narrowed(session, scope, park=code)[1]
    assert park is not None  # or narrowed raised NotFound
    return park.id or 0, ParkInfo(park.code, park.name, park.city, park.county, park.stars)


def ledger(
    session: Session, *, scope: ReportScope, park_code: str, quarter: Quarter | str
) -> Ledger:
    """附表1 of a park for a quarter: its firms (those not erased), each with its latest need
    registered by the quarter's end; for a bank's scope, the firms that bank had a lead for."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    park_id, park = park_in_scope(session, scope, park_code)
    end = quarter.period.end
    latest = (
        select(func.max(col(Need.id)))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .where(
            col(Need.park_id) == park_id,
            col(Need.created_at) < end,
            col(Need.status) != NeedStatus.SUPERSEDED,
            col(Enterprise.erased_at).is_(None),
        )
        .group_by(col(Need.enterprise_id))
    )
    if scope.bank_id is not None:
        held = select(col(Assignment.need_id)).where(col(Assignment.bank_id) == scope.bank_id)
        latest = latest.where(col(Need.id).in_(held))
    rows = session.execute(
        select(Need, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .where(col(Need.id).in_(latest))
        .order_by(col(Need.created_at), col(Need.id))
    ).all()
    leads = _leads(session, [need.id or 0 for need, _ in rows], end, scope)
    return Ledger(
        park, quarter, tuple(_row(need, firm, leads[need.id or 0], end) for need, firm in rows)
    )


def _leads(
    session: Session, need_ids: list[int], end: datetime, scope: ReportScope
) -> dict[int, list[tuple[Assignment, str]]]:
    query = (
        select(Assignment, col(Bank.name))
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .where(col(Assignment.need_id).in_(need_ids), col(Assignment.created_at) < end)
        .order_by(col(Assignment.id))
    )
    if scope.bank_id is not None:
        query = query.where(col(Assignment.bank_id) == scope.bank_id)
    found: dict[int, list[tuple[Assignment, str]]] = defaultdict(list)
    for lead, bank in session.execute(query).all():
        found[lead.need_id].append((lead, bank))
    return found


def stage_at(lead: Assignment, end: datetime) -> AssignmentStatus:
    """How far the lead had got before `end`: ended, or the furthest stage reached."""
    if lead.ended_at is not None and lead.ended_at < end:
        return AssignmentStatus(lead.status)
    for stamp, stage in _LATEST_FIRST:
        moment = getattr(lead, stamp)
        if moment is not None and moment < end:
            return stage
    return AssignmentStatus.OFFERED


def _row(
    need: Need, firm: Enterprise, leads: list[tuple[Assignment, str]], end: datetime
) -> LedgerRow:
    stages = [LedgerLead(bank, stage_at(lead, end)) for lead, bank in leads]
    credited = [
        a for a, _ in leads if a.credit_granted_at is not None and a.credit_granted_at < end
    ]
    rated = [a for a in credited if a.credit_rate_pct is not None and a.credit_amount_yuan]
    weight = sum(_credit(a) for a in rated)
    rate = (
        float(sum(float(a.credit_rate_pct or 0) * _credit(a) for a in rated) / weight)
        if weight
        else None
    )
    loaned = [a for a, _ in leads if a.loan_issued_at is not None and a.loan_issued_at < end]
    return LedgerRow(
        need_id=need.id or 0,
        firm=firm.name,
        uscc=firm.uscc,
        entity_type=need.entity_type,
        industry=need.industry,
        tags=tuple(need.tags),
        first_loan=need.first_loan,
        banks_existing=need.banks_existing,
        existing_credit_yuan=need.existing_credit_yuan,
        amount_yuan=need.amount_yuan,
        tier=need.tier,
        purpose=need.purpose,
        term_months=need.term_months,
        failed_standards=tuple(s.value for s in Standard if need.standards.get(s.value) is False),
        category=_category(need, stages, bool(credited), end),
        leads=tuple(stages),
        credit_amount_yuan=sum(_credit(a) for a in credited),
        credit_rate_pct=rate,
        loan_amount_yuan=sum(counted_yuan(a.loan_amount_yuan or 0) for a in loaned),
        registered_on=_china_date(need.created_at),
    )


def _credit(lead: Assignment) -> int:
    return counted_yuan(lead.credit_amount_yuan or 0)


def _china_date(moment: datetime) -> date:
    return to_china_time(moment).date()


def _category(need: Need, stages: list[LedgerLead], credited: bool, end: datetime) -> Category:
    if credited:
        return Category.CREDIT_GRANTED
    if any(lead.stage not in ENDED for lead in stages):
        return Category.MATCHING
    flagged = need.attention if need.attention_at is not None and need.attention_at < end else None
    if flagged in (Attention.NO_BANK, Attention.BANKS_EXHAUSTED):
        return Category.NO_BANK
    if flagged is not None:
        return Category(flagged)
    return Category.WAITING

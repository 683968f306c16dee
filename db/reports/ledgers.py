"""The quarterly classification ledger of a park (分类建档基础台账, 附表1 of 000 §五): one row per
firm of the park — every firm on its roster, and every firm registered with it here — with its
分类建档 class (`matching.roster`); and what both quarterly ledgers share (the quarter, the park in
scope).
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
from db.models import Assignment, Bank, Enterprise, Need, RosterFirm
from db.reports.coverage import roster_links
from db.reports.scope import Period, ReportScope, check_year, narrowed
from matching.amounts import counted_yuan
from matching.model import Standard
from matching.roster import SERVED, RosterClass, RosterFacts, roster_class
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
    """Where a registered firm's need stands at the quarter's end, most settled first: the
    progress, and the cause where it failed (000: 未获贷原因)."""

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
    """One firm of the park: with its latest need registered by the quarter's end, or — a
    roster firm that never registered here — with what its roster says (the need's fields
    None). Existing banks and credit are the need's when it has one, else the roster's."""

    need_id: int | None
    firm: str
    uscc: str | None
    entity_type: str  # "" when a roster does not say
    industry: str
    tags: tuple[str, ...]
    first_loan: bool | None
    banks_existing: int  # banks already lending (when it registered, or on the roster)
    existing_credit_yuan: int
    amount_yuan: int | None
    tier: str | None
    purpose: str | None
    term_months: int | None
    failed_standards: tuple[str, ...]
    category: Category | None  # None: no need registered here
    leads: tuple[LedgerLead, ...]
    credit_amount_yuan: int  # granted by the quarter's end, all banks
    credit_rate_pct: float | None  # amount-weighted over the credits with a rate
    loan_amount_yuan: int
    registered_on: date | None  # China date
    roster_class: RosterClass
    on_roster: bool


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
    roster = _roster(session, park_id, end)
    on_roster = {e: r for r, enterprises in roster for e in enterprises}
    found = [
        _row(need, firm, leads[need.id or 0], end, on_roster.get(firm.id or 0))
        for need, firm in rows
    ]
    if scope.bank_id is None:  # a bank sees the firms it had a lead for, not the park's roster
        shown = {firm.id for _, firm in rows}
        found += [_roster_row(r) for r, enterprises in roster if not enterprises & shown]
    return Ledger(park, quarter, tuple(found))


def _roster(session: Session, park_id: int, end: datetime) -> list[tuple[RosterFirm, set[int]]]:
    """The park's roster firms (as imported by the quarter's end), each with the registered
    firms linked to it (`db.reports.coverage`: by USCC, else by the name's core). Two queries
    joined here: joined in SQL, a planner without statistics for a freshly imported roster
    ran the links once per roster firm (seconds for 2,000 firms on PostgreSQL)."""
    links = roster_links(park_id)
    linked: dict[int, set[int]] = defaultdict(set)
    pairs = select(links.c.roster_id, links.c.enterprise_id)
    for roster_id, enterprise_id in session.execute(pairs).all():
        linked[roster_id].add(enterprise_id)
    query = (
        select(RosterFirm)
        .where(col(RosterFirm.park_id) == park_id, col(RosterFirm.imported_at) < end)
        .order_by(col(RosterFirm.line))
    )
    return [(firm, linked.get(firm.id or 0, set())) for firm in session.scalars(query).all()]


def _roster_row(firm: RosterFirm) -> LedgerRow:
    """A roster firm with no need registered here: what the roster says of it."""
    facts = RosterFacts(existing_credit_yuan=firm.existing_credit_yuan, surveyed_need=firm.has_need)
    return LedgerRow(
        need_id=None, firm=firm.name, uscc=firm.uscc, entity_type=firm.entity_type,
        industry=firm.industry, tags=(), first_loan=None, banks_existing=len(firm.existing_banks),
        existing_credit_yuan=counted_yuan(firm.existing_credit_yuan), amount_yuan=None, tier=None,
        purpose=None, term_months=None, failed_standards=(), category=None, leads=(),
        credit_amount_yuan=0, credit_rate_pct=None, loan_amount_yuan=0, registered_on=None,
        roster_class=roster_class(facts), on_roster=True,
    )  # fmt: skip


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
    need: Need,
    firm: Enterprise,
    leads: list[tuple[Assignment, str]],
    end: datetime,
    listed: RosterFirm | None,
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
    facts = RosterFacts(
        existing_credit_yuan=listed.existing_credit_yuan if listed else 0,
        surveyed_need=listed.has_need if listed else None,
        registered=True,
        served=any(lead.stage in SERVED for lead in stages),
        credited=bool(credited),
    )
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
        roster_class=roster_class(facts),
        on_roster=listed is not None,
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

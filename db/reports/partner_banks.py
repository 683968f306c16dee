"""The partner banks of each park (伙伴银行, 附表5 of 000 §四–五): which banks serve a park, in
the park's order from the catalog, its 主办 bank (the bank of the park's lead branch, 000 §四's
主办支行制度, with since when and whom to call; none marked while the catalog names no lead
branch), the bank's branches in the park's county, and the firms of the park it served by the
quarter's end."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select
from sqlmodel import Session, col

from db.models import Assignment, Bank, Branch, Need, Park, ParkLead, ParkPartner
from db.reports.ledgers import ParkInfo, Quarter
from db.reports.needs_summary import parks_of
from db.reports.scope import ReportScope
from db.reports.sql import counted_yuan_column


@dataclass(frozen=True, slots=True)
class LeadInfo:
    """A park's lead branch (主办支行)."""

    branch: str  # its name
    since: date
    contact: str
    phone: str


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One partner bank of one park."""

    park: ParkInfo
    position: int  # 1 for the park's first partner
    bank: str
    lead: LeadInfo | None  # the park's lead branch, on its bank's row (主办)
    branches: tuple[str, ...]  # the bank's branches in the park's county
    firms_served: int  # firms of the park whose lead it accepted by the quarter's end
    firms_with_credit: int  # of those, firms it granted credit by then
    credit_amount_yuan: int


@dataclass(frozen=True, slots=True)
class PartnerBanks:
    region: str | None
    quarter: Quarter
    parks: tuple[ParkInfo, ...]  # every park of the scope, by city, county and code
    rows: tuple[PartnerRow, ...]  # park by park as `parks`, each park's in its order


def partner_banks(session: Session, *, scope: ReportScope, quarter: Quarter | str) -> PartnerBanks:
    """附表5 for the scope's parks as at the quarter's end."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    parks = session.scalars(
        select(Park)
        .where(col(Park.id).in_(parks_of(scope)))
        .order_by(col(Park.city), col(Park.county), col(Park.code))
    ).all()
    partners = session.execute(
        select(col(ParkPartner.park_id), col(ParkPartner.bank_id), col(Bank.name))
        .join(Bank, col(Bank.id) == col(ParkPartner.bank_id))
        .where(col(ParkPartner.park_id).in_(parks_of(scope)))
        .order_by(col(ParkPartner.park_id), col(ParkPartner.position))
    ).all()
    by_park: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for park_id, bank_id, name in partners:
        by_park[park_id].append((bank_id, name))
    branches = _branches(session, {bank for _, bank, _ in partners})
    leads = _leads(session, scope)
    served = _served(session, scope, quarter)
    rows: list[PartnerRow] = []
    infos = tuple(ParkInfo(p.code, p.name, p.city, p.county, p.stars) for p in parks)
    for park, info in zip(parks, infos, strict=True):
        for position, (bank_id, name) in enumerate(by_park[park.id or 0], start=1):
            firms, credit, amount = served.get((park.id or 0, bank_id), (0, 0, 0))
            here = tuple(branches.get((bank_id, park.county), ()))
            bank_of_lead, lead = leads.get(park.id or 0, (None, None))
            lead = lead if bank_of_lead == bank_id else None
            rows.append(PartnerRow(info, position, name, lead, here, firms, credit, amount))
    return PartnerBanks(scope.region, quarter, infos, tuple(rows))


def _leads(session: Session, scope: ReportScope) -> dict[int, tuple[int, LeadInfo]]:
    """Each park's lead branch, with the branch's bank."""
    query = (
        select(ParkLead, Branch)
        .join(Branch, col(Branch.id) == col(ParkLead.branch_id))
        .where(col(ParkLead.park_id).in_(parks_of(scope)))
    )
    return {
        lead.park_id: (branch.bank_id, LeadInfo(branch.name, lead.since, lead.contact, lead.phone))
        for lead, branch in session.execute(query).all()
    }


def _branches(session: Session, banks: set[int]) -> dict[tuple[int, str], list[str]]:
    """The banks' branches by (bank, county), by code."""
    found: dict[tuple[int, str], list[str]] = defaultdict(list)
    query = select(Branch).where(col(Branch.bank_id).in_(banks)).order_by(col(Branch.code))
    for branch in session.scalars(query).all():
        found[(branch.bank_id, branch.county)].append(branch.name)
    return found


def _served(
    session: Session, scope: ReportScope, quarter: Quarter
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Per (park, bank): firms whose lead the bank accepted by the quarter's end, firms it
    granted credit by then, and that credit."""
    a, end = Assignment, quarter.period.end
    credit = col(a.credit_granted_at) < end
    firm = distinct(col(Need.enterprise_id))
    query = (
        select(
            col(Need.park_id), col(a.bank_id), func.count(firm), func.count(firm).filter(credit),
            func.sum(counted_yuan_column(col(a.credit_amount_yuan))).filter(credit),
        )
        .join(Need, col(Need.id) == col(a.need_id))
        .where(col(Need.park_id).in_(parks_of(scope)), col(a.accepted_at) < end)
        .group_by(col(Need.park_id), col(a.bank_id))
    )  # fmt: skip
    if scope.bank_id is not None:
        query = query.where(col(a.bank_id) == scope.bank_id)
    return {
        (park, bank): (int(firms), int(credited), int(amount or 0))
        for park, bank, firms, credited, amount in session.execute(query).all()
    }

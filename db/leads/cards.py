"""A lead as a staff member reads it in a Telegram notice: the firm, the need, the deadlines,
and the firm's contact once the bank has accepted (as the API shows it, never before)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from db.core.unit import Actor
from db.core.vocabulary import LIVE, AssignmentStatus
from db.leads.assignments import visible_to
from db.models import Assignment, Bank, Enterprise, Need, Staff


@dataclass(frozen=True, slots=True)
class LeadCard:
    lead_id: int
    need_id: int
    status: AssignmentStatus
    bank: str
    firm: str  # empty once the firm withdrew its consent
    county: str
    industry: str
    amount_yuan: int
    purpose: str
    term_months: int
    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    final_by: datetime
    contact_name: str | None  # only once accepted
    contact_phone: str | None
    contact_phone_confirmed: bool


def lead_card(session: Session, lead_id: int, staff_id: int) -> LeadCard | None:
    """The lead if this (active) staff member may see it: its manager, its bank's admins."""
    staff = session.get(Staff, staff_id)
    assignment = session.get(Assignment, lead_id)
    if staff is None or not staff.active or assignment is None:
        return None
    if not visible_to(assignment, Actor.of(staff)):
        return None
    need = session.get(Need, assignment.need_id)
    bank = session.get(Bank, assignment.bank_id)
    assert need is not None and bank is not None  # foreign keys
    firm = session.get(Enterprise, need.enterprise_id)
    status = AssignmentStatus(assignment.status)
    shown = status in LIVE and status is not AssignmentStatus.OFFERED
    return LeadCard(
        lead_id=lead_id,
        need_id=need.id or 0,
        status=status,
        bank=bank.name,
        firm=firm.name if firm else "",
        county=need.county,
        industry=need.industry,
        amount_yuan=need.amount_yuan,
        purpose=need.purpose,
        term_months=need.term_months,
        accept_by=assignment.accept_by,
        contact_by=assignment.contact_by,
        decide_by=assignment.decide_by,
        final_by=assignment.final_by,
        contact_name=need.contact_name if shown else None,
        contact_phone=need.contact_phone if shown else None,
        contact_phone_confirmed=need.contact_phone_confirmed,
    )

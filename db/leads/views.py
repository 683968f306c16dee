"""What use cases hand back, read before the transaction ends: the plain frozen values of
`matching.registration` (so the bot may show them without storage), made from rows here."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.core.vocabulary import AssignmentStatus
from db.leads.mechanics import BankFacts, NewLead
from db.models import Assignment, Bank, Need
from matching.registration import BankView as BankView
from matching.registration import Lead as Lead
from matching.registration import LeadDeadlines as LeadDeadlines
from matching.registration import NeedProgress as NeedProgress


def lead_of(assignment: Assignment | NewLead, bank: BankFacts) -> Lead:
    """An assignment, new or stored, as the lead its bank sees."""
    return Lead(
        id=assignment.id or 0,
        need_id=assignment.need_id,
        bank_code=bank.code,
        bank=bank.name,
        status=AssignmentStatus(assignment.status),
        manager_id=assignment.manager_id,
        existing_bank=assignment.existing_bank,
        claimed=assignment.claimed,
        accept_by=assignment.accept_by,
        contact_by=assignment.contact_by,
        decide_by=assignment.decide_by,
        final_by=assignment.final_by,
        deadlines_estimated=assignment.deadlines_estimated,
    )


def lead(session: Session, assignment: Assignment) -> Lead:
    bank = session.get(Bank, assignment.bank_id)
    assert bank is not None  # a foreign key
    return lead_of(assignment, bank)


def leads_of_need(session: Session, need_id: int) -> tuple[Lead, ...]:
    """Every assignment of a need, oldest first."""
    rows = session.exec(
        select(Assignment, Bank)
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .where(Assignment.need_id == need_id)
        .order_by(col(Assignment.id))
    ).all()
    return tuple(lead_of(a, b) for a, b in rows)


def needs_of_chat(session: Session, chat_id: int, limit: int = 5) -> tuple[NeedProgress, ...]:
    """The chat's latest needs, newest first."""
    needs = session.exec(
        select(Need).where(Need.chat_id == chat_id).order_by(col(Need.id).desc()).limit(limit)
    ).all()
    return tuple(
        NeedProgress(
            need_id=n.id or 0,
            created_at=n.created_at,
            amount_yuan=n.amount_yuan,
            purpose=n.purpose,
            status=n.status,
            route=n.route,
            leads=leads_of_need(session, n.id or 0),
        )
        for n in needs
    )

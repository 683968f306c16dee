"""What use cases hand back: plain frozen values, read before the transaction ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session, col, select

from db.core.vocabulary import AssignmentStatus
from db.leads.mechanics import BankFacts, NewLead
from db.models import Assignment, Bank, Need
from matching.leads import HasDeadlines
from matching.workdays import to_china_time


class StoredDeadlines(HasDeadlines, Protocol):
    """An assignment's deadline columns: a stored lead, a row of one, or a `Lead`."""

    @property
    def deadlines_estimated(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class BankView:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class LeadDeadlines:
    """A lead's "135" clocks in China time, and whether a counted day was a Mon–Fri guess."""

    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    estimated: bool

    @classmethod
    def of(cls, lead: StoredDeadlines) -> LeadDeadlines:
        return cls(
            to_china_time(lead.accept_by),
            to_china_time(lead.contact_by),
            to_china_time(lead.decide_by),
            lead.deadlines_estimated,
        )


@dataclass(frozen=True, slots=True)
class Lead:
    """One assignment (a lead, as a bank sees it)."""

    id: int
    need_id: int
    bank_code: str
    bank: str
    status: AssignmentStatus
    manager_id: int | None
    existing_bank: bool
    claimed: bool
    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    deadlines_estimated: bool

    @classmethod
    def of(cls, assignment: Assignment | NewLead, bank: BankFacts) -> Lead:
        return cls(
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
            deadlines_estimated=assignment.deadlines_estimated,
        )

    @property
    def bank_ref(self) -> BankView:
        """The bank's code and name together, as the API shows a bank."""
        return BankView(self.bank_code, self.bank)

    @property
    def deadlines(self) -> LeadDeadlines:
        return LeadDeadlines.of(self)


def lead(session: Session, assignment: Assignment) -> Lead:
    bank = session.get(Bank, assignment.bank_id)
    assert bank is not None  # a foreign key
    return Lead.of(assignment, bank)


def leads_of_need(session: Session, need_id: int) -> tuple[Lead, ...]:
    """Every assignment of a need, oldest first."""
    rows = session.exec(
        select(Assignment, Bank)
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .where(Assignment.need_id == need_id)
        .order_by(col(Assignment.id))
    ).all()
    return tuple(Lead.of(a, b) for a, b in rows)


@dataclass(frozen=True, slots=True)
class NeedProgress:
    """A need registered from a chat, and where each bank is with it (the bot's /status)."""

    need_id: int
    created_at: datetime
    amount_yuan: int
    purpose: str
    status: str
    route: str
    leads: tuple[Lead, ...]


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

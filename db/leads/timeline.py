"""A lead's timeline as its bank reads it: every event of the lead's log, oldest first, with who
(the firm, the system, or staff by role and bank; by name only the lead's own bank's staff),
what and when. Only the lead's own events: none of the need's other banks'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from db.core.unit import Actor
from db.leads.queries import ManagerView, lead_bank
from db.models import Bank, Event, LeadNote, Staff
from matching.workdays import to_china_time


@dataclass(frozen=True, slots=True)
class ActorView:
    """Who did it: `kind` firm, system or staff; staff by role and bank code, and by id and
    name only when they work for the lead's bank."""

    kind: str
    role: str | None
    bank: str | None
    staff: ManagerView | None


@dataclass(frozen=True, slots=True)
class LeadEvent:
    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor: ActorView
    details: dict[str, Any]  # the event's payload: never personal data
    note: str | None  # the bank's own note on a follow-up, while kept


_StaffBank = aliased(Bank)


def lead_timeline(session: Session, *, actor: Actor, lead_id: int) -> tuple[LeadEvent, ...]:
    """The events of a lead the caller may see, oldest first; another's lead is "not found"."""
    bank_id = lead_bank(session, actor=actor, lead_id=lead_id)
    rows = session.exec(
        select(Event, Staff, _StaffBank.code, LeadNote.text)
        .outerjoin(Staff, col(Staff.id) == col(Event.actor_staff_id))
        .outerjoin(_StaffBank, col(_StaffBank.id) == col(Staff.bank_id))
        .outerjoin(LeadNote, col(LeadNote.event_id) == col(Event.id))
        .where(col(Event.assignment_id) == lead_id)
        .order_by(col(Event.id))
    ).all()
    return tuple(
        LeadEvent(
            at=to_china_time(event.at),
            kind=event.kind,
            from_status=event.from_status,
            to_status=event.to_status,
            actor=_actor(event, staff, bank_code, bank_id),
            details=dict(event.payload),
            note=note,
        )
        for event, staff, bank_code, note in rows
    )


def _actor(event: Event, staff: Staff | None, bank_code: str | None, bank_id: int) -> ActorView:
    if staff is None:
        return ActorView(event.actor_kind, None, None, None)
    ours = staff.bank_id == bank_id
    who = ManagerView(staff.id or 0, staff.name) if ours else None
    return ActorView(event.actor_kind, staff.role, bank_code, who)

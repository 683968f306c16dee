"""Leads past the "135" clocks (002): accepted but not contacted by `contact_by`, not decided
(credit granted or declined) by `decide_by`. Each is flagged once per clock: the flag is stamped
on the lead, the event logged, and the bank's admins told through the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.engine import reading
from db.leads import lock_assignment, queue_notice, record
from db.models import Assignment, Staff, utcnow
from db.sweeps import Swept, each_apart
from db.unit import Actor, use_case
from db.vocabulary import AssignmentStatus, Notice, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Clock:
    """One deadline the worker watches: which leads it binds, where the flag is stamped."""

    kind: str  # the event logged
    deadline: str  # the assignment's deadline column
    flag: str  # the assignment's column stamped when flagged
    statuses: frozenset[AssignmentStatus]  # the lead is overdue while in one of these
    notice: Notice


CONTACT = Clock(
    "contact_overdue",
    "contact_by",
    "contact_overdue_at",
    frozenset({AssignmentStatus.ACCEPTED}),
    Notice.BANK_CONTACT_OVERDUE,
)
DECIDE = Clock(
    "decide_overdue",
    "decide_by",
    "decide_overdue_at",
    frozenset({AssignmentStatus.ACCEPTED, AssignmentStatus.CONTACTED, AssignmentStatus.VISITED}),
    Notice.BANK_DECIDE_OVERDUE,
)
CLOCKS = (CONTACT, DECIDE)


@dataclass(frozen=True, slots=True)
class OverdueRun:
    contact: int  # leads newly flagged as not contacted in time
    decide: int  # leads newly flagged as not decided in time
    failed: int = 0  # leads that could not be flagged this time (logged; tried next run)


def flag_overdue(session: Session, *, now: datetime | None = None) -> OverdueRun:
    """Flag every lead newly past its contact or decision deadline, one transaction each."""
    now = now or utcnow()
    contact, decide = (_sweep(session, clock, now) for clock in CLOCKS)
    run = OverdueRun(contact.done, decide.done, contact.failed + decide.failed)
    if run.contact or run.decide:
        log.info("flagged %d leads not contacted, %d not decided in time", run.contact, run.decide)
    return run


def _sweep(session: Session, clock: Clock, now: datetime) -> Swept:
    deadline, flag = getattr(Assignment, clock.deadline), getattr(Assignment, clock.flag)
    query = (
        select(Assignment.id)
        .where(col(Assignment.status).in_(clock.statuses), deadline < now, col(flag).is_(None))
        .order_by(deadline, col(Assignment.id))
    )
    with reading(session.get_bind().engine) as reader:  # no write lock for the look
        overdue = reader.exec(query).all()
    return each_apart(
        (lead_id or 0 for lead_id in overdue),
        lambda lead_id: _flag_one(session, lead_id, clock, now=now),
        f"flagging a lead {clock.kind}",
    )


@use_case
def _flag_one(session: Session, lead_id: int, clock: Clock, *, now: datetime) -> bool:
    assignment, _ = lock_assignment(session, lead_id)
    due: datetime = getattr(assignment, clock.deadline)
    if (
        getattr(assignment, clock.flag) is not None
        or assignment.status not in clock.statuses
        or due >= now
    ):
        return False  # flagged, or moved on, meanwhile
    setattr(assignment, clock.flag, now)
    session.add(assignment)
    payload = {"due": due.isoformat(), "status": assignment.status}
    actor = Actor.system()
    record(session, actor=actor, at=now, kind=clock.kind, assignment=assignment, payload=payload)
    params = {"lead_id": assignment.id, "need_id": assignment.need_id}
    for admin_id in _admins(session, assignment.bank_id):
        key = f"{clock.kind}:a{assignment.id}:s{admin_id}"
        queue_notice(session, key, clock.notice, now, params, staff_id=admin_id)
    return True


def _admins(session: Session, bank_id: int) -> list[int]:
    query = select(Staff.id).where(
        Staff.bank_id == bank_id, Staff.role == Role.BANK_ADMIN, col(Staff.active).is_(True)
    )
    return [staff_id for staff_id in session.exec(query).all() if staff_id is not None]

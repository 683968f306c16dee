"""Leads past their clocks (002) as `matching.leads.RUNNING` runs them: accepted but not
contacted by `contact_by`, not decided (credit granted or declined) by `decide_by` ("135"), nor
by `final_by` (the month). Each is flagged once per clock: the flag is stamped on the lead, the
event logged, and the bank's admins told through the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.core.engine import reading
from db.core.unit import Actor, use_case
from db.core.vocabulary import AssignmentStatus, Notice, Role
from db.leads.clocks import deadline, overdue_now
from db.leads.mechanics import lock_assignment, queue_notice, record
from db.leads.sweeps import Swept, each_apart
from db.models import Assignment, Staff, utcnow
from matching.leads import Clock, due, overdue

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Watch:
    """One clock the worker watches (`matching.leads.RUNNING` says when it binds): where the
    flag is stamped, the event logged, the notice sent. Acceptance is not watched here: expiry
    passes an offer nobody accepted to the next bank (`db/leads/expiry.py`)."""

    clock: Clock
    flag: str  # the assignment's column stamped when flagged
    notice: Notice

    @property
    def kind(self) -> str:
        """The event logged."""
        return f"{self.clock.value}_overdue"


CONTACT = Watch(Clock.CONTACT, "contact_overdue_at", Notice.BANK_CONTACT_OVERDUE)
DECIDE = Watch(Clock.DECIDE, "decide_overdue_at", Notice.BANK_DECIDE_OVERDUE)
FINAL = Watch(Clock.FINAL, "final_overdue_at", Notice.BANK_FINAL_OVERDUE)
WATCHED = (CONTACT, DECIDE, FINAL)


@dataclass(frozen=True, slots=True)
class OverdueRun:
    contact: int  # leads newly flagged as not contacted in time
    decide: int  # leads newly flagged as not decided in time ("135": 5 working days)
    final: int = 0  # leads newly flagged as not decided within the month
    failed: int = 0  # leads that could not be flagged this time (logged; tried next run)

    @property
    def flagged(self) -> int:
        return self.contact + self.decide + self.final


def flag_overdue(session: Session, *, now: datetime | None = None) -> OverdueRun:
    """Flag every lead newly past its contact, decision or final deadline, one transaction
    each."""
    now = now or utcnow()
    contact, decide, final = (_sweep(session, watch, now) for watch in WATCHED)
    failed = contact.failed + decide.failed + final.failed
    run = OverdueRun(contact.done, decide.done, final.done, failed)
    if run.flagged:
        log.info(
            "flagged %d leads not contacted, %d not decided, %d not decided within the month",
            run.contact,
            run.decide,
            run.final,
        )
    return run


def _sweep(session: Session, watch: Watch, now: datetime) -> Swept:
    flag = getattr(Assignment, watch.flag)
    query = (
        select(Assignment.id)
        .where(overdue_now(watch.clock, now), col(flag).is_(None))
        .order_by(deadline(watch.clock), col(Assignment.id))
    )
    with reading(session.get_bind().engine) as reader:  # no write lock for the look
        late = reader.exec(query).all()
    return each_apart(
        (lead_id or 0 for lead_id in late),
        lambda lead_id: _flag_one(session, lead_id, watch, now=now),
        f"flagging a lead {watch.kind}",
    )


@use_case
def _flag_one(session: Session, lead_id: int, watch: Watch, *, now: datetime) -> bool:
    assignment, _ = lock_assignment(session, lead_id)
    late = overdue(AssignmentStatus(assignment.status), assignment, now)
    if getattr(assignment, watch.flag) is not None or watch.clock not in late:
        return False  # flagged, or moved on, meanwhile
    setattr(assignment, watch.flag, now)
    session.add(assignment)
    payload = {"due": due(watch.clock, assignment).isoformat(), "status": assignment.status}
    actor = Actor.system()
    record(session, actor=actor, at=now, kind=watch.kind, assignment=assignment, payload=payload)
    params = {"lead_id": assignment.id, "need_id": assignment.need_id}
    for admin_id in _admins(session, assignment.bank_id):
        key = f"{watch.kind}:a{assignment.id}:s{admin_id}"
        queue_notice(session, key, watch.notice, now, params, staff_id=admin_id)
    return True


def _admins(session: Session, bank_id: int) -> list[int]:
    query = select(Staff.id).where(
        Staff.bank_id == bank_id, Staff.role == Role.BANK_ADMIN, col(Staff.active).is_(True)
    )
    return [staff_id for staff_id in session.exec(query).all() if staff_id is not None]

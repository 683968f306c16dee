"""`expire_overdue`: offers nobody accepted in time expire, and their slots go to the next bank."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.core.engine import reading
from db.core.unit import use_case
from db.core.vocabulary import AssignmentStatus
from db.leads.assignments import expire_locked
from db.leads.clocks import deadline, overdue_now
from db.leads.mechanics import lock_assignment
from db.leads.sweeps import each_apart
from db.models import Assignment, utcnow
from matching.leads import Clock, overdue
from matching.policy import DEFAULT_POLICY, Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    expired: int  # offers turned into `expired`
    failed: int = 0  # offers that could not be expired this time (logged; tried next run)


def expire_overdue(
    session: Session, *, now: datetime | None = None, policy: Policy = DEFAULT_POLICY
) -> ExpiryRun:
    """Expire every offer whose accept deadline has passed, one transaction per offer (so one
    need's lock is never held while another's is waited for, and one failing offer is logged
    and passed over); each freed slot is offered to the next ranked eligible bank that never
    held the need."""
    now = now or utcnow()
    query = (
        select(Assignment.id)
        .where(overdue_now(Clock.ACCEPT, now))
        .order_by(deadline(Clock.ACCEPT), col(Assignment.id))
    )
    with reading(session.get_bind().engine) as reader:  # no write lock for the look
        late = reader.exec(query).all()
    swept = each_apart(
        (lead_id or 0 for lead_id in late),
        lambda lead_id: _expire_one(session, lead_id, now=now, policy=policy),
        "expiring an overdue offer",
    )
    if swept.done:
        log.info("expired %d overdue offers", swept.done)
    return ExpiryRun(swept.done, swept.failed)


@use_case
def _expire_one(session: Session, lead_id: int, *, now: datetime, policy: Policy) -> bool:
    assignment, need = lock_assignment(session, lead_id)
    if Clock.ACCEPT not in overdue(AssignmentStatus(assignment.status), assignment, now):
        return False  # accepted or declined meanwhile

    expire_locked(session, assignment, need, now=now, policy=policy)
    return True

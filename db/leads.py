"""The mechanics every use case shares: lock a need, count the banks serving its firm, add an
assignment under the 3/2 limit, move a lead's status, log the event, queue a notification.

The limit's guard: every change that could add a bank to a firm first locks the need's row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the only write
lock), then counts the banks serving the firm, then inserts. `UNIQUE(need_id, bank_id)` backs it:
one bank, one assignment per need, ever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.errors import AlreadyHeld, LimitReached, NotFound
from db.models import Assignment, Bank, Branch, Candidate, Event, Need, Outbox, Staff
from db.transitions import check_transition
from db.unit import Actor
from db.vocabulary import LIVE, OPEN_WORK, AssignmentStatus, NeedStatus, Notice, Role
from matching.policy import Policy
from matching.workdays import deadlines

_FIRST_REACHED = {
    AssignmentStatus.ACCEPTED: "accepted_at",
    AssignmentStatus.CONTACTED: "contacted_at",
    AssignmentStatus.VISITED: "visited_at",
    AssignmentStatus.CREDIT_GRANTED: "credit_granted_at",
    AssignmentStatus.LOAN_ISSUED: "loan_issued_at",
}


def lock_need(session: Session, need_id: int) -> Need:
    """The need, its row locked until the transaction ends; fresh from the database."""
    query = select(Need).where(Need.id == need_id).with_for_update()
    need = session.exec(query.execution_options(populate_existing=True)).first()
    if need is None:
        raise NotFound.of("need_not_found", need_id=need_id)
    return need


def lock_assignment(session: Session, assignment_id: int) -> tuple[Assignment, Need]:
    """An assignment and its need, the need's row locked first (every change to a need's
    assignments is made under that lock), then the assignment read fresh."""
    need_id = session.exec(select(Assignment.need_id).where(Assignment.id == assignment_id)).first()
    if need_id is None:
        raise NotFound.of("lead_not_found", lead_id=assignment_id)
    need = lock_need(session, need_id)
    query = select(Assignment).where(Assignment.id == assignment_id)
    assignment = session.exec(query.execution_options(populate_existing=True)).one()
    return assignment, need


def live_new_banks(session: Session, need_id: int) -> int:
    """Banks holding a live assignment on the need that did not lend to the firm before."""
    query = select(func.count()).where(
        Assignment.need_id == need_id,
        col(Assignment.status).in_(LIVE),
        col(Assignment.existing_bank).is_(False),
    )
    return int(session.exec(query).one())


def slots_left(session: Session, need: Need) -> int | None:
    """How many more banks may serve the firm (None: the limit does not apply)."""
    if need.bank_limit is None:
        return None
    return max(0, need.bank_limit - need.banks_existing - live_new_banks(session, need.id or 0))


def add_assignment(
    session: Session,
    need: Need,
    bank: Bank,
    candidate: Candidate,
    *,
    now: datetime,
    actor: Actor,
    policy: Policy,
    claimed: bool = False,
    manager: Staff | None = None,
) -> tuple[Assignment, Event]:
    """Give the (locked) need to one more bank: offered, or accepted when the bank claimed it.

    Refuses a bank that holds or held the need, and any new bank beyond the firm's limit. The
    lead goes to `manager`, or to the bank's best-placed manager (`pick_manager`).
    """
    held = session.exec(
        select(Assignment).where(Assignment.need_id == need.id, Assignment.bank_id == bank.id)
    ).first()
    if held is not None:
        key = "already_held" if AssignmentStatus(held.status).live else "held_before"
        raise AlreadyHeld.of(key, bank=bank.name, status=held.status)
    if not candidate.existing:  # a bank already lending takes no slot
        free = slots_left(session, need)
        if free == 0:
            raise LimitReached.of("limit_reached", limit=need.bank_limit, need_id=need.id)
    clocks = deadlines(now, policy.clock)
    manager = manager or pick_manager(session, bank.id, need.county)
    status = AssignmentStatus.ACCEPTED if claimed else AssignmentStatus.OFFERED
    assignment = Assignment(
        need_id=need.id or 0,
        bank_id=bank.id or 0,
        branch_id=candidate.branch_id,
        manager_id=manager.id if manager else None,
        status=status,
        existing_bank=candidate.existing,
        claimed=claimed,
        accept_by=clocks.accept_by,
        contact_by=clocks.contact_by,
        decide_by=clocks.decide_by,
        final_by=clocks.final_by,
        deadlines_estimated=clocks.estimated,
        accepted_at=now if claimed else None,
        created_at=now,
        updated_at=now,
        city=need.city,
        county=need.county,
        park_id=need.park_id,
        source_id=need.source_id,
        channel=need.channel,
        first_loan=need.first_loan,
    )
    session.add(assignment)
    session.flush()
    kind = "claimed" if claimed else "offered"
    event = record(session, actor=actor, at=now, kind=kind, assignment=assignment, to_status=status)
    return assignment, event


def pick_manager(session: Session, bank_id: int | None, county: str) -> Staff | None:
    """An active manager of the bank: one of a branch in the firm's county where there is one,
    with the fewest open leads; None when the bank has no active manager (its admins see it)."""
    open_leads = (
        select(func.count())
        .where(Assignment.manager_id == Staff.id, col(Assignment.status).in_(OPEN_WORK))
        .scalar_subquery()
    )
    local = func.coalesce(Branch.county == county, False)
    query = (
        select(Staff)
        .outerjoin(Branch, col(Staff.branch_id) == col(Branch.id))
        .where(Staff.bank_id == bank_id, Staff.role == Role.MANAGER, col(Staff.active).is_(True))
        .order_by(local.desc(), open_leads, col(Staff.id))
        .limit(1)
    )
    return session.exec(query).first()


def move(
    session: Session,
    assignment: Assignment,
    target: AssignmentStatus,
    *,
    now: datetime,
    actor: Actor,
    happened_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Move a lead to `target` if its status allows, stamp when, and log it."""
    current = AssignmentStatus(assignment.status)
    check_transition(current, target)
    assignment.status = target
    assignment.updated_at = now
    stamp = _FIRST_REACHED.get(target)
    if stamp and getattr(assignment, stamp) is None:
        setattr(assignment, stamp, happened_at or now)
    if not target.live:
        assignment.ended_at = now
    session.add(assignment)
    return record(
        session,
        actor=actor,
        at=now,
        kind=target.value,
        assignment=assignment,
        from_status=current,
        to_status=target,
        payload=payload,
    )


def record(
    session: Session,
    *,
    actor: Actor,
    at: datetime,
    kind: str,
    need_id: int | None = None,
    assignment: Assignment | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append to the event log (never personal data in the payload)."""
    event = Event(
        at=at,
        actor_kind=actor.kind,
        actor_staff_id=actor.staff_id,
        need_id=assignment.need_id if assignment else need_id,
        assignment_id=assignment.id if assignment else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        payload=payload or {},
    )
    session.add(event)
    session.flush()
    return event


def notify_firm(
    session: Session, need: Need, event: Event, notice: Notice, now: datetime, **params: Any
) -> None:
    """Queue a message to the firm about its need, through the bot (if it came by the bot)."""
    if need.chat_id is None or need.status == NeedStatus.WITHDRAWN:
        return
    _queue(session, f"e{event.id}:firm", notice, now, params, need_id=need.id)


def notify_bank(
    session: Session,
    assignment: Assignment,
    event: Event,
    notice: Notice,
    now: datetime,
    **params: Any,
) -> None:
    """Queue a message about a lead to its manager, or to the bank's admins when it has none."""
    if assignment.manager_id is not None:
        recipients = [assignment.manager_id]
    else:
        query = select(Staff.id).where(
            Staff.bank_id == assignment.bank_id,
            Staff.role == Role.BANK_ADMIN,
            col(Staff.active).is_(True),
        )
        recipients = [staff_id for staff_id in session.exec(query).all() if staff_id is not None]
    params = {"lead_id": assignment.id, "need_id": assignment.need_id, **params}
    for staff_id in recipients:
        _queue(session, f"e{event.id}:s{staff_id}", notice, now, params, staff_id=staff_id)


def _queue(
    session: Session,
    key: str,
    notice: Notice,
    now: datetime,
    params: dict[str, Any],
    *,
    need_id: int | None = None,
    staff_id: int | None = None,
) -> None:
    session.add(
        Outbox(
            need_id=need_id,
            staff_id=staff_id,
            template=notice.value,
            params=params,
            dedupe_key=key,
            created_at=now,
            next_attempt_at=now,
        )
    )

"""The mechanics every use case shares: lock a need, count the banks serving its firm, add an
assignment under the 3/2 limit, move a lead's status, log the event, queue a notification.

The limit's guard: every change that could add a bank to a firm first locks the firm (the
enterprise row its needs' `firm_group` names), then the need's row (`SELECT … FOR UPDATE` on
PostgreSQL, always in that order; SQLite's `BEGIN IMMEDIATE` already holds the only write lock),
then counts the banks serving the firm on all its needs (`db/leads/bank_limit.py`), then
inserts. `UNIQUE(need_id, bank_id)` backs it: one bank, one assignment per need, ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, func, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from db.core.errors import AlreadyHeld, Conflict, LimitReached, NotFound
from db.core.unit import Actor
from db.core.vocabulary import OPEN_WORK, AssignmentStatus, NeedStatus, Notice, Role
from db.leads.bank_limit import firm_banks as select_firm_banks
from db.leads.clocks import REACHED_AT
from db.leads.transitions import check_transition
from db.models import Assignment, Branch, Need, Staff, metadata
from matching import rules
from matching.policy import Policy
from matching.workdays import deadlines

# The statements of the write path, built once: a claim runs each once, inside SQLite's only
# write lock, where building a statement and its cache key cost more than running it.
_LEADS, _EVENTS, _OUTBOX, _NEEDS, _CANDIDATES, _BANKS, _FIRMS = (
    metadata.tables[name]
    for name in ("assignment", "event", "outbox", "need", "candidate", "bank", "enterprise")
)
_LOCK_FIRM = (
    core_select(_FIRMS.c.id)
    .where(
        _FIRMS.c.id
        == core_select(_NEEDS.c.firm_group)
        .where(_NEEDS.c.id == bindparam("need_id"))
        .scalar_subquery()
    )
    .with_for_update(key_share=True)
)
_LOCK_GROUP = (
    core_select(_FIRMS.c.id)
    .where(_FIRMS.c.id == bindparam("group"))
    .with_for_update(key_share=True)
)
_LOCK_NEED = (
    core_select(
        _NEEDS.c.id, _NEEDS.c.status, _NEEDS.c.route, _NEEDS.c.chat_id, _NEEDS.c.bank_limit,
        _NEEDS.c.banks_existing, _NEEDS.c.city, _NEEDS.c.county, _NEEDS.c.park_id,
        _NEEDS.c.source_id, _NEEDS.c.channel, _NEEDS.c.first_loan,
    )
    .where(_NEEDS.c.id == bindparam("need_id"))
    .with_for_update()
)  # fmt: skip
_FIT = (
    core_select(_CANDIDATES.c.branch_id, _CANDIDATES.c.existing, _BANKS.c.id, _BANKS.c.code,
           _BANKS.c.name)
    .join(_BANKS, _BANKS.c.id == _CANDIDATES.c.bank_id)
    .where(_CANDIDATES.c.need_id == bindparam("need_id"),
           _CANDIDATES.c.bank_id == bindparam("bank_id"))
)  # fmt: skip
_HELD = select(_LEADS.c.status).where(
    _LEADS.c.need_id == bindparam("need_id"), _LEADS.c.bank_id == bindparam("bank_id")
)
_FIRM_BANKS = select_firm_banks(bindparam("need_id"))
_ADD_LEAD = insert(_LEADS).returning(_LEADS.c.id)
_LOG_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_QUEUE = insert(_OUTBOX)


def _connection(session: Session) -> Connection:
    """The session's connection, in its transaction, for the prebuilt Core statements; what
    the session holds pending is flushed first, as its own queries would (a lead just moved
    must count as moved; a flush with nothing pending costs nothing)."""
    session.flush()
    return session.connection()


def lock_firm(session: Session, need_id: int) -> None:
    """On PostgreSQL, lock the firm of the need (the enterprise row its `firm_group` names)
    until the transaction ends: whatever could add a bank to a firm, on any of its needs,
    waits for the others. Always before the need's own row, so that none waits in a circle;
    SQLite's write lock already serialises them all."""
    connection = _connection(session)
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_FIRM, {"need_id": need_id})


def lock_firm_group(session: Session, group: int) -> None:
    """`lock_firm` for a firm known by its group (`Need.firm_group`), as registration knows it
    before the need it is adding exists."""
    connection = _connection(session)
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_GROUP, {"group": group})


def lock_need(session: Session, need_id: int) -> Need:
    """The need, its row locked until the transaction ends (its firm's first, `lock_firm`);
    fresh from the database."""
    lock_firm(session, need_id)
    query = select(Need).where(Need.id == need_id).with_for_update()
    need = session.exec(query.execution_options(populate_existing=True)).first()
    if need is None:
        raise NotFound.of("need_not_found", need_id=need_id)
    return need


class NeedFacts(Protocol):
    """What adding a lead and telling the firm read of a (locked) need: a `Need`, or the row
    `lock_need_facts` reads."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def route(self) -> str: ...
    @property
    def chat_id(self) -> int | None: ...
    @property
    def bank_limit(self) -> int | None: ...
    @property
    def banks_existing(self) -> int: ...
    @property
    def city(self) -> str: ...
    @property
    def county(self) -> str: ...
    @property
    def park_id(self) -> int | None: ...
    @property
    def source_id(self) -> int | None: ...
    @property
    def channel(self) -> str: ...
    @property
    def first_loan(self) -> bool: ...


class BankFacts(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...


class FitFacts(Protocol):
    """A bank's fit for a need (its `Candidate` row): the branch to serve it, and whether the
    bank already lends to the firm."""

    @property
    def branch_id(self) -> int | None: ...
    @property
    def existing(self) -> bool: ...


class BankFit(FitFacts, BankFacts, Protocol):
    """A bank and its fit for a need, read in one statement."""


def lock_need_facts(session: Session, need_id: int) -> NeedFacts:
    """What a claim reads of a need, its row locked as `lock_need` locks it."""
    lock_firm(session, need_id)
    found = _connection(session).execute(_LOCK_NEED, {"need_id": need_id}).first()
    if found is None:
        raise NotFound.of("need_not_found", need_id=need_id)
    return found


def fit_of(session: Session, need_id: int, bank_id: int) -> BankFit | None:
    """The bank and its fit for the need, or None when the bank is not eligible for it."""
    return _connection(session).execute(_FIT, {"need_id": need_id, "bank_id": bank_id}).first()


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


@dataclass(frozen=True, slots=True)
class FirmBanks:
    """The banks serving a need's firm, on all its needs, as the need counts them."""

    limit: int | None  # the need's: None above the 10M line
    serving: int  # declared with the need, and the others holding a live lead for the firm
    live: frozenset[int]  # the banks holding a live lead on a need of the firm

    @property
    def slots(self) -> int | None:
        """How many more banks may serve the firm (None: the limit does not apply)."""
        return rules.slots_left(self.limit, self.serving)

    def takes_no_slot(self, bank_id: int, *, declared: bool) -> bool:
        """Whether the bank taking the need adds no bank to the firm's: the firm declared it
        with the need, or it serves the firm through another need."""
        return declared or bank_id in self.live

    def may_take(self, bank_id: int, *, declared: bool) -> bool:
        """Whether the bank may take the need under the firm's limit (`rules.may_take`)."""
        no_slot = self.takes_no_slot(bank_id, declared=declared)
        return rules.may_take(self.slots, lends_already=no_slot)


def firm_banks(session: Session, need: NeedFacts) -> FirmBanks:
    """The banks serving the need's firm now (`bank_limit.firm_banks`: the SQL the open pool
    counts with too)."""
    rows = _connection(session).execute(_FIRM_BANKS, {"need_id": need.id or 0}).all()
    new = {bank_id for bank_id, is_new in rows if is_new}
    live = frozenset(bank_id for bank_id, _ in rows)
    return FirmBanks(need.bank_limit, need.banks_existing + len(new), live)


def slots_left(session: Session, need: NeedFacts) -> int | None:
    """How many more banks may serve the firm (None: the limit does not apply)."""
    if need.bank_limit is None:
        return None  # nothing to count
    return firm_banks(session, need).slots


@dataclass(frozen=True, slots=True)
class NewLead:
    """An assignment just added: its row is written with one INSERT and not kept by the session
    (an ORM object and its flush cost more than the rest of a claim)."""

    id: int
    need_id: int
    bank_id: int
    manager_id: int | None
    status: AssignmentStatus
    existing_bank: bool
    claimed: bool
    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    final_by: datetime
    deadlines_estimated: bool


def add_assignment(
    session: Session,
    need: NeedFacts,
    bank: BankFacts,
    candidate: FitFacts,
    *,
    now: datetime,
    actor: Actor,
    policy: Policy,
    claimed: bool = False,
    manager_id: int | None = None,
    past_limit: bool = False,
) -> tuple[NewLead, int]:
    """Give the (locked) need to one more bank: offered, or accepted when the bank claimed it;
    the new lead and its event's id.

    Refuses a bank that holds or held the need, and any bank new to the firm (on all its needs,
    `firm_banks`) beyond the firm's limit, unless a coordinator approved it `past_limit`
    (`rules.may_approve_past_limit`). The lead goes to `manager_id`, or to the bank's
    best-placed manager (`pick_manager`).
    """
    need_id, bank_id = need.id or 0, bank.id or 0
    held = _connection(session).execute(_HELD, {"need_id": need_id, "bank_id": bank_id}).scalar()
    if held is not None:
        key = "already_held" if AssignmentStatus(held).live else "held_before"
        raise AlreadyHeld.of(key, bank=bank.name, status=held)
    if past_limit:
        banks = firm_banks(session, need)
        serving = banks.serving
        if banks.takes_no_slot(bank_id, declared=candidate.existing) or not (
            rules.may_approve_past_limit(need.bank_limit, serving, policy)
        ):
            raise Conflict.of("past_limit_refused", limit=need.bank_limit, serving=serving)
    elif need.bank_limit is not None and not firm_banks(session, need).may_take(
        bank_id, declared=candidate.existing
    ):
        raise LimitReached.of("limit_reached", limit=need.bank_limit, need_id=need.id)
    clocks = deadlines(now, policy.clock)
    if manager_id is None:
        manager_id = pick_manager(session, bank.id, need.county, need.city)
    status = AssignmentStatus.ACCEPTED if claimed else AssignmentStatus.OFFERED
    values = {
        "need_id": need_id,
        "bank_id": bank_id,
        "branch_id": candidate.branch_id,
        "manager_id": manager_id,
        "status": status,
        "existing_bank": candidate.existing,
        "claimed": claimed,
        "accept_by": clocks.accept_by,
        "contact_by": clocks.contact_by,
        "decide_by": clocks.decide_by,
        "final_by": clocks.final_by,
        "deadlines_estimated": clocks.estimated,
        "accepted_at": now if claimed else None,
        "created_at": now,
        "updated_at": now,
        "city": need.city,
        "county": need.county,
        "park_id": need.park_id,
        "source_id": need.source_id,
        "channel": need.channel,
        "first_loan": need.first_loan,
    }
    new = NewLead(
        id=_connection(session).execute(_ADD_LEAD, values).scalar_one(),
        need_id=need_id,
        bank_id=bank_id,
        manager_id=manager_id,
        status=status,
        existing_bank=candidate.existing,
        claimed=claimed,
        accept_by=clocks.accept_by,
        contact_by=clocks.contact_by,
        decide_by=clocks.decide_by,
        final_by=clocks.final_by,
        deadlines_estimated=clocks.estimated,
    )
    kind = "claimed" if claimed else "offered"
    event_id = record(session, actor=actor, at=now, kind=kind, assignment=new, to_status=status)
    return new, event_id


_OPEN_LEADS_OF_MANAGER = (
    core_select(func.count())
    .where(col(Assignment.manager_id) == col(Staff.id), col(Assignment.status).in_(OPEN_WORK))
    .scalar_subquery()
)
_PICK_MANAGER = (
    core_select(col(Staff.id))
    .outerjoin(Branch, col(Staff.branch_id) == col(Branch.id))
    .where(
        col(Staff.bank_id) == bindparam("bank"),
        col(Staff.role) == Role.MANAGER,
        col(Staff.active).is_(True),
    )
    .order_by(
        func.coalesce(col(Branch.county) == bindparam("county"), False).desc(),
        func.coalesce(col(Branch.city) == bindparam("city"), False).desc(),
        _OPEN_LEADS_OF_MANAGER,
        col(Staff.id),
    )
    .limit(1)
)


def pick_manager(
    session: Session, bank_id: int | None, county: str, city: str = ""
) -> int | None:
    """An active manager of the bank: one of a branch in the firm's county where there is one,
    else in its city, with the fewest open leads; None when the bank has no active manager (its
    admins see it). A 诸暨 firm's lead goes to a 绍兴 manager before one in 衢州."""
    params = {"bank": bank_id, "county": county, "city": city}
    return session.execute(_PICK_MANAGER, params).scalar_one_or_none()


def move(
    session: Session,
    assignment: Assignment,
    target: AssignmentStatus,
    *,
    now: datetime,
    actor: Actor,
    happened_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Move a lead to `target` if its status allows, stamp when, and log it (the event's id)."""
    current = AssignmentStatus(assignment.status)
    check_transition(current, target)
    assignment.status = target
    assignment.updated_at = now
    stamp = REACHED_AT.get(target)
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
    assignment: Assignment | NewLead | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Append to the event log (never personal data in the payload); the event's id."""
    values = {
        "at": at,
        "actor_kind": actor.kind,
        "actor_staff_id": actor.staff_id,
        "need_id": assignment.need_id if assignment else need_id,
        "assignment_id": assignment.id if assignment else None,
        "kind": kind,
        "from_status": from_status,
        "to_status": to_status,
        "payload": payload or {},
    }
    return int(_connection(session).execute(_LOG_EVENT, values).scalar_one())


def notify_firm(
    session: Session, need: NeedFacts, event_id: int, notice: Notice, now: datetime, **params: Any
) -> None:
    """Queue a message to the firm about its need, through the bot (if it came by the bot)."""
    if need.chat_id is None or need.status == NeedStatus.WITHDRAWN:
        return
    queue_notice(session, f"e{event_id}:firm", notice, now, params, need_id=need.id)


def notify_bank(
    session: Session,
    assignment: Assignment | NewLead,
    event_id: int,
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
        queue_notice(session, f"e{event_id}:s{staff_id}", notice, now, params, staff_id=staff_id)


def queue_notice(
    session: Session,
    key: str,
    notice: Notice,
    now: datetime,
    params: dict[str, Any],
    *,
    need_id: int | None = None,
    staff_id: int | None = None,
) -> None:
    queued = {
        "need_id": need_id,
        "staff_id": staff_id,
        "template": notice.value,
        "params": params,
        "dedupe_key": key,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    _connection(session).execute(_QUEUE, queued)

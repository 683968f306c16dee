"""Use cases on leads: claim, offer, accept, decline, expire, reassign, record a follow-up.

What bank staff do to a lead (claim, accept, decline, reassign, record a follow-up) hands back
the lead as they now see it (`db.leads.queries.LeadRecord`, what the API shows), read in the
use case's own transaction: the caller shows it without reading the lead again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from db.core.errors import Conflict, InvalidInput, NotAllowed, NotEligible, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import (
    LIVE,
    ActorKind,
    AssignmentStatus,
    Attention,
    DeclineReason,
    FollowUp,
    NeedStatus,
    Notice,
    ProblemKind,
    Role,
)
from db.intake.catalog_store import load_catalog
from db.leads.mechanics import (
    BankFacts,
    FitFacts,
    NewLead,
    add_assignment,
    firm_banks,
    fit_of,
    lock_assignment,
    lock_need,
    lock_need_facts,
    move,
    notify_bank,
    notify_firm,
    record,
)
from db.leads.queries import LeadRecord, get_lead
from db.leads.terms import checked_terms, put_terms, terms_payload
from db.leads.views import Lead, lead, lead_of
from db.models import (
    Assignment,
    Bank,
    Branch,
    Candidate,
    Event,
    LeadNote,
    Need,
    Staff,
    VisitCheck,
    utcnow,
)
from db.problems.raising import raise_problem, solve_by_loan
from db.staff.accounts import manager_cards
from db.webhooks.events import EventType, emit_lead
from matching.amounts import DEFAULT_MAX_YUAN
from matching.i18n import Yuan
from matching.leads import Clock, overdue
from matching.loan_terms import LoanTerms
from matching.model import Route
from matching.policy import DEFAULT_POLICY, Policy
from matching.workdays import to_china_time

CLOCK_SKEW = timedelta(minutes=5)  # how far in the future a reported time may lie


def _bank_staff(session: Session, actor: Actor) -> tuple[int, int, Role]:
    """The acting staff member of a bank (manager or bank admin), active: id, bank, role."""
    found = None
    if actor.staff_id is not None:
        query = select(Staff.bank_id, Staff.role).where(
            Staff.id == actor.staff_id, col(Staff.active).is_(True)
        )
        found = session.exec(query).first()
    if found is None or found[0] is None or not Role(found[1]).of_a_bank:
        raise NotAllowed.of("bank_staff_only")
    return actor.staff_id or 0, found[0], Role(found[1])


def visible_to(assignment: Assignment, actor: Actor) -> bool:
    """Whether the actor may see and act on the lead: its manager, its bank's admins, admins."""
    if actor.kind is ActorKind.SYSTEM or actor.role is Role.ADMIN:
        return True
    if assignment.bank_id != actor.bank_id:
        return False
    return actor.role is Role.BANK_ADMIN or assignment.manager_id == actor.staff_id


def _lead_for(session: Session, lead_id: int, actor: Actor) -> tuple[Assignment, Need]:
    """The lead, locked, if the actor may act on it; another bank's lead is "not found"."""
    if actor.kind is ActorKind.FIRM or actor.role is Role.COORDINATOR:
        raise NotAllowed.of("bank_staff_only")
    assignment, need = lock_assignment(session, lead_id)
    if not visible_to(assignment, actor):
        raise NotFound.of("lead_not_found", lead_id=lead_id)
    return assignment, need


@use_case
def claim(
    session: Session,
    *,
    need_id: int,
    actor: Actor,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> LeadRecord:
    """A bank's manager (or admin) takes an open need the bank is eligible for; it is theirs,
    accepted, at once. Refused when the firm is at its bank limit or the bank holds it already."""
    now = now or utcnow()
    staff_id, bank_id, role = _bank_staff(session, actor)
    need = lock_need_facts(session, need_id)
    fit = fit_of(session, need_id, bank_id)
    # never in this bank's pool (a firm at its limit is only its own banks'): as good as not there
    if fit is None or (need.route != Route.ASSIGN and not fit.existing):
        raise NotFound.of("need_not_found", need_id=need_id)
    if need.status != NeedStatus.OPEN or need.route != Route.ASSIGN:
        raise NotEligible.of("not_eligible", need_id=need_id)
    manager_id = staff_id if role == Role.MANAGER else None  # an admin claims for the bank
    new, event_id = add_assignment(
        session,
        need,
        fit,
        fit,
        now=now,
        actor=actor,
        policy=policy,
        claimed=True,
        manager_id=manager_id,
    )
    if manager_id is None:
        notify_bank(session, new, event_id, Notice.BANK_NEW_LEAD, now)
    who = serving_desk(session, new.manager_id, fit.branch_id) if need.chat_id is not None else {}
    notify_firm(session, need, event_id, Notice.FIRM_ACCEPTED, now, bank=fit.name, **who)
    return _shown(session, new.id or 0, actor, now)


@use_case
def offer(
    session: Session,
    *,
    need_id: int,
    bank_code: str,
    actor: Actor,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Lead:
    """The coordination team (or the system) offers an open need to one more eligible bank."""
    now = now or utcnow()
    if not actor.may(Role.COORDINATOR, Role.ADMIN):
        raise NotAllowed.of("coordinators_only")
    need = lock_need(session, need_id)
    bank = session.exec(select(Bank).where(Bank.code == bank_code)).first()
    if bank is None:
        raise InvalidInput.of("unknown_bank", field="bank", bank=bank_code)
    candidate = session.get(Candidate, (need_id, bank.id))
    if candidate is None or need.status != NeedStatus.OPEN:
        raise NotEligible.of("not_eligible", need_id=need_id)
    new = offer_to(session, need, bank, candidate, now=now, actor=actor, policy=policy)
    return lead_of(new, bank)


def offer_to(
    session: Session,
    need: Need,
    bank: BankFacts,
    candidate: FitFacts,
    *,
    now: datetime,
    actor: Actor,
    policy: Policy,
    tell_firm: bool = True,
    past_limit: bool = False,
) -> NewLead:
    new, event_id = add_assignment(
        session, need, bank, candidate, now=now, actor=actor, policy=policy, past_limit=past_limit
    )
    notify_bank(session, new, event_id, Notice.BANK_NEW_LEAD, now)
    emit_lead(session, EventType.LEAD_OFFERED, new, event_id, now)
    if tell_firm:
        notify_firm(session, need, event_id, Notice.FIRM_OFFERED, now, bank=bank.name)
    return new


def offer_next(
    session: Session, need: Need, *, now: datetime, actor: Actor, policy: Policy
) -> NewLead | None:
    """After a bank dropped out: offer the (locked) need to the next ranked eligible bank that
    never held it, while fewer than `offer_count` banks hold it and a slot of the firm's is free
    (its other needs' banks count; a bank among them takes none). A need no bank holds and none
    is left for goes on the coordination team's list."""
    if need.status != NeedStatus.OPEN or need.route != Route.ASSIGN:
        return None
    live = session.exec(
        select(Assignment.id).where(Assignment.need_id == need.id, col(Assignment.status).in_(LIVE))
    ).all()
    held = select(Assignment.bank_id).where(Assignment.need_id == need.id)
    query = (
        select(Candidate, Bank)
        .join(Bank, col(Bank.id) == col(Candidate.bank_id))
        .where(Candidate.need_id == need.id, col(Candidate.bank_id).not_in(held))
        .order_by(col(Candidate.rank))
    )
    serving = firm_banks(session, need)  # on all the firm's needs
    for candidate, bank in session.exec(query).all():
        if len(live) >= policy.offer_count:
            return None
        if not serving.may_take(bank.id or 0, declared=candidate.existing):
            continue
        return offer_to(session, need, bank, candidate, now=now, actor=actor, policy=policy)
    if not live:
        need.attention, need.attention_at = Attention.BANKS_EXHAUSTED, now
        session.add(need)
        record(session, actor=actor, at=now, kind="banks_exhausted", need_id=need.id)
        kind = ProblemKind.BANKS_EXHAUSTED
        raise_problem(session, kind=kind, cause=kind.value, need=need, now=now)
    return None


@use_case
def accept(
    session: Session, *, lead_id: int, actor: Actor, now: datetime | None = None
) -> LeadRecord:
    """The bank takes the offered lead; the firm's contact becomes visible to it."""
    now = now or utcnow()
    assignment, need = _lead_for(session, lead_id, actor)
    if assignment.status == AssignmentStatus.ACCEPTED and _accepted_by(session, assignment, actor):
        return _shown(session, lead_id, actor, now)  # a retry: the same answer, nothing twice
    event_id = move(session, assignment, AssignmentStatus.ACCEPTED, now=now, actor=actor)
    bank = session.get(Bank, assignment.bank_id)
    who = serving_desk(session, assignment.manager_id, assignment.branch_id)
    bank_name = bank.name if bank else ""
    notify_firm(session, need, event_id, Notice.FIRM_ACCEPTED, now, bank=bank_name, **who)
    return _shown(session, lead_id, actor, now)


def _shown(session: Session, lead_id: int, actor: Actor, now: datetime) -> LeadRecord:
    """The lead as `actor` now sees it, read in this use case's transaction (its changes
    flushed first: the read goes past the session's objects)."""
    session.flush()
    return get_lead(session, actor=actor, lead_id=lead_id, now=now)


def serving_desk(session: Session, manager_id: int | None, branch_id: int | None) -> dict[str, str]:
    """Who at the bank serves the firm, for the acceptance notice: the branch, the manager and
    their work phone ("—" where not known), so the firm can tell the bank's call from a scam."""
    card = manager_cards(session, [manager_id or 0]).get(manager_id or 0)
    branch = card.branch if card and card.branch else None
    if branch is None and branch_id is not None:
        found = session.get(Branch, branch_id)
        branch = found.name if found else None
    return {
        "branch": branch or "—",
        "manager": card.name if card else "—",
        "phone": (card.work_phone if card else None) or "—",
    }


def _accepted_by(session: Session, assignment: Assignment, actor: Actor) -> bool:
    """Whether this staff member is the one who accepted the lead."""
    if actor.staff_id is None:
        return False
    accepted = select(Event.id).where(
        Event.assignment_id == assignment.id,
        Event.to_status == AssignmentStatus.ACCEPTED.value,
        Event.actor_staff_id == actor.staff_id,
    )
    return session.exec(accepted.limit(1)).first() is not None


@use_case
def decline(
    session: Session,
    *,
    lead_id: int,
    actor: Actor,
    reason_code: DeclineReason | str,
    detail: str = "",
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> LeadRecord:
    """The bank gives the lead up, saying why (000 §一); the next eligible bank is offered it."""
    now = now or utcnow()
    try:
        reason = DeclineReason(reason_code)
    except ValueError:
        allowed = ", ".join(DeclineReason)
        raise InvalidInput.of(
            "bad_reason_code", field="reason_code", value=str(reason_code), allowed=allowed
        ) from None
    if len(detail) > 500:
        raise InvalidInput.of("too_long", field="detail", limit=500)
    assignment, need = _lead_for(session, lead_id, actor)
    assignment.decline_reason, assignment.decline_detail = reason, detail.strip() or None
    payload = {"reason_code": reason.value}
    event_id = move(
        session, assignment, AssignmentStatus.DECLINED, now=now, actor=actor, payload=payload
    )
    bank = session.get(Bank, assignment.bank_id)
    notify_firm(session, need, event_id, Notice.FIRM_DECLINED, now, bank=bank.name if bank else "")
    _lead_problem(session, ProblemKind.DECLINED, reason.value, assignment, need, now)
    offer_next(session, need, now=now, actor=Actor.system(), policy=policy)
    return _shown(session, lead_id, actor, now)


@use_case
def expire(
    session: Session,
    *,
    lead_id: int,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Lead:
    """An offer nobody accepted by its deadline expires; the freed slot goes to the next bank."""
    now = now or utcnow()
    assignment, need = lock_assignment(session, lead_id)
    status = AssignmentStatus(assignment.status)
    if status is AssignmentStatus.OFFERED and Clock.ACCEPT not in overdue(status, assignment, now):
        raise Conflict.of("not_overdue", lead_id=lead_id, accept_by=assignment.accept_by)
    expire_locked(session, assignment, need, now=now, policy=policy)
    return lead(session, assignment)


def expire_locked(
    session: Session, assignment: Assignment, need: Need, *, now: datetime, policy: Policy
) -> None:
    system = Actor.system()
    event_id = move(session, assignment, AssignmentStatus.EXPIRED, now=now, actor=system)
    bank = session.get(Bank, assignment.bank_id)
    notify_bank(session, assignment, event_id, Notice.BANK_EXPIRED, now)
    emit_lead(session, EventType.LEAD_EXPIRED, assignment, event_id, now)
    notify_firm(session, need, event_id, Notice.FIRM_EXPIRED, now, bank=bank.name if bank else "")
    _lead_problem(session, ProblemKind.EXPIRED, ProblemKind.EXPIRED.value, assignment, need, now)
    offer_next(session, need, now=now, actor=system, policy=policy)


def _lead_problem(
    session: Session, kind: ProblemKind, cause: str, lead: Assignment, need: Need, now: datetime
) -> None:
    raise_problem(
        session, kind=kind, cause=cause, need=need, now=now, lead_id=lead.id, bank_id=lead.bank_id
    )


@use_case
def reassign(
    session: Session,
    *,
    lead_id: int,
    manager_id: int,
    actor: Actor,
    now: datetime | None = None,
) -> LeadRecord:
    """A bank admin hands a lead to another active manager of the same bank."""
    now = now or utcnow()
    if not actor.may(Role.BANK_ADMIN, Role.ADMIN):
        raise NotAllowed.of("bank_admins_only")
    assignment, _ = _lead_for(session, lead_id, actor)
    if not AssignmentStatus(assignment.status).live:
        raise Conflict.of("lead_ended", lead_id=lead_id, status=assignment.status)
    manager = session.get(Staff, manager_id)
    if (
        manager is None
        or manager.bank_id != assignment.bank_id
        or manager.role != Role.MANAGER
        or not manager.active
    ):
        raise InvalidInput.of("not_a_manager_here", field="manager", manager=manager_id)
    previous, assignment.manager_id = assignment.manager_id, manager.id
    assignment.updated_at = now
    session.add(assignment)
    payload = {"from_manager": previous, "to_manager": manager.id}
    event_id = record(
        session, actor=actor, at=now, kind="reassigned", assignment=assignment, payload=payload
    )
    notify_bank(session, assignment, event_id, Notice.BANK_NEW_LEAD, now)
    emit_lead(session, EventType.LEAD_REASSIGNED, assignment, event_id, now)
    return _shown(session, lead_id, actor, now)


@use_case
def record_follow_up(
    session: Session,
    *,
    lead_id: int,
    actor: Actor,
    kind: FollowUp | str,
    at: datetime | None = None,
    effective: bool | None = None,
    amount_yuan: int | None = None,
    rate_pct: Decimal | None = None,
    product: str | None = None,
    terms: LoanTerms | None = None,
    note: str = "",
    now: datetime | None = None,
) -> LeadRecord:
    """Record what the bank did: contacted the firm, visited it (effective or not), granted
    credit (amount, rate, product, terms), issued the loan (amount; terms it restates)."""
    now = now or utcnow()
    step = _follow_up_kind(kind)
    happened = _happened_at(at, now)
    product = product.strip() if product and product.strip() else None  # "" is none given
    payload = _follow_up_payload(step, effective, amount_yuan, rate_pct, product, note)
    terms = checked_terms(step, terms or LoanTerms())
    assignment, need = _lead_for(session, lead_id, actor)
    if happened < assignment.created_at:
        raise InvalidInput.of("before_lead", field="at")
    if product is not None and step is FollowUp.CREDIT_GRANTED:
        product = payload["product"] = _catalog_product(session, assignment.bank_id, product)
    if terms.guarantee is not None:
        terms = replace(terms, guarantee=_catalog_guarantee(session, terms.guarantee))
    payload |= terms_payload(terms)
    target = AssignmentStatus(step.value)
    event_id = move(
        session,
        assignment,
        target,
        now=now,
        actor=actor,
        happened_at=happened,
        payload={"happened_at": happened.isoformat(), **payload},
    )
    if note.strip():
        session.add(
            LeadNote(assignment_id=lead_id, event_id=event_id, text=note.strip(), created_at=now)
        )
    bank = session.get(Bank, assignment.bank_id)
    bank_name = bank.name if bank else ""
    if step is FollowUp.VISITED:  # the firm is asked to confirm it (一键确认 / 没有来访)
        session.add(VisitCheck(event_id=event_id, assignment_id=lead_id, need_id=need.id or 0,
                               asked_at=now))  # fmt: skip
        day = f"{to_china_time(happened):%Y-%m-%d}"
        notify_firm(session, need, event_id, Notice.FIRM_VISIT_CHECK, now, bank=bank_name,
                    visit=event_id, day=day)  # fmt: skip
    if step is FollowUp.CREDIT_GRANTED:
        assignment.credit_amount_yuan = amount_yuan
        assignment.credit_rate_pct = rate_pct
        assignment.credit_product = product
        put_terms(assignment, terms, restated=False)
        notify_firm(session, need, event_id, Notice.FIRM_CREDIT_GRANTED, now, bank=bank_name)
    elif step is FollowUp.LOAN_ISSUED:
        assignment.loan_amount_yuan = amount_yuan
        if rate_pct is not None:  # the loan's own rate, where it differs from the credit's
            assignment.credit_rate_pct = rate_pct
        put_terms(assignment, terms, restated=True)
        need.status, need.updated_at = NeedStatus.FULFILLED, now
        session.add(need)
        notify_firm(session, need, event_id, Notice.FIRM_LOAN_ISSUED, now, bank=bank_name)
        solve_by_loan(session, need_id=need.id or 0, lead_id=lead_id, now=now)
    return _shown(session, lead_id, actor, now)


def _catalog_guarantee(session: Session, typed: str) -> str:
    """The catalog's name of the guarantee product a follow-up names (by code or name)."""
    catalog = load_catalog(session)
    found = catalog.guarantee_product(typed)
    if found is None:
        known = "、".join(g.name for g in catalog.guarantees if g.backs_loans) or "—"
        raise InvalidInput.of("unknown_guarantee", field="guarantee", guarantee=typed, known=known)
    return found.name


def _catalog_product(session: Session, bank_id: int, typed: str) -> str:
    """The catalog's name of the bank's product a follow-up names (by code or name); one the
    catalog does not know is refused, so that the ledgers never count an unknown product."""
    bank = session.get(Bank, bank_id)
    code = bank.code if bank else ""
    catalog = load_catalog(session)
    found = catalog.bank_product(code, typed)
    if found is None:
        known = "、".join(p.name for p in catalog.bank_products(code)) or "—"
        raise InvalidInput.of("unknown_product", field="product", product=typed, known=known)
    return found.name


def _follow_up_kind(kind: FollowUp | str) -> FollowUp:
    try:
        return FollowUp(kind)
    except ValueError:
        raise InvalidInput.of(
            "bad_follow_up", field="type", value=str(kind), allowed=", ".join(FollowUp)
        ) from None


def _happened_at(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput.of("naive_time", field="at")
    if at > now + CLOCK_SKEW:
        raise InvalidInput.of("in_the_future", field="at")
    return at


def _follow_up_payload(
    step: FollowUp,
    effective: bool | None,
    amount_yuan: int | None,
    rate_pct: Decimal | None,
    product: str | None,
    note: str,
) -> dict[str, object]:
    """The follow-up's facts, checked: a visit says whether it was effective, money is positive."""
    if len(note) > 500:
        raise InvalidInput.of("too_long", field="note", limit=500)
    if product is not None and len(product) > 100:
        raise InvalidInput.of("too_long", field="product", limit=100)
    payload: dict[str, object] = {"note_given": bool(note.strip())}
    if step is FollowUp.VISITED:
        if effective is None:
            raise InvalidInput.of("effective_required", field="effective")
        payload["effective"] = effective
    if step in (FollowUp.CREDIT_GRANTED, FollowUp.LOAN_ISSUED):
        if amount_yuan is None or amount_yuan <= 0:
            raise InvalidInput.of("amount_required", field="amount_yuan")
        if amount_yuan > DEFAULT_MAX_YUAN:  # what is real; the reports' sums rely on it too
            limit = Yuan(DEFAULT_MAX_YUAN)
            raise InvalidInput.of("amount_too_large", field="amount_yuan", limit=limit)
        payload["amount_yuan"] = amount_yuan
    if step in (FollowUp.CREDIT_GRANTED, FollowUp.LOAN_ISSUED) and rate_pct is not None:
        if not Decimal(0) < rate_pct < Decimal(100):
            raise InvalidInput.of("bad_rate", field="rate_pct")
        payload["rate_pct"] = str(rate_pct)
    elif rate_pct is not None:
        raise InvalidInput.of("terms_not_for_step", field="rate_pct", step=step.value)
    if step is FollowUp.CREDIT_GRANTED:
        payload.setdefault("rate_pct", None)
        payload["product"] = product
    return payload

"""The firm answers back, from the bot or its web status page (known by its chat): it confirms
a visit a bank recorded or says there was none (a disputed visit is not effective until a
coordinator rules on it), and it complains of a bank's service or fees (004 异议和投诉; 001 §七
against tie-in sales and fees). Both land on the key-problem list; a complaint reaches the
bank's admins too, and its outcome the firm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.core.errors import Conflict, InvalidInput, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import (
    STILL_OPEN,
    ComplaintCause,
    NeedStatus,
    Notice,
    ProblemKind,
    Role,
    VisitAnswer,
)
from db.leads.mechanics import lock_need, queue_notice, record
from db.models import MAX_ID, Assignment, Bank, Event, Need, Problem, Staff, VisitCheck, utcnow
from db.problems.raising import raise_problem

MAX_OPEN_COMPLAINTS: Final = 3
"""Open complaints a need may have at once: enough for each bank serving it, not a flood."""
COMPLAINT_MAX: Final = 500


@dataclass(frozen=True, slots=True)
class VisitToCheck:
    """A recorded visit as the firm is asked about it."""

    visit_id: int  # the `visited` event's id
    need_id: int
    bank: str
    at: datetime
    answer: VisitAnswer | None


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint the firm filed, and where it stands."""

    problem_id: int
    need_id: int
    bank: str | None
    cause: str
    status: str
    outcome: str | None
    opened_at: datetime


def _visit_of_chat(session: Session, chat_id: int, visit_id: int) -> tuple[VisitCheck, Need]:
    """The visit check, if the visit was to a need of this chat; anything else "not found"."""
    if not 1 <= visit_id <= MAX_ID:
        raise NotFound.of("visit_not_found", visit_id=visit_id)
    check = session.get(VisitCheck, visit_id)
    need = session.get(Need, check.need_id) if check else None
    if check is None or need is None or need.chat_id != chat_id:
        raise NotFound.of("visit_not_found", visit_id=visit_id)
    return check, need


@use_case
def answer_visit(
    session: Session,
    *,
    chat_id: int,
    visit_id: int,
    answer: VisitAnswer | str,
    now: datetime | None = None,
) -> VisitAnswer:
    """The firm confirms the visit (一键确认) or says there was none (没有来访): a dispute goes on
    the key-problem list and the visit stops counting as effective until a coordinator rules.
    The same answer twice is one answer; the other answer after it is refused."""
    now = now or utcnow()
    try:
        said = VisitAnswer(answer)
    except ValueError:
        allowed = ", ".join(VisitAnswer)
        raise InvalidInput.of(
            "bad_visit_answer", field="answer", value=str(answer)[:40], allowed=allowed
        ) from None
    check, need = _visit_of_chat(session, chat_id, visit_id)
    need = lock_need(session, need.id or 0)
    session.refresh(check)
    if check.answer is not None:
        if check.answer != said:
            raise Conflict.of("visit_answered", answer=check.answer)
        return said
    lead = session.get(Assignment, check.assignment_id)
    assert lead is not None  # a foreign key
    event_id = record(
        session, actor=Actor.firm(), at=now, kind=f"visit_{said.value}", assignment=lead,
        payload={"visit": check.event_id},
    )  # fmt: skip
    check.answer, check.answered_at = said, now
    if said is VisitAnswer.DISPUTED:
        check.changed_event_id = event_id  # the report's copies count it again
        raise_problem(
            session, kind=ProblemKind.VISIT_DISPUTED, cause=ProblemKind.VISIT_DISPUTED.value,
            need=need, now=now, lead_id=lead.id, bank_id=lead.bank_id,
            visit_event_id=check.event_id,
        )  # fmt: skip
    session.add(check)
    return said


def visits_to_check(session: Session, chat_id: int, limit: int = 20) -> tuple[VisitToCheck, ...]:
    """The chat's recorded visits, newest first, with the firm's answer so far."""
    rows = session.exec(
        select(VisitCheck, Bank.name, Event.at)
        .join(Need, col(Need.id) == col(VisitCheck.need_id))
        .join(Assignment, col(Assignment.id) == col(VisitCheck.assignment_id))
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .join(Event, col(Event.id) == col(VisitCheck.event_id))
        .where(col(Need.chat_id) == chat_id)
        .order_by(col(VisitCheck.event_id).desc())
        .limit(limit)
    ).all()
    return tuple(
        VisitToCheck(c.event_id, c.need_id, bank, at, VisitAnswer(c.answer) if c.answer else None)
        for c, bank, at in rows
    )


@use_case
def file_complaint(
    session: Session,
    *,
    chat_id: int,
    cause: ComplaintCause | str,
    text: str,
    need_id: int | None = None,
    bank_code: str | None = None,
    now: datetime | None = None,
) -> int:
    """The firm complains of a bank (one that holds or held its need) or of the service in
    general: the complaint goes on the key-problem list, the region's coordinators and the
    bank's admins are told. The problem's id."""
    now = now or utcnow()
    try:
        reason = ComplaintCause(cause)
    except ValueError:
        allowed = ", ".join(ComplaintCause)
        raise InvalidInput.of(
            "bad_complaint_cause", field="cause", value=str(cause)[:40], allowed=allowed
        ) from None
    words = text.strip()
    if not words:
        raise InvalidInput.of("complaint_empty", field="text")
    if len(words) > COMPLAINT_MAX:
        raise InvalidInput.of("too_long", field="text", limit=COMPLAINT_MAX)
    need = lock_need(session, _need_of_chat(session, chat_id, need_id))
    lead = _lead_of_bank(session, need, bank_code) if bank_code else None
    if _open_complaints(session, need.id or 0) >= MAX_OPEN_COMPLAINTS:
        raise Conflict.of("too_many_complaints", most=MAX_OPEN_COMPLAINTS)
    problem_id = raise_problem(
        session, kind=ProblemKind.COMPLAINT, cause=reason.value, need=need, now=now,
        lead_id=lead.id if lead else None, bank_id=lead.bank_id if lead else None,
        detail=words,
    )  # fmt: skip
    payload = {"problem_id": problem_id, "cause": reason.value}
    record(session, actor=Actor.firm(), at=now, kind="complaint_filed", need_id=need.id,
           assignment=lead, payload=payload)  # fmt: skip
    if lead is not None:
        _tell_bank(session, problem_id, lead, reason.value, now)
    return problem_id


@use_case
def name_complaint_bank(
    session: Session, *, chat_id: int, problem_id: int, bank_code: str, now: datetime | None = None
) -> None:
    """The firm says which bank its complaint (filed without one) is about: the bank's admins
    are told. Naming the same bank again changes nothing; another one is refused."""
    now = now or utcnow()
    problem = session.get(Problem, problem_id) if 1 <= problem_id <= MAX_ID else None
    need = session.get(Need, problem.need_id) if problem else None
    if problem is None or need is None or need.chat_id != chat_id:
        raise NotFound.of("problem_not_found", problem_id=problem_id)
    lead = _lead_of_bank(session, lock_need(session, need.id or 0), bank_code)
    session.refresh(problem)
    if problem.kind != ProblemKind.COMPLAINT or problem.bank_id not in (None, lead.bank_id):
        raise Conflict.of("complaint_bank_named")
    if problem.bank_id is not None:
        return
    problem.bank_id, problem.assignment_id, problem.updated_at = lead.bank_id, lead.id, now
    session.add(problem)
    record(session, actor=Actor.firm(), at=now, kind="complaint_filed", assignment=lead,
           payload={"problem_id": problem_id, "cause": problem.cause})  # fmt: skip
    _tell_bank(session, problem_id, lead, problem.cause, now)


def _tell_bank(
    session: Session, problem_id: int, lead: Assignment, cause: str, now: datetime
) -> None:
    """Tell the bank's admins a firm complained about one of its leads (its words stay with
    the coordination team: they may name people)."""
    params = {"problem_id": problem_id, "lead_id": lead.id, "need_id": lead.need_id,
              "cause": cause}  # fmt: skip
    for staff_id in _bank_admins(session, lead.bank_id):
        key = f"c{problem_id}:s{staff_id}"
        queue_notice(session, key, Notice.BANK_COMPLAINT, now, params, staff_id=staff_id)


def _need_of_chat(session: Session, chat_id: int, need_id: int | None) -> int:
    """The chat's need the complaint is about: the one named, else its newest; withdrawn needs
    are gone."""
    query = select(Need.id).where(
        col(Need.chat_id) == chat_id, col(Need.status) != NeedStatus.WITHDRAWN
    )
    if need_id is not None:
        if not 1 <= need_id <= MAX_ID:
            raise NotFound.of("need_not_found", need_id=need_id)
        query = query.where(col(Need.id) == need_id)
    found = session.exec(query.order_by(col(Need.id).desc()).limit(1)).first()
    if found is None:
        raise NotFound.of("need_not_found", need_id=need_id or 0)
    return found


def _lead_of_bank(session: Session, need: Need, bank_code: str) -> Assignment:
    found = session.exec(
        select(Assignment)
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .where(col(Assignment.need_id) == need.id, col(Bank.code) == bank_code[:40])
    ).first()
    if found is None:
        raise InvalidInput.of("bank_not_on_need", field="bank", bank=bank_code[:40])
    return found


def _open_complaints(session: Session, need_id: int) -> int:
    query = select(func.count()).where(
        col(Problem.need_id) == need_id,
        col(Problem.kind) == ProblemKind.COMPLAINT,
        col(Problem.status).in_(STILL_OPEN),
    )
    return int(session.exec(query).one())


def _bank_admins(session: Session, bank_id: int) -> list[int]:
    query = select(Staff.id).where(
        col(Staff.bank_id) == bank_id,
        col(Staff.role) == Role.BANK_ADMIN,
        col(Staff.active).is_(True),
    )
    return [i for i in session.exec(query).all() if i is not None]


def complaints_of_chat(session: Session, chat_id: int, limit: int = 20) -> tuple[Complaint, ...]:
    """The chat's complaints, newest first, with their outcome once closed."""
    rows = session.exec(
        select(Problem, Bank.name)
        .join(Need, col(Need.id) == col(Problem.need_id))
        .outerjoin(Bank, col(Bank.id) == col(Problem.bank_id))
        .where(col(Need.chat_id) == chat_id, col(Problem.kind) == ProblemKind.COMPLAINT)
        .order_by(col(Problem.id).desc())
        .limit(limit)
    ).all()
    return tuple(
        Complaint(
            problem_id=p.id or 0,
            need_id=p.need_id,
            bank=bank,
            cause=p.cause,
            status=p.status,
            outcome=p.measure if p.closed_at is not None else None,
            opened_at=p.opened_at,
        )
        for p, bank in rows
    )

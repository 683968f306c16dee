"""Putting a problem on the key-problem list, inside the use case that met it, and telling the
coordinators of its region (on Telegram, when they linked it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, insert, or_, update
from sqlmodel import Session, col, select

from db.core.unit import Actor
from db.core.vocabulary import Notice, ProblemKind, ProblemStatus, Role
from db.leads.mechanics import queue_notice, record
from db.models import Problem, Staff
from matching.model import Standard

_ADD = insert(Problem.__table__).returning(Problem.__table__.c.id)  # type: ignore[attr-defined]


def raise_problem(
    session: Session,
    *,
    kind: ProblemKind,
    cause: str,
    need: Any,  # a `Need` or `NeedFacts`: its id, city and county
    now: datetime,
    lead_id: int | None = None,
    bank_id: int | None = None,
    visit_event_id: int | None = None,
    detail: str | None = None,
) -> int:
    """Add an open problem about the need (and lead, bank) and tell the region's coordinators;
    its id."""
    values = {
        "kind": kind.value,
        "cause": cause[:120],
        "need_id": need.id,
        "assignment_id": lead_id,
        "bank_id": bank_id,
        "visit_event_id": visit_event_id,
        "city": need.city,
        "county": need.county or "",
        "status": ProblemStatus.OPEN.value,
        "detail": detail,
        "opened_at": now,
        "updated_at": now,
    }
    problem_id = int(session.execute(_ADD, values).scalar_one())
    params = {"problem_id": problem_id, "need_id": need.id, "kind": kind.value,
              "place": need.county or need.city}  # fmt: skip
    for staff_id in coordinators_of(session, need.city, need.county or ""):
        queue_notice(
            session, f"p{problem_id}:s{staff_id}", Notice.COORD_NEW_PROBLEM, now, params,
            staff_id=staff_id,
        )  # fmt: skip
    return problem_id


def coordinators_of(session: Session, city: str, county: str) -> list[int]:
    """The active coordinators of the city or the county who linked Telegram (the others read
    the dashboard)."""
    places = [col(Staff.region) == city] + ([col(Staff.region) == county] if county else [])
    query = select(Staff.id).where(
        col(Staff.role) == Role.COORDINATOR,
        col(Staff.active).is_(True),
        col(Staff.telegram_user_id).is_not(None),
        or_(*places),
    )
    return [i for i in session.exec(query).all() if i is not None]


def attention_cause(attention: str, standards: dict[str, bool]) -> str:
    """A flagged need's cause as the list gives it: the failed standards (comma-separated) for
    a need failing them, the flag itself otherwise."""
    if attention in (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR):
        failed = [s for s in Standard if standards.get(s.value) is False]
        return ",".join(failed) or attention
    return attention


SOLVED_BY_A_LOAN: Final = frozenset(ProblemKind) - {
    ProblemKind.VISIT_DISPUTED,
    ProblemKind.COMPLAINT,
}
"""The problems a loan issued on their need solves: why the need was stuck (standards, the
limit, no bank, declines, expiries). A disputed visit or a complaint is about a bank's conduct,
and stays for a coordinator to close."""

_SOLVE: Final = (
    update(Problem.__table__)  # type: ignore[attr-defined]
    .where(
        col(Problem.need_id) == bindparam("of_need"),
        col(Problem.status).in_([s.value for s in ProblemStatus if not s.closed]),
        col(Problem.kind).in_(sorted(SOLVED_BY_A_LOAN)),
    )
    .values(status=ProblemStatus.SOLVED.value, closed_at=bindparam("at"),
            updated_at=bindparam("at"))
    .returning(Problem.__table__.c.id)  # type: ignore[attr-defined]
)  # fmt: skip


def solve_by_loan(session: Session, *, need_id: int, lead_id: int, now: datetime) -> list[int]:
    """Close the need's open problems that its loan solves (`SOLVED_BY_A_LOAN`), each in the
    event log as a coordinator's closing is, saying the loan closed it; their ids."""
    solved = [int(i) for i in session.execute(_SOLVE, {"of_need": need_id, "at": now}).scalars()]
    for problem_id in solved:
        payload = {"problem_id": problem_id, "to": ProblemStatus.SOLVED.value,
                   "by_loan": lead_id}  # fmt: skip
        record(session, actor=Actor.system(), at=now, kind="problem_updated", need_id=need_id,
               payload=payload)  # fmt: skip
    return solved

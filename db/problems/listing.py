"""One problem as a coordinator works it: the list's entry, the firm's own words (a complaint),
the visit in dispute, the banks the need may be sent to and the firm's bank limit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from db.core.unit import Actor
from db.core.vocabulary import Role
from db.leads.mechanics import firm_banks
from db.models import Event, Need, Problem, Staff, VisitCheck
from db.problems.tracking import eligible_banks, problem_for
from db.reports.problems import Problem as Entry
from db.reports.problems import problem_rows
from matching import rules
from matching.policy import DEFAULT_POLICY, Policy


@dataclass(frozen=True, slots=True)
class EligibleBank:
    code: str
    name: str
    held: bool  # holds or held the need: it cannot be sent there again


@dataclass(frozen=True, slots=True)
class ProblemRecord:
    entry: Entry
    city: str  # the need's place, whose coordinators may own the problem
    county: str
    detail: str | None  # the firm's words (a complaint); None once it withdrew
    visit_at: str | None  # the disputed visit's recorded time (ISO), if any
    visit_ruling: str | None
    need_open: bool
    bank_limit: int | None  # None: above the 10M line, the limit does not apply
    serving: int  # banks serving the firm now, on all its needs
    may_approve: bool  # a coordinator may send it to one bank past the limit
    banks: tuple[EligibleBank, ...]


def problem_record(
    session: Session,
    *,
    problem_id: int,
    actor: Actor,
    region: str | None,
    policy: Policy = DEFAULT_POLICY,
) -> ProblemRecord:
    """The problem, if the actor may work it (another region's is "not found")."""
    row = problem_for(session, problem_id, actor, region, lock=False)
    entry = problem_rows(session, [col(Problem.id) == row.id], 1)[0]
    need = session.get(Need, row.need_id)
    assert need is not None  # a foreign key
    serving = firm_banks(session, need).serving  # on all the firm's needs
    visit_at = ruling = None
    if row.visit_event_id is not None:
        check = session.get(VisitCheck, row.visit_event_id)
        at = session.exec(select(Event.at).where(col(Event.id) == row.visit_event_id)).first()
        visit_at = at.isoformat() if at else None
        ruling = check.ruling if check else None
    return ProblemRecord(
        entry=entry,
        city=row.city,
        county=row.county,
        detail=row.detail,
        visit_at=visit_at,
        visit_ruling=ruling,
        need_open=need.status == "open",
        bank_limit=need.bank_limit,
        serving=serving,
        may_approve=rules.may_approve_past_limit(need.bank_limit, serving, policy),
        banks=tuple(EligibleBank(*b) for b in eligible_banks(session, need.id or 0)),
    )


def owners_for(session: Session, city: str, county: str) -> list[tuple[int, str]]:
    """Who may own a problem of this place: its active coordinators and the admins."""
    places = [city] + ([county] if county else [])
    query = (
        select(Staff.id, Staff.name)
        .where(
            col(Staff.active).is_(True),
            or_(
                col(Staff.role) == Role.ADMIN,
                and_(col(Staff.role) == Role.COORDINATOR, col(Staff.region).in_(places)),
            ),
        )
        .order_by(col(Staff.id))
    )
    return [(i or 0, name) for i, name in session.exec(query).all()]

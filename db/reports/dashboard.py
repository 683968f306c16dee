"""What the dashboard shows beyond the reports (`db/reports/progress.py`), each held to a
`ReportScope` as the reports are: the leads past a deadline right now, the funnel of each QR
source for a period, and a need's region and banks (to tell whether a viewer may open it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import String, and_, case, cast, distinct, func, literal, or_, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from db.core.vocabulary import AssignmentStatus, NeedStatus, QrKind
from db.intake.qr_sources import Funnel
from db.leads.clocks import any_overdue, deadline, overdue_now
from db.models import Assignment, Bank, Branch, Enterprise, Need, Park, QrSource, Scan, Staff
from db.reports.scope import Period, ReportScope, in_scope, within
from matching.leads import Clock, overdue

OVERDUE_LIMIT: Final = 50


@dataclass(frozen=True, slots=True)
class OverdueLead:
    """A lead past one or more of its deadlines now; `breached_at` is the latest one missed."""

    lead_id: int
    need_id: int
    firm: str  # "" once the firm withdrew consent
    bank_code: str
    bank_name: str
    manager: str | None
    park: str | None  # park name
    status: AssignmentStatus
    late: tuple[str, ...]  # accept, contact, decide, final
    breached_at: datetime


def _latest_breach(now: datetime) -> Any:
    """The latest deadline the lead has run past (the clocks fall due in their order)."""
    *later, first = reversed(Clock)
    return case(*((overdue_now(c, now), deadline(c)) for c in later), else_=deadline(first))


def overdue_leads(
    session: Session,
    *,
    scope: ReportScope,
    now: datetime,
    limit: int = OVERDUE_LIMIT,
) -> tuple[tuple[OverdueLead, ...], int]:
    """The scope's live leads past a deadline at `now`, the newest breach first (at most
    `limit`), and how many there are in all."""
    a = Assignment
    breach = _latest_breach(now).label("breach")
    where = [any_overdue(now), *in_scope(scope)]
    total = session.execute(select(func.count()).select_from(a).where(*where)).scalar_one()
    rows = session.execute(
        select(
            col(a.id),
            col(a.need_id),
            col(Enterprise.name).label("firm"),
            col(Enterprise.erased_at),
            col(Bank.code).label("bank_code"),
            col(Bank.name).label("bank_name"),
            col(Staff.name).label("manager"),
            col(Park.name).label("park"),
            col(a.status),
            col(a.accept_by),
            col(a.contact_by),
            col(a.decide_by),
            col(a.final_by),
            breach,
        )
        .join(Bank, col(Bank.id) == col(a.bank_id))
        .join(Need, col(Need.id) == col(a.need_id))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(Staff, col(Staff.id) == col(a.manager_id))
        .outerjoin(Park, col(Park.id) == col(a.park_id))
        .where(*where)
        .order_by(breach.desc(), col(a.id).desc())
        .limit(limit)
    ).all()
    found = tuple(
        OverdueLead(
            lead_id=row.id,
            need_id=row.need_id,
            firm="" if row.erased_at is not None else row.firm,
            bank_code=row.bank_code,
            bank_name=row.bank_name,
            manager=row.manager,
            park=row.park,
            status=AssignmentStatus(row.status),
            late=overdue(AssignmentStatus(row.status), row, now),
            breached_at=row.breach,
        )
        for row in rows
    )
    return found, int(total)


@dataclass(frozen=True, slots=True)
class SourceFunnel:
    """A QR source's funnel over a period, counted within a scope. `funnel.scanned` and
    `consented` count the code's own scans, known only for a code placed in the scope (a park's
    or a branch's code in the region, a branch's or manager's code of the bank): `scans_known`."""

    id: int
    token: str
    kind: QrKind
    label: str
    funnel: Funnel
    scans_known: bool


def source_funnels(
    session: Session, *, scope: ReportScope, period: Period
) -> tuple[SourceFunnel, ...]:
    """Per QR source, the firms of the period: scans made in it; needs registered in it from
    the source (a bank's scope: those the bank got a lead for), and how far they got (with the
    bank's scope, with that bank)."""
    chosen = select(QrSource, _placed(scope)).order_by(col(QrSource.id))
    if scope.source_id is not None:
        chosen = chosen.where(col(QrSource.id) == scope.source_id)
    sources = session.execute(chosen).all()
    if not sources:
        return ()
    counts: dict[int, dict[str, int]] = {s.id or 0: {} for s, _ in sources}
    placed = {s.id or 0 for s, known in sources if known}
    if placed:
        scans = (
            select(col(Scan.source_id), func.count(), func.count(col(Scan.consented_at)))
            .where(col(Scan.source_id).in_(placed), within(col(Scan.scanned_at), period))
            .group_by(col(Scan.source_id))
        )
        for sid, scanned, consented in session.execute(scans).all():
            counts[sid].update(scanned=int(scanned), consented=int(consented))
    for sid, *stages in session.execute(_need_counts(scope, period, list(counts))).all():
        counts[sid].update(
            zip(
                ("submitted", "offered", "accepted", "credit_granted"),
                (int(n) for n in stages),
                strict=True,
            )
        )
    return tuple(
        SourceFunnel(
            id=s.id or 0,
            token=s.token,
            kind=QrKind(s.kind),
            label=s.label,
            funnel=Funnel(**counts[s.id or 0]),
            scans_known=(s.id or 0) in placed,
        )
        for s, _ in sources
        if (s.id or 0) in placed or counts[s.id or 0]
    )


def _placed(scope: ReportScope) -> ColumnElement[Any]:
    """Whether a source's code stands in the scope: its park or branch in the region, its
    branch or manager at the bank, its park the scope's park, itself the scope's source; every
    code, for everyone's scope."""
    conditions: list[ColumnElement[Any]] = []
    target = col(QrSource.target)
    kind = col(QrSource.kind)
    if scope.source_id is not None:
        conditions.append(col(QrSource.id) == scope.source_id)
    if scope.park_id is not None:
        code = select(col(Park.code)).where(col(Park.id) == scope.park_id).scalar_subquery()
        conditions.append(and_(kind == QrKind.PARK, target == code))
    if scope.region is None and scope.bank_id is None:
        return and_(*conditions) if conditions else literal(True)
    where = []
    park = select(col(Park.code))
    branch = select(col(Branch.code))
    manager = select(cast(col(Staff.id), String))
    if scope.region is not None:
        park = park.where(or_(col(Park.city) == scope.region, col(Park.county) == scope.region))
        branch = branch.where(
            or_(col(Branch.city) == scope.region, col(Branch.county) == scope.region)
        )
        manager = manager.join(Branch, col(Branch.id) == col(Staff.branch_id)).where(
            or_(col(Branch.city) == scope.region, col(Branch.county) == scope.region)
        )
    if scope.bank_id is not None:
        branch = branch.where(col(Branch.bank_id) == scope.bank_id)
        manager = manager.where(col(Staff.bank_id) == scope.bank_id)
    if scope.bank_id is None:
        where.append(and_(kind == QrKind.PARK, target.in_(park)))
    where.append(and_(kind == QrKind.BRANCH, target.in_(branch)))
    where.append(and_(kind == QrKind.MANAGER, target.in_(manager)))
    return and_(or_(*where), *conditions)


def _need_counts(scope: ReportScope, period: Period, ids: list[int]) -> Any:
    need_id, source = col(Need.id), col(Need.source_id)
    on = col(Assignment.need_id) == need_id
    if scope.bank_id is not None:
        on = and_(on, col(Assignment.bank_id) == scope.bank_id)

    def needs_where(condition: Any) -> Any:
        return func.count(distinct(case((condition, need_id))))

    held = col(Assignment.id).is_not(None)
    query = (
        select(
            source,
            needs_where(held) if scope.bank_id is not None else func.count(distinct(need_id)),
            needs_where(held),
            needs_where(col(Assignment.accepted_at).is_not(None)),
            needs_where(col(Assignment.credit_granted_at).is_not(None)),
        )
        .outerjoin(Assignment, on)
        .where(
            source.in_(ids),
            within(col(Need.created_at), period),
            col(Need.status) != NeedStatus.SUPERSEDED,
            *in_scope(scope, leads=False),
        )
        .group_by(source)
    )
    return query


def need_in_scope(session: Session, scope: ReportScope, need_id: int) -> bool:
    """Whether a need is the scope's: in its region; with a bank, one the bank held a lead for."""
    query = select(col(Need.id)).where(col(Need.id) == need_id, *in_scope(scope, leads=False))
    if scope.bank_id is not None:
        held = select(col(Assignment.need_id)).where(col(Assignment.bank_id) == scope.bank_id)
        query = query.where(col(Need.id).in_(held))
    return session.execute(query).first() is not None


def sources_placed(session: Session, scope: ReportScope) -> tuple[QrSource, ...]:
    """The QR codes that stand in the scope (see `_placed`), oldest first."""
    query = select(QrSource).where(_placed(scope)).order_by(col(QrSource.id))
    return tuple(session.execute(query).scalars().all())

"""The key-problem list (重点问题清单, 000 §一): unmet needs and why, for the coordination team,
each tracked to its solution (`db/problems`): its owner, status, the measure taken, its dates.

Counts are SQL aggregates over the whole scope; the list of problems itself is cut at `limit`
(newest first) so a province-wide period cannot make a response unbounded. Firms appear by name
(the list is worked firm by firm) but never with a contact: no person, phone or chat; nor a
firm's or a bank's own words, which may name people.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from db.core.vocabulary import STILL_OPEN, NeedStatus, ProblemKind, ProblemStatus
from db.models import Bank, Enterprise, Need, Park, Staff
from db.models import Problem as Row
from db.reports.scope import Period, ReportScope, within

DEFAULT_LIMIT: Final = 1000
_SETTLED: Final = (NeedStatus.WITHDRAWN, NeedStatus.SUPERSEDED)  # no longer the team's problem
_FLAGS: Final = tuple(
    k.value for k in (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR,
                      ProblemKind.BANK_LIMIT, ProblemKind.NO_BANK, ProblemKind.BANKS_EXHAUSTED)
)  # fmt: skip
"""A need flagged for the coordination team: off the list once the firm withdrew or registered
again (its next need carries it); a lead's problems, complaints and disputes stay."""
_STANDARDS: Final = (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR)

__all__ = ["ProblemKind", "ProblemStatus"]  # re-exported: the report's words


@dataclass(frozen=True, slots=True)
class Problem:
    """One entry of the list. `cause`: the failed standards (comma-separated codes) for a need
    failing them, the decline reason code (firm_reason, bank_service, other) for a decline, the
    complaint's cause (fees, tie_in, service, other), the kind itself otherwise."""

    kind: ProblemKind
    cause: str
    at: datetime  # when it became a problem
    need_id: int
    lead_id: int | None
    firm: str  # the firm's name; "" once it withdrew consent
    entity_type: str
    county: str
    park: str | None  # park code
    park_name: str | None
    amount_yuan: int
    tier: str
    bank: str | None  # bank code, for declines, expiries, disputes and complaints of a bank
    bank_name: str | None
    id: int = 0
    status: ProblemStatus = ProblemStatus.OPEN
    owner: str | None = None  # the owner's name
    measure: str | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None

    def age_days(self, now: datetime) -> int:
        """Whole days since it was raised (till it was closed, when it was)."""
        return max(0, ((self.closed_at or now) - self.at).days)


@dataclass(frozen=True, slots=True)
class ProblemCount:
    """How many problems of a kind had a cause (a need failing two standards counts under
    each); `cause` equals `kind` where the kind is the cause."""

    kind: ProblemKind
    cause: str
    count: int


@dataclass(frozen=True, slots=True)
class Problems:
    scope: ReportScope
    period: Period
    by_kind: tuple[tuple[ProblemKind, int], ...]  # every kind, zeros included
    by_cause: tuple[ProblemCount, ...]  # causes that occurred
    items: tuple[Problem, ...]  # newest first, at most `limit`
    truncated: bool  # more items than `limit`


def problems(
    session: Session,
    *,
    scope: ReportScope,
    date_from: date,
    date_to: date,
    limit: int = DEFAULT_LIMIT,
) -> Problems:
    """The key-problem list for the days `date_from`–`date_to` (China time, both included):
    needs put on the coordination team's list in the period (failing the standards, at their
    limit, no fitting bank, every bank gone), leads declined or expired, visits disputed and
    complaints filed in the period; each as it stands now."""
    period = Period.of(date_from, date_to)
    where = [within(col(Row.opened_at), period), *problem_scope(scope)]
    counted = (
        select(col(Row.kind), col(Row.cause), func.count())
        .join(Need, col(Need.id) == col(Row.need_id))
        .where(*where)
        .group_by(col(Row.kind), col(Row.cause))
    )
    totals = {kind: 0 for kind in ProblemKind}
    causes: Counter[tuple[ProblemKind, str]] = Counter()
    for kind, cause, n in session.execute(counted).all():
        found = ProblemKind(kind)
        totals[found] += int(n)
        for one in cause.split(",") if found in _STANDARDS else (cause,):
            causes[(found, one)] += int(n)
    items = problem_rows(session, where, limit + 1)
    order = {kind: i for i, kind in enumerate(ProblemKind)}
    by_cause = tuple(
        ProblemCount(kind, cause, n)
        for (kind, cause), n in sorted(causes.items(), key=lambda kc: (order[kc[0][0]], kc[0][1]))
    )
    return Problems(
        scope=scope,
        period=period,
        by_kind=tuple(totals.items()),
        by_cause=by_cause,
        items=tuple(items[:limit]),
        truncated=len(items) > limit,
    )


def open_problems(
    session: Session,
    *,
    scope: ReportScope,
    statuses: tuple[ProblemStatus, ...] = tuple(STILL_OPEN),
    limit: int = DEFAULT_LIMIT,
) -> tuple[tuple[Problem, ...], bool]:
    """The problems of the scope in these statuses (by default those not yet closed), whenever
    they were raised, newest first; and whether there were more than `limit`."""
    where = [col(Row.status).in_([s.value for s in statuses]), *problem_scope(scope)]
    items = problem_rows(session, where, limit + 1)
    return tuple(items[:limit]), len(items) > limit


def problem_scope(scope: ReportScope) -> list[Any]:
    """Conditions keeping the problems (joined with their needs) within the scope: a region, a
    park, a QR source, a bank (a need no bank holds is no one bank's problem), a channel."""
    where: list[Any] = [or_(col(Row.kind).not_in(_FLAGS), col(Need.status).not_in(_SETTLED))]
    if scope.region is not None:
        where.append(or_(col(Row.city) == scope.region, col(Row.county) == scope.region))
    if scope.park_id is not None:
        where.append(col(Need.park_id) == scope.park_id)
    if scope.source_id is not None:
        where.append(col(Need.source_id) == scope.source_id)
    if scope.bank_id is not None:
        where.append(col(Row.bank_id) == scope.bank_id)
    if scope.channel is not None:
        where.append(col(Need.channel) == scope.channel)
    return where


_OWNER = aliased(Staff)


def problem_rows(session: Session, where: list[Any], limit: int) -> list[Problem]:
    """The problems meeting `where` (over `problem` joined with `need`), newest first."""
    query = (
        select(
            Row, Need, col(Enterprise.name), col(Park.code), col(Park.name), col(Bank.code),
            col(Bank.name), col(_OWNER.name),
        )
        .join(Need, col(Need.id) == col(Row.need_id))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(Park, col(Park.id) == col(Need.park_id))
        .outerjoin(Bank, col(Bank.id) == col(Row.bank_id))
        .outerjoin(_OWNER, col(_OWNER.id) == col(Row.owner_id))
        .where(*where)
        .order_by(col(Row.opened_at).desc(), col(Row.id).desc())
        .limit(limit)
    )  # fmt: skip
    return [_item(*row) for row in session.execute(query).all()]


def _item(
    problem: Row, need: Need, firm: str, park: str | None, park_name: str | None,
    bank: str | None, bank_name: str | None, owner: str | None,
) -> Problem:  # fmt: skip
    return Problem(
        kind=ProblemKind(problem.kind),
        cause=problem.cause,
        at=problem.opened_at,
        need_id=need.id or 0,
        lead_id=problem.assignment_id,
        firm=firm,
        entity_type=need.entity_type,
        county=need.county,
        park=park,
        park_name=park_name,
        amount_yuan=need.amount_yuan,
        tier=need.tier,
        bank=bank,
        bank_name=bank_name,
        id=problem.id or 0,
        status=ProblemStatus(problem.status),
        owner=owner,
        measure=problem.measure,
        updated_at=problem.updated_at,
        closed_at=problem.closed_at,
    )

"""Park credit coverage (001 §一): the share of each park's firms that have credit, against the
target its star rating calls for (≥70% for 4–5 stars, ≥60% for 3, ≥50% otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import distinct, func, or_, select
from sqlmodel import Session, col

from db.core.vocabulary import AssignmentStatus
from db.models import Assignment, Enterprise, Need, Park
from db.reports.scope import ReportScope
from matching.policy import DEFAULT_POLICY, Policy

_WITH_CREDIT: Final = (AssignmentStatus.CREDIT_GRANTED, AssignmentStatus.LOAN_ISSUED)


@dataclass(frozen=True, slots=True)
class ParkCoverage:
    """A park's firms (registered with it here) and how many of them have credit."""

    code: str
    name: str
    city: str
    county: str
    stars: int
    firms: int
    firms_with_credit: int  # with a lead at credit granted or loan issued
    target: float  # the share the park's stars call for (Policy.coverage_target)

    @property
    def ratio(self) -> float | None:
        return self.firms_with_credit / self.firms if self.firms else None

    @property
    def below_target(self) -> bool:
        """Below its target; a park with no firm registered cannot show it meets it."""
        return self.ratio is None or self.ratio < self.target


@dataclass(frozen=True, slots=True)
class Coverage:
    scope: ReportScope
    parks: tuple[ParkCoverage, ...]  # in catalog order


def coverage(session: Session, *, scope: ReportScope, policy: Policy = DEFAULT_POLICY) -> Coverage:
    """Per park of the scope: firms registered with it, those with credit (from the scope's
    bank, when it has one), against the target for its star rating."""
    credited: Any = (
        select(col(Need.enterprise_id).label("enterprise_id"))
        .distinct()
        .join(Assignment, col(Assignment.need_id) == col(Need.id))
        .where(col(Assignment.status).in_(_WITH_CREDIT))
    )
    if scope.bank_id is not None:
        credited = credited.where(col(Assignment.bank_id) == scope.bank_id)
    with_credit = credited.subquery()
    query = (
        select(
            Park,
            func.count(distinct(col(Enterprise.id))),
            func.count(distinct(with_credit.c.enterprise_id)),
        )
        .outerjoin(Enterprise, col(Enterprise.park_id) == col(Park.id))
        .outerjoin(with_credit, with_credit.c.enterprise_id == col(Enterprise.id))
        .group_by(col(Park.id))
        .order_by(col(Park.id))
    )
    if scope.region is not None:
        query = query.where(or_(col(Park.city) == scope.region, col(Park.county) == scope.region))
    if scope.park_id is not None:
        query = query.where(col(Park.id) == scope.park_id)
    parks = tuple(
        ParkCoverage(
            code=park.code,
            name=park.name,
            city=park.city,
            county=park.county,
            stars=park.stars,
            firms=int(firms),
            firms_with_credit=int(credit),
            target=policy.coverage_target(park.stars),
        )
        for park, firms, credit in session.execute(query).all()
    )
    return Coverage(scope=scope, parks=parks)

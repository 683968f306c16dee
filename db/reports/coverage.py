"""Park credit coverage (001 §一, 入园企业授信比例): of all the firms on a park's roster, the share
that has credit — on the roster, or granted through Yinqi — against the target the park's star
rating calls for (≥70% for 4–5 stars, ≥60% for 3, ≥50% otherwise), and the roster's 分类建档
classes (`matching.roster`). A park without a roster shows no ratio, only the firms registered
with it here.

A registration is linked to its roster firm by USCC, else — when either side has no USCC — by
the name's core in the park's county (the key `Enterprise.name_key` registrations are found
again by); a roster firm is one firm however often it registers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, or_, select, union_all
from sqlmodel import Session, col

from db.core.vocabulary import NeedStatus
from db.models import Assignment, Enterprise, Need, Park, RosterFirm
from db.reports.scope import ReportScope
from matching.policy import DEFAULT_POLICY, Policy
from matching.roster import SERVED, WITH_CREDIT, RosterClass, RosterFacts, roster_class


@dataclass(frozen=True, slots=True)
class ParkCoverage:
    """A park's roster firms, how many have credit, and each 分类建档 class's count."""

    code: str
    name: str
    city: str
    county: str
    stars: int
    firms: int  # on the roster (0 without one)
    firms_with_credit: int  # roster firms of the class 已有授信
    target: float  # the share the park's stars call for (Policy.coverage_target)
    has_roster: bool = False
    registered: int = 0  # firms registered with the park here (linked to the roster or not)
    classes: Mapping[RosterClass, int] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """The coverage; None without a roster (no base to count on)."""
        return self.firms_with_credit / self.firms if self.has_roster and self.firms else None

    @property
    def below_target(self) -> bool:
        """Below its target; a park without a roster cannot be judged (and says so)."""
        return self.ratio is not None and self.ratio < self.target


@dataclass(frozen=True, slots=True)
class Coverage:
    scope: ReportScope
    parks: tuple[ParkCoverage, ...]  # in catalog order


def coverage(session: Session, *, scope: ReportScope, policy: Policy = DEFAULT_POLICY) -> Coverage:
    """Per park of the scope: its roster firms, those with credit, the classes, against the
    target for its star rating. A bank's scope counts the credit that bank granted here (and
    the roster's own credit records, which name no bank's share)."""
    parks = _parks(session, scope)
    classes: dict[int, Counter[RosterClass]] = {park.id or 0: Counter() for park, _ in parks}
    for park_id, facts in roster_facts(session, scope=scope, park_ids=list(classes)):
        classes[park_id][roster_class(facts)] += 1
    found = []
    for park, registered in parks:
        counted = classes[park.id or 0]
        firms = sum(counted.values())
        found.append(
            ParkCoverage(
                code=park.code,
                name=park.name,
                city=park.city,
                county=park.county,
                stars=park.stars,
                firms=firms,
                firms_with_credit=counted[RosterClass.CREDIT],
                target=policy.coverage_target(park.stars),
                has_roster=firms > 0,
                registered=registered,
                classes={kind: counted[kind] for kind in RosterClass},
            )
        )
    return Coverage(scope=scope, parks=tuple(found))


def _parks(session: Session, scope: ReportScope) -> list[tuple[Park, int]]:
    """The scope's parks in catalog order, each with the firms registered with it here."""
    query: Any = (
        select(Park, func.count(distinct(col(Enterprise.id))))
        .outerjoin(
            Enterprise,
            and_(col(Enterprise.park_id) == col(Park.id), col(Enterprise.erased_at).is_(None)),
        )
        .group_by(col(Park.id))
        .order_by(col(Park.id))
    )
    if scope.region is not None:
        query = query.where(or_(col(Park.city) == scope.region, col(Park.county) == scope.region))
    if scope.park_id is not None:
        query = query.where(col(Park.id) == scope.park_id)
    return [(park, int(registered)) for park, registered in session.execute(query).all()]


def roster_facts(
    session: Session, *, scope: ReportScope, park_ids: list[int]
) -> list[tuple[int, RosterFacts]]:
    """(park id, facts) of every roster firm of the parks, by one query."""
    if not park_ids:
        return []
    facts = _registration_facts(scope.bank_id)
    links = roster_links()
    query = (
        select(
            col(RosterFirm.park_id),
            col(RosterFirm.existing_credit_yuan),
            col(RosterFirm.has_need),
            func.max(facts.c.registered),
            func.max(facts.c.served),
            func.max(facts.c.credited),
        )
        .outerjoin(links, links.c.roster_id == col(RosterFirm.id))
        .outerjoin(facts, facts.c.enterprise_id == links.c.enterprise_id)
        .where(col(RosterFirm.park_id).in_(park_ids))
        .group_by(col(RosterFirm.id))
    )
    return [
        (
            park_id,
            RosterFacts(
                existing_credit_yuan=int(credit or 0),
                surveyed_need=need,
                registered=bool(registered),
                served=bool(served),
                credited=bool(credited),
            ),
        )
        for park_id, credit, need, registered, served, credited in session.execute(query).all()
    ]


def roster_links(park_id: int | None = None) -> Any:
    """(roster firm, enterprise) pairs: by USCC; else by name core in the park's county. Of
    one park's roster when `park_id` is given (a planner that misjudges a freshly imported
    roster then cannot run the whole union once per roster firm)."""
    by_uscc: Any = select(
        col(RosterFirm.id).label("roster_id"), col(Enterprise.id).label("enterprise_id")
    ).join(Enterprise, col(Enterprise.uscc) == col(RosterFirm.uscc))
    by_name = (
        select(col(RosterFirm.id), col(Enterprise.id))
        .join(Park, col(Park.id) == col(RosterFirm.park_id))
        .join(
            Enterprise,
            and_(
                col(Enterprise.name_key) == col(RosterFirm.name_key),
                col(Enterprise.county) == col(Park.county),
            ),
        )
        .where(
            col(RosterFirm.name_key) != "",
            or_(col(RosterFirm.uscc).is_(None), col(Enterprise.uscc).is_(None)),
        )
    )
    if park_id is not None:
        by_uscc = by_uscc.where(col(RosterFirm.park_id) == park_id)
        by_name = by_name.where(col(RosterFirm.park_id) == park_id)
    return union_all(by_uscc, by_name).subquery("roster_link")


def _registration_facts(bank_id: int | None) -> Any:
    """Per registered firm: 1 when it has a live need, one a bank accepted, one with credit."""
    status = col(Assignment.status)
    on = col(Assignment.need_id) == col(Need.id)
    if bank_id is not None:
        on = and_(on, col(Assignment.bank_id) == bank_id)
    return (
        select(
            col(Need.enterprise_id).label("enterprise_id"),
            literal(1).label("registered"),
            func.max(case((status.in_(sorted(SERVED)), 1), else_=0)).label("served"),
            func.max(case((status.in_(sorted(WITH_CREDIT)), 1), else_=0)).label("credited"),
        )
        .outerjoin(Assignment, on)
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .where(col(Need.status) != NeedStatus.WITHDRAWN, col(Enterprise.erased_at).is_(None))
        .group_by(col(Need.enterprise_id))
        .subquery("registration_facts")
    )

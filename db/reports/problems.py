"""The key-problem list (重点问题清单, 000 §一): unmet needs and why, for the coordination team.

Counts are SQL aggregates over the whole scope; the list of problems itself is cut at `limit`
(newest first) so a province-wide period cannot make a response unbounded. Firms appear by name
(the list is worked firm by firm) but never with a contact: no person, phone or chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import false, func, select
from sqlmodel import Session, col

from db.core.vocabulary import AssignmentStatus, Attention, NeedStatus
from db.models import Assignment, Bank, Enterprise, Need, Park
from db.reports.scope import Period, ReportScope, in_scope, within
from matching.model import Standard

DEFAULT_LIMIT: Final = 1000
_SETTLED: Final = (NeedStatus.WITHDRAWN, NeedStatus.SUPERSEDED)  # no longer the team's problem


class ProblemKind(StrEnum):
    """Why a need is on the list: the coordination team's reasons (db.core.vocabulary.Attention),
    or a bank's decline, or an offer nobody accepted in time."""

    STANDARDS_FAILED = Attention.STANDARDS_FAILED.value
    CREDIT_REPAIR = Attention.CREDIT_REPAIR.value
    BANK_LIMIT = Attention.BANK_LIMIT.value
    NO_BANK = Attention.NO_BANK.value
    BANKS_EXHAUSTED = Attention.BANKS_EXHAUSTED.value
    DECLINED = "declined"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Problem:
    """One entry of the list. `cause`: the failed standards (comma-separated codes) for a need
    failing them, the decline reason code (firm_reason, bank_service, other) for a decline, the
    kind itself otherwise."""

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
    bank: str | None  # bank code, for declines and expiries
    bank_name: str | None


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
    limit, no fitting bank, every bank gone), and leads declined or expired in the period."""
    period = Period.of(date_from, date_to)
    counts = _attention_counts(session, scope, period) + _lead_counts(session, scope, period)
    totals = {kind: 0 for kind in ProblemKind}
    for count in counts:
        if count.kind not in (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR):
            totals[count.kind] += count.count
    totals.update(_standards_needs(session, scope, period))
    items = sorted(
        _attention_items(session, scope, period, limit + 1)
        + _lead_items(session, scope, period, limit + 1),
        key=lambda p: (p.at, p.need_id, p.lead_id or 0),
        reverse=True,
    )
    return Problems(
        scope=scope,
        period=period,
        by_kind=tuple(totals.items()),
        by_cause=tuple(c for c in counts if c.count),
        items=tuple(items[:limit]),
        truncated=len(items) > limit,
    )


def _attention_where(scope: ReportScope, period: Period) -> list[Any]:
    if scope.bank_id is not None:  # a need no bank holds is no one bank's problem
        return [false()]
    return [
        col(Need.attention).is_not(None),
        within(col(Need.attention_at), period),
        col(Need.status).not_in(_SETTLED),
        *in_scope(scope, leads=False),
    ]


def _failed(standard: Standard) -> Any:
    return col(Need.standards)[standard.value].as_boolean().is_(False)


def _attention_counts(session: Session, scope: ReportScope, period: Period) -> list[ProblemCount]:
    """Needs per attention code; for standards, needs per failed standard."""
    where = _attention_where(scope, period)
    query = select(col(Need.attention), func.count()).where(*where).group_by(col(Need.attention))
    counts = [
        ProblemCount(ProblemKind(kind), kind, int(n))
        for kind, n in session.execute(query).all()
        if kind not in (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR)
    ]
    for kind in (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR):
        per_standard = select(*(func.count().filter(_failed(s)) for s in Standard)).where(
            *where, col(Need.attention) == kind.value
        )
        row = session.execute(per_standard).one()
        counts += [ProblemCount(kind, s.value, int(n)) for s, n in zip(Standard, row, strict=True)]
    return counts


def _standards_needs(
    session: Session, scope: ReportScope, period: Period
) -> dict[ProblemKind, int]:
    kinds = (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR)
    query = (
        select(col(Need.attention), func.count())
        .where(*_attention_where(scope, period), col(Need.attention).in_(kinds))
        .group_by(col(Need.attention))
    )
    return {ProblemKind(kind): int(n) for kind, n in session.execute(query).all()}


def _lead_where(scope: ReportScope, period: Period) -> list[Any]:
    ended = (AssignmentStatus.DECLINED, AssignmentStatus.EXPIRED)
    return [
        col(Assignment.status).in_(ended),
        within(col(Assignment.ended_at), period),
        *in_scope(scope),
    ]


def _lead_counts(session: Session, scope: ReportScope, period: Period) -> list[ProblemCount]:
    """Declined leads per reason code, and expired leads."""
    status, reason = col(Assignment.status), col(Assignment.decline_reason)
    query = (
        select(status, reason, func.count())
        .where(*_lead_where(scope, period))  # a lead carries its need's region: no join
        .group_by(status, reason)
    )
    return [
        ProblemCount(ProblemKind(s), r if s == AssignmentStatus.DECLINED else s, int(n))
        for s, r, n in session.execute(query).all()
    ]


def _attention_items(
    session: Session, scope: ReportScope, period: Period, limit: int
) -> list[Problem]:
    query = (
        select(Need, col(Enterprise.name), col(Park.code), col(Park.name))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(Park, col(Park.id) == col(Need.park_id))
        .where(*_attention_where(scope, period))
        .order_by(col(Need.attention_at).desc(), col(Need.id).desc())
        .limit(limit)
    )
    items = []
    for need, firm, *park in session.execute(query).all():
        kind = ProblemKind(need.attention)
        failed = [s for s in Standard if need.standards.get(s.value) is False]
        standards = kind in (ProblemKind.STANDARDS_FAILED, ProblemKind.CREDIT_REPAIR)
        cause = ",".join(failed) if standards and failed else kind.value
        items.append(_item(kind, cause, need.attention_at, need, None, firm, park, [None, None]))
    return items


def _lead_items(session: Session, scope: ReportScope, period: Period, limit: int) -> list[Problem]:
    query = (
        select(
            Assignment,
            Need,
            col(Enterprise.name),
            col(Park.code),
            col(Park.name),
            col(Bank.code),
            col(Bank.name),
        )
        .join(Need, col(Need.id) == col(Assignment.need_id))
        .join(Bank, col(Bank.id) == col(Assignment.bank_id))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(Park, col(Park.id) == col(Need.park_id))
        .where(*_lead_where(scope, period))
        .order_by(col(Assignment.ended_at).desc(), col(Assignment.id).desc())
        .limit(limit)
    )
    items = []
    for lead, need, firm, park, park_name, bank, bank_name in session.execute(query).all():
        kind = ProblemKind(lead.status)
        cause = lead.decline_reason or kind.value
        items.append(
            _item(
                kind,
                cause,
                lead.ended_at,
                need,
                lead.id,
                firm,
                [park, park_name],
                [bank, bank_name],
            )
        )
    return items


def _item(
    kind: ProblemKind,
    cause: str,
    at: datetime | None,
    need: Need,
    lead_id: int | None,
    firm: str,
    park: list[str | None],
    bank: list[str | None],
) -> Problem:
    """A problem; `park` and `bank` are (code, name), or (None, None)."""
    assert at is not None  # the query asked for a moment in the period
    return Problem(
        kind=kind,
        cause=cause,
        at=at,
        need_id=need.id or 0,
        lead_id=lead_id,
        firm=firm,
        entity_type=need.entity_type,
        county=need.county,
        park=park[0],
        park_name=park[1],
        amount_yuan=need.amount_yuan,
        tier=need.tier,
        bank=bank[0],
        bank_name=bank[1],
    )

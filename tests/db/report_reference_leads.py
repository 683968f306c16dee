"""(The tests' reference: `db/reports/lead_rows.py` as it was before the report's copies.)

What the progress report counts of a lead: the moment each figure is placed by and the
condition it asks, and which leads a period may touch.

Which leads a pass reads is bounded without an index per moment: a lead's moments all lie
between its creation and its last change, give or take the clock skew a manager may report
(`updated_at`, indexed), and its deadlines all lie between `accept_by` and `final_by` (indexed).

The period's bounds and the report's moment are bound parameters (`PERIOD`, `AS_OF`), their
values given when a statement runs (`values`), so that one statement serves every period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from db.core.vocabulary import ONLINE, NeedStatus
from db.leads.assignments import CLOCK_SKEW
from db.models import Assignment, Need
from db.reports.scope import Period, ReportScope, in_scope
from db.reports.sql import hours_between

PERIOD: Final[tuple[Any, Any]] = (bindparam("period_start"), bindparam("period_end"))
"""The first moment of the period and the first after it, bound (`values`)."""
AS_OF: Final[Any] = bindparam("as_of")
"""The report's moment, bound (`values`)."""
_CHANGED_SINCE: Final[Any] = bindparam("changed_since")  # the period's start less the skew


def values(period: Period, as_of: datetime) -> dict[str, Any]:
    """What `PERIOD`, `AS_OF` and the like are bound to, for this period and moment."""
    return {
        "period_start": period.start,
        "period_end": period.end,
        "changed_since": period.start - CLOCK_SKEW,
        "as_of": as_of,
    }


@dataclass(frozen=True, slots=True)
class Measure:
    """A figure over the leads whose `moment` (a key of `moments`) falls in the period and
    `condition` holds: counted, or `summed`, or the median of `median`."""

    name: str
    moment: str
    condition: ColumnElement[bool] | None = None
    summed: Any = None
    median: Any = None


def within(moment: Any) -> ColumnElement[bool]:
    """`moment` falls in the period."""
    start, end = PERIOD
    condition: ColumnElement[bool] = (moment >= start) & (moment < end)
    return condition


def touched(
    scope: ReportScope, *, superseded_apart: bool
) -> tuple[Any, ColumnElement[bool] | None]:
    """The leads with a moment or a deadline that may fall in the period (see the module's
    docstring for the bounds); with `superseded_apart`, also whether a lead's need is still
    kept, not superseded when the firm registered again (the one fact of a need that changes)."""
    a, (start, end) = Assignment, PERIOD
    due = and_(col(a.final_by) >= start, col(a.accept_by) < end)
    query = select(col(a.id)).where(or_(changed(), due), *in_scope(scope))
    if not superseded_apart:
        return query, None
    superseded = (  # few: a need is superseded only when every bank let it go
        select(col(Need.id))
        .where(col(Need.status) == NeedStatus.SUPERSEDED, col(Need.created_at) < end)
        .subquery()
    )
    query = query.outerjoin(superseded, superseded.c.id == col(a.need_id))
    return query, superseded.c.id.is_(None)


def changed() -> ColumnElement[bool]:
    """The leads made before the period ends and changed since it began (less the clock skew:
    a step's reported time may lie that far after the change that recorded it)."""
    a = Assignment
    return and_(col(a.updated_at) >= _CHANGED_SINCE, col(a.created_at) < PERIOD[1])


def moments() -> dict[str, Any]:
    """When each step of a lead happened, or fell due."""
    a = Assignment
    return {
        "created": col(a.created_at),
        "accepted": col(a.accepted_at),
        # the bank first reached the firm: a call, or a visit made without calling first
        "contacted": func.coalesce(col(a.contacted_at), col(a.visited_at)),
        "credit": col(a.credit_granted_at),
        "loan": col(a.loan_issued_at),
        "accept_by": col(a.accept_by),
        "contact_by": col(a.contact_by),
        "decide_by": col(a.decide_by),
        "final_by": col(a.final_by),
    }


def lead_measures(kept: ColumnElement[bool] | None) -> list[Measure]:
    """The lead figures as at the report's moment (`AS_OF`); with `kept` (by bank), also the
    needs each bank received."""
    a, at = Assignment, moments()
    first_loan, accepted, ended = col(a.first_loan).is_(True), at["accepted"], col(a.ended_at)

    def missed(deadline: str, done: str, *, after: bool) -> ColumnElement[bool]:
        """The deadline passed (before the report's moment) with the step not done by then, the
        lead still running at that moment (and accepted, for the steps `after` acceptance)."""
        due, step = at[deadline], at[done]
        conditions = [
            due < AS_OF,
            or_(step.is_(None), step > due),
            or_(ended.is_(None), ended > due),
        ]
        if after:
            conditions.append(accepted.is_not(None))
        return and_(*conditions)

    needs = []
    if kept is not None:  # the needs a bank received: one lead each, as a bank holds a need once
        needs = [
            Measure("needs", "created", kept),
            Measure("online_needs", "created", and_(kept, col(a.channel).in_(ONLINE))),
            Measure("first_loan_needs", "created", and_(kept, first_loan)),
        ]
    created, contacted = at["created"], at["contacted"]
    return [
        *needs,
        Measure("offered", "created"),
        Measure("accepted", "accepted"),
        Measure(  # claims are accepted as they are made: left out
            "median_hours_to_accept",
            "accepted",
            col(a.claimed).is_(False),
            median=(accepted, created),
        ),
        Measure("contacted", "contacted"),
        Measure(  # the "135" contact clock runs from the lead's creation, claims included
            "median_hours_to_contact", "contacted", median=(contacted, created)
        ),
        Measure("credit_granted", "credit"),
        Measure("credit_amount_yuan", "credit", summed=col(a.credit_amount_yuan)),
        Measure("first_loan_credit", "credit", first_loan),
        Measure("loans_issued", "loan"),
        Measure("loan_amount_yuan", "loan", summed=col(a.loan_amount_yuan)),
        Measure("overdue_accept", "accept_by", missed("accept_by", "accepted", after=False)),
        Measure("overdue_contact", "contact_by", missed("contact_by", "contacted", after=True)),
        Measure("overdue_decide", "decide_by", missed("decide_by", "credit", after=True)),
        Measure("overdue_final", "final_by", missed("final_by", "credit", after=True)),
    ]


def aggregate(measure: Measure, *, placed: bool) -> Any:
    """The measure over the rows whose moment falls in the period (not `placed`: over every
    row, the caller placing the moments itself)."""
    aggregate = func.count() if measure.summed is None else func.sum(measure.summed)
    when = falls_in(measure) if placed else measure.condition
    return aggregate if when is None else aggregate.filter(when)


def falls_in(measure: Measure) -> ColumnElement[bool]:
    """The measure's moment falls in the period, and its condition holds."""
    when = within(moments()[measure.moment])
    return when if measure.condition is None else and_(when, measure.condition)


def hours_of(name: str, measure: Measure) -> ColumnElement[float]:
    later, earlier = measure.median
    return hours_between(name, later, earlier)

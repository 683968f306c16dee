"""What the progress report counts of a lead: the day each figure is placed by and the condition
it asks, over the lead rows of `db/reports/copies.py` (a lead as the report counts it: its
moments as China days, whether each deadline was missed, hours to accept and to contact).

Whether a deadline has passed depends on the moment the report is made (`as_of`): the rows say
only whether the step was missed by the deadline, so a deadline counts from the rows when its
whole day lies before as_of's day, and the deadlines due on as_of's own day before as_of are
counted from the leads themselves (`overdue_today`), a day's worth at most.

The report's days are bound parameters (`DAYS`, `AS_OF_DAY`), not values written into the
statements, so that a report's statements are built once and serve every period
(`db/reports/figures.py`): building one cost more than SQLite took to run it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from sqlalchemy import Integer, and_, bindparam, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from db.leads.clocks import deadline, missed
from db.models import Assignment
from db.reports.scope import ReportScope, in_scope
from db.reports.sql import counted_yuan_column
from matching.leads import Clock

Condition = Callable[[Any], ColumnElement[bool]]

DAYS: Final = (bindparam("first_day", type_=Integer), bindparam("last_day", type_=Integer))
"""The period's first and last day numbers (`db.reports.sql.day_of`), bound when run."""
AS_OF_DAY: Final = bindparam("as_of_day", type_=Integer)
"""The day number of the report's moment: a deadline counts as missed once its day is over."""

DEADLINES: Final = {  # each clock's deadline: its day, whether it was missed
    clock.deadline: (f"{clock.deadline}_day", f"missed_{clock.value}") for clock in Clock
}


@dataclass(frozen=True, slots=True)
class Measure:
    """A figure over the rows whose `day` (a day column) falls in the period and whose
    `condition` holds: counted, or the sum of the amount column `summed` (each amount at most
    the cap: `counted_yuan_column`), or the median of the column `median`; with `before`, only
    the days before the report's day (`AS_OF_DAY`) count (a deadline counts as missed once its
    whole day has passed)."""

    name: str
    day: str
    condition: Condition | None = None
    summed: str | None = None
    median: str | None = None
    before: bool = False


@cache
def lead_measures(*, before: bool, by_bank: bool) -> tuple[Measure, ...]:
    """The lead figures; `by_bank`, also the needs each bank received (one lead each, as a
    bank holds a need once; a need superseded when the firm registered again left out). With
    `before`, missed deadlines count on the days before the report's (`AS_OF_DAY`); without,
    on every day (the day sums: the report cuts them). The same measures each time: built once,
    as the statements made of them are (`db/reports/figures.py`)."""

    def missed(deadline: str) -> Measure:
        day, flag = DEADLINES[deadline]
        name = f"overdue_{deadline.removesuffix('_by')}"
        return Measure(name, day, lambda r: r.c[flag].is_(True), before=before)

    needs = []
    if by_bank:
        needs = [
            Measure("needs", "created_day", lambda r: r.c.kept.is_(True)),
            Measure("online_needs", "created_day", lambda r: and_(r.c.kept, r.c.online.is_(True))),
            Measure(
                "first_loan_needs",
                "created_day",
                lambda r: and_(r.c.kept, r.c.first_loan.is_(True)),
            ),
        ]
    return (
        *needs,
        Measure("offered", "created_day"),
        Measure("accepted", "accepted_day"),
        # claims are accepted as they are made: they have no hours to accept
        Measure("median_hours_to_accept", "accepted_day", median="hours_to_accept"),
        Measure("contacted", "contacted_day"),  # a call, or a visit made without calling first
        # the "135" contact clock runs from the lead's creation, claims included
        Measure("median_hours_to_contact", "contacted_day", median="hours_to_contact"),
        Measure("credit_granted", "credit_day"),
        Measure("credit_amount_yuan", "credit_day", summed="credit_amount_yuan"),
        Measure("first_loan_credit", "credit_day", lambda r: r.c.first_loan.is_(True)),
        Measure("loans_issued", "loan_day"),
        Measure("loan_amount_yuan", "loan_day", summed="loan_amount_yuan"),
        *(missed(deadline) for deadline in DEADLINES),
    )


@cache
def timed(median: Measure) -> Measure:
    """How many rows a median is taken over: `hours_to_accept_n` for `hours_to_accept`."""
    assert median.median is not None
    return Measure(f"{median.median}_n", median.day, lambda r: r.c[median.median].is_not(None))


NEED_MEASURES: Final = (  # over the need rows: a superseded need is not counted
    Measure("needs", "created_day", lambda r: r.c.kept.is_(True)),
    Measure("online_needs", "created_day", lambda r: and_(r.c.kept, r.c.online.is_(True))),
    Measure("first_loan_needs", "created_day", lambda r: and_(r.c.kept, r.c.first_loan.is_(True))),
)
VISIT_MEASURES: Final = (  # over the visit rows
    Measure("visits", "day"),
    Measure("effective_visits", "day", lambda r: r.c.effective.is_(True)),
)


def on_days(day: Any, first: Any, last: Any) -> ColumnElement[bool]:
    """A day column's day falls between the day numbers `first` and `last` (values or bound
    parameters: `DAYS`), both included."""
    condition: ColumnElement[bool] = (day >= first) & (day <= last)
    return condition


def aggregate(measure: Measure, rows: Any, days: tuple[Any, Any] | None) -> Any:
    """The measure over the `rows` whose day falls in `days` (None: over every row, the caller
    placing the days itself). Each row counts its `weight`: 1, or -1 for a row taken back."""
    weight = rows.c.weight
    if measure.summed is None:
        summed = func.sum(weight)
    else:
        summed = func.sum(counted_yuan_column(rows.c[measure.summed]) * weight)
    when = falls_in(measure, rows, days) if days is not None else _condition(measure, rows)
    return summed if when is None else summed.filter(when)


def falls_in(measure: Measure, rows: Any, days: tuple[Any, Any]) -> ColumnElement[bool]:
    """The measure's day falls in `days`, its condition holds, and it has a value to take the
    median of."""
    when = on_days(rows.c[measure.day], *days)
    condition = _condition(measure, rows)
    return when if condition is None else and_(when, condition)


def _condition(measure: Measure, rows: Any) -> ColumnElement[bool] | None:
    conditions = [measure.condition(rows)] if measure.condition is not None else []
    if measure.before:
        conditions.append(rows.c[measure.day] < AS_OF_DAY)
    if measure.median is not None:
        conditions.append(rows.c[measure.median].is_not(None))
    return and_(*conditions) if conditions else None


def overdue_today(
    scope: ReportScope, period: tuple[Any, Any], since: Any, as_of: Any
) -> list[tuple[str, Any, ColumnElement[bool]]]:
    """For each deadline: its name, its moment, and the leads whose deadline fell due in the
    period (its first moment and the first after it) between `since` (as_of's day's start) and
    `as_of` and was missed (`missed`: the clock ran past it, as `matching.leads.RUNNING` runs
    them). Moments as values or bound parameters."""
    start, end = period
    found = []
    for clock in Clock:
        due = deadline(clock)
        conditions = [due >= since, due < as_of, due >= start, due < end, missed(clock)]
        found.append((clock.deadline, due, and_(*conditions)))
    return found


def due_between(scope: ReportScope, since: Any, as_of: Any) -> Any:
    """The leads with a deadline between `since` and `as_of` (a lead's deadlines all lie
    between its first and its last clock's: `accept_by` and `final_by`, both indexed)."""
    first, *_, last = Clock
    return select(col(Assignment.id)).where(
        deadline(last) >= since, deadline(first) < as_of, *in_scope(scope)
    )

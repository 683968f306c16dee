"""The queries behind `db.reports.progress`: a few grouped aggregates, however many leads.

- needs: over `need` (by bank: over the leads, a bank holding a need at most once);
- leads: one pass over `assignment` ⋈ `need`, a filtered aggregate per figure, each counting the
  leads whose own moment (accepted_at, a deadline …) falls in the period;
- visits: over the event log's `visited` events;
- medians: `percentile_cont` on PostgreSQL; on SQLite the middle rows found by a window function.

On PostgreSQL each query also yields the total of the scope (GROUPING SETS ((key), ())); on
SQLite it runs a second time without the key. By week, the passes run once a week: a week's row
is the figures of that week, each figure in the week of its own moment.

Which leads a pass reads is bounded without an index per moment: a lead's moments all lie
between its creation and its last change, give or take the clock skew a manager may report
(`updated_at`, indexed), and its deadlines all lie between `accept_by` and `decide_by`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from db.assignments import CLOCK_SKEW
from db.models import Assignment, Event, Need
from db.report_scope import Period, ReportScope, in_scope, within
from db.report_sql import dialect, hours_between, medians
from db.vocabulary import Channel, NeedStatus

TOTAL: Final = "total"
"""The key under which the figures of the whole scope come back."""

BANK, PARK, COUNTY, SOURCE, WEEK = "bank", "park", "county", "source", "week"
Figures = dict[Any, dict[str, Any]]
KeyOf = Callable[[Any], ColumnElement[Any] | None]


@dataclass(frozen=True, slots=True)
class _Measure:
    """A figure over leads whose `moment` falls in the period and `condition` holds: counted,
    or `summed`, or the median of `median`."""

    name: str
    moment: Any
    condition: ColumnElement[bool] | None = None
    summed: Any = None
    median: Any = None


def progress_figures(
    session: Session, scope: ReportScope, period: Period, group: str | None, as_of: datetime
) -> Figures:
    """Figures per raw group key (a bank, park or source id, a county, a week's Monday as ISO
    text), and for the whole scope under TOTAL (only that, when `group` is None)."""
    if group == WEEK:
        return _by_week(session, scope, period, as_of)
    name = dialect(session)

    def key_of(moment: Any) -> ColumnElement[Any] | None:
        if group is None:
            return None
        keys: dict[str, Any] = {
            BANK: col(Assignment.bank_id),
            PARK: col(Need.park_id),
            COUNTY: col(Need.county),
            SOURCE: col(Need.source_id),
        }
        key: ColumnElement[Any] = keys[group]
        return key

    figures: Figures = defaultdict(dict)
    needs_too = group in (PARK, COUNTY, SOURCE) or scope.region is not None
    by_bank = group == BANK or scope.bank_id is not None
    measures = _lead_measures(as_of, name, by_bank=by_bank)
    counted = [m for m in measures if m.median is None]
    _count_leads(session, figures, scope, period, key_of(None), counted)
    if scope.bank_id is None:  # needs registered; by bank, the total only (each need once)
        _count_needs(session, figures, scope, period, key_of, total_only=group == BANK)
    _count_visits(session, figures, scope, period, key_of, join_need=needs_too)
    for measure in (m for m in measures if m.median is not None):
        key = key_of(measure.moment)
        _median(session, figures, _leads(scope, period, join_need=needs_too), key, measure, period)
    return dict(figures)


def _by_week(session: Session, scope: ReportScope, period: Period, as_of: datetime) -> Figures:
    """Each week's figures (Monday to Sunday, cut to the period) are the period's figures for
    that week, each figure in the week of its own moment; then the total of the period."""
    figures: Figures = {}
    monday = period.date_from - timedelta(days=period.date_from.weekday())
    while monday <= period.date_to:
        week = Period(
            max(monday, period.date_from), min(monday + timedelta(days=6), period.date_to)
        )
        found = progress_figures(session, scope, week, None, min(as_of, week.end))
        figures[monday.isoformat()] = found.get(TOTAL, {})
        monday += timedelta(days=7)
    if len(figures) == 1:
        figures[TOTAL] = next(iter(figures.values()))
    else:
        figures[TOTAL] = progress_figures(session, scope, period, None, as_of).get(TOTAL, {})
    return figures


def _run(
    session: Session,
    figures: Figures,
    key: ColumnElement[Any] | None,
    named: Sequence[tuple[str, Any]],
    query: Any,
) -> None:
    """Run `query` with the `named` aggregates per `key` and for the whole scope (or for the
    whole scope only, when `key` is None); add the values to `figures`."""
    aggregates = [aggregate for _, aggregate in named]
    names = [n for n, _ in named]
    if key is None:
        for row in session.execute(query.with_only_columns(*aggregates)).all():
            _put(figures[TOTAL], names, list(row))
        return
    if dialect(session) == "postgresql":
        grouped = query.with_only_columns(key, func.grouping(key), *aggregates).group_by(
            func.grouping_sets(tuple_(key), tuple_())
        )
        for k, is_total, *found in session.execute(grouped).all():
            _put(figures[TOTAL if is_total else k], names, found)
        return
    for k, *found in session.execute(query.with_only_columns(key, *aggregates).group_by(key)):
        _put(figures[k], names, found)
    _run(session, figures, None, named, query)


def _put(into: dict[str, Any], names: list[str], found: list[Any]) -> None:
    for name, value in zip(names, found, strict=True):
        if name.startswith("median"):
            into[name] = float(value) if value is not None else None
        else:
            into[name] = int(value or 0)


def _count_needs(
    session: Session,
    figures: Figures,
    scope: ReportScope,
    period: Period,
    key_of: KeyOf,
    *,
    total_only: bool,
) -> None:
    """Needs registered in the period, leaving out those superseded when the firm registered
    again."""
    moment = col(Need.created_at)
    query = select(col(Need.id)).where(
        within(moment, period),
        col(Need.status) != NeedStatus.SUPERSEDED,
        *in_scope(scope, leads=False),
    )
    named = [
        ("needs", func.count()),
        ("online_needs", func.count().filter(col(Need.channel) == Channel.BOT)),
        ("first_loan_needs", func.count().filter(col(Need.first_loan).is_(True))),
    ]
    _run(session, figures, None if total_only else key_of(moment), named, query)


def _first_contact() -> Any:
    """When the bank first reached the firm: a call, or a visit made without calling first."""
    return func.coalesce(col(Assignment.contacted_at), col(Assignment.visited_at))


def _lead_measures(as_of: datetime, name: str, *, by_bank: bool) -> list[_Measure]:
    a = Assignment
    created, accepted, ended = col(a.created_at), col(a.accepted_at), col(a.ended_at)
    credit, loan, contact = col(a.credit_granted_at), col(a.loan_issued_at), _first_contact()
    first_loan = col(Need.first_loan).is_(True)

    def missed(deadline: Any, done: Any, *, after_acceptance: bool) -> ColumnElement[bool]:
        """The deadline passed (before `as_of`) with the step not done by then, the lead still
        running at that moment (and accepted, for the steps that follow acceptance)."""
        conditions = [
            deadline < as_of,
            or_(done.is_(None), done > deadline),
            or_(ended.is_(None), ended > deadline),
        ]
        if after_acceptance:
            conditions.append(accepted.is_not(None))
        return and_(*conditions)

    accept_by, contact_by, decide_by = col(a.accept_by), col(a.contact_by), col(a.decide_by)
    needs = []
    if by_bank:  # the needs a bank received: one lead each, as a bank holds a need only once
        kept = col(Need.status) != NeedStatus.SUPERSEDED
        needs = [
            _Measure("needs", created, kept),
            _Measure("online_needs", created, and_(kept, col(Need.channel) == Channel.BOT)),
            _Measure("first_loan_needs", created, and_(kept, first_loan)),
        ]
    return [
        *needs,
        _Measure("offered", created),
        _Measure("accepted", accepted),
        _Measure(  # claims are accepted as they are made: left out
            "median_hours_to_accept",
            accepted,
            col(a.claimed).is_(False),
            median=hours_between(name, accepted, created),
        ),
        _Measure("contacted", contact),
        _Measure(  # the "135" contact clock runs from the lead's creation, claims included
            "median_hours_to_contact", contact, median=hours_between(name, contact, created)
        ),
        _Measure("credit_granted", credit),
        _Measure("credit_amount_yuan", credit, summed=col(a.credit_amount_yuan)),
        _Measure("first_loan_credit", credit, first_loan),
        _Measure("loans_issued", loan),
        _Measure("loan_amount_yuan", loan, summed=col(a.loan_amount_yuan)),
        _Measure("overdue_accept", accept_by, missed(accept_by, accepted, after_acceptance=False)),
        _Measure("overdue_contact", contact_by, missed(contact_by, contact, after_acceptance=True)),
        _Measure("overdue_decide", decide_by, missed(decide_by, credit, after_acceptance=True)),
    ]


def _aggregate(measure: _Measure, period: Period) -> Any:
    when = _when(measure, period)
    if measure.summed is not None:
        return func.sum(measure.summed).filter(when)
    return func.count().filter(when)


def _leads(scope: ReportScope, period: Period, *, join_need: bool = True) -> Any:
    """The leads with a moment or a deadline that may fall in the period, joined to their needs
    unless no figure, key or scope asks for them (see the module's docstring for the bounds)."""
    a = Assignment
    changed = and_(col(a.updated_at) >= period.start - CLOCK_SKEW, col(a.created_at) < period.end)
    due = and_(col(a.decide_by) >= period.start, col(a.accept_by) < period.end)
    query = select(col(a.id)).where(or_(changed, due), *in_scope(scope))
    return query.join(Need, col(Need.id) == col(a.need_id)) if join_need else query


def _count_leads(
    session: Session,
    figures: Figures,
    scope: ReportScope,
    period: Period,
    key: ColumnElement[Any] | None,
    measures: Sequence[_Measure],
) -> None:
    """One pass over the leads; each figure filters on its own moment."""
    named = [(m.name, _aggregate(m, period)) for m in measures]
    _run(session, figures, key, named, _leads(scope, period))


def _count_visits(
    session: Session,
    figures: Figures,
    scope: ReportScope,
    period: Period,
    key_of: KeyOf,
    *,
    join_need: bool,
) -> None:
    """Visits recorded in the period (placed by the event log's time, when the manager recorded
    them), and those the manager marked effective."""
    at = col(Event.at)
    effective = col(Event.payload)["effective"].as_boolean()
    query = select(col(Event.id)).join(Assignment, col(Assignment.id) == col(Event.assignment_id))
    if join_need:
        query = query.join(Need, col(Need.id) == col(Assignment.need_id))
    query = query.where(col(Event.kind) == "visited", within(at, period), *in_scope(scope))
    named = [("visits", func.count()), ("effective_visits", func.count().filter(effective))]
    _run(session, figures, key_of(at), named, query)


def _median(
    session: Session,
    figures: Figures,
    leads: Any,
    key: ColumnElement[Any] | None,
    measure: _Measure,
    period: Period,
) -> None:
    """The median of a measure over the `leads` whose moment falls in the period."""
    leads = leads.where(_when(measure, period))
    if dialect(session) == "postgresql":
        percentile = func.percentile_cont(0.5).within_group(measure.median)
        _run(session, figures, key, [(measure.name, percentile)], leads)
        return
    for k in (key, None) if key is not None else (None,):
        for found, median in medians(session, key=k, value=measure.median, rows=leads).items():
            figures[TOTAL if k is None else found][measure.name] = median


def _when(measure: _Measure, period: Period) -> ColumnElement[bool]:
    when = within(measure.moment, period)
    return when if measure.condition is None else and_(when, measure.condition)

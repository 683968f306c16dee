"""The progress report as it was computed before its copies (`db/reports/copies.py`), straight from
`need`, `assignment` and `event`: the reference the tests hold `db.reports.progress` to, figure
for figure. (Kept as it was: a few grouped aggregates, however many leads.)

- needs: over `need` (by bank: over the leads, a bank holding a need at most once);
- leads: one pass over `assignment` alone (a lead carries its need's city, county, park, source,
  channel and first-loan flag), a filtered aggregate per figure (`db/reports/lead_rows.py`), each
  counting the leads whose own moment (accepted_at, a deadline …) falls in the period; by week,
  the pass groups the leads by the week of every moment at once, and each figure goes to the
  week of its own moment;
- visits: over the event log's `visited` events and their leads;
- medians: `percentile_cont` on PostgreSQL, those of one key in one pass; on SQLite the middle
  rows found by a window function.

Each lead, need and visit falls in one group, so a counted figure's total is the sum of its
groups; a median's is not: PostgreSQL yields it with the groups (GROUPING SETS ((key), ())),
SQLite runs the median again without the key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, case, exists, func, or_, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from db.core.vocabulary import ONLINE, NeedStatus
from db.models import Assignment, Event, Need, VisitCheck
from db.reports.scope import Period, ReportScope, in_scope, within
from db.reports.sql import dialect, medians, week_key, week_of
from tests.db.report_reference_leads import (
    Measure,
    aggregate,
    changed,
    falls_in,
    hours_of,
    lead_measures,
    moments,
    touched,
)

TOTAL: Final = "total"
"""The key under which the figures of the whole scope come back."""

BANK, PARK, COUNTY, SOURCE, WEEK = "bank", "park", "county", "source", "week"
Figures = dict[Any, dict[str, Any]]
_COPIED: Final = {
    BANK: "bank_id", PARK: "park_id", COUNTY: "county", SOURCE: "source_id", "channel": "channel",
}


@dataclass(frozen=True, slots=True)
class _Grouping:
    """What the report is grouped by (None: the whole scope only) on which database."""

    by: str | None
    dialect: str

    def key(self, rows: type[Need | Assignment], moment: Any) -> ColumnElement[Any] | None:
        """The group of a row of `need` or `assignment` (or of a visit to a lead) whose figure
        counts at `moment`; None: the whole scope only (needs by bank: each need once)."""
        if self.by is None or (self.by == BANK and rows is Need):
            return None
        if self.by == WEEK:
            return week_of(self.dialect, moment)
        key: ColumnElement[Any] = getattr(rows, _COPIED[self.by])
        return key

    def found(self, key: Any) -> Any:
        """A group's key as the report has it: a week's Monday as ISO text, any other as is."""
        return week_key(key) if self.by == WEEK else key


def progress_figures(
    session: Session, scope: ReportScope, period: Period, group: str | None, as_of: datetime
) -> Figures:
    """Figures per raw group key (a bank, park or source id, a county, a week's Monday as ISO
    text), and for the whole scope under TOTAL (only that, when `group` is None). By week, each
    week of the period has its row (the first and the last cut to the period)."""
    mondays = _mondays(period) if group == WEEK else []
    if len(mondays) == 1:  # the period's figures are its one week's
        total = progress_figures(session, scope, period, None, as_of).get(TOTAL, {})
        return {mondays[0]: total, TOTAL: total}
    grouping = _Grouping(group, dialect(session))
    figures: Figures = defaultdict(dict)
    figures.update({monday: {} for monday in mondays})
    by_bank = group == BANK or scope.bank_id is not None
    leads, kept = touched(scope, period, superseded_apart=by_bank)
    measures = lead_measures(as_of, kept)
    counted = [m for m in measures if m.median is None]
    if group == WEEK:
        _count_leads_by_week(session, figures, leads, period, counted)
    else:
        named = [(m.name, aggregate(m, period)) for m in counted]
        _run(session, figures, grouping, grouping.key(Assignment, None), named, leads)
    if scope.bank_id is None:  # needs registered; by bank, only the total's (each need once,
        _count_needs(session, figures, scope, period, grouping)  # not the sum of the banks')
    _count_visits(session, figures, scope, period, grouping)
    _medians(session, figures, leads, grouping, [m for m in measures if m.median], period)
    return dict(figures)


def _mondays(period: Period) -> list[str]:
    first = period.date_from - timedelta(days=period.date_from.weekday())
    weeks = (period.date_to - first).days // 7 + 1
    return [(first + timedelta(weeks=n)).isoformat() for n in range(weeks)]


def _run(
    session: Session,
    figures: Figures,
    grouping: _Grouping,
    key: ColumnElement[Any] | None,
    named: Sequence[tuple[str, Any]],
    query: Any,
) -> None:
    """Run `query` with the `named` counts and sums per `key`, adding each group's values to
    the group's figures and to the total's; with no key, the values are the total's."""
    aggregates = [aggregate for _, aggregate in named]
    names = [n for n, _ in named]
    if key is None:
        for row in session.execute(query.with_only_columns(*aggregates)).all():
            figures[TOTAL].update(zip(names, (int(v or 0) for v in row), strict=True))
        return
    grouped = query.with_only_columns(key, *aggregates).group_by(key)
    for k, *found in session.execute(grouped).all():
        for into in (figures[grouping.found(k)], figures[TOTAL]):
            _add(into, names, found)


def _add(into: dict[str, Any], names: Sequence[str], found: Sequence[Any]) -> None:
    for name, value in zip(names, found, strict=True):
        into[name] = into.get(name, 0) + int(value or 0)


def _count_needs(
    session: Session, figures: Figures, scope: ReportScope, period: Period, grouping: _Grouping
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
        ("online_needs", func.count().filter(col(Need.channel).in_(ONLINE))),
        ("first_loan_needs", func.count().filter(col(Need.first_loan).is_(True))),
    ]
    _run(session, figures, grouping, grouping.key(Need, moment), named, query)


def _count_visits(
    session: Session, figures: Figures, scope: ReportScope, period: Period, grouping: _Grouping
) -> None:
    """Visits recorded in the period (placed by the event log's time, when the manager recorded
    them), and those the manager marked effective but for those the firm disputed and no
    coordinator ruled held."""
    at = col(Event.at)
    disputed = exists().where(
        col(VisitCheck.event_id) == col(Event.id),
        col(VisitCheck.answer) == "disputed",
        or_(col(VisitCheck.ruling).is_(None), col(VisitCheck.ruling) != "held"),
    )
    effective = and_(col(Event.payload)["effective"].as_boolean(), ~disputed)
    query = (
        select(col(Event.id))
        .join(Assignment, col(Assignment.id) == col(Event.assignment_id))
        .where(col(Event.kind) == "visited", within(at, period), *in_scope(scope))
        .where(changed(period))  # recording a visit stamps its lead's updated_at: fewer to join
    )
    named = [("visits", func.count()), ("effective_visits", func.count().filter(effective))]
    _run(session, figures, grouping, grouping.key(Assignment, at), named, query)


def _count_leads_by_week(
    session: Session, figures: Figures, leads: Any, period: Period, measures: Sequence[Measure]
) -> None:
    """One pass grouped by the week of each moment at once (NULL where the moment falls outside
    the period): a few thousand groups however many leads, as a lead's steps follow each other
    within weeks; each figure then goes to the week of its own moment, and to the total."""
    name = dialect(session)
    used = {m: at for m, at in moments().items() if any(x.moment == m for x in measures)}
    weeks = [case((within(at, period), week_of(name, at))) for at in used.values()]
    aggregates = [aggregate(m, None) for m in measures]
    query = leads.with_only_columns(*weeks, *aggregates).group_by(*weeks)
    slot = {m: i for i, m in enumerate(used)}
    for row in session.execute(query).all():
        for measure, value in zip(measures, row[len(weeks) :], strict=True):
            week = week_key(row[slot[measure.moment]])
            if week is not None:
                for into in (figures[week], figures[TOTAL]):
                    _add(into, [measure.name], [value])


def _medians(
    session: Session,
    figures: Figures,
    leads: Any,
    grouping: _Grouping,
    measures: Sequence[Measure],
    period: Period,
) -> None:
    """Each measure's median over the `leads` whose moment falls in the period, per group and
    over the whole scope: on PostgreSQL, those with one key (all but by week) in one pass."""
    name = dialect(session)
    if name != "postgresql":
        for measure in measures:
            _median_sqlite(session, figures, leads, grouping, measure, period)
        return
    for batch in [[m] for m in measures] if grouping.by == WEEK else [list(measures)]:
        whens = [falls_in(m, period) for m in batch]
        medians = [
            func.percentile_cont(0.5).within_group(hours_of(name, m)).filter(when)
            for m, when in zip(batch, whens, strict=True)
        ]
        rows = leads.where(or_(*whens))
        key = grouping.key(Assignment, moments()[batch[0].moment])
        if key is None:
            found = [(TOTAL, *row) for row in session.execute(rows.with_only_columns(*medians))]
        else:
            grouped = rows.with_only_columns(key, func.grouping(key), *medians).group_by(
                func.grouping_sets(tuple_(key), tuple_())
            )
            found = [
                (TOTAL if is_total else grouping.found(k), *values)
                for k, is_total, *values in session.execute(grouped)
            ]
        for k, *values in found:
            for measure, value in zip(batch, values, strict=True):
                figures[k][measure.name] = float(value) if value is not None else None


def _median_sqlite(
    session: Session,
    figures: Figures,
    leads: Any,
    grouping: _Grouping,
    measure: Measure,
    period: Period,
) -> None:
    """SQLite: one median per group, then over the whole scope (see `report_sql.medians`)."""
    key = grouping.key(Assignment, moments()[measure.moment])
    rows = leads.where(falls_in(measure, period))
    hours = hours_of("sqlite", measure)
    for k in (key, None) if key is not None else (None,):
        for found, median in medians(session, key=k, value=hours, rows=rows).items():
            figures[TOTAL if k is None else grouping.found(found)][measure.name] = median

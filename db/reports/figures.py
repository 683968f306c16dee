"""The queries behind `db.reports.progress`: a few grouped aggregates over narrow rows.

They read the report's copies of leads, needs and visits (`db/reports/copies.py`: each as the
report counts it, copied where unchanged since the copies were made, fresh where changed), so
a season costs one pass over ~40 bytes a lead, not over whole leads, needs and event rows:

- needs: over the need rows (by bank: over the leads, a bank holding a need at most once);
- leads: one pass over the lead rows a period touches, a filtered aggregate per figure
  (`db/reports/lead_rows.py`), each counting the leads whose own day (accepted, a deadline …) falls
  in the period; by week, the pass groups the leads by the week of every day at once, and each
  figure goes to the week of its own day; deadlines due on the report's own day, before its
  moment, are counted from the leads themselves;
- visits: over the visit rows;
- medians: `percentile_cont` on PostgreSQL, those of one key in one pass; on SQLite the middle
  rows found by a window function.

For everyone (no region, bank, park or QR code), the counted figures come instead from the day
sums (`db/reports/day_sums.py`: each day's figures per bank, park, county and QR source), plus
what changed since the copies' mark, counted the same way over those leads, needs and visits
alone (as they are now, less as their copies have them); and on PostgreSQL the medians are read
off indexes (`db/reports/medians.py`). A season for everyone then reads a few thousand sums and
two index walks instead of every lead.

Each lead, need and visit falls in one group, so a counted figure's total is the sum of its
groups; a median's is not: PostgreSQL yields it with the groups (GROUPING SETS ((key), ())),
SQLite runs the median again without the key.

Each statement is built once for each shape of report (the database, which of the scope's
narrowings are set, the grouping, whether the day sums are read: `_Shape`), its values bound
when it runs (the days, the report's moment, the copies' mark, the scope's values: `_values`):
building the statements and SQLAlchemy's keys for its cache of compiled SQL cost more than the
database took to run them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any, Final

from sqlalchemy import and_, bindparam, case, func, or_, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from db.leads.assignments import CLOCK_SKEW
from db.models import Assignment
from db.reports.copies import (
    MARK,
    held_mark,
    lead_changes,
    lead_rows,
    mark_of,
    mark_values,
    need_changes,
    need_rows,
    visit_changes,
    visit_rows,
)
from db.reports.day_sums import DIMS, WHOLE, read_day_sums
from db.reports.lead_rows import (
    DAYS,
    NEED_MEASURES,
    VISIT_MEASURES,
    Measure,
    aggregate,
    due_between,
    falls_in,
    lead_measures,
    on_days,
    overdue_today,
    timed,
)
from db.reports.medians import rank_medians
from db.reports.scope import Period, ReportScope, ScopeShape, scope_values
from db.reports.sql import (
    day_of,
    dialect,
    median_query,
    medians_found,
    monday_of,
    week_key_of_day,
)
from matching.workdays import CHINA_TZ

TOTAL: Final = "total"
"""The key under which the figures of the whole scope come back."""

BANK, PARK, COUNTY, SOURCE, WEEK, CHANNEL = "bank", "park", "county", "source", "week", "channel"
Figures = dict[Any, dict[str, Any]]
_COPIED: Final = {**DIMS, CHANNEL: "channel"}  # the copies' column of each grouping but by week
_SUMMED: Final = frozenset({None, WEEK, *DIMS})
"""Groupings the day sums are kept for (by channel: the copies, three groups at most)."""

# the report's moments, bound (`_values`)
_TOUCHED_SINCE: Final[Any] = bindparam("touched_since")  # the period's start less the skew
_SINCE: Final[Any] = bindparam("since")  # the start of the report's day
_AS_OF: Final[Any] = bindparam("as_of")  # the report's moment
_PERIOD: Final[tuple[Any, Any]] = (bindparam("period_start"), bindparam("period_end"))


@dataclass(frozen=True, slots=True)
class _Grouping:
    """What the report is grouped by (None: the whole scope only)."""

    by: str | None

    def key(self, rows: Any, day: str, *, needs: bool = False) -> Any:
        """The group of a lead, need or visit row whose figure falls on its `day` column; None:
        the whole scope only (needs by bank: each need once)."""
        if self.by is None or (self.by == BANK and needs):
            return None
        if self.by == WEEK:
            return monday_of(rows.c[day])
        return rows.c[_COPIED[self.by]]

    def found(self, key: Any) -> Any:
        """A group's key as the report has it: a week's Monday as ISO text, any other as is."""
        return week_key_of_day(key) if self.by == WEEK else key


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a report's statements depend on but their bound values: each statement is built
    once per shape."""

    dialect: str
    scope: ScopeShape
    grouping: _Grouping
    summed: bool  # read the day sums and what changed since the copies' mark (for everyone)

    @property
    def measures(self) -> tuple[Measure, ...]:
        """The lead figures, by bank also the needs each bank received."""
        return lead_measures(before=True, by_bank=self.grouping.by == BANK or self.scope.bank)

    @property
    def counted(self) -> tuple[Measure, ...]:
        """The lead figures counted (with the day sums: the medians' counts too)."""
        counted = tuple(m for m in self.measures if m.median is None)
        return counted + tuple(timed(m) for m in self.medians) if self.summed else counted

    @property
    def medians(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.median)


@dataclass(frozen=True, slots=True)
class _Report:
    session: Session
    shape: _Shape
    values: dict[str, Any]  # what the statements' parameters are bound to

    @property
    def grouping(self) -> _Grouping:
        return self.shape.grouping


@dataclass(frozen=True, slots=True)
class _Query:
    """A report's statement and what its columns are: the group's key (`keyed`), then the
    figures `names`."""

    statement: Any
    names: tuple[str, ...]
    keyed: bool


def progress_figures(
    session: Session, scope: ReportScope, period: Period, group: str | None, as_of: datetime
) -> Figures:
    """Figures per raw group key (a bank, park or source id, a county, a week's Monday as ISO
    text), and for the whole scope under TOTAL (only that, when `group` is None). By week, each
    week of the period has its row (the first and the last cut to the period). A group, or a
    figure, with nothing to count is left out (a count of 0, a median of none)."""
    mondays = _mondays(period) if group == WEEK else []
    if len(mondays) == 1:  # the period's figures are its one week's
        total = progress_figures(session, scope, period, None, as_of).get(TOTAL, {})
        return {mondays[0]: total, **({TOTAL: total} if total else {})}
    # for everyone, the day sums, exact with the changes since the mark they were made at, if
    # no refresh is moving them (held still while the report reads); else the copies, exact
    # whenever they move
    held = held_mark(session) if scope == ReportScope() and group in _SUMMED else None
    summed = held is not None
    mark = held if held is not None else mark_of(session)
    shape = _Shape(dialect(session), ScopeShape.of(scope), _Grouping(group), summed)
    today = as_of.astimezone(CHINA_TZ).date()
    since = datetime.combine(today, time.min, tzinfo=CHINA_TZ).astimezone(UTC)
    values = {
        "first_day": day_of(period.date_from),
        "last_day": day_of(period.date_to),
        "as_of_day": day_of(today),
        "touched_since": period.start - CLOCK_SKEW,
        "since": since,
        "as_of": as_of,
        "period_start": period.start,
        "period_end": period.end,
        **mark_values(mark),
        **scope_values(scope),
    }
    report = _Report(session, shape, values)
    figures: Figures = defaultdict(dict)
    if summed:  # in one read: the leads', the visits', and but by bank the needs' day sums
        needs = NEED_MEASURES if group != BANK else ()
        _add_day_sums(report, figures, (*shape.counted, *VISIT_MEASURES, *needs))
    if group == WEEK:
        _count_leads_by_week(report, figures)
    else:
        _run(report, figures, _lead_counts(shape))
    if since < as_of and since < period.end and as_of > period.start:
        _count_overdue_today(report, figures, since)
    if scope.bank_id is None:  # needs registered; by bank, only the total's (each need once,
        _count_needs(report, figures)  # not the sum of the banks')
    _count_visits(report, figures)
    if summed and shape.dialect == "postgresql":
        rank_medians(session, figures, shape.medians, group, values)
    else:  # SQLite with the day sums too: the medians want every lead's row, not the changes
        _medians(report, figures)
    listed = {k: _counted(f) for k, f in figures.items()}
    listed = {k: f for k, f in listed.items() if f}
    return {**{monday: {} for monday in mondays}, **listed}


def _counted(found: dict[str, Any]) -> dict[str, Any]:
    """A group's figures less those with nothing to count (and the medians' counts)."""
    return {
        n: v
        for n, v in found.items()
        if v is not None and (v != 0 or isinstance(v, float)) and not n.endswith("_n")
    }


def _add_day_sums(
    report: _Report, figures: Figures, measures: tuple[Measure, ...], *, needs: bool = False
) -> None:
    """Add the day sums of the measures to each group's figures and to the total's (by bank,
    the needs registered only to the total's: each need once)."""
    by = report.grouping.by
    if by == BANK and needs:
        by = None
    dim = by if by in DIMS else WHOLE
    found = read_day_sums(
        report.session,
        dim=dim,
        by=None if by is None else WEEK if by == WEEK else "key",
        measures=measures,
        values=report.values,
    )
    names = [m.name for m in measures]
    for k, values in found.items():
        if by is not None:
            _add(figures[report.grouping.found(k)], names, values)
        _add(figures[TOTAL], names, values)


def _mondays(period: Period) -> list[str]:
    first = period.date_from - timedelta(days=period.date_from.weekday())
    weeks = (period.date_to - first).days // 7 + 1
    return [(first + timedelta(weeks=n)).isoformat() for n in range(weeks)]


@cache
def _leads(shape: _Shape, *, changes: bool) -> Any:
    """The lead rows in the shape's scope (`changes`: what changed since the mark)."""
    rows = lead_changes if changes else lead_rows
    return rows(MARK, shape.scope.bound(), shape.dialect)


def _touched(leads: Any) -> ColumnElement[bool]:
    """The leads with a moment or a deadline that may fall in the period: made before it ends
    and changed since it began (less the clock skew: a step's reported time may lie that far
    after the change that recorded it), or with deadlines spanning part of it (a lead's
    deadlines all lie between `accept_by` and `final_by`: `matching.leads`)."""
    first, last = DAYS
    r = leads.c
    changed = and_(r.updated_at >= _TOUCHED_SINCE, r.created_day <= last)
    return or_(changed, and_(r.final_by_day >= first, r.accept_by_day <= last))


def _grouped(key: Any, named: list[tuple[str, Any]], query: Any) -> _Query:
    """`query` with the `named` counts and sums per `key` (None: over it all)."""
    names = tuple(n for n, _ in named)
    aggregates = [aggregate for _, aggregate in named]
    if key is None:
        return _Query(query.with_only_columns(*aggregates), names, keyed=False)
    return _Query(query.with_only_columns(key, *aggregates).group_by(key), names, keyed=True)


def _run(report: _Report, figures: Figures, query: _Query) -> None:
    """Run `query`, adding each group's values to the group's figures and to the total's; with
    no key, to the total's alone."""
    found = report.session.execute(query.statement, report.values).all()
    if not query.keyed:
        for row in found:
            _add(figures[TOTAL], query.names, row)
        return
    for k, *values in found:
        for into in (figures[report.grouping.found(k)], figures[TOTAL]):
            _add(into, query.names, values)


def _add(into: dict[str, Any], names: tuple[str, ...] | list[str], found: Any) -> None:
    for name, value in zip(names, found, strict=True):
        into[name] = into.get(name, 0) + int(value or 0)


@cache
def _lead_counts(shape: _Shape) -> _Query:
    """One pass over the leads the period touches, a filtered aggregate per figure."""
    leads = _leads(shape, changes=shape.summed)
    named = [(m.name, aggregate(m, leads, DAYS)) for m in shape.counted]
    key = shape.grouping.key(leads, "created_day")
    return _grouped(key, named, select().select_from(leads).where(_touched(leads)))


def _count_needs(report: _Report, figures: Figures) -> None:
    """Needs registered in the period, leaving out those superseded when the firm registered
    again: by bank, the total's alone, in place of the sum of the banks' (each need once)."""
    by_bank = report.grouping.by == BANK
    found: Figures = defaultdict(dict)
    if report.shape.summed and by_bank:  # the day sums' are in (by bank, the total's are here)
        _add_day_sums(report, found, NEED_MEASURES, needs=True)
    _run(report, found, _need_counts(report.shape))
    if by_bank:
        figures[TOTAL].update(found[TOTAL])
        return
    for k, values in found.items():
        _add(figures[k], list(values), list(values.values()))


@cache
def _need_counts(shape: _Shape) -> _Query:
    rows = need_changes if shape.summed else need_rows
    needs = rows(MARK, shape.scope.bound(), shape.dialect)
    query = select().select_from(needs).where(on_days(needs.c.created_day, *DAYS))
    named = [(m.name, aggregate(m, needs, DAYS)) for m in NEED_MEASURES]
    return _grouped(shape.grouping.key(needs, "created_day", needs=True), named, query)


def _count_visits(report: _Report, figures: Figures) -> None:
    """Visits recorded in the period (placed by the event log's time, when the manager recorded
    them), and those the manager marked effective."""
    _run(report, figures, _visit_counts(report.shape))


@cache
def _visit_counts(shape: _Shape) -> _Query:
    rows = visit_changes if shape.summed else visit_rows  # summed: what was logged since
    visits = rows(MARK, shape.scope.bound(), shape.dialect)
    query = select().select_from(visits).where(on_days(visits.c.day, *DAYS))
    named = [(m.name, aggregate(m, visits, DAYS)) for m in VISIT_MEASURES]
    return _grouped(shape.grouping.key(visits, "day"), named, query)


def _count_overdue_today(report: _Report, figures: Figures, since: datetime) -> None:
    """The deadlines due on the report's own day, before its moment, and missed: counted from
    the leads themselves (the rows count only the days wholly before it)."""
    query = _overdue_counts(report.shape)
    if report.grouping.by != WEEK:
        _run(report, figures, query)
        return
    monday = since.astimezone(CHINA_TZ).date()  # all due on the one day: one week
    monday -= timedelta(days=monday.weekday())
    for row in report.session.execute(query.statement, report.values):
        counted = [(n, v) for n, v in zip(query.names, row, strict=True) if v]
        if not counted:  # none: no group made for it (as the other figures do)
            continue
        for into in (figures[monday.isoformat()], figures[TOTAL]):
            _add(into, [n for n, _ in counted], [v for _, v in counted])


@cache
def _overdue_counts(shape: _Shape) -> _Query:
    scope = shape.scope.bound()
    deadlines = overdue_today(scope, _PERIOD, _SINCE, _AS_OF)
    named = [(f"overdue_{d.removesuffix('_by')}", func.count().filter(c)) for d, _, c in deadlines]
    query = (
        select()
        .select_from(Assignment)
        .where(col(Assignment.id).in_(due_between(scope, _SINCE, _AS_OF)))
    )
    by = shape.grouping.by
    key = getattr(Assignment, _COPIED[by]) if by not in (None, WEEK) else None
    return _grouped(key, named, query)


def _count_leads_by_week(report: _Report, figures: Figures) -> None:
    """One pass grouped by the week of each day at once (NULL where the day falls outside the
    period): a few thousand groups however many leads, as a lead's steps follow each other
    within weeks; each figure then goes to the week of its own day, and to the total."""
    query, used = _lead_counts_by_week(report.shape)
    measures = report.shape.counted
    slot = {day: i for i, day in enumerate(used)}
    for row in report.session.execute(query, report.values).all():
        for measure, value in zip(measures, row[len(used) :], strict=True):
            week = week_key_of_day(row[slot[measure.day]])
            if week is not None:
                for into in (figures[week], figures[TOTAL]):
                    _add(into, [measure.name], [value])


@cache
def _lead_counts_by_week(shape: _Shape) -> tuple[Any, tuple[str, ...]]:
    """The statement of `_count_leads_by_week`, and the day columns its weeks are of."""
    leads, measures = _leads(shape, changes=shape.summed), shape.counted
    used = tuple(dict.fromkeys(m.day for m in measures))
    weeks = [case((on_days(leads.c[day], *DAYS), monday_of(leads.c[day]))) for day in used]
    aggregates = [aggregate(m, leads, None) for m in measures]
    query = select(*weeks, *aggregates).select_from(leads).where(_touched(leads)).group_by(*weeks)
    return query, used


def _medians(report: _Report, figures: Figures) -> None:
    """Each median's over the leads whose day falls in the period, per group and over the
    whole scope: on PostgreSQL, those with one key (all but by week) in one pass; on SQLite,
    per group, then over the whole scope (see `report_sql.medians`)."""
    for measures, query, keyed in _median_queries(report.shape):
        rows = report.session.execute(query, report.values)
        if report.shape.dialect != "postgresql":
            into = report.grouping.found if keyed else lambda _: TOTAL
            for k, median in medians_found(rows, keyed=keyed).items():
                figures[into(k)][measures[0].name] = median
            continue
        if keyed:
            found = [(TOTAL if total else report.grouping.found(k), *v) for k, total, *v in rows]
        else:
            found = [(TOTAL, *row) for row in rows]
        for k, *values in found:
            for measure, value in zip(measures, values, strict=True):
                figures[k][measure.name] = float(value) if value is not None else None


@cache
def _median_queries(shape: _Shape) -> tuple[tuple[tuple[Measure, ...], Any, bool], ...]:
    """The statements of `_medians`: each with the measures it gives and whether its rows
    are keyed by group."""
    leads = _leads(shape, changes=False)
    touched = _touched(leads)
    grouping = shape.grouping
    found: list[tuple[tuple[Measure, ...], Any, bool]] = []
    if shape.dialect != "postgresql":
        for measure in shape.medians:
            key = grouping.key(leads, measure.day)
            rows = select(leads.c.id).where(touched, falls_in(measure, leads, DAYS))
            value = leads.c[measure.median]
            for k in (key, None) if key is not None else (None,):
                query = median_query(key=k, value=value, rows=rows)
                found.append(((measure,), query, k is not None))
        return tuple(found)
    medians = shape.medians
    for batch in [(m,) for m in medians] if grouping.by == WEEK else [medians]:
        whens = [falls_in(m, leads, DAYS) for m in batch]
        found_medians = [
            func.percentile_cont(0.5).within_group(leads.c[m.median]).filter(when)
            for m, when in zip(batch, whens, strict=True)
        ]
        rows = select().select_from(leads).where(touched, or_(*whens))
        key = grouping.key(leads, batch[0].day)
        if key is None:
            found.append((batch, rows.with_only_columns(*found_medians), False))
            continue
        grouped = rows.with_only_columns(key, func.grouping(key), *found_medians).group_by(
            func.grouping_sets(tuple_(key), tuple_())
        )
        found.append((batch, grouped, True))
    return tuple(found)

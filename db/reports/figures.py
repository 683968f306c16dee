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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import and_, case, func, or_, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from db.leads.assignments import CLOCK_SKEW
from db.models import Assignment
from db.reports.copies import (
    Mark,
    held_mark,
    lead_changes,
    lead_rows,
    mark_of,
    need_changes,
    need_rows,
    visit_changes,
    visit_rows,
)
from db.reports.day_sums import DIMS, WHOLE, read_day_sums
from db.reports.lead_rows import (
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
from db.reports.scope import Period, ReportScope
from db.reports.sql import day_of, dialect, medians, monday_of, week_key_of_day
from matching.workdays import CHINA_TZ

TOTAL: Final = "total"
"""The key under which the figures of the whole scope come back."""

BANK, PARK, COUNTY, SOURCE, WEEK, CHANNEL = "bank", "park", "county", "source", "week", "channel"
Figures = dict[Any, dict[str, Any]]
_COPIED: Final = {**DIMS, CHANNEL: "channel"}  # the copies' column of each grouping but by week
_SUMMED: Final = frozenset({None, WEEK, *DIMS})
"""Groupings the day sums are kept for (by channel: the copies, three groups at most)."""


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
class _Report:
    session: Session
    scope: ReportScope
    period: Period
    days: tuple[int, int]  # the period's first and last day numbers
    grouping: _Grouping
    mark: Mark
    dialect: str
    summed: bool  # read the day sums and what changed since the copies' mark (for everyone)


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
    days = (day_of(period.date_from), day_of(period.date_to))
    # for everyone, the day sums, exact with the changes since the mark they were made at, if
    # no refresh is moving them (held still while the report reads); else the copies, exact
    # whenever they move
    held = held_mark(session) if scope == ReportScope() and group in _SUMMED else None
    summed = held is not None
    mark = held if held is not None else mark_of(session)
    report = _Report(session, scope, period, days, _Grouping(group), mark, dialect(session), summed)
    figures: Figures = defaultdict(dict)
    today = as_of.astimezone(CHINA_TZ).date()
    measures = lead_measures(day_of(today), by_bank=group == BANK or scope.bank_id is not None)
    counted = [m for m in measures if m.median is None]
    medians = [m for m in measures if m.median]
    if summed:  # in one read: the leads', the visits', and but by bank the needs' day sums
        counted += [timed(m) for m in medians]
        needs = NEED_MEASURES if group != BANK else ()
        _add_day_sums(report, figures, [*counted, *VISIT_MEASURES, *needs])
        leads = lead_changes(session, report.mark, scope, report.dialect)
    else:
        leads = lead_rows(session, report.mark, scope, report.dialect)
    touched = _touched(leads, period, days)
    if group == WEEK:
        _count_leads_by_week(report, figures, leads, touched, counted)
    else:
        named = [(m.name, aggregate(m, leads, days)) for m in counted]
        key = report.grouping.key(leads, "created_day")
        _run(report, figures, key, named, select().select_from(leads).where(touched))
    since = datetime.combine(today, time.min, tzinfo=CHINA_TZ).astimezone(UTC)
    if since < as_of and since < period.end and as_of > period.start:
        _count_overdue_today(report, figures, since, as_of)
    if scope.bank_id is None:  # needs registered; by bank, only the total's (each need once,
        _count_needs(report, figures)  # not the sum of the banks')
    _count_visits(report, figures)
    if summed and report.dialect == "postgresql":
        rank_medians(session, report.mark, figures, medians, days, group)
    else:
        if summed:  # SQLite: the medians want every lead's row, not the changes alone
            leads = lead_rows(session, report.mark, scope, report.dialect)
            touched = _touched(leads, period, days)
        _medians(report, figures, leads, touched, medians)
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
    report: _Report, figures: Figures, measures: Sequence[Measure], *, needs: bool = False
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
        days=report.days,
        measures=measures,
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


def _touched(leads: Any, period: Period, days: tuple[int, int]) -> ColumnElement[bool]:
    """The leads with a moment or a deadline that may fall in the period: made before it ends
    and changed since it began (less the clock skew: a step's reported time may lie that far
    after the change that recorded it), or with deadlines spanning part of it (a lead's
    deadlines all lie between `accept_by` and `final_by`: `matching.leads`)."""
    first, last = days
    r = leads.c
    changed = and_(r.updated_at >= period.start - CLOCK_SKEW, r.created_day <= last)
    return or_(changed, and_(r.final_by_day >= first, r.accept_by_day <= last))


def _run(
    report: _Report,
    figures: Figures,
    key: Any,
    named: Sequence[tuple[str, Any]],
    query: Any,
) -> None:
    """Run `query` with the `named` counts and sums per `key`, adding each group's values to
    the group's figures and to the total's; with no key, to the total's alone."""
    aggregates = [aggregate for _, aggregate in named]
    names = [n for n, _ in named]
    if key is None:
        for row in report.session.execute(query.with_only_columns(*aggregates)).all():
            _add(figures[TOTAL], names, row)
        return
    grouped = query.with_only_columns(key, *aggregates).group_by(key)
    for k, *found in report.session.execute(grouped).all():
        for into in (figures[report.grouping.found(k)], figures[TOTAL]):
            _add(into, names, found)


def _add(into: dict[str, Any], names: Sequence[str], found: Sequence[Any]) -> None:
    for name, value in zip(names, found, strict=True):
        into[name] = into.get(name, 0) + int(value or 0)


def _count_needs(report: _Report, figures: Figures) -> None:
    """Needs registered in the period, leaving out those superseded when the firm registered
    again: by bank, the total's alone, in place of the sum of the banks' (each need once)."""
    by_bank = report.grouping.by == BANK
    found: Figures = defaultdict(dict)
    if report.summed:  # the day sums' are in (by bank, the total's are read here)
        if by_bank:
            _add_day_sums(report, found, NEED_MEASURES, needs=True)
        needs = need_changes(report.session, report.mark, report.scope, report.dialect)
    else:
        needs = need_rows(report.session, report.mark, report.scope, report.dialect)
    query = select().select_from(needs).where(on_days(needs.c.created_day, *report.days))
    named = [(m.name, aggregate(m, needs, report.days)) for m in NEED_MEASURES]
    key = report.grouping.key(needs, "created_day", needs=True)
    _run(report, found, key, named, query)
    if by_bank:
        figures[TOTAL].update(found[TOTAL])
        return
    for k, values in found.items():
        _add(figures[k], list(values), list(values.values()))


def _count_visits(report: _Report, figures: Figures) -> None:
    """Visits recorded in the period (placed by the event log's time, when the manager recorded
    them), and those the manager marked effective."""
    scope, mark = report.scope, report.mark
    if report.summed:  # the day sums' are in: what was logged since
        visits = visit_changes(report.session, mark, scope, report.dialect)
    else:
        visits = visit_rows(report.session, mark, scope, report.dialect)
    query = select().select_from(visits).where(on_days(visits.c.day, *report.days))
    named = [(m.name, aggregate(m, visits, report.days)) for m in VISIT_MEASURES]
    _run(report, figures, report.grouping.key(visits, "day"), named, query)


def _count_overdue_today(
    report: _Report, figures: Figures, since: datetime, as_of: datetime
) -> None:
    """The deadlines due on the report's own day, before its moment, and missed: counted from
    the leads themselves (the rows count only the days wholly before it)."""
    deadlines = overdue_today(report.scope, report.period, since, as_of)
    named = [(f"overdue_{d.removesuffix('_by')}", func.count().filter(c)) for d, _, c in deadlines]
    query = (
        select()
        .select_from(Assignment)
        .where(col(Assignment.id).in_(due_between(report.scope, since, as_of)))
    )
    by = report.grouping.by
    if by == WEEK:  # all due on the one day: one week
        monday = since.astimezone(CHINA_TZ).date()
        monday -= timedelta(days=monday.weekday())
        for row in report.session.execute(query.with_only_columns(*(a for _, a in named))):
            counted = [(n, v) for (n, _), v in zip(named, row, strict=True) if v]
            if not counted:  # none: no group made for it (as the other figures do)
                continue
            for into in (figures[monday.isoformat()], figures[TOTAL]):
                _add(into, [n for n, _ in counted], [v for _, v in counted])
        return
    key = getattr(Assignment, _COPIED[by]) if by is not None else None
    _run(report, figures, key, named, query)


def _count_leads_by_week(
    report: _Report,
    figures: Figures,
    leads: Any,
    touched: ColumnElement[bool],
    measures: Sequence[Measure],
) -> None:
    """One pass grouped by the week of each day at once (NULL where the day falls outside the
    period): a few thousand groups however many leads, as a lead's steps follow each other
    within weeks; each figure then goes to the week of its own day, and to the total."""
    used = list(dict.fromkeys(m.day for m in measures))
    weeks = [case((on_days(leads.c[day], *report.days), monday_of(leads.c[day]))) for day in used]
    aggregates = [aggregate(m, leads, None) for m in measures]
    query = select(*weeks, *aggregates).select_from(leads).where(touched).group_by(*weeks)
    slot = {day: i for i, day in enumerate(used)}
    for row in report.session.execute(query).all():
        for measure, value in zip(measures, row[len(weeks) :], strict=True):
            week = week_key_of_day(row[slot[measure.day]])
            if week is not None:
                for into in (figures[week], figures[TOTAL]):
                    _add(into, [measure.name], [value])


def _medians(
    report: _Report,
    figures: Figures,
    leads: Any,
    touched: ColumnElement[bool],
    measures: Sequence[Measure],
) -> None:
    """Each measure's median over the leads whose day falls in the period, per group and over
    the whole scope: on PostgreSQL, those with one key (all but by week) in one pass."""
    grouping = report.grouping
    if report.dialect != "postgresql":
        for measure in measures:
            _median_sqlite(report, figures, leads, touched, measure)
        return
    for batch in [[m] for m in measures] if grouping.by == WEEK else [list(measures)]:
        whens = [falls_in(m, leads, report.days) for m in batch]
        found_medians = [
            func.percentile_cont(0.5).within_group(leads.c[m.median]).filter(when)
            for m, when in zip(batch, whens, strict=True)
        ]
        rows = select().select_from(leads).where(touched, or_(*whens))
        key = grouping.key(leads, batch[0].day)
        if key is None:
            query = rows.with_only_columns(*found_medians)
            found = [(TOTAL, *row) for row in report.session.execute(query)]
        else:
            grouped = rows.with_only_columns(key, func.grouping(key), *found_medians).group_by(
                func.grouping_sets(tuple_(key), tuple_())
            )
            found = [
                (TOTAL if is_total else grouping.found(k), *values)
                for k, is_total, *values in report.session.execute(grouped)
            ]
        for k, *values in found:
            for measure, value in zip(batch, values, strict=True):
                figures[k][measure.name] = float(value) if value is not None else None


def _median_sqlite(
    report: _Report,
    figures: Figures,
    leads: Any,
    touched: ColumnElement[bool],
    measure: Measure,
) -> None:
    """SQLite: one median per group, then over the whole scope (see `report_sql.medians`)."""
    key = report.grouping.key(leads, measure.day)
    rows = select(leads.c.id).where(touched, falls_in(measure, leads, report.days))
    value = leads.c[measure.median]
    for k in (key, None) if key is not None else (None,):
        for found, median in medians(report.session, key=k, value=value, rows=rows).items():
            into = TOTAL if k is None else report.grouping.found(found)
            figures[into][measure.name] = median

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

Each statement is built once per shape of report (the database, the grouping, which of the
scope's narrowings are set: `_Shape`), the period's bounds, the report's moment and the scope's
values bound when it runs: built afresh for every report, the statements cost the tests more
than the database took to run them. (The reference's own statements: none of the report's.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from db.core.vocabulary import ONLINE, NeedStatus
from db.models import Assignment, Event, Need, VisitCheck
from db.reports.scope import Period, ReportScope, in_scope
from db.reports.sql import dialect, median_query, medians_found, week_key, week_of
from tests.db.report_reference_leads import (
    Measure,
    aggregate,
    changed,
    falls_in,
    hours_of,
    lead_measures,
    moments,
    touched,
    values,
    within,
)

TOTAL: Final = "total"
"""The key under which the figures of the whole scope come back."""

BANK, PARK, COUNTY, SOURCE, WEEK = "bank", "park", "county", "source", "week"
Figures = dict[Any, dict[str, Any]]
_COPIED: Final = {
    BANK: "bank_id", PARK: "park_id", COUNTY: "county", SOURCE: "source_id", "channel": "channel",
}
_SCOPE_FIELDS: Final = ("region", "bank_id", "park_id", "source_id", "channel")


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


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the statements of a report depend on but their bound values: each is built once
    per shape."""

    grouping: _Grouping
    narrowed: tuple[str, ...]  # the scope's fields that are set

    @classmethod
    def of(cls, session: Session, scope: ReportScope, group: str | None) -> _Shape:
        narrowed = tuple(f for f in _SCOPE_FIELDS if getattr(scope, f) is not None)
        return cls(_Grouping(group, dialect(session)), narrowed)

    @property
    def scope(self) -> ReportScope:
        """A scope of this shape whose values are bound parameters (`_scope_values`)."""
        bound: dict[str, Any] = {f: bindparam(f"scope_{f}") for f in self.narrowed}
        return ReportScope(**bound)

    @property
    def by_bank(self) -> bool:
        return self.grouping.by == BANK or "bank_id" in self.narrowed


def _scope_values(scope: ReportScope) -> dict[str, Any]:
    """What the parameters of `_Shape.scope` are bound to."""
    return {f"scope_{f}": getattr(scope, f) for f in _SCOPE_FIELDS if getattr(scope, f) is not None}


@dataclass(frozen=True, slots=True)
class _Query:
    """A statement and what its columns are: the group's key (`keyed`), then the figures."""

    statement: Any
    names: tuple[str, ...]
    keyed: bool


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
    shape = _Shape.of(session, scope, group)
    bound = {**values(period, as_of), **_scope_values(scope)}
    db = session.connection()  # Core statements alone: none of the ORM's work per statement
    figures: Figures = defaultdict(dict)
    figures.update({monday: {} for monday in mondays})
    if group == WEEK:
        _count_leads_by_week(db, figures, bound, *_lead_counts_by_week(shape))
    else:
        _run(db, figures, shape.grouping, _lead_counts(shape), bound)
    if scope.bank_id is None:  # needs registered; by bank, only the total's (each need once,
        _run(db, figures, shape.grouping, _need_counts(shape), bound)  # not the banks')
    _run(db, figures, shape.grouping, _visit_counts(shape), bound)
    _medians(db, figures, shape.grouping, _median_queries(shape), bound)
    return dict(figures)


def _mondays(period: Period) -> list[str]:
    first = period.date_from - timedelta(days=period.date_from.weekday())
    weeks = (period.date_to - first).days // 7 + 1
    return [(first + timedelta(weeks=n)).isoformat() for n in range(weeks)]


@cache
def _measures(shape: _Shape) -> tuple[Any, list[Measure]]:
    """The leads the period touches, and the lead figures (by bank: the needs received too)."""
    leads, kept = touched(shape.scope, superseded_apart=shape.by_bank)
    return leads, lead_measures(kept)


def _grouped(
    key: ColumnElement[Any] | None, named: Sequence[tuple[str, Any]], query: Any
) -> _Query:
    """`query` with the `named` counts and sums per `key` (None: over it all)."""
    names = tuple(n for n, _ in named)
    aggregates = [aggregate for _, aggregate in named]
    if key is None:
        return _Query(query.with_only_columns(*aggregates), names, keyed=False)
    return _Query(query.with_only_columns(key, *aggregates).group_by(key), names, keyed=True)


def _run(
    db: Connection, figures: Figures, grouping: _Grouping, query: _Query, bound: dict[str, Any]
) -> None:
    """Run `query`, adding each group's values to the group's figures and to the total's; with
    no key, the values are the total's."""
    if not query.keyed:
        for row in db.execute(query.statement, bound).all():
            figures[TOTAL].update(zip(query.names, (int(v or 0) for v in row), strict=True))
        return
    for k, *found in db.execute(query.statement, bound).all():
        for into in (figures[grouping.found(k)], figures[TOTAL]):
            _add(into, query.names, found)


def _add(into: dict[str, Any], names: Sequence[str], found: Sequence[Any]) -> None:
    for name, value in zip(names, found, strict=True):
        into[name] = into.get(name, 0) + int(value or 0)


@cache
def _lead_counts(shape: _Shape) -> _Query:
    """The lead figures counted, one pass over the leads the period touches."""
    leads, measures = _measures(shape)
    named = [(m.name, aggregate(m, placed=True)) for m in measures if m.median is None]
    return _grouped(shape.grouping.key(Assignment, None), named, leads)


@cache
def _need_counts(shape: _Shape) -> _Query:
    """Needs registered in the period, leaving out those superseded when the firm registered
    again."""
    moment = col(Need.created_at)
    query = select(col(Need.id)).where(
        within(moment),
        col(Need.status) != NeedStatus.SUPERSEDED,
        *in_scope(shape.scope, leads=False),
    )
    named = [
        ("needs", func.count()),
        ("online_needs", func.count().filter(col(Need.channel).in_(ONLINE))),
        ("first_loan_needs", func.count().filter(col(Need.first_loan).is_(True))),
    ]
    return _grouped(shape.grouping.key(Need, moment), named, query)


@cache
def _visit_counts(shape: _Shape) -> _Query:
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
        .where(col(Event.kind) == "visited", within(at), *in_scope(shape.scope))
        .where(changed())  # recording a visit stamps its lead's updated_at: fewer to join
    )
    named = [("visits", func.count()), ("effective_visits", func.count().filter(effective))]
    return _grouped(shape.grouping.key(Assignment, at), named, query)


def _count_leads_by_week(
    db: Connection,
    figures: Figures,
    bound: dict[str, Any],
    query: Any,
    slot: dict[str, int],
    measures: Sequence[Measure],
) -> None:
    """One pass grouped by the week of each moment at once (NULL where the moment falls outside
    the period): a few thousand groups however many leads, as a lead's steps follow each other
    within weeks; each figure then goes to the week of its own moment, and to the total."""
    for row in db.execute(query, bound).all():
        for measure, value in zip(measures, row[len(slot) :], strict=True):
            week = week_key(row[slot[measure.moment]])
            if week is not None:
                for into in (figures[week], figures[TOTAL]):
                    _add(into, [measure.name], [value])


@cache
def _lead_counts_by_week(shape: _Shape) -> tuple[Any, dict[str, int], list[Measure]]:
    """The statement of `_count_leads_by_week`, the column of each moment's week in its rows,
    and the figures counted."""
    leads, measures = _measures(shape)
    counted = [m for m in measures if m.median is None]
    used = {m: at for m, at in moments().items() if any(x.moment == m for x in counted)}
    name = shape.grouping.dialect
    weeks = [case((within(at), week_of(name, at))) for at in used.values()]
    aggregates = [aggregate(m, placed=False) for m in counted]
    query = leads.with_only_columns(*weeks, *aggregates).group_by(*weeks)
    return query, {m: i for i, m in enumerate(used)}, counted


def _medians(
    db: Connection,
    figures: Figures,
    grouping: _Grouping,
    queries: Sequence[tuple[Sequence[Measure], Any, bool]],
    bound: dict[str, Any],
) -> None:
    """Each measure's median over the leads whose moment falls in the period, per group and
    over the whole scope: on PostgreSQL, those with one key (all but by week) in one pass; on
    SQLite, per group, then over the whole scope (see `db.reports.sql.median_query`)."""
    for measures, query, keyed in queries:
        rows = db.execute(query, bound)
        if grouping.dialect != "postgresql":
            for k, median in medians_found(rows, keyed=keyed).items():
                figures[grouping.found(k) if keyed else TOTAL][measures[0].name] = median
            continue
        if keyed:
            found = [(TOTAL if is_total else grouping.found(k), *v) for k, is_total, *v in rows]
        else:
            found = [(TOTAL, *row) for row in rows]
        for k, *medians in found:
            for measure, value in zip(measures, medians, strict=True):
                figures[k][measure.name] = float(value) if value is not None else None


@cache
def _median_queries(shape: _Shape) -> tuple[tuple[tuple[Measure, ...], Any, bool], ...]:
    """The statements of `_medians`, each with the measures it gives and whether its rows are
    keyed by group."""
    leads, measures = _measures(shape)
    medians = [m for m in measures if m.median]
    grouping, name = shape.grouping, shape.grouping.dialect
    found: list[tuple[tuple[Measure, ...], Any, bool]] = []
    if name != "postgresql":
        for measure in medians:
            key = grouping.key(Assignment, moments()[measure.moment])
            rows = leads.where(falls_in(measure))
            hours = hours_of(name, measure)
            for k in (key, None) if key is not None else (None,):
                found.append(
                    ((measure,), median_query(key=k, value=hours, rows=rows), k is not None)
                )
        return tuple(found)
    for batch in [[m] for m in medians] if grouping.by == WEEK else [medians]:
        whens = [falls_in(m) for m in batch]
        percentiles = [
            func.percentile_cont(0.5).within_group(hours_of(name, m)).filter(when)
            for m, when in zip(batch, whens, strict=True)
        ]
        rows = leads.where(or_(*whens))
        key = grouping.key(Assignment, moments()[batch[0].moment])
        if key is None:
            found.append((tuple(batch), rows.with_only_columns(*percentiles), False))
            continue
        grouped = rows.with_only_columns(key, func.grouping(key), *percentiles).group_by(
            func.grouping_sets(tuple_(key), tuple_())
        )
        found.append((tuple(batch), grouped, True))
    return tuple(found)

"""What the overview and the drill-downs show, gathered from the reports the API serves
(`db/reports.py`, `db/report_problems.py`, `db/report_coverage.py`) and the dashboard's own
queries (`db/dashboard_queries.py`), all within the viewer's narrowed scope. No figure is
worked out here; only read from a report's row and set beside the previous period's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlmodel import Session

from api.dashboard.filters import Filters, Narrowed
from db.dashboard_queries import OverdueLead, SourceFunnel, overdue_leads, source_funnels
from db.report_scope import Period
from db.reports import (
    GroupBy,
    ParkCoverage,
    Problem,
    Progress,
    ProgressReport,
    coverage,
    problems,
    progress,
)

PROBLEM_LIMIT: Final = 200
_BY_STANDARD: Final = ("standards_failed", "credit_repair")  # counted once per failed standard
TREND_WEEKS: Final = 8


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline figure: `kind` count, money (yuan) or ratio (0–1)."""

    key: str
    kind: str
    value: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.before is None:
            return None
        return self.value - self.before


HEADLINES: Final = (
    ("needs", "count"),
    ("offered", "count"),
    ("accepted", "count"),
    ("effective_visits", "count"),
    ("effective_visit_ratio", "ratio"),
    ("first_loan_ratio", "ratio"),
    ("online_rate", "ratio"),
    ("credit_granted", "count"),
    ("credit_amount_yuan", "money"),
    ("loans_issued", "count"),
)


def headlines(now_row: Progress, before_row: Progress) -> tuple[Headline, ...]:
    return tuple(
        Headline(key, kind, getattr(now_row, key), getattr(before_row, key))
        for key, kind in HEADLINES
    )


@dataclass(frozen=True, slots=True)
class Overview:
    filters: Filters
    narrowed: Narrowed
    headlines: tuple[Headline, ...]
    by_bank: tuple[Progress, ...]  # the period's figures per bank
    weeks: tuple[Progress, ...]  # the weekly trend: the period's weeks, or the last eight
    funnels: tuple[SourceFunnel, ...]
    parks: tuple[ParkCoverage, ...]
    overdue: tuple[OverdueLead, ...]
    overdue_total: int
    problems: tuple[Problem, ...]
    problem_counts: tuple[tuple[str, str, int], ...]  # (kind, cause, count) that occurred
    problems_cut: bool
    row_scoped: bool  # figures are a park's or a source's row: the bank chart is not narrowed


def _row(report: ProgressReport, key: str | None) -> Progress:
    """The figures of one group of the report (the whole scope's when `key` is None)."""
    if key is None:
        return report.total
    found = [row for row in report.rows if row.key == key]
    return found[0] if found else Progress(key, "")


def figures(
    session: Session, filters: Filters, narrowed: Narrowed, now: datetime, group: GroupBy
) -> tuple[ProgressReport, ProgressReport, str | None]:
    """This period's report and the previous one's, by `group` unless a park or a source
    filter asks for that group's row; and the key of that row (None: the whole scope)."""
    key: str | None = None
    if filters.park is not None:
        group, key = GroupBy.PARK, filters.park
    elif filters.source is not None:
        group, key = GroupBy.SOURCE, filters.source
    reports = tuple(
        progress(
            session,
            scope=narrowed.scope,
            date_from=f.date_from,
            date_to=f.date_to,
            group_by=group,
            now=now,
        )
        for f in (filters, filters.previous())
    )
    return reports[0], reports[1], key


def trend(
    session: Session, filters: Filters, narrowed: Narrowed, now: datetime
) -> tuple[Progress, ...]:
    """Weekly figures: the period's weeks when it spans two or more, else the eight weeks
    ending with it."""
    first = filters.date_from
    if filters.days < 14:
        monday = filters.date_to - timedelta(days=filters.date_to.weekday())
        first = monday - timedelta(weeks=TREND_WEEKS - 1)
    report = progress(
        session,
        scope=narrowed.scope,
        date_from=first,
        date_to=filters.date_to,
        group_by=GroupBy.WEEK,
        now=now,
    )
    return report.rows


def overview(session: Session, filters: Filters, narrowed: Narrowed, now: datetime) -> Overview:
    current, before, key = figures(session, filters, narrowed, now, GroupBy.BANK)
    by_bank = current if current.group_by is GroupBy.BANK else None
    if by_bank is None:
        by_bank = progress(
            session,
            scope=narrowed.scope,
            date_from=filters.date_from,
            date_to=filters.date_to,
            group_by=GroupBy.BANK,
            now=now,
        )
    period = Period.of(filters.date_from, filters.date_to)
    found = problems(
        session,
        scope=narrowed.scope,
        date_from=filters.date_from,
        date_to=filters.date_to,
        limit=PROBLEM_LIMIT,
    )
    items = found.items
    counts = tuple((c.kind.value, c.cause, c.count) for c in found.by_cause)
    if filters.park is not None:  # the park's own items, counted by their causes
        items = tuple(p for p in items if p.park == filters.park)
        tally: dict[tuple[str, str], int] = {}
        for p in items:
            for cause in p.cause.split(",") if p.kind.value in _BY_STANDARD else [p.cause]:
                tally[p.kind.value, cause] = tally.get((p.kind.value, cause), 0) + 1
        counts = tuple((kind, cause, n) for (kind, cause), n in tally.items())
    parks = coverage(session, scope=narrowed.scope).parks
    if filters.park is not None:
        parks = tuple(p for p in parks if p.code == filters.park)
    late, late_total = overdue_leads(
        session,
        scope=narrowed.scope,
        now=now,
        park_id=narrowed.park_id,
        source_id=narrowed.source_id,
    )
    return Overview(
        filters=filters,
        narrowed=narrowed,
        headlines=headlines(_row(current, key), _row(before, key)),
        by_bank=tuple(r for r in by_bank.rows if r.key is not None),
        weeks=trend(session, filters, narrowed, now),
        funnels=source_funnels(
            session, scope=narrowed.scope, period=period, source_id=narrowed.source_id
        ),
        parks=parks,
        overdue=late,
        overdue_total=late_total,
        problems=items,
        problem_counts=counts,
        problems_cut=found.truncated,
        row_scoped=key is not None,
    )

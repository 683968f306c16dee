"""What the overview and the drill-downs show, gathered from the reports the API serves
(`db/reports/progress.py`, `db/reports/problems.py`, `db/reports/coverage.py`) and the dashboard's
own queries (`db/reports/dashboard.py`), all within the viewer's narrowed scope. No figure is worked
out here; only read from a report's row and set beside the previous period's."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, TypeVar

from sqlmodel import Session

from api.dashboard.filters import Filters, Narrowed
from db.core.engine import reading
from db.core.vocabulary import Channel
from db.reports.dashboard import OverdueLead, SourceFunnel, overdue_leads, source_funnels
from db.reports.progress import (
    GroupBy,
    ParkCoverage,
    Problem,
    Progress,
    ProgressReport,
    coverage,
    problems,
    progress,
)
from db.reports.scope import Period, ReportScope

PROBLEM_LIMIT: Final = 30
OVERDUE_SHOWN: Final = 20  # the overview's share of the list; a drill-down shows more
_POOL: Final = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard")
"""Threads for the overview's parts; their reads wait on the database, not on Python."""
T = TypeVar("T")
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
    by_channel: tuple[Progress, ...]  # … per channel: bot, web, offline
    weeks: tuple[Progress, ...]  # the weekly trend: the period's weeks, or the last eight
    funnels: tuple[SourceFunnel, ...]
    parks: tuple[ParkCoverage, ...]
    overdue: tuple[OverdueLead, ...]
    overdue_total: int
    problems: tuple[Problem, ...]
    problem_counts: tuple[tuple[str, str, int], ...]  # (kind, cause, count) that occurred
    problems_cut: bool


def report(
    session: Session, scope: ReportScope, days: Filters, now: datetime, group: GroupBy
) -> ProgressReport:
    """The progress report of the scope over the filters' days, by `group`."""
    return progress(
        session,
        scope=scope,
        date_from=days.date_from,
        date_to=days.date_to,
        group_by=group,
        now=now,
    )


def figures(
    session: Session, scope: ReportScope, filters: Filters, now: datetime, group: GroupBy
) -> tuple[ProgressReport, ProgressReport]:
    """This period's report and the previous one's, by `group`."""
    return (
        report(session, scope, filters, now, group),
        report(session, scope, filters.previous(), now, group),
    )


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


def one_week(filters: Filters) -> bool:
    """The period is one calendar week, Monday to Sunday."""
    return filters.days == 7 and filters.date_from.weekday() == 0


def overview(session: Session, filters: Filters, narrowed: Narrowed, now: datetime) -> Overview:
    """Everything the overview shows. The parts are independent reads, so they run at once,
    each in a read-only session of its own (SQLite and PostgreSQL both read in parallel)."""
    engine = session.get_bind()
    scope = narrowed.scope

    def read(part: Callable[[Session], T]) -> Future[T]:
        def run() -> T:
            with reading(engine) as own:  # type: ignore[arg-type]
                return part(own)

        return _POOL.submit(run)

    weeks_f = read(lambda s: trend(s, filters, narrowed, now))
    banks_f = read(lambda s: report(s, scope, filters, now, GroupBy.BANK))
    channels_f = read(lambda s: report(s, scope, filters, now, GroupBy.CHANNEL))
    before_f = (
        None
        if one_week(filters)
        else read(lambda s: report(s, scope, filters.previous(), now, GroupBy.BANK).total)
    )
    problems_f = read(lambda s: _problems(s, filters, scope))
    rest_f = read(lambda s: _lists(s, filters, scope, now))
    weeks, by_bank = weeks_f.result(), banks_f.result()
    if before_f is None:
        # the weekly trend holds this week's figures and the week before's, as each week's own
        # report gives them (the figures headlined are counted ones, never medians)
        shown = headlines(weeks[-1], weeks[-2])
    else:
        shown = headlines(by_bank.total, before_f.result())
    items, counts, cut = problems_f.result()
    funnels, parks, late, late_total = rest_f.result()
    return Overview(
        filters=filters,
        narrowed=narrowed,
        headlines=shown,
        by_bank=tuple(r for r in by_bank.rows if r.key is not None),
        by_channel=by_channel(channels_f.result()),
        weeks=weeks,
        funnels=funnels,
        parks=parks,
        overdue=late,
        overdue_total=late_total,
        problems=items,
        problem_counts=counts,
        problems_cut=cut,
    )


CHANNELS: Final = tuple(Channel)


def by_channel(found: ProgressReport) -> tuple[Progress, ...]:
    """A row per channel, in one order, each present (a channel with nothing: zeros)."""
    rows = {r.key: r for r in found.rows}
    return tuple(rows.get(c.value) or Progress(c.value, c.value) for c in CHANNELS)


def _problems(
    session: Session, filters: Filters, scope: ReportScope
) -> tuple[tuple[Problem, ...], tuple[tuple[str, str, int], ...], bool]:
    """The newest key problems, their counts by cause, whether the list was cut."""
    found = problems(
        session,
        scope=scope,
        date_from=filters.date_from,
        date_to=filters.date_to,
        limit=PROBLEM_LIMIT,
    )
    counts = tuple((c.kind.value, c.cause, c.count) for c in found.by_cause)
    return found.items, counts, found.truncated


def _lists(
    session: Session, filters: Filters, scope: ReportScope, now: datetime
) -> tuple[tuple[SourceFunnel, ...], tuple[ParkCoverage, ...], tuple[OverdueLead, ...], int]:
    """The QR funnels, the parks' coverage, the leads past a deadline (and how many)."""
    period = Period.of(filters.date_from, filters.date_to)
    funnels = source_funnels(session, scope=scope, period=period)
    parks = coverage(session, scope=scope).parks
    late, total = overdue_leads(session, scope=scope, now=now, limit=OVERDUE_SHOWN)
    return funnels, parks, late, total

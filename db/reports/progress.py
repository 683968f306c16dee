"""Read-only reports for the coordination team (DOMAIN 10; 001 §六): progress per bank, park,
county, QR source or week; with the key-problem list (`db/reports/problems.py`) and park credit
coverage (`db/reports/coverage.py`), re-exported here.

Every figure is an SQL aggregate (`db/reports/figures.py`), so a report costs a handful of
grouped queries however many leads there are. A figure counts what happened in the period,
placed by the moment it happened (a lead accepted on Tuesday counts in Tuesday's week, whenever
it was offered). Reports hold no personal contact data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from db.core.engine import holds_write_turn
from db.core.errors import InvalidInput
from db.models import Bank, Park, QrSource, utcnow
from db.reports.copies import refresh
from db.reports.coverage import Coverage, ParkCoverage, coverage
from db.reports.figures import TOTAL, progress_figures
from db.reports.problems import Problem, ProblemCount, ProblemKind, Problems, problems
from db.reports.scope import Period, ReportScope

log = logging.getLogger(__name__)

__all__ = [
    "Coverage",
    "GroupBy",
    "ParkCoverage",
    "Period",
    "Problem",
    "ProblemCount",
    "ProblemKind",
    "Problems",
    "Progress",
    "ProgressReport",
    "ReportScope",
    "coverage",
    "problems",
    "progress",
]


class GroupBy(StrEnum):
    BANK = "bank"
    PARK = "park"
    COUNTY = "county"
    SOURCE = "source"
    WEEK = "week"  # the Monday (China time) of the week each figure's moment falls in
    CHANNEL = "channel"  # how the need came: bot (Telegram), web (the web chat), offline


@dataclass(frozen=True, slots=True)
class Progress:
    """One group's figures for the period."""

    key: str | None  # bank or park code, county, source token, week's Monday, channel
    label: str  # bank or park name, county, source label, week's Monday, channel
    needs: int = 0  # needs registered (by bank: needs the bank received a lead for)
    online_needs: int = 0  # of those, registered by the firm itself (bot, web) not offline
    first_loan_needs: int = 0  # of those, from first-loan firms (首贷户: no bank loan yet)
    offered: int = 0  # leads handed to banks: offers and claims
    accepted: int = 0  # leads accepted (a claim is accepted as it is made)
    contacted: int = 0  # leads first contacted: a call, or a visit without one
    visits: int = 0  # visits recorded (a lead may be visited more than once)
    effective_visits: int = 0
    credit_granted: int = 0  # leads granted credit
    credit_amount_yuan: int = 0
    first_loan_credit: int = 0  # of those, to first-loan firms
    loans_issued: int = 0
    loan_amount_yuan: int = 0
    median_hours_to_accept: float | None = None  # offer → acceptance (claims left out)
    median_hours_to_contact: float | None = None  # offer or claim → first contact
    overdue_accept: int = 0  # accept deadlines that fell due in the period and were missed
    overdue_contact: int = 0  # contact deadlines …
    overdue_decide: int = 0  # credit-decision deadlines ("135": 5 working days) …
    overdue_final: int = 0  # one-month decision deadlines (002) …

    @property
    def effective_visit_ratio(self) -> float | None:
        """有效走访对接比例: effective visits among visits."""
        return _ratio(self.effective_visits, self.visits)

    @property
    def first_loan_ratio(self) -> float | None:
        """首贷户占比: first-loan firms among the leads granted credit (a firm becomes a 首贷户
        by getting its first credit, not by asking for it)."""
        return _ratio(self.first_loan_credit, self.credit_granted)

    @property
    def online_rate(self) -> float | None:
        """线上对接率: needs that came online (the bot or the web chat) among all needs."""
        return _ratio(self.online_needs, self.needs)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


REFRESH_COPIES = True
"""Whether a report first brings its copies up to date (tests turn it off to see reports read
copies made before the data changed)."""

REFRESH_MOST = 10_000
"""The most changes (events, leads and needs new since the copies' mark) a report copies itself
before it counts: more are left to the worker's copies pass (`yinqi worker --copies-every`), the
report reading them fresh meanwhile, exact and slower. The first refresh after migration 0007
copies everything: minutes over a million leads, which no coordinator should wait for."""

FIGURES: Final = tuple(f.name for f in fields(Progress) if f.name not in ("key", "label"))


@dataclass(frozen=True, slots=True)
class ProgressReport:
    scope: ReportScope
    group_by: GroupBy
    period: Period
    as_of: datetime  # a deadline is overdue when it passed unmet before this moment
    rows: tuple[Progress, ...]
    total: Progress  # the whole scope: by bank, `needs` counts a need once, not once per bank


def progress(
    session: Session,
    *,
    scope: ReportScope,
    date_from: date,
    date_to: date,
    group_by: GroupBy | str,
    now: datetime | None = None,
) -> ProgressReport:
    """Progress per group over the days `date_from`–`date_to` (China time, both included)."""
    period = Period.of(date_from, date_to)
    group = _group_by(group_by)
    as_of = min(now or utcnow(), period.end)
    _refresh_copies(session)
    if session.get_bind().dialect.name == "postgresql":
        # for this transaction only: compiling these one-off aggregates costs more than running
        # them (≈ 0.3 s a query), and the grouped passes sort or hash ~10⁵ rows in memory
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    figures = progress_figures(session, scope, period, group.value, as_of)
    total = figures.pop(TOTAL, {})
    labels = _labels(session, group, list(figures))
    ordered = sorted(figures, key=lambda k: (k is None or k == "", k if k is not None else 0))
    return ProgressReport(
        scope=scope,
        group_by=group,
        period=period,
        as_of=as_of,
        rows=tuple(Progress(*labels[k], **figures[k]) for k in ordered),
        total=Progress(None, "", **total),
    )


def _refresh_copies(session: Session) -> None:
    """Bring the report's copies up to date first, in a transaction of their own (the report
    is exact without it, only slower, reading fresh whatever changed since they were made; a
    refresh that fails is the worker's to count and log as an error, not the reader's)."""
    if not REFRESH_COPIES:
        return
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return
    connection = session.connection()
    besides = None
    if bind.dialect.name == "sqlite":
        if holds_write_turn(connection):  # the one writer is this session: refresh later
            return
    else:
        besides = connection.execute(select(func.pg_backend_pid())).scalar_one()
    try:
        refresh(bind, besides=besides, most=REFRESH_MOST)
    except DBAPIError as error:
        log.warning("report copies not refreshed, the report reads fresh: %s", error.orig)


def _group_by(value: GroupBy | str) -> GroupBy:
    try:
        return GroupBy(value)
    except ValueError:
        allowed = ", ".join(GroupBy)
        raise InvalidInput.of("report_group_by", field="group_by", allowed=allowed) from None


def _labels(
    session: Session, group: GroupBy, keys: Iterable[Any]
) -> dict[Any, tuple[str | None, str]]:
    """Each raw group key as (key, label): a bank's code and name, a park's code and name, a
    source's token and label, a county, a week's Monday; (None, "") for "none"."""
    keys = list(keys)
    named: dict[Any, tuple[str | None, str]] = {}
    if group is GroupBy.BANK:
        query: Any = select(col(Bank.id), col(Bank.code), col(Bank.name))
    elif group is GroupBy.PARK:
        query = select(col(Park.id), col(Park.code), col(Park.name))
    elif group is GroupBy.SOURCE:
        query = select(col(QrSource.id), col(QrSource.token), col(QrSource.label))
    else:
        return {k: (k, k) if k else (None, "") for k in keys}
    ids = [k for k in keys if k is not None]
    for i, code, label in session.execute(query.where(query.selected_columns[0].in_(ids))):
        named[i] = (code, label)
    return {k: named.get(k, (None, "")) for k in keys}

"""The progress report's copies: each lead, need and visit as the report counts it, in narrow
rows (`report_lead`, `report_need`, `report_visit`), so a season's report reads ~40 bytes a lead
instead of whole leads, needs and event rows.

Exact, whatever changes: a report reads the copies only for what has not changed since they
were made, and everything else fresh from the source tables, by the same expressions. The
event log says what changed: every change to a lead or a need goes through a use case that
appends an event (its lead's and need's ids on it), and ids only grow. `report_copy_mark` holds
how far the copies go (the last event, lead and need they took in); a report reads fresh

- the leads with an event after the mark, made after the mark, or whose need was superseded
  after it (a lead of a superseded need no longer counts among its bank's needs);
- the needs with an event after the mark, or made after it;
- the visits logged after the mark, and those the firm disputed or a coordinator ruled on
  after it (`visit_check.changed_event_id`: a disputed visit is not effective until ruled held).

So a lead changed at any time, backdated, reassigned or ended, is read as it stands now; a
lead not changed since the mark is as its copy says. `refresh` brings the copies up to date
(the changed rows copied again, the mark moved on) and is run by the report itself before it
reads, in a transaction of its own; without it reports stay exact, only slower.

On PostgreSQL, ids are handed out before commit, so a writer still running may commit an
event with an id below one already seen: `refresh` moves the mark only to ids every writer of
the moment has committed or given up (it waits for those holding a write lock on the source
tables, or leaves the mark where it is).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement, Subquery
from sqlmodel import Session, col

from db.core.engine import READ_ONLY
from db.core.vocabulary import ONLINE, NeedStatus, VisitAnswer, VisitRuling
from db.leads.clocks import deadline, missed
from db.models import Assignment, Event, Need, VisitCheck
from db.models.report_copies import report_copy_mark, report_lead, report_need, report_visit
from db.reports.day_sums import day_sums_added
from db.reports.scope import ReportScope
from db.reports.sql import day_number, hours_between
from matching.leads import Clock

log = logging.getLogger(__name__)

WAIT_S: Final = 0.5
"""How long `refresh` waits on PostgreSQL for writers already running to end (a report that
would wait longer reads what they may have changed fresh instead, as exact)."""


@dataclass(frozen=True, slots=True)
class Mark:
    """How far the copies go: the last event, lead and need they took in."""

    event_id: int = 0
    assignment_id: int = 0
    need_id: int = 0


_MARK_FIELDS: Final = ("event_id", "assignment_id", "need_id")
MARK: Final = Mark(*(bindparam(f"mark_{k}", type_=Integer) for k in _MARK_FIELDS))  # type: ignore[arg-type]
"""The mark as bound parameters (`mark_values`): the statements a report reads the copies with
are built once on it, and serve every mark."""


def mark_values(mark: Mark) -> dict[str, int]:
    """The bound values of `MARK` for `mark`."""
    return {f"mark_{k}": getattr(mark, k) for k in _MARK_FIELDS}


_MARK: Final = select(
    report_copy_mark.c.event_id, report_copy_mark.c.assignment_id, report_copy_mark.c.need_id
).where(report_copy_mark.c.id == 1)


def mark_of(connection: Connection | Session) -> Mark:
    row = connection.execute(_MARK).first()
    return Mark(*row) if row is not None else Mark()


def held_mark(session: Session) -> Mark | None:
    """The mark, held still with the copies and the day sums until this transaction ends: on
    PostgreSQL no refresh may move them meanwhile (one starting gives up: the next report's
    turn); None when a refresh is moving them now, or none was ever made. SQLite's reads see
    one snapshot anyway."""
    row = session.execute(_MARK.with_for_update(read=True, skip_locked=True)).first()
    return Mark(*row) if row is not None else None


# ---- what changed since a mark -------------------------------------------------------------


def changed_leads(mark: Mark, upto: Mark | None = None) -> Any:
    """The ids of the leads that may differ from their copies (see the module's docstring);
    with `upto`, only those changed up to it."""
    e, a = col(Event.id), col(Assignment.id)
    events = [e > mark.event_id] + ([e <= upto.event_id] if upto else [])
    leads = [a > mark.assignment_id] + ([a <= upto.assignment_id] if upto else [])
    superseded = (
        select(a)
        .join(Event, col(Event.need_id) == col(Assignment.need_id))
        .where(*events, col(Event.kind) == "superseded")
    )
    logged = select(col(Event.assignment_id)).where(*events, col(Event.assignment_id).is_not(None))
    return union(logged, select(a).where(*leads), superseded)


def changed_needs(mark: Mark, upto: Mark | None = None) -> Any:
    """The ids of the needs that may differ from their copies."""
    e, n = col(Event.id), col(Need.id)
    events = [e > mark.event_id] + ([e <= upto.event_id] if upto else [])
    needs = [n > mark.need_id] + ([n <= upto.need_id] if upto else [])
    logged = select(col(Event.need_id)).where(*events, col(Event.need_id).is_not(None))
    return union(logged, select(n).where(*needs))


def changed_visits(mark: Mark, upto: Mark | None = None) -> Any:
    """The ids of the visits that may differ from their copies: logged after the mark, or
    disputed or ruled on after it."""
    e, changed = col(Event.id), col(VisitCheck.changed_event_id)
    logged = [e > mark.event_id] + ([e <= upto.event_id] if upto else [])
    answered = [changed > mark.event_id] + ([changed <= upto.event_id] if upto else [])
    return union(
        select(e).where(*logged, col(Event.kind) == "visited"),
        select(col(VisitCheck.event_id)).where(*answered),
    )


def visit_effective(recorded: Any) -> ColumnElement[bool]:
    """A visit counts as effective as its manager recorded it (`recorded`), unless the firm
    disputed it and no coordinator has ruled it held since (`visit_check` outer-joined)."""
    disputed = and_(
        func.coalesce(col(VisitCheck.answer), "") == VisitAnswer.DISPUTED.value,
        func.coalesce(col(VisitCheck.ruling), "") != VisitRuling.HELD.value,
    )
    return case((disputed, false()), else_=recorded)


# ---- the rows as the report counts them, fresh from the source tables ---------------------


def fresh_leads(name: str) -> Any:
    """Each lead as `report_lead` copies it, computed from `assignment` now."""
    a = Assignment
    created, accepted = col(a.created_at), col(a.accepted_at)
    contacted = func.coalesce(col(a.contacted_at), col(a.visited_at))
    credit = col(a.credit_granted_at)
    superseded = Need.__table__.alias("superseded")  # type: ignore[attr-defined]

    def day(moment: Any) -> ColumnElement[int]:
        return day_number(name, moment)

    query: Any = select(
        col(a.id).label("id"),
        col(a.bank_id).label("bank_id"),
        col(a.park_id).label("park_id"),
        col(a.source_id).label("source_id"),
        col(a.city).label("city"),
        col(a.county).label("county"),
        col(a.channel).in_(ONLINE).label("online"),
        col(a.channel).label("channel"),
        col(a.first_loan).label("first_loan"),
        superseded.c.id.is_(None).label("kept"),
        day(created).label("created_day"),
        day(accepted).label("accepted_day"),
        day(contacted).label("contacted_day"),
        day(credit).label("credit_day"),
        day(col(a.loan_issued_at)).label("loan_day"),
        *(day(deadline(clock)).label(f"{clock.deadline}_day") for clock in Clock),
        *(missed(clock).label(f"missed_{clock.value}") for clock in Clock),
        col(a.credit_amount_yuan).label("credit_amount_yuan"),
        col(a.loan_amount_yuan).label("loan_amount_yuan"),
        case(  # claims are accepted as they are made: left out
            (col(a.claimed).is_(False), hours_between(name, accepted, created))
        ).label("hours_to_accept"),
        hours_between(name, contacted, created).label("hours_to_contact"),
        col(a.updated_at).label("updated_at"),
    ).outerjoin(
        superseded,
        and_(superseded.c.id == col(a.need_id), superseded.c.status == NeedStatus.SUPERSEDED),
    )
    return query


def fresh_needs(name: str) -> Any:
    """Each need as `report_need` copies it, computed from `need` now."""
    n = Need
    query: Any = select(
        col(n.id).label("id"),
        day_number(name, col(n.created_at)).label("created_day"),
        col(n.park_id).label("park_id"),
        col(n.source_id).label("source_id"),
        col(n.city).label("city"),
        col(n.county).label("county"),
        col(n.channel).in_(ONLINE).label("online"),
        col(n.channel).label("channel"),
        col(n.first_loan).label("first_loan"),
        (col(n.status) != NeedStatus.SUPERSEDED).label("kept"),
    )
    return query


def fresh_visits(name: str) -> Any:
    """Each visit as `report_visit` copies it: placed by when the manager recorded it, counted
    where its lead is."""
    a = Assignment
    recorded = col(Event.payload)["effective"].as_boolean()
    query: Any = (
        select(
            col(Event.id).label("id"),
            day_number(name, col(Event.at)).label("day"),
            visit_effective(recorded).label("effective"),
            col(a.bank_id).label("bank_id"),
            col(a.park_id).label("park_id"),
            col(a.source_id).label("source_id"),
            col(a.city).label("city"),
            col(a.county).label("county"),
            col(a.channel).label("channel"),
        )
        .join(Assignment, col(a.id) == col(Event.assignment_id))
        .outerjoin(VisitCheck, col(VisitCheck.event_id) == col(Event.id))
        .where(col(Event.kind) == "visited")
    )
    return query


# ---- what a report reads -------------------------------------------------------------------
# (on a mark and a scope whose values are values or bound parameters: `MARK`, `ScopeShape`)


def _region(rows: Any, scope: ReportScope) -> list[ColumnElement[bool]]:
    if scope.region is None:
        return []
    return [or_(rows.c.city == scope.region, rows.c.county == scope.region)]


def _scoped(rows: Any, scope: ReportScope, *, leads: bool = True) -> list[ColumnElement[bool]]:
    """As `report_scope.in_scope`, on the copies' columns."""
    where = _region(rows, scope)
    if scope.park_id is not None:
        where.append(rows.c.park_id == scope.park_id)
    if scope.source_id is not None:
        where.append(rows.c.source_id == scope.source_id)
    if scope.channel is not None:
        where.append(rows.c.channel == scope.channel)
    if scope.bank_id is not None and leads:
        where.append(rows.c.bank_id == scope.bank_id)
    return where


def _weighed(rows: Any, weight: int) -> Any:
    """The rows' columns, and how much each counts (`db.reports.lead_rows.aggregate`)."""
    return [*rows.c, literal(weight, Integer).label("weight")]


def _merged(
    copies: Any, fresh: Any, changed: Any, scope: ReportScope, name: str, *, changes: bool
) -> Subquery:
    """The copies not `changed` and the fresh rows `changed`: the rows as the report counts
    them; or (`changes`) what the changed rows add to the copies' figures: each as it is now,
    and its copy taken back (weight -1)."""
    leads = "bank_id" in copies.c  # a need is not a bank's: a bank's scope keeps them all
    copied = copies.c.id.in_(changed) if changes else copies.c.id.not_in(changed)
    return union_all(
        select(*_weighed(copies, -1 if changes else 1)).where(
            copied, *_scoped(copies, scope, leads=leads)
        ),
        select(*_weighed(fresh, 1)).where(
            fresh.c.id.in_(changed), *_scoped(fresh, scope, leads=leads)
        ),
    ).subquery(name)


def lead_rows(mark: Mark, scope: ReportScope, name: str) -> Subquery:
    """The leads in scope as the report counts them: copies where unchanged, fresh elsewhere."""
    fresh = fresh_leads(name).subquery("fresh_lead")
    return _merged(report_lead, fresh, changed_leads(mark), scope, "lead_rows", changes=False)


def need_rows(mark: Mark, scope: ReportScope, name: str) -> Subquery:
    """The needs in scope as the report counts them."""
    fresh = fresh_needs(name).subquery("fresh_need")
    return _merged(report_need, fresh, changed_needs(mark), scope, "need_rows", changes=False)


def visit_rows(mark: Mark, scope: ReportScope, name: str) -> Subquery:
    """The visits in scope: copies where unchanged, fresh elsewhere."""
    fresh = fresh_visits(name).subquery("fresh_visit")
    return _merged(report_visit, fresh, changed_visits(mark), scope, "visit_rows", changes=False)


# ---- what changed since the day sums were made (`db/reports/day_sums.py`) -----------------


def lead_changes(mark: Mark, scope: ReportScope, name: str) -> Subquery:
    """What the leads changed since the mark add to the copies' figures."""
    fresh = fresh_leads(name).subquery("fresh_lead")
    return _merged(report_lead, fresh, changed_leads(mark), scope, "lead_changes", changes=True)


def need_changes(mark: Mark, scope: ReportScope, name: str) -> Subquery:
    """What the needs changed since the mark add to the copies' figures."""
    fresh = fresh_needs(name).subquery("fresh_need")
    return _merged(report_need, fresh, changed_needs(mark), scope, "need_changes", changes=True)


def visit_changes(mark: Mark, scope: ReportScope, name: str) -> Subquery:
    """What the visits logged, disputed or ruled on since the mark add to the copies'
    figures."""
    fresh = fresh_visits(name).subquery("fresh_visit")
    changed = changed_visits(mark)
    return _merged(report_visit, fresh, changed, scope, "visit_changes", changes=True)


# ---- bringing the copies up to date --------------------------------------------------------


def refresh(
    engine: Engine,
    *,
    wait_s: float = WAIT_S,
    besides: int | None = None,
    most: int | None = None,
) -> bool:
    """Copy again what changed since the mark and move the mark on; False when it could not
    (another refresh running, or writers still running after `wait_s` on PostgreSQL, other
    than the server process `besides`: the report's own), or would not: more than `most`
    events, leads and needs new since the mark. Any other database error is raised. With
    `most`, nothing new is found without locking anything (a report on SQLite then takes no
    write lock, nor waits on PostgreSQL for writers to end)."""
    name = engine.dialect.name
    if most is not None:
        pending = backlog(engine)
        if pending == 0:
            return True
        if pending > most:
            log.warning(
                "report copies not refreshed: more than %s changes to copy, left to the"
                " worker's copies pass (`yinqi worker`, or `yinqi serve` with its worker)",
                most,
            )
            return False
    try:
        with engine.connect() as connection:
            if name == "postgresql":
                upto = _settled(connection, wait_s, besides)
                if upto is None:
                    return False
            else:
                upto = None  # SQLite: read under the write lock, the one writer
            with connection.begin():
                return _refresh(connection, name, upto)
    except DBAPIError as error:
        if not _busy(error):  # a failure, for the worker to count and log as one
            raise
        log.info("report copies not refreshed: %s", error.orig)
        return False


_BUSY_SQLSTATES: Final = frozenset({"55P03", "40001", "40P01"})
"""PostgreSQL: lock not available (another refresh), serialization failure, deadlock."""
_SQLITE_BUSY: Final = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED: another writer


def _busy(error: DBAPIError) -> bool:
    """Another refresh or writer held what this one needed: the next turn's to try; any other
    database error (an overflow, a missing table) is a failure."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _BUSY_SQLSTATES
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_BUSY  # extended codes keep the primary


def backlog(engine: Engine) -> int:
    """How many events, leads and needs are new since the mark (the rows a refresh would
    read, give or take those a rolled-back transaction left no row for); 0 only when the mark
    is the newest (newest rows deleted since count too)."""
    with engine.execution_options(**{READ_ONLY: True}).begin() as connection:
        mark, newest = mark_of(connection), _newest(connection)
    return sum(abs(getattr(newest, k) - getattr(mark, k)) for k in _MARK_FIELDS)


def _newest(connection: Connection) -> Mark:
    found = connection.execute(
        select(
            select(func.max(col(Event.id))).scalar_subquery(),
            select(func.max(col(Assignment.id))).scalar_subquery(),
            select(func.max(col(Need.id))).scalar_subquery(),
        )
    ).one()
    return Mark(*(int(v or 0) for v in found))


_WRITING: Final = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid "
    "WHERE l.relation IN ('event'::regclass, 'assignment'::regclass, 'need'::regclass) "
    "AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid() AND l.pid <> :besides "
    "AND s.xact_start <= :seen"
)


def _settled(connection: Connection, wait_s: float, besides: int | None) -> Mark | None:
    """PostgreSQL: the newest ids, once every transaction that was writing the source tables
    when they were read has ended (so no id below them can still appear); None after
    `wait_s`."""
    with connection.begin():
        upto = _newest(connection)
        seen: datetime = connection.execute(select(func.clock_timestamp())).scalar_one()
    deadline = time.monotonic() + wait_s
    while True:
        with connection.begin():
            writing = {"seen": seen, "besides": besides or 0}
            if not connection.execute(_WRITING, writing).scalar_one():
                return upto
        if time.monotonic() > deadline:
            log.info("report copies not refreshed: writers still running after %s s", wait_s)
            return None
        time.sleep(0.01)


def _refresh(connection: Connection, name: str, upto: Mark | None) -> bool:
    """Under the mark's lock: copy again the leads, needs and visits changed since the mark
    and up to `upto` (None: the newest, SQLite's one writer holding the lock), and move the
    mark there."""
    mark = _locked_mark(connection, name)
    upto = upto or _newest(connection)
    if upto != mark:
        marks = {f"{end}_{k}": getattr(at, k) for end, at in (("from", mark), ("upto", upto))
                 for k in _MARK_FIELDS}  # fmt: skip
        for statement in _refresh_statements(name):
            connection.execute(statement, marks)
        moved = {k: max(getattr(upto, k), getattr(mark, k)) for k in _MARK_FIELDS}
        connection.execute(update(report_copy_mark).where(report_copy_mark.c.id == 1), moved)
    return True


@cache
def _refresh_statements(name: str) -> tuple[Any, ...]:
    """What `_refresh` runs, in order, on the database `name`, from the mark `from_…` up to
    `upto_…` (bound values): built once, as they are the same every time but for the marks
    (building the day sums' upserts cost more than SQLite took to run them)."""
    since, upto = (
        Mark(*(bindparam(f"{end}_{k}", type_=Integer) for k in _MARK_FIELDS))  # type: ignore[arg-type]
        for end in ("from", "upto")
    )
    statements = [
        *_copied_again(name, "leads", report_lead, fresh_leads(name).subquery("fresh_lead"),
                       changed_leads(since, upto)),
        *_copied_again(name, "needs", report_need, fresh_needs(name).subquery("fresh_need"),
                       changed_needs(since, upto)),
    ]  # fmt: skip
    statements += _copied_again(name, "visits", report_visit,
                                fresh_visits(name).subquery("fresh_visit"),
                                changed_visits(since, upto))  # fmt: skip
    return tuple(statements)


def _copied_again(name: str, kind: str, table: Any, fresh: Any, ids: Any) -> list[Any]:
    """Statements copying the rows `ids` of `fresh` again into `table`, the day sums told of
    it: the copies as they were taken away (weight -1), the new ones added."""
    copied = _copies(table, ids)
    columns = [c.name for c in table.c]
    chosen = select(*(fresh.c[c] for c in columns)).where(fresh.c.id.in_(ids))
    return [
        day_sums_added(name, **{kind: copied(-1)}),
        delete(table).where(table.c.id.in_(ids)),
        insert(table).from_select(columns, chosen),
        day_sums_added(name, **{kind: copied(1)}),
    ]


def _copies(table: Any, ids: Any) -> Any:
    """The copies of `ids` in `table`, each counting `weight` (1 or -1), as it stands when
    the day sums are told of them: read once (a CTE), however many sums read them."""
    name = f"{table.name}_copies"
    return lambda weight: select(*_weighed(table, weight)).where(table.c.id.in_(ids)).cte(name)


def _locked_mark(connection: Connection, name: str) -> Mark:
    """The mark, locked for this transaction (made if missing; on PostgreSQL, an error if
    another refresh holds it; on SQLite this transaction is the one writer)."""
    query = select(report_copy_mark).where(report_copy_mark.c.id == 1)
    if name == "postgresql":
        query = query.with_for_update(nowait=True)
    if connection.execute(query).first() is None:
        connection.execute(
            insert(report_copy_mark).values(id=1, event_id=0, assignment_id=0, need_id=0)
        )
        if name == "postgresql":
            connection.execute(query)
    return mark_of(connection)

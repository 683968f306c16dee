"""The quarterly filing (000 §五–七) for a scope: every table its parks, their partner banks and
its city's 分局 owe for a quarter, due when (`matching.filing`), filed or late; a coordinator
marking one filed (已报送), recorded with who and when; and the reminders the worker queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from db.core.errors import InvalidInput, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import Notice, Role
from db.models import Bank, Filing, Outbox, Park, ParkPartner, Staff, utcnow
from db.reports.ledgers import Quarter
from db.reports.needs_summary import parks_of
from db.reports.scope import ReportScope
from matching.filing import (
    RULES,
    DueDate,
    Filer,
    FilingState,
    due_date,
    filing_state,
    last_ended_quarter,
    rule_for,
)
from matching.workdays import to_china_time


@dataclass(frozen=True, slots=True)
class FilingItem:
    """One table one filer owes for the quarter."""

    annex: int
    filer: Filer
    code: str  # the park's or the bank's code, or the 分局's city
    name: str  # the park's or the bank's name, or the city
    due: DueDate
    state: FilingState
    filed_at: datetime | None
    filed_by: str | None  # the name of who marked it filed


@dataclass(frozen=True, slots=True)
class FilingRound:
    quarter: Quarter
    today: date  # China date the states are for
    items: tuple[FilingItem, ...]  # by due date, filer kind, annex, filer

    def count(self, *states: FilingState) -> int:
        return sum(item.state in states for item in self.items)


def current_quarter(now: datetime) -> Quarter:
    """The quarter being filed: the latest that has ended (China time)."""
    return Quarter(*last_ended_quarter(to_china_time(now).date()))


def filings(
    session: Session, *, scope: ReportScope, now: datetime, quarter: Quarter | str | None = None
) -> FilingRound:
    """Every table the scope's filers owe for `quarter` (default: the one being filed)."""
    if isinstance(quarter, str):
        quarter = Quarter.parse(quarter)
    quarter = quarter or current_quarter(now)
    today = to_china_time(now).date()
    filed = {
        (f.annex, f.filer_kind, f.filer_code): (f.filed_at, name)
        for f, name in session.execute(
            select(Filing, col(Staff.name))
            .join(Staff, col(Staff.id) == col(Filing.filed_by))
            .where(col(Filing.quarter) == str(quarter))
        ).all()
    }
    items = []
    for rule in RULES:
        due = due_date(quarter.year, quarter.number, rule)
        for code, name in filers(session, scope, rule.filer):
            for annex in rule.annexes:
                at, by = filed.get((annex, rule.filer.value, code), (None, None))
                on = to_china_time(at).date() if at is not None else None
                state = filing_state(due, on, today)
                items.append(FilingItem(annex, rule.filer, code, name, due, state, at, by))
    items.sort(key=lambda i: (i.due.due, list(Filer).index(i.filer), i.annex, i.code))
    return FilingRound(quarter, today, tuple(items))


def filers(session: Session, scope: ReportScope, kind: Filer) -> list[tuple[str, str]]:
    """The scope's filers of a kind, (code, name): its parks, their partner banks, the cities
    of its parks (whose 分局 files)."""
    parks = parks_of(scope)
    if kind is Filer.PARK:
        query: Any = select(col(Park.code), col(Park.name)).where(col(Park.id).in_(parks))
        return [(c, n) for c, n in session.execute(query.order_by(col(Park.code))).all()]
    if kind is Filer.BANK:
        partners = select(col(ParkPartner.bank_id)).where(col(ParkPartner.park_id).in_(parks))
        query = select(col(Bank.code), col(Bank.name)).where(col(Bank.id).in_(partners))
        return [(c, n) for c, n in session.execute(query.order_by(col(Bank.code))).all()]
    cities = select(col(Park.city)).distinct().where(col(Park.id).in_(parks))
    return [(city, city) for city in session.scalars(cities.order_by(col(Park.city))).all()]


@use_case
def mark_filed(
    session: Session,
    *,
    scope: ReportScope,
    actor: Actor,
    quarter: str,
    annex: int,
    filer: Filer | str,
    code: str,
    now: datetime | None = None,
) -> FilingItem:
    """Record that a filer filed a table for a quarter (已报送), with who and when; marking it
    again changes nothing. A filer outside the scope is "not found"."""
    now = now or utcnow()
    found_quarter = Quarter.parse(quarter)
    try:
        kind = Filer(filer)
    except ValueError:
        raise InvalidInput.of("bad_filer", field="filer", allowed=", ".join(Filer)) from None
    if rule_for(kind, annex) is None:
        raise InvalidInput.of("not_filed_by", field="annex", annex=annex, filer=kind.value)
    if code not in dict(filers(session, scope, kind)):
        raise NotFound.of("unknown_filer", filer=code)
    values = {
        "quarter": str(found_quarter), "annex": annex, "filer_kind": kind.value,
        "filer_code": code, "filed_at": now, "filed_by": actor.staff_id,
    }  # fmt: skip
    session.execute(_insert(session, Filing).values(values).on_conflict_do_nothing())
    done = filings(session, scope=scope, now=now, quarter=found_quarter)
    return next(i for i in done.items if (i.annex, i.filer, i.code) == (annex, kind, code))


def _insert(session: Session, table: Any) -> Any:
    """An INSERT that can skip a row already there (ON CONFLICT DO NOTHING), in the dialect."""
    dialect: Any = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    return dialect.insert(table)


SHOWN_IN_NOTICE = 5  # filers named in a reminder; the rest counted


@use_case
def remind_filings(session: Session, *, now: datetime | None = None) -> int:
    """Queue a Telegram reminder to each active coordinator linked to Telegram for each kind of
    filer of their region with tables due within `REMIND_WORKING_DAYS` and not all filed:
    one notice per quarter, kind of filer and person, naming what is still open (the outbox's
    dedupe key keeps it to one). The number queued."""
    now = now or utcnow()
    quarter = current_quarter(now)
    coordinators = session.execute(
        select(col(Staff.id), col(Staff.region)).where(
            col(Staff.role) == Role.COORDINATOR,
            col(Staff.active).is_(True),
            col(Staff.telegram_user_id).is_not(None),
            col(Staff.region).is_not(None),
        )
    ).all()
    queued = 0
    for staff_id, region in coordinators:
        found = filings(session, scope=ReportScope(region=region), now=now, quarter=quarter)
        for rule in RULES:
            soon = FilingState.DUE_SOON
            still = [i for i in found.items if i.filer is rule.filer and i.state is soon]
            if still:
                queued += _remind(session, staff_id, quarter, rule.filer, still, now)
    return queued


def _remind(
    session: Session, staff_id: int, quarter: Quarter, kind: Filer, still: list[FilingItem],
    now: datetime,
) -> int:  # fmt: skip
    names = list(dict.fromkeys(i.name for i in still))
    shown = "、".join(names[:SHOWN_IN_NOTICE]) + ("…" if len(names) > SHOWN_IN_NOTICE else "")
    params = {
        "quarter": str(quarter), "annexes": "、".join(str(n) for n in rule_for_kind(kind)),
        "due": still[0].due.due.isoformat(), "open": len(still), "filers": shown,
    }  # fmt: skip
    row = {
        "staff_id": staff_id, "template": Notice.STAFF_FILING_DUE.value, "params": params,
        "dedupe_key": f"filing:{quarter}:{kind.value}:s{staff_id}", "created_at": now,
        "next_attempt_at": now, "attempts": 0,
    }  # fmt: skip
    insert = _insert(session, Outbox).values(row).on_conflict_do_nothing()
    added = session.execute(insert.returning(col(Outbox.id))).first()
    return 0 if added is None else 1  # 0: this person was reminded already


def rule_for_kind(kind: Filer) -> tuple[int, ...]:
    return next(r.annexes for r in RULES if r.filer is kind)

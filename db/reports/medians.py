"""A season's medians for everyone on PostgreSQL, read off indexes instead of sorting the leads.

A median over n values is the value at rank (n + 1) / 2, or the mean of the two at n / 2 and
n / 2 + 1. `report_lead` keeps, per group key (bank, park, county, QR source, the week of the
day, or none), an index of the hours to accept and to contact in order, with the day they are
placed by and the lead (`db/models/report_copies.py`). The day sums give n per group
(`hours_to_accept_n` …); a group's middle values are then found by skipping (n - 1) / 2
entries of its index, the days outside the period passed over: no sort, however many leads.

The leads changed since the copies' mark are left out of the index's rows and read fresh,
merged in by value, so the medians are as exact as the day sums and the copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    Float,
    Integer,
    String,
    bindparam,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.sql import ColumnElement, column
from sqlmodel import Session

from db.models.report_copies import report_lead
from db.reports.copies import MARK, changed_leads, fresh_leads
from db.reports.day_sums import DIMS
from db.reports.lead_rows import DAYS, Measure, on_days
from db.reports.sql import day_of, monday_of

TOTAL: Final = "total"


def rank_medians(
    session: Session,
    figures: dict[Any, dict[str, Any]],
    medians: Sequence[Measure],
    group: str | None,
    values: Mapping[str, Any],
) -> None:
    """Set each median of `medians` for every group of `figures` and for the TOTAL, the number
    of its values taken from the group's `<hours>_n` (the day sums' count and the changes');
    the period's days and the copies' mark bound to `values` (`DAYS`, `MARK`)."""
    for measure in medians:
        assert measure.median is not None and measure.condition is None
        wanted: list[tuple[Any, int]] = []
        for k, into in figures.items():
            n = int(into.get(f"{measure.median}_n") or 0)
            if n and k in (TOTAL, None):  # None: the group "none" (no park, no QR code …)
                query = _middle(measure.median, measure.day, group, of_none=k is None)
                found = session.execute(query, {**values, **_skip_take(n)}).scalar_one()
                into[measure.name] = None if found is None else float(found)
            elif n:
                wanted.append((k, n))
        if wanted:
            for k, median in _middles(session, measure, group, wanted, values).items():
                figures[k][measure.name] = median


def _skip_take(n: int) -> dict[str, int]:
    """How many of n values in order to skip to the middle, and how many to take there."""
    return {"skip": (n - 1) // 2, "take": 2 - n % 2}


def _between(middle: Any) -> ColumnElement[float]:
    """The median from its one or two middle values, as percentile_cont(0.5) computes it (lo +
    (hi - lo) * 0.5, not their mean: the last bit may differ)."""
    lo, hi = func.min(middle.c.v), func.max(middle.c.v)
    return lo + (hi - lo) * literal_column("0.5", Float)


def _key(rows: Any, day: str, group: str | None) -> ColumnElement[Any]:
    if group == "week":
        week: ColumnElement[Any] = monday_of(rows.c[day])  # the index's expression
        return week
    key: ColumnElement[Any] = rows.c[DIMS[group or ""]]
    return key


def _parts(hours: str, day: str) -> list[tuple[Any, Any]]:
    """One median's values in the period: of the copies unchanged since the mark, read in an
    index's order, and of the changed leads, fresh. Per source: its rows, and the select of
    their values in the period."""
    fresh = fresh_leads("postgresql").subquery("fresh_lead")
    changed = changed_leads(MARK)
    sources = ((report_lead, report_lead.c.id.not_in(changed)), (fresh, fresh.c.id.in_(changed)))
    parts = []
    for rows, kept in sources:
        value = rows.c[hours]
        period = on_days(rows.c[day], *DAYS)
        parts.append((rows, select(value.label("v")).where(value.is_not(None), period, kept)))
    return parts


@cache
def _middle(hours: str, day: str, group: str | None, *, of_none: bool) -> Any:
    """The median of n values (`_skip_take`): over the whole scope, or (`of_none`) of the group
    "none"."""
    parts = _parts(hours, day)
    selects = [s.where(_key(rows, day, group).is_(None)) if of_none else s for rows, s in parts]
    skip, take = bindparam("skip", type_=Integer), bindparam("take", type_=Integer)
    middle = union_all(*selects).order_by("v").offset(skip).limit(take)
    return select(_between(middle.subquery("middle")))


def _middles(
    session: Session,
    measure: Measure,
    group: str | None,
    wanted: list[tuple[Any, int]],
    values: Mapping[str, Any],
) -> dict[Any, float | None]:
    """The median of each group (key, n) wanted, in one query: per group, a correlated
    subquery skipping to its middle entries in the group's index."""
    assert measure.median is not None
    week = group == "week"
    keys = {(day_of(date.fromisoformat(k)) if week else k): k for k, _ in wanted}
    bound = {
        "keys": list(keys),
        "skips": [(n - 1) // 2 for _, n in wanted],
        "takes": [2 - n % 2 for _, n in wanted],
    }
    query = _middles_query(measure.median, measure.day, group)
    return {
        keys[k]: None if m is None else float(m)
        for k, m in session.execute(query, {**values, **bound})
    }


@cache
def _middles_query(hours: str, day: str, group: str | None) -> Any:
    key_type: Any = String if group == "county" else Integer
    table = (
        func.unnest(  # (key, entries to skip, entries to take): three arrays, one row each
            bindparam("keys", type_=ARRAY(key_type)),
            bindparam("skips", type_=ARRAY(Integer)),
            bindparam("takes", type_=ARRAY(Integer)),
        )
        .table_valued(column("k", key_type), column("skip", Integer), column("take", Integer))
        .render_derived(name="wanted")
    )
    selects = [
        s.where(_key(source, day, group) == table.c.k).correlate(table)
        for source, s in _parts(hours, day)
    ]
    middle = union_all(*selects).order_by("v").offset(table.c.skip).limit(table.c.take)
    median = select(_between(middle.subquery("middle"))).correlate(table).scalar_subquery()
    return select(table.c.k, median)

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    Float,
    Integer,
    String,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.sql import ColumnElement, column
from sqlmodel import Session

from db.models.report_copies import report_lead
from db.reports.copies import Mark, changed_leads, fresh_leads
from db.reports.day_sums import DIMS
from db.reports.lead_rows import Measure, on_days
from db.reports.sql import day_of, monday_of

TOTAL: Final = "total"


def rank_medians(
    session: Session,
    mark: Mark,
    figures: dict[Any, dict[str, Any]],
    medians: Sequence[Measure],
    days: tuple[int, int],
    group: str | None,
) -> None:
    """Set each median of `medians` for every group of `figures` and for the TOTAL, the number
    of its values taken from the group's `<hours>_n` (the day sums' count and the changes')."""
    fresh = fresh_leads("postgresql").subquery("fresh_lead")
    changed = changed_leads(mark)
    sources = ((report_lead, report_lead.c.id.not_in(changed)), (fresh, fresh.c.id.in_(changed)))
    for measure in medians:
        assert measure.median is not None and measure.condition is None
        found = _Values(session, measure.median, measure.day, days, group, sources)
        wanted: list[tuple[Any, int]] = []
        for k, into in figures.items():
            n = int(into.get(f"{measure.median}_n") or 0)
            if n and k == TOTAL:
                into[measure.name] = found.middle(n)
            elif n and k is None:  # the group "none": no park, no QR code …
                into[measure.name] = found.middle(n, of_none=True)
            elif n:
                wanted.append((k, n))
        if wanted:
            for k, median in found.middles(wanted).items():
                figures[k][measure.name] = median


def _between(middle: Any) -> ColumnElement[float]:
    """The median from its one or two middle values, as percentile_cont(0.5) computes it (lo +
    (hi - lo) * 0.5, not their mean: the last bit may differ)."""
    lo, hi = func.min(middle.c.v), func.max(middle.c.v)
    return lo + (hi - lo) * literal_column("0.5", Float)


@dataclass(frozen=True, slots=True)
class _Values:
    """One median's values in the period: of the copies unchanged since the mark, read in an
    index's order, and of the changed leads, fresh."""

    session: Session
    hours: str
    day: str
    days: tuple[int, int]
    group: str | None
    sources: tuple[tuple[Any, ColumnElement[bool]], ...]  # rows, and which of them to read

    def _key(self, rows: Any) -> ColumnElement[Any]:
        if self.group == "week":
            week: ColumnElement[Any] = monday_of(rows.c[self.day])  # the index's expression
            return week
        key: ColumnElement[Any] = rows.c[DIMS[self.group or ""]]
        return key

    def _parts(self) -> list[tuple[Any, Any]]:
        """Per source: its rows, and the select of their values in the period."""
        parts = []
        for rows, kept in self.sources:
            hours = rows.c[self.hours]
            period = on_days(rows.c[self.day], *self.days)
            parts.append((rows, select(hours.label("v")).where(hours.is_not(None), period, kept)))
        return parts

    def middle(self, n: int, *, of_none: bool = False) -> float | None:
        """The median of n values: over the whole scope, or (`of_none`) of the group "none"."""
        parts = self._parts()
        selects = [s.where(self._key(rows).is_(None)) if of_none else s for rows, s in parts]
        middle = union_all(*selects).order_by("v").offset((n - 1) // 2).limit(2 - n % 2)
        value = self.session.execute(select(_between(middle.subquery("middle")))).scalar_one()
        return None if value is None else float(value)

    def middles(self, wanted: list[tuple[Any, int]]) -> dict[Any, float | None]:
        """The median of each group (key, n) wanted, in one query: per group, a correlated
        subquery skipping to its middle entries in the group's index."""
        week = self.group == "week"
        keys = {(day_of(date.fromisoformat(k)) if week else k): k for k, _ in wanted}
        key_type: Any = String if self.group == "county" else Integer
        table = (
            func.unnest(  # (key, entries to skip, entries to take): three arrays, one row each
                literal(list(keys), ARRAY(key_type)),
                literal([(n - 1) // 2 for _, n in wanted], ARRAY(Integer)),
                literal([2 - n % 2 for _, n in wanted], ARRAY(Integer)),
            )
            .table_valued(column("k", key_type), column("skip", Integer), column("take", Integer))
            .render_derived(name="wanted")
        )
        selects = [
            s.where(self._key(source) == table.c.k).correlate(table) for source, s in self._parts()
        ]
        middle = union_all(*selects).order_by("v").offset(table.c.skip).limit(table.c.take)
        median = select(_between(middle.subquery("middle"))).correlate(table).scalar_subquery()
        return {
            keys[k]: None if m is None else float(m)
            for k, m in self.session.execute(select(table.c.k, median))
        }

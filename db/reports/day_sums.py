"""The progress report's day sums (`report_day`): each day's counted figures per bank, park,
county and QR source, as the copies (`db/reports/copies.py`) count them, so that a season's report
for everyone adds up a few thousand sums instead of reading every lead, need and visit.

`refresh` keeps them beside the copies, in the same transaction (`day_sums_added`): the copies
of what changed are taken away as they were (weight -1) and added again as they now are (weight
1); new visits are added. A row `(dim, key, day)` holds, for each figure, what the copies place
on that day: a lead accepted on Tuesday adds to Tuesday's `accepted` of its bank, its park, its
county and its QR source; a missed deadline to its deadline's day (the report leaves out the
days not yet over).

A report for everyone reads the sums of the dimension it is grouped by (by week, or for the
total only, the counties': every lead, need and visit has one county or none, so they add up to
the whole), then adds what changed since the copies' mark (`lead_changes` …): exact however
stale the copies are. A report narrowed to a region, bank, park or QR code reads the copies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    Integer,
    String,
    cast,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from db.models.report_copies import DAY_SUMS, report_day
from db.reports.lead_rows import (
    AS_OF_DAY,
    DAYS,
    NEED_MEASURES,
    VISIT_MEASURES,
    Measure,
    aggregate,
    lead_measures,
    on_days,
    timed,
)
from db.reports.sql import monday_of

DIMS: Final = {"bank": "bank_id", "park": "park_id", "county": "county", "source": "source_id"}
WHOLE: Final = "county"
"""The dimension whose sums add up to the whole (every row has one county, or none)."""
_NUMBERED: Final = {"bank", "park", "source"}  # keyed by an id, written as text
_ZERO: Final = literal_column("0", Integer)  # written into the SQL: no parameter to bind


def lead_day_measures(dim: str) -> list[Measure]:
    """What a lead adds to the sums of `dim`: its counted figures (by bank, also the needs the
    bank received), and whether it has hours to accept and to contact (the medians' counts)."""
    measures = lead_measures(before=False, by_bank=dim == "bank")
    return [m for m in measures if m.median is None] + [timed(m) for m in measures if m.median]


def day_sums_added(
    name: str,
    *,
    leads: Any = None,
    needs: Any = None,
    visits: Any = None,
) -> Any:
    """The statement that adds to the day sums what the given lead, need and visit rows
    (copies, each with its `weight`) count, day by day, on the database `name`."""
    branches: list[Any] = []
    for dim, column in DIMS.items():
        if leads is not None:
            branches += _branches(dim, leads, column, lead_day_measures(dim))
        if needs is not None and dim != "bank":  # by bank, the leads count the needs
            branches += _branches(dim, needs, column, NEED_MEASURES)
        if visits is not None:
            branches += _branches(dim, visits, column, VISIT_MEASURES)
    rows = union_all(*branches).subquery("day_sums")
    keys = (rows.c.dim, rows.c.key, rows.c.day)
    summed = (
        select(*keys, *(func.sum(rows.c[n]).label(n) for n in DAY_SUMS))
        .where(true())  # SQLite: read ON CONFLICT as the upsert's, not as a join's ON
        .group_by(*keys)
    )
    dialect: Any = postgresql if name == "postgresql" else sqlite
    upsert = dialect.insert(report_day).from_select(["dim", "key", "day", *DAY_SUMS], summed)
    upsert = upsert.on_conflict_do_update(
        index_elements=["dim", "key", "day"],
        set_={n: report_day.c[n] + upsert.excluded[n] for n in DAY_SUMS},
    )
    return upsert


def _branches(dim: str, rows: Any, column: str, measures: Iterable[Measure]) -> list[Any]:
    """One grouped select per day column the measures are placed by: (dim, key, day, sums)."""
    by_day: dict[str, list[Measure]] = defaultdict(list)
    for measure in measures:
        by_day[measure.day].append(measure)
    key = func.coalesce(cast(rows.c[column], String), "")
    found = []
    for day, placed in by_day.items():
        sums = {m.name: func.coalesce(aggregate(m, rows, None), 0) for m in placed}
        found.append(
            select(
                literal_column(f"'{dim}'", String).label("dim"),  # one of DIMS
                key.label("key"),
                rows.c[day].label("day"),
                *(sums.get(n, _ZERO).label(n) for n in DAY_SUMS),
            )
            .where(rows.c[day].is_not(None))
            .group_by(rows.c[column], rows.c[day])
        )
    return found


def read_day_sums(
    session: Session,
    *,
    dim: str,
    by: str | None,
    measures: tuple[Measure, ...],
    values: Mapping[str, Any],
) -> dict[Any, list[Any]]:
    """Each measure's sum over the period's days (`DAYS` in `values`; a measure with `before`:
    the days before `AS_OF_DAY`), per key of `dim` (`by` "key"), per week's Monday as a day
    number (`by` "week"), or in all (`by` None, under the key None); keys as the copies have
    them (an id, a county; None for none)."""
    query = _day_sums_query(dim, by, measures)
    if by is None:
        return {None: list(session.execute(query, values).one())}
    found = session.execute(query, values).all()
    return {_key(dim, by, k): list(sums) for *sums, k in found}


@cache
def _day_sums_query(dim: str, by: str | None, measures: tuple[Measure, ...]) -> Any:
    """What `read_day_sums` runs: built once for each question, the days bound."""
    r = report_day.c
    sums = []
    for m in measures:
        when: ColumnElement[bool] = on_days(r.day, *DAYS)
        if m.before:
            when = when & (r.day < AS_OF_DAY)
        sums.append(func.sum(r[m.name]).filter(when))
    query = select(*sums).where(r.dim == dim, on_days(r.day, *DAYS))
    if by is None:
        return query
    key = monday_of(r.day) if by == "week" else r.key
    return query.add_columns(key).group_by(key)


def _key(dim: str, by: str, key: Any) -> Any:
    if by == "week":
        return key
    if key == "":
        return None
    return int(key) if dim in _NUMBERED else key

"""The SQL reports need that SQLite and PostgreSQL spell differently: hours between two moments
and the week a moment falls in (stored as UTC: PostgreSQL `timestamptz`, SQLite text
`YYYY-MM-DD HH:MM:SS…`), and a median per group on SQLite, which has no ordered-set aggregate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from matching.amounts import DEFAULT_MAX_YUAN
from matching.workdays import CHINA_TZ

_CHINA_OFFSET: Final = CHINA_TZ.utcoffset(None) or timedelta()


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def week_of(name: str, moment: Any) -> ColumnElement[Any]:
    """The Monday (China time) of the week `moment` falls in; `week_key` makes it ISO text."""
    if name == "postgresql":
        china = func.timezone(str(CHINA_TZ), moment)  # China has kept UTC+8, no summer time
        return cast(func.date_trunc("week", china), Date)
    offset = f"{_CHINA_OFFSET.total_seconds():+.0f} seconds"
    return func.date(moment, offset, "weekday 0", "-6 days")  # on to Sunday, back to Monday


def week_key(value: Any) -> str | None:
    """A week's Monday as `week_of` gives it (a date, or ISO text on SQLite), as ISO text."""
    return None if value is None else str(value)


EPOCH: Final = date(1970, 1, 1)


def day_number(name: str, moment: Any) -> ColumnElement[int]:
    """The China day `moment` falls in, as days since 1970-01-01 (China keeps UTC+8 all year)."""
    offset = int(_CHINA_OFFSET.total_seconds())
    if name == "postgresql":
        seconds: Any = func.extract("epoch", moment)
        return cast(func.floor((seconds + offset).op("/", precedence=100)(86400)), Integer)
    # whole seconds cut from the text: SQLite's date functions round 23:59:59.999999 up to the
    # next day; integers divide whole
    seconds = cast(func.strftime("%s", func.substr(moment, 1, 19)), Integer)
    day: ColumnElement[int] = (seconds + offset).op("/", precedence=100)(86400)
    return day


def day_of(value: date) -> int:
    """A date's day number, as `day_number` gives it."""
    return (value - EPOCH).days


def monday_of(day: Any) -> Any:
    """The day number of the Monday of the week a day number falls in (1970-01-01: a Thursday).
    Its numbers are written into the SQL, not bound, so that PostgreSQL finds the index made on
    the very same expression (`report_lead`'s medians by week)."""
    three, seven = literal_column("3", Integer), literal_column("7", Integer)
    return day - (day + three) % seven


def week_key_of_day(value: Any) -> str | None:
    """A Monday's day number as ISO text (the key of a week's row)."""
    return None if value is None else (EPOCH + timedelta(days=int(value))).isoformat()


def counted_yuan_column(amount: Any) -> ColumnElement[int]:
    """An amount column as a sum counts it: `matching.amounts.counted_yuan` in SQL (at most the
    cap), so that no stored value makes SQLite's SUM overflow nor a day sum leave BIGINT."""
    cap = literal_column(str(DEFAULT_MAX_YUAN), BigInteger)  # in the SQL: no parameter to bind
    counted: ColumnElement[int] = case((amount > cap, cap), else_=amount)
    return counted


def hours_between(name: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """Hours from `earlier` to `later`, as a float."""
    if name == "postgresql":
        return cast(func.extract("epoch", later - earlier) / 3600.0, Float)
    return cast((_epoch(later) - _epoch(earlier)) / 3600.0, Float)


def _epoch(moment: Any) -> ColumnElement[int]:
    """Whole seconds since 1970 of a moment stored by SQLite as UTC text."""
    return cast(func.strftime("%s", moment), Integer)


def medians(
    session: Session, *, key: ColumnElement[Any] | None, value: ColumnElement[float], rows: Any
) -> dict[Any, float]:
    """SQLite: the median of `value` per `key` (None: over all, under the key None) over the
    `rows` a select gives (`median_query`)."""
    found = session.execute(median_query(key=key, value=value, rows=rows))
    return medians_found(found, keyed=key is not None)


def median_query(*, key: ColumnElement[Any] | None, value: ColumnElement[float], rows: Any) -> Any:
    """SQLite: the statement giving the median of `value` per `key` (None: over all) over the
    `rows` a select gives, as (key, median) rows (with no key, the median alone). SQLite has no
    ordered-set aggregate: the rows are numbered per group by a window function inside the
    database and only the one or two middle rows of each group come out (their mean is the
    median, as PostgreSQL's percentile_cont has it)."""
    keys = [key] if key is not None else []
    partition = keys or None
    numbered = rows.with_only_columns(
        *(k.label("k") for k in keys),
        value.label("v"),
        func.row_number().over(partition_by=partition, order_by=value).label("n"),
        func.count().over(partition_by=partition).label("c"),
    ).subquery()
    n, c = numbered.c.n, numbered.c.c
    middle = and_(n >= (c + 1) // 2, n <= c // 2 + 1)  # the middle row, or the two
    grouped = [numbered.c.k] if keys else []
    return select(*grouped, func.avg(numbered.c.v)).where(middle).group_by(*grouped)


def medians_found(rows: Any, *, keyed: bool) -> dict[Any, float]:
    """The medians per key of `median_query`'s rows (with no key, under the key None)."""
    found = [tuple(row) if keyed else (None, *row) for row in rows]
    return {k: float(m) for k, m in found if m is not None}

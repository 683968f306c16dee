"""Working-day clocks for the 贷款码 "135" promise and the 30-day decision limit (DOMAIN rule 9).

Working days follow the Chinese calendar: public holidays and swapped working days (调休) come
from `chinese_calendar`, which only knows years whose State Council schedule is published.
For other years the calendar falls back to Monday–Friday and says so (`Deadlines.estimated`),
unless an operator has loaded that year's holidays and working days into `WorkCalendar`.

"N working days after `assigned_at`" ends at the end (23:59:59.999999, China time) of the N-th
working day strictly after the assignment's calendar day in China: assigned Monday 10:00, one
working day runs to Tuesday's end; assigned Friday evening or at the weekend, to Monday's end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache, lru_cache
from typing import Final

import chinese_calendar

from matching.i18n import Text

CHINA_TZ: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time: UTC+8 all year, no daylight saving."""

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
"""The years a day or a time given to Yinqi may fall in: wide enough for any real record, and
far enough from `date.min` and `date.max` that a week or a quarter either side, or the move to
China time, never overflows. A year outside is a typo, refused with the field named."""


def within_years(year: int) -> bool:
    """Whether a day or a time of `year` is one Yinqi takes."""
    return FIRST_YEAR <= year <= LAST_YEAR


_ONE_DAY: Final = timedelta(days=1)
_SATURDAY: Final = 5


@dataclass(frozen=True, slots=True)
class ClockPolicy:
    """How long a bank has: the "135" working-day promise and the calendar-day final limit."""

    accept_working_days: int = 1
    contact_working_days: int = 3
    decide_working_days: int = 5
    final_calendar_days: int = 30

    def __post_init__(self) -> None:
        steps = (self.accept_working_days, self.contact_working_days, self.decide_working_days)
        if min(*steps, self.final_calendar_days) < 0 or list(steps) != sorted(steps):
            raise ValueError(f"clock policy must be non-negative and non-decreasing: {self}")


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The Chinese working calendar, plus holidays / working days an operator has loaded."""

    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    _operator_years: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        both = self.extra_holidays & self.extra_workdays
        if both:
            raise ValueError(f"dates loaded both as holiday and as working day: {sorted(both)}")
        loaded = self.extra_holidays | self.extra_workdays
        object.__setattr__(self, "_operator_years", frozenset(d.year for d in loaded))

    def is_workday(self, day: date) -> bool:
        """Whether people work that day; operator data first, then the library, then Mon–Fri."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if _library_knows(day.year):
            return _library_workday(day)
        return day.weekday() < _SATURDAY

    def is_known(self, day: date) -> bool:
        """Whether that day's year has a real schedule (library or operator-loaded), not a guess."""
        return day.year in self._operator_years or _library_knows(day.year)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When an assignment must be accepted, the firm contacted, a decision made ("135"), and the
    decision at the latest (002's month, never before `decide_by`); all China time."""

    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    final_by: datetime
    estimated: bool
    """True when a counted day lies in a year without a known holiday schedule (Mon–Fri guess)."""

    @property
    def note(self) -> Text | None:
        """The caveat to show beside estimated deadlines, or None when they are exact."""
        return Text.of("workdays.estimated") if self.estimated else None


DEFAULT_POLICY: Final = ClockPolicy()
DEFAULT_CALENDAR: Final = WorkCalendar()


def to_china_time(moment: datetime) -> datetime:
    """The same instant in China time; naive datetimes are refused, their zone is unknowable."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass a timezone-aware datetime")
    return moment.astimezone(CHINA_TZ)


def add_working_days(
    start: datetime, n: int, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> datetime:
    """End of the n-th working day strictly after `start`'s China calendar day (n=0: that day)."""
    day, _ = _count_working_days(to_china_time(start).date(), n, calendar)
    return _end_of_day(day)


def deadlines(
    assigned_at: datetime,
    policy: ClockPolicy = DEFAULT_POLICY,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> Deadlines:
    """All clocks of one assignment, flagged `estimated` when a counted day was a Mon–Fri guess."""
    assigned = to_china_time(assigned_at)
    start = assigned.date()
    accept_day, _ = _count_working_days(start, policy.accept_working_days, calendar)
    contact_day, _ = _count_working_days(start, policy.contact_working_days, calendar)
    decide_day, estimated = _count_working_days(start, policy.decide_working_days, calendar)
    decide_by = _end_of_day(decide_day)
    final_by = assigned + timedelta(days=policy.final_calendar_days)
    return Deadlines(
        accept_by=_end_of_day(accept_day),
        contact_by=_end_of_day(contact_day),
        decide_by=decide_by,
        final_by=max(final_by, decide_by),  # the clocks fall due in their order
        estimated=estimated,
    )


def _count_working_days(start: date, n: int, calendar: WorkCalendar) -> tuple[date, bool]:
    """The n-th working day after `start`, and whether any day walked over was a guess."""
    if n < 0:
        raise ValueError(f"working days must be non-negative, got {n}")
    day, estimated, counted = start, False, 0
    while counted < n:
        if day == date.max:
            raise ValueError(f"no {n} working days left after {start} in the calendar")
        day += _ONE_DAY
        estimated = estimated or not calendar.is_known(day)
        counted += calendar.is_workday(day)
    return day, estimated


def _end_of_day(day: date) -> datetime:
    """The last representable moment of `day` in China time."""
    return datetime.combine(day, time.max, tzinfo=CHINA_TZ)


@cache
def _library_knows(year: int) -> bool:
    """Whether chinese_calendar has the State Council schedule for `year` (it raises if not)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=4096)
def _library_workday(day: date) -> bool:
    """chinese_calendar's verdict for a day of a year it knows (cached: called per day walked)."""
    return bool(chinese_calendar.is_workday(day))

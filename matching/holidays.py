"""China's public holidays (法定节假日) for 2026–2027, the years a quarterly filing of this
project's life falls due in, written out so a reader can check them against the source.

2026: the State Council's schedule (国务院办公厅关于2026年部分节假日安排的通知): the days off
and the swapped working days (调休) at weekends. `chinese_calendar`, which the "135" clocks use,
holds the same (tests/matching/test_holidays.py compares them day by day).

2027: the State Council publishes its schedule late in the year before, so only the statutory
days are certain: those the 全国年节及纪念日放假办法 (2024 revision) fixes — New Year's Day,
the Spring Festival (除夕 to 初三), 清明, 1–2 May, 端午, 中秋, 1–3 October — on 2027's lunar
dates (除夕 5 February; 清明 5 April; 端午 9 June; 中秋 15 September). The bridging days and the
swapped working days are not known yet: a 2027 day is counted on these statutory days and
Monday–Friday, and said to be estimated, until an operator loads the schedule
(`matching.workdays.WorkCalendar`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final


def _days(first: date, count: int) -> tuple[date, ...]:
    return tuple(first + timedelta(days=i) for i in range(count))


HOLIDAYS: Final[dict[int, dict[str, tuple[date, ...]]]] = {
    2026: {
        "元旦": _days(date(2026, 1, 1), 3),  # 1–3 January
        "春节": _days(date(2026, 2, 15), 9),  # 15–23 February
        "清明节": _days(date(2026, 4, 4), 3),  # 4–6 April
        "劳动节": _days(date(2026, 5, 1), 5),  # 1–5 May
        "端午节": _days(date(2026, 6, 19), 3),  # 19–21 June
        "中秋节": _days(date(2026, 9, 25), 3),  # 25–27 September
        "国庆节": _days(date(2026, 10, 1), 7),  # 1–7 October
    },
    2027: {  # statutory days only (see above)
        "元旦": (date(2027, 1, 1),),
        "春节": _days(date(2027, 2, 5), 4),  # 除夕 to 初三
        "清明节": (date(2027, 4, 5),),
        "劳动节": _days(date(2027, 5, 1), 2),
        "端午节": (date(2027, 6, 9),),
        "中秋节": (date(2027, 9, 15),),
        "国庆节": _days(date(2027, 10, 1), 3),
    },
}

SWAPPED_WORKDAYS: Final[dict[int, tuple[date, ...]]] = {
    2026: (
        date(2026, 1, 4),  # Sunday, for 元旦
        date(2026, 2, 14),  # Saturday, for 春节
        date(2026, 2, 28),  # Saturday, for 春节
        date(2026, 5, 9),  # Saturday, for 劳动节
        date(2026, 9, 20),  # Sunday, for 国庆节
        date(2026, 10, 10),  # Saturday, for 国庆节
    ),
    2027: (),  # not published yet
}

SCHEDULED_YEARS: Final = frozenset({2026})
"""Years whose whole schedule (bridging and swapped days too) is in the tables above."""


def holiday_name(day: date) -> str | None:
    """The holiday `day` falls in (元旦, 春节 …), or None."""
    for name, days in HOLIDAYS.get(day.year, {}).items():
        if day in days:
            return name
    return None


def is_working_day(day: date) -> bool:
    """Whether offices work that day: a swapped working day yes, a holiday no, else Mon–Fri."""
    if day in SWAPPED_WORKDAYS.get(day.year, ()):
        return True
    if holiday_name(day) is not None:
        return False
    return day.weekday() < 5


def is_scheduled(day: date) -> bool:
    """Whether `day`'s year is fully known here; otherwise `is_working_day` is an estimate."""
    return day.year in SCHEDULED_YEARS

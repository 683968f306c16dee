"""Time in a demo season: office hours on China's working days, and long-tailed delays."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from typing import Final

from matching.workdays import CHINA_TZ, DEFAULT_CALENDAR, to_china_time

OFFICE_HOURS: Final = ((time(8, 0), time(12, 0)), (time(13, 30), time(18, 0)))
_DAY: Final = timedelta(days=1)


def after_office_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` of office time after `start`: the clock runs only in office hours of
    working days (public holidays and swapped working days included)."""
    moment, left = to_china_time(start), timedelta(hours=max(hours, 0.0))
    while True:
        day = moment.date()
        if DEFAULT_CALENDAR.is_workday(day):
            for opens, closes in OFFICE_HOURS:
                window_end = datetime.combine(day, closes, tzinfo=CHINA_TZ)
                if moment >= window_end:
                    continue
                begin = max(moment, datetime.combine(day, opens, tzinfo=CHINA_TZ))
                if begin + left <= window_end:
                    return begin + left
                left -= window_end - begin
                moment = window_end
        moment = datetime.combine(day + _DAY, time(), tzinfo=CHINA_TZ)


def long_tail(rng: random.Random, median: float, spread: float = 1.0) -> float:
    """A log-normal delay: most near `median`, a few many times longer."""
    return median * math.exp(spread * rng.gauss(0.0, 1.0))


def staff_delay(
    rng: random.Random, start: datetime, median_hours: float, spread: float
) -> datetime:
    """When a bank's staff get round to something: office hours mostly, now and then an evening
    or a weekend (the clock then runs on calendar hours)."""
    hours = long_tail(rng, median_hours, spread)
    if rng.random() < 0.07:
        return start + timedelta(hours=hours)
    return after_office_hours(start, hours)

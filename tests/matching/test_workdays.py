"""The "135" clocks on the Chinese working calendar, holidays and 调休 included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.i18n import Lang
from matching.workdays import (
    CHINA_TZ,
    ClockPolicy,
    Deadlines,
    WorkCalendar,
    add_working_days,
    deadlines,
)

CALENDAR = WorkCalendar()


def china(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime.combine(date(year, month, day), time.max, tzinfo=CHINA_TZ)


def by_dates(result: Deadlines) -> tuple[date, date, date]:
    return result.accept_by.date(), result.contact_by.date(), result.decide_by.date()


def test_assigned_monday_morning_is_accepted_by_tuesday_night() -> None:
    result = deadlines(china(2026, 3, 9))  # Monday
    assert result.accept_by == end_of(2026, 3, 10)
    assert result.contact_by == end_of(2026, 3, 12)
    assert result.decide_by == end_of(2026, 3, 16)
    assert result.final_by == china(2026, 4, 8)
    assert not result.estimated
    assert result.note is None


def test_deadlines_end_at_the_last_moment_of_the_day_in_china_time() -> None:
    accept_by = deadlines(china(2026, 3, 9)).accept_by
    assert accept_by.utcoffset() == timedelta(hours=8)
    assert accept_by.timetz().replace(tzinfo=None) == time(23, 59, 59, 999_999)


def test_assigned_friday_evening_waits_for_monday() -> None:
    result = deadlines(china(2026, 3, 13, 17))
    assert by_dates(result) == (date(2026, 3, 16), date(2026, 3, 18), date(2026, 3, 20))


@pytest.mark.parametrize("day", [14, 15])  # Saturday, Sunday
def test_assigned_at_the_weekend_counts_from_monday(day: int) -> None:
    result = deadlines(china(2026, 3, day, 9))
    assert by_dates(result) == (date(2026, 3, 16), date(2026, 3, 18), date(2026, 3, 20))


def test_national_day_2026_is_skipped_and_its_swapped_saturday_counts() -> None:
    # The schedule as chinese_calendar knows it: Oct 1–7 off, Saturday Oct 10 worked (调休).
    for offset in range(7):
        assert chinese_calendar.get_holiday_detail(date(2026, 10, 1 + offset)) == (
            True,
            "National Day",
        )
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert date(2026, 10, 10).weekday() == 5
    assert not chinese_calendar.is_workday(date(2026, 10, 11))

    result = deadlines(china(2026, 9, 30, 16))  # Wednesday before the holiday
    assert by_dates(result) == (date(2026, 10, 8), date(2026, 10, 10), date(2026, 10, 13))
    assert not result.estimated


def test_assigned_during_national_day_counts_from_the_first_day_back() -> None:
    result = deadlines(china(2026, 10, 3, 11))
    assert by_dates(result) == (date(2026, 10, 8), date(2026, 10, 10), date(2026, 10, 13))


def test_a_swapped_working_sunday_counts_as_a_working_day() -> None:
    # 2026: Sunday Sep 20 is worked for the Mid-autumn break (Sep 25–27).
    assert date(2026, 9, 20).weekday() == 6
    assert chinese_calendar.is_workday(date(2026, 9, 20))
    assert not chinese_calendar.is_workday(date(2026, 9, 25))
    result = deadlines(china(2026, 9, 19, 15))  # Saturday
    assert by_dates(result) == (date(2026, 9, 20), date(2026, 9, 22), date(2026, 9, 24))
    assert add_working_days(china(2026, 9, 24), 1, CALENDAR) == end_of(2026, 9, 28)


def test_late_december_2026_reaches_into_2027_on_a_monday_to_friday_guess() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))  # the edge this module guards
    result = deadlines(china(2026, 12, 30))
    assert by_dates(result) == (date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 6))
    assert result.estimated
    assert result.note is not None
    assert result.note.render(Lang.ZH) and result.note.render(Lang.EN)


def test_operator_loaded_2027_holidays_are_honoured_and_make_the_clock_exact() -> None:
    new_year = frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)})
    calendar = WorkCalendar(extra_holidays=new_year)
    assert calendar.is_known(date(2027, 6, 1))
    result = deadlines(china(2026, 12, 30), calendar=calendar)
    assert by_dates(result) == (date(2026, 12, 31), date(2027, 1, 5), date(2027, 1, 7))
    assert not result.estimated


def test_operator_loaded_working_saturday_counts() -> None:
    calendar = WorkCalendar(
        extra_holidays=frozenset({date(2027, 2, 8)}), extra_workdays=frozenset({date(2027, 2, 6)})
    )
    assert calendar.is_workday(date(2027, 2, 6))  # Saturday
    assert not calendar.is_workday(date(2027, 2, 8))  # Monday
    assert add_working_days(china(2027, 2, 5), 1, calendar) == end_of(2027, 2, 6)
    assert add_working_days(china(2027, 2, 6), 1, calendar) == end_of(2027, 2, 9)


def test_a_date_cannot_be_both_holiday_and_working_day() -> None:
    day = frozenset({date(2027, 1, 1)})
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(extra_holidays=day, extra_workdays=day)


@pytest.mark.parametrize(
    ("day", "known"),
    [
        (date(2026, 10, 1), True),
        (date(2004, 1, 1), True),
        (date(2027, 1, 1), False),
        (date(2003, 12, 31), False),
        (date(1, 1, 1), False),
        (date(9999, 12, 31), False),
    ],
)
def test_years_without_a_published_schedule_fall_back_to_monday_to_friday(
    day: date, known: bool
) -> None:
    assert CALENDAR.is_known(day) is known
    if not known:
        assert CALENDAR.is_workday(day) is (day.weekday() < 5)


@pytest.mark.parametrize("year", [1900, 2003, 2030, 2100])
def test_clocks_never_crash_outside_the_known_years(year: int) -> None:
    result = deadlines(china(year, 6, 15))
    assert result.estimated
    assert result.accept_by > china(year, 6, 15)


def test_an_assignment_in_utc_is_counted_on_its_china_calendar_day() -> None:
    monday_late_utc = datetime(2026, 3, 9, 20, tzinfo=UTC)  # Tuesday 04:00 in China
    result = deadlines(monday_late_utc)
    assert result.accept_by == end_of(2026, 3, 11)
    assert result.final_by == china(2026, 4, 9, 4)
    assert result.final_by.tzinfo is CHINA_TZ


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        deadlines(datetime(2026, 3, 9, 10))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        add_working_days(datetime(2026, 3, 9, 10), 1, CALENDAR)  # noqa: DTZ001


def test_zero_working_days_ends_the_same_day_and_negative_is_refused() -> None:
    assert add_working_days(china(2026, 3, 14), 0, CALENDAR) == end_of(2026, 3, 14)
    with pytest.raises(ValueError):
        add_working_days(china(2026, 3, 9), -1, CALENDAR)


def test_a_custom_policy_moves_every_clock() -> None:
    policy = ClockPolicy(
        accept_working_days=2,
        contact_working_days=2,
        decide_working_days=10,
        final_calendar_days=15,
    )
    result = deadlines(china(2026, 3, 9), policy)
    assert by_dates(result) == (date(2026, 3, 11), date(2026, 3, 11), date(2026, 3, 23))
    assert result.final_by == china(2026, 3, 24)


def test_a_policy_whose_clocks_run_backwards_is_refused() -> None:
    with pytest.raises(ValueError):
        ClockPolicy(accept_working_days=3, contact_working_days=1)


_offsets = st.integers(-12 * 4, 14 * 4).map(
    lambda quarters: timezone(quarters * timedelta(minutes=15))
)
_assigned = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=_offsets,
)
_extra_days = st.frozensets(st.dates(date(2025, 1, 1), date(2029, 12, 31)), max_size=30)


@st.composite
def _calendars(draw: st.DrawFn) -> WorkCalendar:
    holidays = draw(_extra_days)
    workdays = draw(_extra_days) - holidays
    return WorkCalendar(extra_holidays=holidays, extra_workdays=workdays)


def _days_after(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]


def _working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    return sum(calendar.is_workday(day) for day in _days_after(start, end))


@given(_assigned, _calendars())
def test_deadlines_are_monotone_and_fall_on_working_days(
    assigned_at: datetime, calendar: WorkCalendar
) -> None:
    result = deadlines(assigned_at, calendar=calendar)
    clocks = (result.accept_by, result.contact_by, result.decide_by)
    assert assigned_at < result.accept_by <= result.contact_by <= result.decide_by
    start = assigned_at.astimezone(CHINA_TZ).date()
    for clock, n in zip(clocks, (1, 3, 5), strict=True):
        assert clock.tzinfo is CHINA_TZ and clock.time() == time.max
        assert calendar.is_workday(clock.date())
        assert _working_days_between(start, clock.date(), calendar) == n
    walked = _days_after(start, result.decide_by.date())
    assert result.estimated == any(not calendar.is_known(day) for day in walked)
    assert result.final_by - assigned_at == timedelta(days=30)

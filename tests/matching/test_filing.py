"""The quarterly filing calendar (000 §五–七) and the holiday table it counts on."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from matching.filing import (
    RULES,
    Filer,
    FilingRule,
    FilingState,
    due_date,
    filing_state,
    last_ended_quarter,
    quarter_end,
    rule_for,
)
from matching.holidays import HOLIDAYS, holiday_name, is_scheduled, is_working_day

PARKS, BANKS, BRANCH_OFFICE = RULES


def test_parks_and_banks_file_in_15_days_the_branch_office_in_20() -> None:
    assert (PARKS.filer, PARKS.annexes, PARKS.days) == (Filer.PARK, (1, 2), 15)
    assert (BANKS.filer, BANKS.annexes, BANKS.days) == (Filer.BANK, (4, 5), 15)
    assert (BRANCH_OFFICE.annexes, BRANCH_OFFICE.days) == ((3, 4), 20)
    assert rule_for(Filer.BANK, 4) is BANKS and rule_for(Filer.BRANCH_OFFICE, 4) is BRANCH_OFFICE
    assert rule_for(Filer.PARK, 3) is None


def test_the_third_quarter_counts_calendar_days_through_the_national_day_week() -> None:
    parks = due_date(2026, 3, PARKS)
    assert (parks.due, parks.moved_from, parks.estimated) == (date(2026, 10, 15), None, False)
    assert parks.remind_on == date(2026, 10, 12)  # three working days before: Mon, Tue, Wed
    office = due_date(2026, 3, BRANCH_OFFICE)
    assert office.due == date(2026, 10, 20)
    assert office.remind_on == date(2026, 10, 15)  # Thu, Fri, (weekend), Mon


def test_a_due_date_in_the_national_day_week_moves_to_the_first_working_day_after() -> None:
    """A rule of 5 days would end on 5 October 2026, a holiday (1–7 October): the tables are
    then due on Thursday 8 October, and late from the 9th; the reminder goes three working
    days before, counted back over the holiday: Mon 28 September."""
    five_days = FilingRule(Filer.PARK, (1, 2), 5)
    found = due_date(2026, 3, five_days)
    assert holiday_name(date(2026, 10, 5)) == "国庆节"
    assert (found.due, found.moved_from) == (date(2026, 10, 8), date(2026, 10, 5))
    assert found.remind_on == date(2026, 9, 28)
    assert filing_state(found, None, date(2026, 9, 27)) is FilingState.UPCOMING
    assert filing_state(found, None, date(2026, 10, 8)) is FilingState.DUE_SOON
    assert filing_state(found, None, date(2026, 10, 9)) is FilingState.LATE
    assert filing_state(found, date(2026, 10, 8), date(2026, 10, 20)) is FilingState.FILED
    assert filing_state(found, date(2026, 10, 9), date(2026, 10, 9)) is FilingState.FILED_LATE


def test_a_due_date_on_a_saturday_moves_to_monday_and_an_unknown_year_says_so() -> None:
    found = due_date(2027, 4, PARKS)  # 15 January 2028 is a Saturday
    assert (found.moved_from, found.due) == (date(2028, 1, 15), date(2028, 1, 17))
    assert found.estimated  # 2028's holidays are not in the table
    fourth = due_date(2026, 4, PARKS)  # 15 January 2027: a Friday, not a statutory holiday,
    assert (fourth.due, fourth.estimated) == (date(2027, 1, 15), True)  # 2027's 调休 unknown


def test_a_new_years_day_due_date_moves_past_the_holiday() -> None:
    one_day = FilingRule(Filer.PARK, (1,), 1)
    assert due_date(2026, 4, one_day).due == date(2027, 1, 4)  # Fri 1 Jan, then the weekend


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 2, 14), date(2026, 3, 31)])
def test_in_the_first_quarter_last_years_fourth_is_filed(today: date) -> None:
    assert last_ended_quarter(today) == (2025, 4)
    assert last_ended_quarter(date(2026, 10, 1)) == (2026, 3)
    assert quarter_end(2026, 1) == date(2026, 3, 31) and quarter_end(2026, 4) == date(2026, 12, 31)


def test_the_2026_table_agrees_with_the_state_councils_schedule_day_by_day() -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert is_scheduled(date(2026, 6, 1)) and not is_scheduled(date(2027, 6, 1))


def test_2027_holds_the_statutory_days_on_their_lunar_dates() -> None:
    year = HOLIDAYS[2027]
    assert year["春节"] == tuple(date(2027, 2, d) for d in (5, 6, 7, 8))  # 除夕 to 初三
    assert sum(len(days) for days in year.values()) == 13  # the 2024 rules: 13 days a year
    assert not is_working_day(date(2027, 10, 1)) and is_working_day(date(2027, 10, 4))

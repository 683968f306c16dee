"""The quarterly filing calendar of 000 §五–七: who files which table, by when, and whether it
was in time.

- A park (its operator, with its main partner banks) files 附表1 and 附表2 each quarter; a bank
  (its city-level office) files 附表4 and 附表5; both "于每季度后15日内" — within 15 days after
  the quarter.
- The regulator's city branch (银保监分局) rolls them up into 附表3 and sends it with the banks'
  附表4 "于每季度后20日之前" — by the 20th day after the quarter (read as the 20th included,
  as the first filing's "8月15日之前" is read).

The seed counts 日, calendar days, not 工作日: Q3's tables are due on 15 and 20 October whatever
the National Day week does. A due date falling on a weekend or a public holiday moves to the next
working day, as Chinese law counts any period (民法典 第二百零三条: 期间的最后一日是法定休假日的，以
法定休假日结束的次日为期间的最后一日). The coordinator is reminded `REMIND_WORKING_DAYS` working
days before a due date, on the calendar of `matching.holidays`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from matching.holidays import is_scheduled, is_working_day


class Filer(StrEnum):
    """Who files."""

    PARK = "park"  # the park's operator, with its main partner banks
    BANK = "bank"  # a bank's city-level office
    BRANCH_OFFICE = "branch_office"  # the regulator's city branch (银保监分局)


@dataclass(frozen=True, slots=True)
class FilingRule:
    """Tables a kind of filer files, within so many calendar days after the quarter."""

    filer: Filer
    annexes: tuple[int, ...]
    days: int


RULES: Final = (
    FilingRule(Filer.PARK, (1, 2), 15),
    FilingRule(Filer.BANK, (4, 5), 15),
    FilingRule(Filer.BRANCH_OFFICE, (3, 4), 20),
)
REMIND_WORKING_DAYS: Final = 3


def rule_for(filer: Filer, annex: int) -> FilingRule | None:
    """The rule by which this filer files this table, or None: it files no such table."""
    return next((r for r in RULES if r.filer is filer and annex in r.annexes), None)


class FilingState(StrEnum):
    UPCOMING = "upcoming"  # not filed, the reminder not yet due
    DUE_SOON = "due_soon"  # not filed, within the reminder's working days of the due date
    LATE = "late"  # not filed, the due date passed
    FILED = "filed"  # filed by the due date
    FILED_LATE = "filed_late"  # filed after it


@dataclass(frozen=True, slots=True)
class DueDate:
    """When a rule's tables are due for a quarter, and when to remind."""

    due: date
    remind_on: date
    estimated: bool  # a day counted lies in a year whose holidays are not all known
    moved_from: date | None  # the 15th or 20th day, when a holiday or weekend moved it


def quarter_end(year: int, number: int) -> date:
    """The quarter's last day."""
    if number == 4:
        return date(year, 12, 31)
    return date(year, 3 * number + 1, 1) - timedelta(days=1)


def due_date(year: int, number: int, rule: FilingRule) -> DueDate:
    """The day a rule's tables are due for quarter `number` of `year`: `rule.days` calendar
    days after the quarter's end, moved on to the next working day when it is not one."""
    nominal = quarter_end(year, number) + timedelta(days=rule.days)
    due, estimated = nominal, not is_scheduled(nominal)
    while not is_working_day(due):
        due += timedelta(days=1)
        estimated = estimated or not is_scheduled(due)
    remind, counted = due, 0
    while counted < REMIND_WORKING_DAYS:
        remind -= timedelta(days=1)
        estimated = estimated or not is_scheduled(remind)
        counted += is_working_day(remind)
    return DueDate(due, remind, estimated, nominal if due != nominal else None)


def filing_state(due: DueDate, filed_on: date | None, today: date) -> FilingState:
    """Where one filing stands on `today` (China dates)."""
    if filed_on is not None:
        return FilingState.FILED if filed_on <= due.due else FilingState.FILED_LATE
    if today > due.due:
        return FilingState.LATE
    return FilingState.DUE_SOON if today >= due.remind_on else FilingState.UPCOMING


def last_ended_quarter(today: date) -> tuple[int, int]:
    """The quarter whose tables are being filed on `today`: the latest one that has ended."""
    number = (today.month - 1) // 3  # the current quarter's number, less one
    return (today.year - 1, 4) if number == 0 else (today.year, number)

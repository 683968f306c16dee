"""The progress report counts 002's month (`final_by`: 原则上1个月内完成授信审批) like the "135"
deadlines: a decision not made within the month is one more missed deadline, placed on its
day; a lead decided in time (credit granted, or declined) is not; read fresh from the leads, from
the report's copies, from the day sums, and on the report's own day, on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import db.reports.progress
from db.core.vocabulary import DeclineReason
from db.leads.assignments import accept, decline, record_follow_up
from db.leads.views import Lead
from db.reports.copies import refresh
from db.reports.progress import Progress, ReportScope, progress
from matching.workdays import CHINA_TZ
from tests.db.builders import MONDAY, Seeded, firm, register

FINAL_BY = MONDAY + timedelta(days=30)  # 12-23 10:00 China time
SAME_DAY = FINAL_BY + timedelta(hours=2)  # the report's own day: counted from the leads
DAYS_LATER = FINAL_BY + timedelta(days=3)  # counted from the rows (or the day sums)
MISSED = ("overdue_contact", "overdue_decide", "overdue_final")


DONE = {  # what each lead's bank did after accepting and visiting on Monday, and when
    "undecided": None,
    "granted_in_month": ("credit_granted", FINAL_BY - timedelta(days=2)),
    "declined": ("declined", FINAL_BY - timedelta(days=1)),
    "granted_late": ("credit_granted", SAME_DAY),
}


@pytest.fixture
def leads(seeded: Seeded) -> dict[str, Lead]:
    """Four leads accepted and visited on Monday, all past the "135" decision: one left
    undecided, one granted credit within the month, one declined within it, one granted credit
    after it."""
    return {name: _play(seeded, name) for name in DONE}


def _play(seeded: Seeded, name: str) -> Lead:
    lead = register(seeded, firm=firm(name=f"绍兴{name}机械有限公司", uscc=None)).offers[0]
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    with seeded.session() as session:
        accept(session, lead_id=lead.id, actor=manager, now=MONDAY)
    with seeded.session() as session:
        record_follow_up(
            session, lead_id=lead.id, actor=manager, kind="visited", effective=True, now=MONDAY
        )
    done = DONE[name]
    if done is None:
        return lead
    step, at = done
    with seeded.session() as session:
        if step == "declined":
            reason = DeclineReason.BANK_SERVICE
            decline(session, lead_id=lead.id, actor=manager, reason_code=reason, now=at)
        else:
            record_follow_up(
                session, lead_id=lead.id, actor=manager, kind=step, amount_yuan=300_000, now=at
            )
    return lead


def _report(seeded: Seeded, now: datetime, scope: ReportScope, group_by: str) -> Progress:
    with seeded.session() as session:
        report = progress(
            session,
            scope=scope,
            date_from=date(2026, 11, 23),
            date_to=now.astimezone(CHINA_TZ).date(),
            group_by=group_by,
            now=now,
        )
    return report.total


def _missed(row: Progress) -> tuple[int, ...]:
    return tuple(getattr(row, name) for name in MISSED)


@pytest.mark.parametrize("now", [SAME_DAY, DAYS_LATER], ids=["on its day", "days later"])
def test_a_decision_not_made_within_the_month_is_counted_once(
    seeded: Seeded, leads: dict[str, Lead], now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # all four were called in time and decided after the 5 working days; the one declined and
    # the one granted in the month decided within it, the one granted on its day after it
    expected = (0, 4, 2)
    monkeypatch.setattr(db.reports.progress, "REFRESH_COPIES", False)
    for group_by in ("bank", "week"):
        assert _missed(_report(seeded, now, ReportScope(), group_by)) == expected  # no copies
    assert refresh(seeded.engine)
    for group_by in ("bank", "week", "county"):  # the day sums, for everyone
        assert _missed(_report(seeded, now, ReportScope(), group_by)) == expected
    assert _missed(_report(seeded, now, ReportScope(region="越城区"), "bank")) == expected


def test_nothing_is_missed_by_the_month_before_it_ends(
    seeded: Seeded, leads: dict[str, Lead]
) -> None:
    assert _missed(_report(seeded, FINAL_BY, ReportScope(), "bank")) == (0, 4, 0)

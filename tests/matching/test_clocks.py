"""The clocks (002): the "135" ones and the month; which deadline binds a lead in which status,
one table."""

from __future__ import annotations

from datetime import datetime, timedelta

from matching.leads import RUNNING, AssignmentStatus, Clock, overdue, running_in
from matching.workdays import CHINA_TZ, ClockPolicy, WorkCalendar, deadlines

S = AssignmentStatus
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_TZ)
DUE = deadlines(MONDAY)
AFTER_ALL = DUE.decide_by + timedelta(days=30)


def test_an_offer_runs_the_accept_clock_alone() -> None:
    assert running_in(Clock.ACCEPT) == {S.OFFERED}
    assert overdue(S.OFFERED, DUE, AFTER_ALL) == (Clock.ACCEPT,)


def test_an_accepted_lead_owes_a_call_and_a_decision() -> None:
    assert overdue(S.ACCEPTED, DUE, AFTER_ALL) == (Clock.CONTACT, Clock.DECIDE, Clock.FINAL)


def test_a_decision_late_by_135_is_late_again_once_the_month_is_out() -> None:
    assert running_in(Clock.FINAL) == running_in(Clock.DECIDE)
    assert DUE.final_by == MONDAY + timedelta(days=30)
    assert overdue(S.VISITED, DUE, DUE.final_by) == (Clock.DECIDE,)
    assert overdue(S.VISITED, DUE, DUE.final_by + timedelta(microseconds=1)) == (
        Clock.DECIDE,
        Clock.FINAL,
    )


def test_the_month_never_falls_due_before_the_decision() -> None:
    """A month shorter than the "135" decision (a policy's choice, or a long holiday) waits for
    it: the clocks fall due in their order, so a lead's deadlines lie between the first and the
    last (what the reports' bounds read)."""
    holidays = frozenset(MONDAY.date() + timedelta(days=n) for n in range(1, 40))
    for policy, calendar in (
        (ClockPolicy(final_calendar_days=2), WorkCalendar()),
        (ClockPolicy(), WorkCalendar(extra_holidays=holidays)),
    ):
        due = deadlines(MONDAY, policy, calendar)
        moments = [getattr(due, c.deadline) for c in Clock]
        assert moments == sorted(moments)
        assert due.final_by == due.decide_by


def test_a_call_or_a_visit_stops_the_contact_clock_not_the_decision() -> None:
    assert running_in(Clock.CONTACT) == {S.ACCEPTED}
    assert running_in(Clock.DECIDE) == {S.ACCEPTED, S.CONTACTED, S.VISITED}


def test_credit_granted_or_an_ended_lead_runs_no_clock() -> None:
    for status in (S.CREDIT_GRANTED, S.LOAN_ISSUED, S.DECLINED, S.EXPIRED, S.WITHDRAWN):
        assert RUNNING[status] == ()
        assert overdue(status, DUE, AFTER_ALL) == ()


def test_every_status_is_in_the_table() -> None:
    assert set(RUNNING) == set(AssignmentStatus)


def test_a_deadline_is_met_up_to_its_last_moment() -> None:
    assert overdue(S.ACCEPTED, DUE, DUE.contact_by) == ()
    assert overdue(S.ACCEPTED, DUE, DUE.contact_by + timedelta(microseconds=1)) == (Clock.CONTACT,)


def test_the_clocks_name_their_deadlines() -> None:
    assert [c.deadline for c in Clock] == ["accept_by", "contact_by", "decide_by", "final_by"]

"""The "135" clocks (002): which deadline binds a lead in which status, one table."""

from __future__ import annotations

from datetime import datetime, timedelta

from matching.leads import RUNNING, AssignmentStatus, Clock, overdue, running_in
from matching.workdays import CHINA_TZ, deadlines

S = AssignmentStatus
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_TZ)
DUE = deadlines(MONDAY)
AFTER_ALL = DUE.decide_by + timedelta(days=30)


def test_an_offer_runs_the_accept_clock_alone() -> None:
    assert running_in(Clock.ACCEPT) == {S.OFFERED}
    assert overdue(S.OFFERED, DUE, AFTER_ALL) == (Clock.ACCEPT,)


def test_an_accepted_lead_owes_a_call_and_a_decision() -> None:
    assert overdue(S.ACCEPTED, DUE, AFTER_ALL) == (Clock.CONTACT, Clock.DECIDE)


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
    assert [c.deadline for c in Clock] == ["accept_by", "contact_by", "decide_by"]

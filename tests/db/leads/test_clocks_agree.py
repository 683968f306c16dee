"""Every reader of the clocks (the "135" ones and 002's month) gives the same answer for the
same lead, at every moment: the API's leads and needs, the dashboard's overdue list, the progress
report's missed deadlines, and the worker (its contact, decision and month flags, and expiry for
an offer nobody accepted). All read one table, `matching.leads.RUNNING`; this pins the table and
checks each reader against it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlmodel import Session, select

from db.core.vocabulary import AssignmentStatus, DeclineReason
from db.leads.assignments import accept, decline, record_follow_up
from db.leads.expiry import expire_overdue
from db.leads.overdue import flag_overdue
from db.leads.queries import get_need, list_leads
from db.leads.views import Lead
from db.models import Assignment
from db.reports.dashboard import overdue_leads
from db.reports.progress import progress
from db.reports.scope import ReportScope
from matching.leads import Clock, overdue
from matching.workdays import CHINA_TZ
from tests.db.builders import MONDAY, Seeded, firm, register

S = AssignmentStatus
# Monday's leads: accept by Tuesday's end, contact by Thursday's, decide by next Monday's (China),
# and at the latest 30 days after the offer: 12-23 10:00
MOMENTS = {
    "before every deadline": datetime(2026, 11, 23, 12, 0, tzinfo=CHINA_TZ),
    "on the accept deadline": datetime(2026, 11, 24, 23, 59, 59, 999999, tzinfo=CHINA_TZ),
    "past accept": datetime(2026, 11, 25, 0, 0, 1, tzinfo=CHINA_TZ),
    "past contact": datetime(2026, 11, 27, 0, 0, 1, tzinfo=CHINA_TZ),
    "past decide": datetime(2026, 12, 1, 0, 0, 1, tzinfo=CHINA_TZ),
    "on the final deadline": datetime(2026, 12, 23, 10, 0, tzinfo=CHINA_TZ),
    "past final": datetime(2026, 12, 23, 10, 0, 0, 1, tzinfo=CHINA_TZ),
}
# where each firm's lead is taken, every step done on Monday, before any deadline
STEPS: dict[str, tuple[str, ...]] = {
    "青松": (),
    "红枫": ("accept",),
    "金桥": ("accept", "contacted"),
    "白鹭": ("accept", "visited"),
    "银杏": ("accept", "contacted", "credit_granted"),
    "紫藤": ("accept", "decline"),  # the next bank is offered the need, on Monday too
}
PINNED_PAST_FINAL = {  # the chosen rule, written out: what is late once every deadline passed
    S.OFFERED: (Clock.ACCEPT,),  # not the others: the bank has not taken the lead on
    S.ACCEPTED: (Clock.CONTACT, Clock.DECIDE, Clock.FINAL),
    S.CONTACTED: (Clock.DECIDE, Clock.FINAL),
    S.VISITED: (Clock.DECIDE, Clock.FINAL),
    S.CREDIT_GRANTED: (),  # decided in time
    S.DECLINED: (),  # decided in time
}
PAST_DECIDE = {
    s: tuple(c for c in late if c is not Clock.FINAL) for s, late in PINNED_PAST_FINAL.items()
}


def _take(seeded: Seeded, lead: Lead, steps: tuple[str, ...]) -> None:
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    actions: dict[str, Callable[[Session], object]] = {
        "accept": lambda s: accept(s, lead_id=lead.id, actor=manager, now=MONDAY),
        "decline": lambda s: decline(
            s, lead_id=lead.id, actor=manager, reason_code=DeclineReason.FIRM_REASON, now=MONDAY
        ),
        "contacted": lambda s: record_follow_up(
            s, lead_id=lead.id, actor=manager, kind="contacted", now=MONDAY
        ),
        "visited": lambda s: record_follow_up(
            s, lead_id=lead.id, actor=manager, kind="visited", effective=True, now=MONDAY
        ),
        "credit_granted": lambda s: record_follow_up(
            s,
            lead_id=lead.id,
            actor=manager,
            kind="credit_granted",
            amount_yuan=500_000,
            now=MONDAY,
        ),
    }
    for step in steps:
        with seeded.session() as session:
            actions[step](session)


@pytest.fixture
def leads(seeded: Seeded) -> dict[int, tuple[AssignmentStatus, Assignment]]:
    """Every lead of the firms in `STEPS`, by id, with its status and deadlines."""
    for name, steps in STEPS.items():
        lead = register(seeded, firm=firm(name=f"绍兴{name}机械有限公司", uscc=None)).offers[0]
        _take(seeded, lead, steps)
    with seeded.session() as session:
        rows = session.exec(select(Assignment)).all()
    return {a.id or 0: (AssignmentStatus(a.status), a) for a in rows}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_api_dashboard_reports_and_worker_agree(
    seeded: Seeded, leads: dict[int, tuple[AssignmentStatus, Assignment]], moment: str
) -> None:
    now = MOMENTS[moment]
    expected = {i: overdue(status, a, now) for i, (status, a) in leads.items()}
    assert {s for s, _ in leads.values()} == set(PINNED_PAST_FINAL)
    if moment == "past final":
        assert {i: PINNED_PAST_FINAL[s] for i, (s, _) in leads.items()} == expected
    if moment in ("past decide", "on the final deadline"):
        assert {i: PAST_DECIDE[s] for i, (s, _) in leads.items()} == expected
    if moment in ("before every deadline", "on the accept deadline"):
        assert not any(expected.values())  # a deadline is met up to its last moment

    admin = seeded.admin
    with seeded.session() as session:
        page = list_leads(session, actor=admin, limit=200, now=now)
        assert {lead.id: lead.overdue for lead in page.items} == expected
        needs = {a.need_id for _, a in leads.values()}
        by_need = [get_need(session, actor=admin, region=None, need_id=n, now=now) for n in needs]
        assert {lead.id: lead.overdue for n in by_need for lead in n.leads} == expected

        shown, total = overdue_leads(session, scope=ReportScope(), now=now, limit=200)
        assert total == sum(1 for late in expected.values() if late)
        assert {d.lead_id: d.late for d in shown} == {i: x for i, x in expected.items() if x}
        for d in shown:  # the newest breach: the last deadline the lead ran past
            assert d.breached_at == getattr(leads[d.lead_id][1], d.late[-1].deadline)

    _assert_report_counts(seeded, expected, now)
    _assert_worker_flags(seeded, expected, now)


def _count(expected: dict[int, tuple[Clock, ...]], clock: Clock) -> int:
    return sum(1 for late in expected.values() if clock in late)


def _assert_report_counts(
    seeded: Seeded, expected: dict[int, tuple[Clock, ...]], now: datetime
) -> None:
    """Each lead's steps were done on Monday: a deadline it missed is one it is late on now."""
    with seeded.session() as session:
        report = progress(
            session,
            scope=ReportScope(),
            date_from=date(2026, 11, 23),
            date_to=date(2026, 12, 31),
            group_by="bank",
            now=now,
        )
    total = report.total
    missed = (
        total.overdue_accept,
        total.overdue_contact,
        total.overdue_decide,
        total.overdue_final,
    )
    assert missed == tuple(_count(expected, clock) for clock in Clock)


def _assert_worker_flags(
    seeded: Seeded, expected: dict[int, tuple[Clock, ...]], now: datetime
) -> None:
    with seeded.session() as session:
        flagged = flag_overdue(session, now=now)
    with seeded.session() as session:
        expired = expire_overdue(session, now=now)
    assert (flagged.contact, flagged.decide, flagged.final, expired.expired) == (
        _count(expected, Clock.CONTACT),
        _count(expected, Clock.DECIDE),
        _count(expected, Clock.FINAL),
        _count(expected, Clock.ACCEPT),
    )
    with seeded.session() as session:
        for lead_id, late in expected.items():
            a = session.get(Assignment, lead_id)
            assert a is not None
            assert (a.contact_overdue_at is not None) == (Clock.CONTACT in late), lead_id
            assert (a.decide_overdue_at is not None) == (Clock.DECIDE in late), lead_id
            assert (a.final_overdue_at is not None) == (Clock.FINAL in late), lead_id
            assert (a.status == S.EXPIRED) == (Clock.ACCEPT in late), lead_id

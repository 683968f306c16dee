"""A lead accepted but not contacted within 3 working days, or not decided within 5 ("135"), or
not decided within the month (002's 原则上1个月内), is flagged once per clock: stamped, logged, and
the bank's admins told."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from db.core.vocabulary import DeclineReason
from db.leads.assignments import accept, decline, record_follow_up
from db.leads.overdue import Watch, flag_overdue
from db.leads.queries import LeadRecord
from db.models import Assignment, Event, Outbox
from matching.model import Firm
from matching.workdays import CHINA_TZ
from tests.db.builders import MONDAY, Seeded, firm, register

# Monday's lead: contact by Thursday's end, decide by the next Monday's end (China time)
AFTER_CONTACT_BY = datetime(2026, 11, 27, 0, 0, 1, tzinfo=CHINA_TZ)
AFTER_DECIDE_BY = datetime(2026, 12, 1, 0, 0, 1, tzinfo=CHINA_TZ)
# and decide at the latest 30 days after the offer (Monday 10:00 China time)
AFTER_FINAL_BY = datetime(2026, 12, 23, 10, 0, 1, tzinfo=CHINA_TZ)


@pytest.fixture
def accepted(seeded: Seeded) -> LeadRecord:
    lead = register(seeded).offers[0]
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    with seeded.session() as session:
        return accept(session, lead_id=lead.id, actor=manager, now=MONDAY)


def _flag(seeded: Seeded, now: datetime) -> tuple[int, int]:
    return _flag_all(seeded, now)[:2]


def _flag_all(seeded: Seeded, now: datetime) -> tuple[int, int, int]:
    with seeded.session() as session:
        run = flag_overdue(session, now=now)
    assert run.failed == 0
    return run.contact, run.decide, run.final


def _events(seeded: Seeded, kind: str) -> list[Event]:
    with seeded.session() as session:
        return list(session.exec(select(Event).where(Event.kind == kind)).all())


def _told(seeded: Seeded, template: str) -> list[Outbox]:
    with seeded.session() as session:
        query = select(Outbox).where(Outbox.template == template).order_by(col(Outbox.id))
        return list(session.exec(query).all())


def test_the_deadlines_are_the_third_and_fifth_working_day_and_the_month(
    accepted: LeadRecord,
) -> None:
    due, second = accepted.deadlines, timedelta(seconds=2)
    assert due.contact_by < AFTER_CONTACT_BY <= due.contact_by + second
    assert due.decide_by < AFTER_DECIDE_BY <= due.decide_by + second
    assert due.final_by == MONDAY + timedelta(days=30)
    assert due.final_by < AFTER_FINAL_BY <= due.final_by + second


def test_nothing_is_flagged_before_the_deadline(seeded: Seeded, accepted: LeadRecord) -> None:
    assert _flag(seeded, accepted.deadlines.contact_by - timedelta(seconds=1)) == (0, 0)


def test_a_lead_not_contacted_in_time_is_flagged_once_and_the_admins_told(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    assert _flag(seeded, AFTER_CONTACT_BY) == (1, 0)
    assert _flag(seeded, AFTER_CONTACT_BY + timedelta(hours=1)) == (0, 0)
    (event,) = _events(seeded, "contact_overdue")
    assert event.assignment_id == accepted.id and event.actor_kind == "system"
    (notice,) = _told(seeded, "bank.contact_overdue")
    admin = seeded.bank_admins[accepted.bank.code]
    assert notice.staff_id == admin.staff_id
    assert notice.params == {"lead_id": accepted.id, "need_id": accepted.need_id}
    with seeded.session() as session:
        lead = session.get(Assignment, accepted.id)
        assert lead is not None and lead.contact_overdue_at == AFTER_CONTACT_BY


def test_a_lead_not_decided_in_time_is_flagged_once_too(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    manager = seeded.managers[accepted.bank.code][0]
    with seeded.session() as session:
        record_follow_up(session, lead_id=accepted.id, actor=manager, kind="contacted", now=MONDAY)
    assert _flag(seeded, AFTER_DECIDE_BY) == (0, 1)  # contacted in time: only the decision
    assert _flag(seeded, AFTER_DECIDE_BY + timedelta(days=3)) == (0, 0)
    assert len(_events(seeded, "decide_overdue")) == 1
    assert len(_told(seeded, "bank.decide_overdue")) == 1


def test_a_lead_late_on_both_clocks_is_flagged_for_each(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    assert _flag(seeded, AFTER_DECIDE_BY) == (1, 1)
    assert _flag(seeded, AFTER_DECIDE_BY) == (0, 0)


def test_a_decided_or_merely_offered_lead_is_not_flagged(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    manager = seeded.managers[accepted.bank.code][0]
    with seeded.session() as session:
        record_follow_up(session, lead_id=accepted.id, actor=manager, kind="contacted", now=MONDAY)
    with seeded.session() as session:
        record_follow_up(
            session,
            lead_id=accepted.id,
            actor=manager,
            kind="credit_granted",
            amount_yuan=500_000,
            now=MONDAY,
        )
    register(seeded, firm=_other_firm())  # offered only: expiry's business, not this
    assert _flag(seeded, AFTER_DECIDE_BY) == (0, 0)


def test_a_lead_undecided_after_the_month_is_flagged_once_more_and_the_admins_told(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    manager = seeded.managers[accepted.bank.code][0]
    with seeded.session() as session:
        record_follow_up(
            session, lead_id=accepted.id, actor=manager, kind="visited", effective=True, now=MONDAY
        )
    assert _flag_all(seeded, AFTER_DECIDE_BY) == (0, 1, 0)
    assert _flag_all(seeded, accepted.deadlines.final_by) == (0, 0, 0)  # met up to its last moment
    assert _flag_all(seeded, AFTER_FINAL_BY) == (0, 0, 1)
    assert _flag_all(seeded, AFTER_FINAL_BY + timedelta(days=7)) == (0, 0, 0)
    (event,) = _events(seeded, "final_overdue")
    assert event.assignment_id == accepted.id and event.actor_kind == "system"
    assert datetime.fromisoformat(event.payload["due"]) == accepted.deadlines.final_by
    (notice,) = _told(seeded, "bank.final_overdue")
    assert notice.staff_id == seeded.bank_admins[accepted.bank.code].staff_id
    assert notice.params == {"lead_id": accepted.id, "need_id": accepted.need_id}
    with seeded.session() as session:
        lead = session.get(Assignment, accepted.id)
        assert lead is not None and lead.final_overdue_at == AFTER_FINAL_BY


def test_credit_granted_late_by_135_but_within_the_month_misses_only_the_5_days(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    manager = seeded.managers[accepted.bank.code][0]
    with seeded.session() as session:
        record_follow_up(session, lead_id=accepted.id, actor=manager, kind="contacted", now=MONDAY)
    assert _flag_all(seeded, AFTER_DECIDE_BY) == (0, 1, 0)
    granted_at = accepted.deadlines.final_by - timedelta(hours=1)
    with seeded.session() as session:
        record_follow_up(
            session,
            lead_id=accepted.id,
            actor=manager,
            kind="credit_granted",
            amount_yuan=500_000,
            now=granted_at,
        )
    assert _flag_all(seeded, AFTER_FINAL_BY) == (0, 0, 0)
    assert _events(seeded, "final_overdue") == []


def test_a_lead_declined_within_the_month_is_not_flagged_past_it(
    seeded: Seeded, accepted: LeadRecord
) -> None:
    manager = seeded.managers[accepted.bank.code][0]
    with seeded.session() as session:
        decline(
            session,
            lead_id=accepted.id,
            actor=manager,
            reason_code=DeclineReason.FIRM_REASON,
            now=accepted.deadlines.final_by - timedelta(days=1),
        )
    flagged = _flag_all(seeded, AFTER_FINAL_BY + timedelta(days=30))
    assert flagged[2] == 0 and _events(seeded, "final_overdue") == []


def test_one_failing_lead_does_not_stop_the_others(
    seeded: Seeded, accepted: LeadRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    import db.leads.overdue

    second = register(seeded, firm=_other_firm()).offers[0]
    manager = next(m for m in seeded.managers[second.bank_code] if m.staff_id == second.manager_id)
    with seeded.session() as session:
        accept(session, lead_id=second.id, actor=manager, now=MONDAY)
    real = db.leads.overdue._flag_one

    def broken(session: Session, lead_id: int, watch: Watch, *, now: datetime) -> bool:
        if lead_id == accepted.id:
            raise RuntimeError("a bad row")
        return real(session, lead_id, watch, now=now)

    monkeypatch.setattr(db.leads.overdue, "_flag_one", broken)
    with seeded.session() as session:
        run = flag_overdue(session, now=AFTER_CONTACT_BY)
    assert (run.contact, run.decide, run.final, run.failed) == (1, 0, 0, 1)
    monkeypatch.setattr(db.leads.overdue, "_flag_one", real)
    assert _flag(seeded, AFTER_CONTACT_BY) == (1, 0)  # the next run catches up


def _other_firm() -> Firm:
    return firm(name="绍兴青松机械有限公司", uscc=None)

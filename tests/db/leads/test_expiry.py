"""An offer not accepted within 1 working day expires; its slot goes to the next bank (002)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from db.core.errors import Conflict
from db.core.vocabulary import Attention
from db.leads.assignments import accept, decline, expire
from db.leads.expiry import expire_overdue
from db.models import Assignment, Bank, Need, Outbox
from matching.workdays import CHINA_TZ
from tests.databases import Seeds
from tests.db.builders import MONDAY, YUECHENG_BANKS, Seeded, register

AFTER_TUESDAY = datetime(2026, 11, 25, 0, 0, 1, tzinfo=CHINA_TZ)  # Monday's offer: due Tuesday


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=2)


def _held(seeded: Seeded, need_id: int) -> list[tuple[str, str]]:
    """(bank code, status) of every assignment of the need, oldest first."""
    with seeded.session() as s:
        rows = s.exec(
            select(Bank.code, Assignment.status)
            .join(Bank, col(Bank.id) == col(Assignment.bank_id))
            .where(Assignment.need_id == need_id)
            .order_by(col(Assignment.id))
        ).all()
    return [(code, status) for code, status in rows]


def test_an_offer_is_due_by_the_end_of_the_next_working_day() -> None:
    from matching.workdays import deadlines

    friday_evening = datetime(2026, 11, 27, 20, 0, tzinfo=CHINA_TZ)
    assert deadlines(friday_evening).accept_by.date().isoformat() == "2026-11-30"


def test_an_offer_past_its_accept_deadline_expires_and_the_next_bank_is_offered(
    seeded: Seeded,
) -> None:
    reg = register(seeded)
    with seeded.session() as s:
        assert expire_overdue(s, now=AFTER_TUESDAY - timedelta(seconds=2)).expired == 0
    with seeded.session() as s:
        assert expire_overdue(s, now=AFTER_TUESDAY).expired == 1
    assert _held(seeded, reg.need_id) == [
        (YUECHENG_BANKS[0], "expired"),
        (YUECHENG_BANKS[1], "offered"),
    ]
    with seeded.session() as s:
        told = s.exec(select(Outbox.template).order_by(col(Outbox.id))).all()
    assert "bank.expired" in told and "firm.expired" in told


def test_expiry_never_offers_the_need_to_a_bank_that_declined_or_expired(seeded: Seeded) -> None:
    reg = register(seeded)
    with seeded.session() as s:
        expire_overdue(s, now=AFTER_TUESDAY)  # bank 0 expires, bank 1 is offered
    second = next(a for a in _assignments(seeded, reg.need_id) if a.status == "offered")
    manager = next(m for m in seeded.managers[YUECHENG_BANKS[1]] if m.staff_id == second.manager_id)
    with seeded.session() as s:
        decline(s, lead_id=second.id or 0, actor=manager, reason_code="firm_reason", now=MONDAY)
    codes = [code for code, _ in _held(seeded, reg.need_id)]
    assert codes == list(YUECHENG_BANKS[:3])  # each bank once, in rank order


def test_a_need_that_runs_out_of_banks_lands_on_the_coordination_list(seeded: Seeded) -> None:
    reg = register(seeded)
    now = AFTER_TUESDAY
    for _ in YUECHENG_BANKS:
        with seeded.session() as s:
            expire_overdue(s, now=now)
        now += timedelta(days=7)
    assert [status for _, status in _held(seeded, reg.need_id)] == ["expired"] * 6
    with seeded.session() as s:
        need = s.get(Need, reg.need_id)
        assert need is not None and need.attention == Attention.BANKS_EXHAUSTED


def test_an_accepted_offer_does_not_expire(seeded: Seeded) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=manager, now=MONDAY)
    with seeded.session() as s:
        assert expire_overdue(s, now=AFTER_TUESDAY).expired == 0
    with seeded.session() as s, pytest.raises(Conflict):
        expire(s, lead_id=lead.id, now=AFTER_TUESDAY)


def test_an_offer_still_within_its_deadline_is_not_expired_by_hand(seeded: Seeded) -> None:
    reg = register(seeded)
    with seeded.session() as s, pytest.raises(Conflict) as refused:
        expire(s, lead_id=reg.offers[0].id, now=MONDAY + timedelta(hours=1))
    assert refused.value.code == "not_overdue"


def test_running_expiry_twice_expires_nothing_more(seeded: Seeded) -> None:
    register(seeded)
    with seeded.session() as s:
        expire_overdue(s, now=AFTER_TUESDAY)
    with seeded.session() as s:
        assert expire_overdue(s, now=AFTER_TUESDAY).expired == 0


def test_deadlines_starting_in_late_december_2026_are_estimated_not_crashed(seeded: Seeded) -> None:
    reg = register(seeded, now=datetime(2026, 12, 31, 2, 0, tzinfo=UTC))
    assert reg.offers[0].deadlines_estimated


def _assignments(seeded: Seeded, need_id: int) -> list[Assignment]:
    with seeded.session() as s:
        query = select(Assignment).where(Assignment.need_id == need_id)
        return list(s.exec(query.order_by(col(Assignment.id))).all())

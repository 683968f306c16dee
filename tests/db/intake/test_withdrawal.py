"""A firm withdraws its consent: its personal data goes, the anonymous counts stay (003, 004)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

from db.core.errors import NotAllowed
from db.core.vocabulary import AssignmentStatus, NeedStatus
from db.intake.withdrawal import withdraw
from db.leads.assignments import accept, claim, decline, record_follow_up
from db.models import Assignment, Conversation, Enterprise, Event, LeadNote, Need, Outbox, utcnow
from matching.uscc import uscc_check_char
from tests.databases import Seeds
from tests.db.builders import MONDAY, YUECHENG_BANKS, Seeded, firm, register

USCC = "91330602MA2B00011" + uscc_check_char("91330602MA2B00011")


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=2)


def _worked_need(seeded: Seeded) -> int:
    """A need offered to one bank, claimed by another, with a visit note on the claim."""
    reg = register(seeded, firm=firm(uscc=USCC))
    with seeded.session() as s:
        s.add(
            Conversation(
                chat_id=1001,
                step="done",
                draft={"name": "蓝宇"},
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        s.commit()
    other = next(b for b in YUECHENG_BANKS if b != reg.offers[0].bank_code)
    manager = seeded.manager(other)
    with seeded.session() as s:
        lead = claim(s, need_id=reg.need_id, actor=manager, now=MONDAY)
    with seeded.session() as s:
        record_follow_up(
            s,
            lead_id=lead.id,
            actor=manager,
            kind="visited",
            effective=True,
            note="见到了王总，手机13800138000",
            now=MONDAY,
        )
    return reg.need_id


def test_withdrawing_erases_name_uscc_contact_notes_and_the_conversation(seeded: Seeded) -> None:
    need_id = _worked_need(seeded)
    with seeded.session() as s:
        done = withdraw(s, need_id=need_id, now=MONDAY)
    assert (done.needs, done.leads_withdrawn) == (1, 2)
    with seeded.session() as s:
        need = s.get(Need, need_id)
        assert need is not None and need.status == NeedStatus.WITHDRAWN
        assert (need.contact_name, need.contact_phone, need.chat_id) == (None, None, None)
        enterprise = s.get(Enterprise, need.enterprise_id)
        assert enterprise is not None
        assert (enterprise.name, enterprise.uscc, enterprise.name_key) == ("", None, "")
        assert s.exec(select(func.count()).select_from(LeadNote)).one() == 0
        assert s.exec(select(func.count()).select_from(Conversation)).one() == 0


def test_withdrawing_ends_the_live_leads_and_tells_their_banks(seeded: Seeded) -> None:
    need_id = _worked_need(seeded)
    with seeded.session() as s:
        withdraw(s, need_id=need_id, now=MONDAY)
    with seeded.session() as s:
        statuses = s.exec(select(Assignment.status)).all()
        assert set(statuses) == {AssignmentStatus.WITHDRAWN}
        told = s.exec(select(Outbox.template).where(Outbox.template == "bank.withdrawn")).all()
        assert len(told) == 2
        unsent = select(Outbox).where(Outbox.need_id == need_id, col(Outbox.sent_at).is_(None))
        assert s.exec(unsent).all() == []  # nothing more goes to the firm


def test_the_statistics_keep_anonymous_counts_and_the_event_log_keeps_its_history(
    seeded: Seeded,
) -> None:
    need_id = _worked_need(seeded)
    with seeded.session() as s:
        events_before = s.exec(select(func.count()).select_from(Event)).one()
    with seeded.session() as s:
        withdraw(s, need_id=need_id, now=MONDAY)
    with seeded.session() as s:
        need = s.get(Need, need_id)
        assert need is not None
        assert (need.county, need.tier, need.amount_yuan) == ("越城区", "500k_5m", 1_000_000)
        visits = s.exec(select(Event).where(Event.kind == "visited")).all()
        assert [v.payload["effective"] for v in visits] == [True]
        assert all("13800138000" not in str(e.payload) for e in s.exec(select(Event)).all())
        assert s.exec(select(func.count()).select_from(Event)).one() > events_before


def test_a_loan_already_issued_stays_issued(seeded: Seeded) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    manager = next(a for a in seeded.managers[lead.bank_code] if a.staff_id == lead.manager_id)
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=manager, now=MONDAY)
    for step in ("contacted", "credit_granted", "loan_issued"):
        with seeded.session() as s:
            record_follow_up(
                s, lead_id=lead.id, actor=manager, kind=step, amount_yuan=500_000, now=MONDAY
            )
    with seeded.session() as s:
        withdraw(s, need_id=reg.need_id, now=MONDAY)
    with seeded.session() as s:
        assert s.get(Assignment, lead.id).status == AssignmentStatus.LOAN_ISSUED  # type: ignore[union-attr]
        assert s.get(Need, reg.need_id).status == NeedStatus.FULFILLED  # type: ignore[union-attr]


def test_a_firm_that_withdrew_may_register_again(seeded: Seeded) -> None:
    first = register(seeded, firm=firm(uscc=USCC))
    with seeded.session() as s:
        withdraw(s, need_id=first.need_id, now=MONDAY)
    again = register(seeded, firm=firm(uscc=USCC))
    assert not again.duplicate and again.need_id != first.need_id
    with seeded.session() as s:
        # the erased firm stays an anonymous row; the firm comes back as a new one
        assert sorted(s.exec(select(Enterprise.uscc)).all(), key=str) == [USCC, None]


def test_only_the_firm_or_an_admin_may_withdraw(seeded: Seeded) -> None:
    reg = register(seeded)
    with seeded.session() as s, pytest.raises(NotAllowed):
        withdraw(s, need_id=reg.need_id, actor=seeded.manager("tlbank"))
    with seeded.session() as s:
        assert withdraw(s, need_id=reg.need_id, actor=seeded.admin).needs == 1


def test_a_banks_decline_words_and_typed_bank_names_go_with_the_firms_data(seeded: Seeded) -> None:
    reg = register(seeded, firm=firm(existing_banks=("王小明信用社",)))
    lead = reg.offers[0]
    manager = next(a for a in seeded.managers[lead.bank_code] if a.staff_id == lead.manager_id)
    with seeded.session() as s:
        decline(s, lead_id=lead.id, actor=manager, reason_code="firm_reason",
                detail="王总(13800138000)说不要了", now=MONDAY)  # fmt: skip
    with seeded.session() as s:
        need = s.get(Need, reg.need_id)
        assert need is not None and "王小明" in str(need.outcome)
    with seeded.session() as s:
        withdraw(s, need_id=reg.need_id, now=MONDAY)
    with seeded.session() as s:
        in_order = col(Assignment.id)  # rows come back in no order without one (PostgreSQL)
        assert s.exec(select(Assignment.decline_detail).order_by(in_order)).all() == [None, None]
        declined = select(Assignment.decline_reason).order_by(in_order)
        assert s.exec(declined).first() == "firm_reason"  # still counted
        need = s.get(Need, reg.need_id)
        assert need is not None and "王小明" not in str(need.outcome)

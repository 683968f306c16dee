"""The firm answering back in the bot: the acceptance notice names the bank's desk and the
no-fee rule; a visit-check notice carries 一键确认 / 没有来访, whose press is recorded as the
chat's answer; `/complain` files a complaint, asking which bank when several handled the need."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.answers import FirmDesk
from bot.notify import compose
from db.leads.assignments import accept, claim, record_follow_up
from db.leads.outbox import Delivery
from db.models import Outbox, Problem, Staff, VisitCheck
from matching.i18n import Lang
from tests.db.builders import MONDAY, Seeded, register

FIRM_CHAT = 1001  # the chat builders.register registers from


def _delivery(row: Outbox) -> Delivery:
    return Delivery(row.id or 0, 1, FIRM_CHAT, "zh", row.template, row.params, row.need_id, None)


def _accepted_and_visited(seeded: Seeded) -> tuple[int, str]:
    lead = register(seeded).offers[0]
    manager = seeded.manager(lead.bank_code)
    with Session(seeded.engine) as s:
        staff = s.get(Staff, manager.staff_id)
        assert staff is not None
        staff.work_phone = "0575-8601 2345"
        s.add(staff)
        s.commit()
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=manager, now=MONDAY)
        record_follow_up(s, lead_id=lead.id, actor=manager, kind="visited", effective=True,
                         now=MONDAY)  # fmt: skip
    return lead.id, lead.bank_code


def test_the_acceptance_names_branch_manager_phone_and_no_fee(seeded: Seeded) -> None:
    _accepted_and_visited(seeded)
    with Session(seeded.engine) as s:
        row = s.exec(select(Outbox).where(Outbox.template == "firm.accepted")).one()
    text = compose(seeded.engine, _delivery(row)).text
    assert "网点：泰隆银行绍兴分行" in text
    assert "客户经理：泰隆银行客户经理1，工作电话：0575-8601 2345" in text
    assert "银行不收取任何中介费用" in text


def test_a_visit_check_is_answered_with_its_buttons_once(seeded: Seeded) -> None:
    _accepted_and_visited(seeded)
    with Session(seeded.engine) as s:
        row = s.exec(select(Outbox).where(Outbox.template == "firm.visit_check")).one()
    reply = compose(seeded.engine, _delivery(row))
    assert [b.label for b in reply.buttons[0]] == ["✅ 一键确认", "❌ 没有来访"]
    desk = FirmDesk(seeded.engine)
    dispute = reply.buttons[0][1].data
    assert not desk.press(4242, dispute, Lang.ZH)[0].text  # another chat's visit: a toast
    said = desk.press(FIRM_CHAT, dispute, Lang.ZH)
    assert said[0].edit and "没有来访" in said[0].text
    again = desk.press(FIRM_CHAT, reply.buttons[0][0].data, Lang.ZH)
    assert again[0].toast == "这次走访您已经答复过了。"
    with Session(seeded.engine) as s:
        assert s.exec(select(VisitCheck.answer)).one() == "disputed"
        assert s.exec(select(Problem.kind)).all() == ["visit_disputed"]


def test_complain_files_a_complaint_and_asks_which_bank_when_several(seeded: Seeded) -> None:
    desk = FirmDesk(seeded.engine)
    assert "/complain" in desk.complain(FIRM_CHAT, "", Lang.ZH)[0].text
    assert desk.complain(FIRM_CHAT, "收费", Lang.ZH)[0].text.startswith("您还没有登记")
    reg = register(seeded)
    with seeded.session() as s:
        claim(s, need_id=reg.need_id, actor=seeded.manager("hxrcb"), now=MONDAY)
    filed = desk.complain(FIRM_CHAT, "客户经理要求买保险", Lang.ZH)[0]
    assert "您反映的是哪家银行" in filed.text and len(filed.buttons) == 2
    picked = desk.press(FIRM_CHAT, filed.buttons[1][0].data, Lang.ZH)[0]
    assert picked.edit and "已收到您的投诉" in picked.text
    with Session(seeded.engine) as s:
        problem = s.exec(select(Problem)).one()
        told = s.exec(select(Outbox.staff_id).where(Outbox.template == "bank.complaint")).all()
    assert (problem.kind, problem.detail) == ("complaint", "客户经理要求买保险")
    assert told == [seeded.bank_admins["hxrcb"].staff_id]

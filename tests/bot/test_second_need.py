"""A second registration of a firm whose need banks already have: update it, or a second need;
what the firm typed is never dropped (issue 19)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.core.vocabulary import NeedStatus
from db.models import Assignment, Need, Outbox
from tests.bot.driver import Driver
from tests.bot.test_engine import walk_to_summary
from tests.db.builders import Seeded


def again(user: Driver, *, amount: str = "", bank: str = "") -> None:
    """/new after a first need, keeping every answer but the amount and the banks given."""
    user.send("/new")
    for label in ("沿用：企业", "沿用：新昌县", "使用", "沿用：绍兴市 新昌县", "沿用：制造业"):
        user.press(label)
    user.press("完成")  # tags as before
    user.send(amount) if amount else user.press("沿用：300万元")
    user.press("沿用：流动资金")
    user.press("沿用：12个月")
    user.press("完成")  # collateral as before
    user.press("沿用：3年")
    if bank:
        user.send(bank)
        user.press("完成")
        user.send("100万")
    else:
        user.press("首次贷款")
    user.press("全部符合")
    user.press("沿用：张三 13812345678")  # the last contact, offered as the default
    assert "联系人：张三 13812345678" in "\n".join(r.text for r in user.transcript[-3:])
    user.press("确认提交")


def needs(seeded: Seeded) -> list[Need]:
    with Session(seeded.engine) as session:
        return list(session.exec(select(Need).order_by(col(Need.id))).all())


def test_new_answers_are_never_said_submitted_and_then_dropped(
    seeded: Seeded, user: Driver
) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    again(user, amount="500万")
    assert "已提交" not in user.text and "不用重复提交" not in user.text
    assert "编号 1：300万元" in user.text and "这次填写的内容是" in user.text
    assert [n.amount_yuan for n in needs(seeded)] == [3_000_000]


def test_an_update_writes_the_new_answers_onto_the_open_need(
    seeded: Seeded, user: Driver
) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    again(user, amount="500万")
    user.press("更新这笔需求")
    assert "已更新需求 1" in user.text and "1家银行已收到通知" in user.text
    (need,) = needs(seeded)
    assert need.amount_yuan == 5_000_000 and need.status == NeedStatus.OPEN
    with Session(seeded.engine) as session:
        told = session.exec(select(Outbox).where(Outbox.template == "bank.amended")).all()
        leads = session.exec(select(Assignment)).all()
    assert told and len(leads) == 1  # the bank holding it was told; no bank was added


def test_a_second_need_is_registered_beside_the_open_one(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    again(user, amount="50万")
    user.press("另提一笔新需求")
    assert "已收到您的融资需求（编号 2）" in user.text
    first, second = needs(seeded)
    assert (first.status, second.status) == (NeedStatus.OPEN, NeedStatus.OPEN)
    assert second.amount_yuan == 500_000
    with Session(seeded.engine) as session:
        banks = [a.bank_id for a in session.exec(select(Assignment)).all()]
    assert len(banks) == len(set(banks))  # never the same bank twice for the firm


def test_back_returns_to_the_summary_with_the_answers_kept(user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    again(user, amount="500万")
    user.press("返回修改")
    assert "请核对" in user.text and "500万元" in user.text


def test_an_update_the_rules_refuse_keeps_the_choice_open(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    again(user, bank="绍兴银行")
    user.press("更新这笔需求")
    assert "现有贷款银行" in user.text and "另提一笔新需求" in user.labels
    assert needs(seeded)[0].existing_banks == []
    user.press("另提一笔新需求")
    assert len(needs(seeded)) == 2


def test_a_guess_changes_nothing(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    again(user, amount="500万")
    for typed in ("好的", "嗯", "更新吧？", "不"):
        user.send(typed)
    assert [n.amount_yuan for n in needs(seeded)] == [3_000_000]
    assert "更新这笔需求" in user.labels

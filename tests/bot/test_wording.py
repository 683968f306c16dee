"""What the bot says matches its buttons and its numbers (issue 19, "Wording")."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from db.models import GuaranteeProduct, Need
from matching.i18n import Lang, t
from tests.bot.driver import Driver
from tests.bot.test_engine import SHOP_USCC, walk_to_banks, walk_to_summary
from tests.db.builders import Seeded


def test_the_standards_hint_names_the_steps_own_button(user: Driver) -> None:
    walk_to_banks(user)
    user.press("首次贷款")
    user.send("嗯")
    assert "确认" in user.text and "“完成”" not in user.text
    assert any("确认" in label for label in user.labels)


def test_nothing_owed_at_the_existing_banks_is_an_answer(seeded: Seeded, user: Driver) -> None:
    """A 0 at the existing banks' credit is answered, not taken for the amount wanted: the bot
    explains that a firm owing nothing is a first loan, and the way it names leads there."""
    walk_to_banks(user)
    user.send("绍兴银行")
    user.press("完成")
    user.send("0")
    assert "想借多少" not in user.text
    assert t("bot.credit.zero", Lang.ZH) in user.text and "请输入想借多少" not in user.text
    user.send("上一步")
    user.press("首次贷款")
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")
    user.press("确认提交")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
    assert need.existing_credit_yuan == 0 and need.existing_banks == [] and need.first_loan


def test_one_need_erased_is_said_in_the_singular(user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    user.send("/lang en")
    user.send("/delete")
    user.press("Yes, delete")
    assert "(1 need)" in user.text


def test_the_bank_limit_is_said_for_the_firms_own_kind(user: Driver) -> None:
    walk_to_summary(user, entity="个体工商户", name="新昌县鑫达五金店", uscc=SHOP_USCC)
    user.send("/lang en")
    user.press("Confirm and submit")
    assert "one individual business normally borrows from at most 2 banks" in user.text
    assert "from 2)" not in user.text and "1 banks" not in user.text


def test_a_fee_read_back_from_storage_shows_no_trailing_zeros(
    seeded: Seeded, user: Driver
) -> None:
    with Session(seeded.engine) as session:
        for row in session.exec(select(GuaranteeProduct)).all():
            row.fee_rate_pct = Decimal("1.000")
            session.add(row)
        session.commit()
    walk_to_summary(user, name="新昌县鑫达精密机械有限公司")
    user.press("确认提交")
    assert "1%/年" in user.text and "1.000" not in user.text

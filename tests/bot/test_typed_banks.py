"""The banks a firm already borrows from, typed as people type them: split only between names,
each recognised against the catalog, and "没有，首次贷款" typed (the button's own words) read as
no bank at all — never as two banks called 没有 and 首次贷款."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.models import Need
from tests.bot.driver import Driver
from tests.bot.test_engine import walk_to_banks
from tests.db.builders import Seeded


def _submit(user: Driver, seeded: Seeded) -> Need:
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")
    user.press("确认提交")
    with Session(seeded.engine) as session:
        return session.exec(select(Need)).one()


@pytest.mark.parametrize("typed", ["没有，首次贷款", "没有", "首次贷款", "无", "None, first loan"])
def test_typing_the_no_bank_answer_records_a_first_loan(
    seeded: Seeded, user: Driver, typed: str
) -> None:
    walk_to_banks(user)
    user.send(typed)
    assert "五项标准" in user.text or "全部符合" in user.labels, user.text
    need = _submit(user, seeded)
    assert need.existing_banks == [] and need.first_loan


def test_a_bank_name_with_spaces_is_one_bank(seeded: Seeded, user: Driver) -> None:
    walk_to_banks(user)
    user.send("Bank of Ningbo")
    assert "已记下：Bank of Ningbo" in user.text, user.text
    user.send("完成")  # the button's label, typed
    user.send("200万")
    need = _submit(user, seeded)
    assert need.existing_banks == ["Bank of Ningbo"] and not need.first_loan


def test_banks_are_split_between_names_and_recognised(seeded: Seeded, user: Driver) -> None:
    walk_to_banks(user)
    user.send("绍兴银行和农行诸暨支行、瑞丰银行 柯桥农商行")
    user.press("完成")
    user.send("500万")
    need = _submit(user, seeded)
    assert len(need.existing_banks) == 4, need.existing_banks
    assert "绍兴银行" in need.existing_banks and "农业银行" in need.existing_banks


def test_a_name_with_he_inside_is_one_bank(seeded: Seeded, user: Driver) -> None:
    walk_to_banks(user)
    user.send("浙江和美银行")
    assert "已记下：浙江和美银行" in user.text, user.text
    user.press("完成")
    user.send("200万")
    need = _submit(user, seeded)
    assert need.existing_banks == ["浙江和美银行"]


def test_typing_no_bank_after_ticking_banks_asks_instead_of_dropping_them(
    seeded: Seeded, user: Driver
) -> None:
    walk_to_banks(user)
    user.send("绍兴银行")
    user.send("没有")
    assert "您已选了：绍兴银行" in user.text, user.text
    user.press("完成")
    user.send("200万")
    need = _submit(user, seeded)
    assert need.existing_banks == ["绍兴银行"] and not need.first_loan

"""Questions the rules need: months in business where a product depends on it, and the choice
within a mutually exclusive pair (issue 19)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.models import Bank, Candidate, Enterprise, Need
from tests.bot.driver import Driver
from tests.bot.test_engine import start, uscc, walk_to_summary
from tests.db.builders import Seeded

ZHENHAI_USCC = uscc("91330211MA2D5678C")


def walk_zhenhai_tech_firm(user: Driver) -> None:
    """A 镇海 tech SME asking for working capital, up to the question after its banks."""
    start(user)
    user.press("企业")
    user.send("宁波甬芯微电子有限公司")
    user.send(ZHENHAI_USCC)
    user.press("宁波市")
    user.press("镇海区")
    user.press("制造业")
    user.press("科技型中小企业")
    user.press("完成")
    user.send("100万")
    user.press("流动资金")
    user.send("2年")
    user.press("没有抵押")


def test_months_in_business_are_asked_and_stored(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user, months="2年")
    assert "经营时间：24个月" in user.text
    user.press("确认提交")
    with Session(seeded.engine) as session:
        assert session.exec(select(Enterprise.months_operating)).one() == 24


def test_months_are_not_asked_where_no_product_depends_on_them(user: Driver) -> None:
    walk_zhenhai_tech_firm(user)
    assert "多久了" not in user.text and "哪些银行在给您贷款" in user.text


def test_both_products_of_an_exclusive_pair_are_shown_and_the_firm_chooses(
    seeded: Seeded, user: Driver
) -> None:
    walk_zhenhai_tech_firm(user)
    user.press("首次贷款")
    assert "只能享受其中一种" in user.text
    assert "慧谷创业贷：1万元–200万元" in user.text and "科技贷：10万元–500万元" in user.text
    assert "建设银行" in user.text  # the bank offering only 科技贷 is named, not dropped
    user.press("科技贷")
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")
    assert "选择的产品：科技贷" in user.text
    user.press("确认提交")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
        queue = session.exec(
            select(Bank.code, Candidate.products)
            .join(Bank, col(Bank.id) == col(Candidate.bank_id))
            .where(Candidate.need_id == need.id)
        ).all()
    assert need.products == ["科技贷"]
    assert "ccb" in {code for code, _ in queue}
    assert all(products == ["科技贷"] for _, products in queue)


def test_a_typed_product_name_is_a_choice(seeded: Seeded, user: Driver) -> None:
    walk_zhenhai_tech_firm(user)
    user.press("首次贷款")
    user.send("选慧谷创业贷吧")
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")
    assert "选择的产品：慧谷创业贷" in user.text


def test_an_agri_young_founder_finds_its_tag_and_yuexingbao(user: Driver) -> None:
    start(user)
    user.press("农户")
    user.send("王小明")
    user.press("跳过")
    user.press("绍兴市")
    user.press("柯桥区")
    user.press("农林牧渔")
    user.press("农创客")
    user.press("完成")
    user.send("50万")
    user.press("流动资金")
    user.send("1年")
    user.press("没有抵押")
    if "多久了" in user.text:
        user.send("2年")
    user.press("首次贷款")
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "王小明")
    user.press("确认提交")
    assert "越幸保" in user.text

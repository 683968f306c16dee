"""What firm owners type instead of tapping, read as they mean it (issue 19): the buttons' own
words, going back, asking for help, places, rough amounts, a USCC they do not know."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from db.models import Enterprise, Need
from tests.bot.driver import Driver
from tests.bot.test_engine import (
    ENTERPRISE_USCC,
    count,
    register,
    start,
    walk_to_banks,
    walk_to_summary,
)
from tests.db.builders import Seeded, firm


def _to_tags(user: Driver) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send(ENTERPRISE_USCC)
    user.press("绍兴市")
    user.press("新昌县")
    user.press("制造业")


def _need(seeded: Seeded) -> Need:
    with Session(seeded.engine) as session:
        return session.exec(select(Need)).one()


@pytest.mark.parametrize("typed", ["完成", "好了", "都不是", "none", "跳过", "Done"])
def test_the_words_of_the_buttons_under_the_tags_are_answers(user: Driver, typed: str) -> None:
    _to_tags(user)
    user.send(typed)
    assert "想借多少钱" in user.text, user.text


@pytest.mark.parametrize("typed", ["没有抵押", "无抵押", "没有", "No collateral"])
def test_no_collateral_typed_is_no_collateral(seeded: Seeded, user: Driver, typed: str) -> None:
    walk_to_banks(user)  # ticked 房产 and pressed 完成; change it from the summary
    user.press("首次贷款")
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")
    user.press("抵押")
    user.send(typed)
    assert "请核对" in user.text, user.text
    user.press("确认提交")
    assert _need(seeded).collateral == ["none"]


@pytest.mark.parametrize("typed", ["都符合", "全部符合", "符合", "all hold"])
def test_all_standards_typed_are_all_met(seeded: Seeded, user: Driver, typed: str) -> None:
    walk_to_banks(user)
    user.press("首次贷款")
    user.send(typed)
    assert "联系谁" in user.text, user.text
    user.send("张三 13812345678")
    user.send("提交")
    standards = _need(seeded).standards
    assert len(standards) == 5 and all(standards.values()), standards


def test_typed_no_at_delete_keeps_everything(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    user.send("/delete")
    user.send("不删除")
    assert "资料保留不变" in user.text, user.text
    assert count(seeded, Enterprise, col(Enterprise.erased_at).is_(None)) == 1


@pytest.mark.parametrize("typed", ["删", "好的", "不要", "别删了吧", "确认 删除？"])
def test_only_a_listed_yes_erases(seeded: Seeded, user: Driver, typed: str) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    user.send("/delete")
    user.send(typed)
    erased = count(seeded, Enterprise, col(Enterprise.erased_at).is_(None)) == 0
    assert erased == (typed in ("删", "好的", "确认 删除？")), user.text


@pytest.mark.parametrize("typed", ["好的，提交", "提交", "确认", "没问题", "submit"])
def test_a_typed_yes_at_the_summary_submits(seeded: Seeded, user: Driver, typed: str) -> None:
    walk_to_summary(user)
    user.send(typed)
    assert "已收到您的融资需求" in user.text, user.text


@pytest.mark.parametrize("typed", ["不提交", "提交？不", "好的 不", "确认一下", "嗯"])
def test_anything_else_at_the_summary_submits_nothing(
    seeded: Seeded, user: Driver, typed: str
) -> None:
    walk_to_summary(user)
    user.send(typed)
    assert count(seeded, Need) == 0, user.text
    assert "确认提交" in " ".join(user.labels)


def test_a_typed_field_name_at_the_summary_reopens_it(user: Driver) -> None:
    walk_to_summary(user)
    user.send("修改金额")
    assert "想借多少钱" in user.text, user.text
    user.send("500万")
    assert "请核对" in user.text and "500万元" in user.text


@pytest.mark.parametrize("typed", ["跳过", "先跳过", "skip"])
def test_skip_is_never_read_as_a_code(seeded: Seeded, user: Driver, typed: str) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send(typed)
    assert "哪个市" in user.text, user.text
    assert "信用代码先空着" in user.text


@pytest.mark.parametrize("typed", ["我不知道", "记不清", "不清楚", "I don't know"])
def test_an_enterprise_that_does_not_know_its_code_is_shown_a_way_on(
    seeded: Seeded, user: Driver, typed: str
) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send(typed)
    assert "营业执照左上方" in user.text and "暂时不知道，先跳过" in user.labels, user.text
    user.press("暂时不知道，先跳过")
    assert "哪个市" in user.text
    user.send("新昌")
    user.press("制造业")
    user.press("完成")
    user.send("300万")
    user.press("流动资金")
    user.send("一年")
    user.send("没有抵押")
    user.send("3年")  # 绍兴: products there want a time in business
    user.send("没有")
    user.send("都符合")
    user.send("张三 13812345678")
    assert "信用代码：无" in user.text
    user.send("提交")
    with Session(seeded.engine) as session:
        enterprise = session.exec(select(Enterprise)).one()
    assert enterprise.uscc is None and enterprise.name == "新昌县鑫达精密机械有限公司"


@pytest.mark.parametrize("typed", ["上一步", "返回", "/back", "back"])
def test_back_asks_the_previous_question_with_its_answer(user: Driver, typed: str) -> None:
    _to_tags(user)
    user.send(typed)
    assert "哪个行业" in user.text and "您上次的回答是：制造业" in user.text, user.text
    user.send("餐饮")
    assert "符合下面哪些情况" in user.text, user.text


def test_back_thrice_goes_three_questions_back_and_forward_again(user: Driver) -> None:
    walk_to_banks(user)
    user.send("上一步")
    assert "多久了" in user.text and "沿用：3年" in user.labels, user.text  # months in business
    user.send("上一步")
    assert "抵押" in user.text and "房产/厂房" in user.text, user.text
    user.send("上一步")
    assert "多长时间" in user.text and "12个月" in user.text, user.text
    user.send("2年")
    assert "哪些银行" in user.text, user.text  # on to the first question still open
    user.send("没有")
    user.send("都符合")
    user.send("张三 13812345678")
    assert "期限：24个月" in user.text and "抵押：房产/厂房" in user.text, user.text


def test_back_at_the_first_question_says_so(user: Driver) -> None:
    start(user)
    user.send("上一步")
    assert "第一个问题" in user.text and "什么身份" in user.text


@pytest.mark.parametrize("typed", ["帮助", "?", "？", "怎么填", "/help"])
def test_help_at_a_question_explains_that_question(user: Driver, typed: str) -> None:
    _to_tags(user)
    user.press("完成")
    user.send(typed)
    assert "五十万左右" in user.text and "想借多少钱" in user.text, user.text
    assert "同意" not in user.text


@pytest.mark.parametrize(
    ("typed", "place"),
    [("绍兴柯桥", "绍兴市 柯桥区"), ("柯桥", "绍兴市 柯桥区"), ("Keqiao", "绍兴市 柯桥区"),
     ("柯桥区", "绍兴市 柯桥区"), ("浙江绍兴新昌", "绍兴市 新昌县")],
)
def test_places_as_people_write_them(user: Driver, typed: str, place: str) -> None:
    walk_to_summary(user)
    user.press("地区")
    user.send(typed)
    assert f"地区：{place}" in user.text, user.text


def test_a_city_typed_in_pinyin_asks_its_county(user: Driver) -> None:
    start(user)
    user.press("个体工商户")
    user.send("老王五金店")
    user.send("跳过")
    user.send("Shaoxing")
    assert "绍兴市的哪个区县" in user.text, user.text
    user.send("绍兴柯桥")
    assert "行业" in user.text, user.text


@pytest.mark.parametrize(
    ("typed", "asked", "amount"),
    [("五十万左右", "按50万元记下", "50万元"), ("大概300万", "按300万元记下", "300万元"),
     ("300来万", "按300万元记下", "300万元"), ("三五十万", "按上限50万元记下", "50万元")],
)
def test_a_rough_amount_is_confirmed_before_it_is_kept(
    user: Driver, typed: str, asked: str, amount: str
) -> None:
    _to_tags(user)
    user.press("完成")
    user.send(typed)
    assert asked in user.text and "对吗" in user.text, user.text
    user.send("对")
    assert f"✔ 记下：{amount}" in user.text and "用来做什么" in user.text, user.text


def test_a_rough_amount_can_be_typed_again(user: Driver) -> None:
    _to_tags(user)
    user.press("完成")
    user.send("三五十万")
    user.send("不对")
    assert "请直接输入金额" in user.text, user.text
    user.send("40万")
    assert "✔ 记下：40万元" in user.text and "用来做什么" in user.text


def test_an_exact_amount_is_echoed(user: Driver) -> None:
    _to_tags(user)
    user.press("完成")
    user.send("伍佰万元")
    assert "✔ 记下：500万元" in user.text, user.text


def test_zero_existing_credit_says_how_to_go_back(user: Driver) -> None:
    walk_to_banks(user)
    user.send("绍兴银行")
    user.send("完成")
    user.send("0")
    assert "上一步" in user.text and "想借多少" not in user.text, user.text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("是", "浙江蓝宇新材料有限公司"), ("1", "浙江蓝宇新材料有限公司"), ("不是", "蓝宇新材料")],
)
def test_the_name_check_reads_a_typed_yes_or_no(
    seeded: Seeded, user: Driver, typed: str, kept: str
) -> None:
    register(seeded, firm=firm(name="浙江蓝宇新材料有限公司", uscc=ENTERPRISE_USCC), chat_id=7)
    start(user)
    user.press("企业")
    user.send("蓝宇新材料")
    assert "您是不是指" in user.text
    user.send(typed)
    assert "统一社会信用代码" in user.text, user.text
    user.send("上一步")
    assert f"您上次的回答是：{kept}" in user.text, user.text


def test_help_typed_with_nothing_under_way_is_the_general_help(user: Driver) -> None:
    user.send("帮助")
    assert "/new 登记新的需求" in user.text, user.text


def test_keep_typed_keeps_the_earlier_answer(user: Driver) -> None:
    walk_to_summary(user)
    user.press("金额")
    user.send("沿用")
    assert "请核对" in user.text and "金额：300万元" in user.text, user.text

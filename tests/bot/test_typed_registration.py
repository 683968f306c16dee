"""A whole registration typed, without touching a single button, in Chinese and in English."""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import Enterprise, Need
from tests.bot.driver import Driver
from tests.bot.test_engine import ENTERPRISE_USCC
from tests.db.builders import Seeded


def _stored(seeded: Seeded) -> tuple[Need, Enterprise]:
    with Session(seeded.engine) as session:
        return session.exec(select(Need)).one(), session.exec(select(Enterprise)).one()


def _type(user: Driver, lines: list[tuple[str, str]]) -> None:
    """Type each answer; each reply (its text or its buttons) must say what the line expects."""
    for typed, asked in lines:
        user.send(typed)
        assert asked in "\n".join([user.text, *user.labels]), (typed, user.text, user.labels)


def test_a_registration_typed_in_chinese(seeded: Seeded, user: Driver) -> None:
    _type(user, [
        ("/start", "同意并开始"),
        ("好的，同意", "什么身份"),
        ("公司", "名称"),
        ("新昌县鑫达精密机械有限公司", "统一社会信用代码"),
        (ENTERPRISE_USCC.lower(), "哪个市"),
        ("绍兴新昌", "行业"),
        ("制造", "符合下面哪些情况"),
        ("高新、专精特新", "✅ 高新技术企业"),
        ("好了", "想借多少钱"),
        ("五十万左右", "按50万元记下"),
        ("对", "用来做什么"),
        ("周转", "多长时间"),
        ("一年半", "抵押"),
        ("房子", "✅ 房产/厂房"),
        ("完成", "多久了"),  # 绍兴: products there want a time in business
        ("三年了", "哪些银行"),
        ("绍兴银行", "已记下：绍兴银行"),
        ("好了", "合计大约多少"),
        ("大概200万", "按200万元记下"),
        ("是的", "五项标准"),
        ("都符合", "联系谁"),
        ("张三 138 1234 5678", "请核对"),
        ("好的，提交", "已收到您的融资需求"),
    ])  # fmt: skip
    need, firm = _stored(seeded)
    assert firm.uscc == ENTERPRISE_USCC and firm.county == "新昌县" and firm.months_operating == 36
    assert need.amount_yuan == 500_000 and need.term_months == 18
    assert need.purpose == "working_capital"
    assert need.existing_banks == ["绍兴银行"] and need.existing_credit_yuan == 2_000_000
    assert need.collateral == ["property"] and all(need.standards.values())
    assert need.contact_phone == "13812345678" and need.contact_name == "张三"


def test_a_registration_typed_in_english(seeded: Seeded, user: Driver) -> None:
    _type(user, [
        ("/start", "同意并开始"),
        ("English", "Agree and start"),
        ("I agree", "Who is applying"),
        ("sole trader", "registered name"),
        ("Lao Wang Hardware", "credit code"),
        ("skip", "Which city"),
        ("Keqiao", "Which industry"),
        ("retail", "Which of these apply"),
        ("none", "How much"),
        ("around 300k", "shall I note 300,000 yuan"),
        ("yes", "mainly for"),
        ("working capital", "how long"),
        ("2 years", "collateral"),
        ("no collateral", "How long has the business been running"),
        ("5 years", "Which banks"),
        ("none, first loan", "five standards"),
        ("all hold", "Whom should"),
        ("Wang Wei 13900001111", "Please check"),
        ("back", "Your answer was: Wang Wei 13900001111"),
        ("Wang Wei 13900002222", "Please check"),
        ("submit", "Your financing need has been received"),
    ])  # fmt: skip
    need, firm = _stored(seeded)
    assert firm.uscc is None and firm.county == "柯桥区" and firm.months_operating == 60
    assert firm.entity_type == "individual_business"
    assert need.amount_yuan == 300_000 and need.term_months == 24 and need.first_loan
    assert need.collateral == ["none"] and need.contact_phone == "13900002222"

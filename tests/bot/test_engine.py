"""The conversation, step by step, on the real engine, storage and matching (no Telegram)."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from bot.events import Pressed
from db.models import Assignment, Conversation, Enterprise, Need, QrSource, Scan
from matching.uscc import uscc_check_char
from tests.bot.driver import Driver
from tests.db.builders import Seeded, firm, register


def uscc(body: str) -> str:
    return body + uscc_check_char(body)


ENTERPRISE_USCC = uscc("91330624MA2D1234A")  # 9 市场监管, 1 enterprise, 330624 新昌县
SHOP_USCC = uscc("92330624MA2D1234B")  # 2: an individual business


def start(user: Driver, token: str = "") -> None:
    user.send(f"/start {token}".strip())
    user.press("同意并开始")


def walk_to_banks(user: Driver, token: str = "", **answers: str) -> None:
    """A 新昌 firm registering, answering like a real owner up to the question of its banks."""
    start(user, token)
    user.press(answers.get("entity", "企业"))
    user.send(answers.get("name", "新昌县鑫达精密机械有限公司"))
    user.send(answers.get("uscc", ENTERPRISE_USCC))
    if not token:
        user.press("绍兴市")
        user.press("新昌县")
    user.press("制造业")
    user.press("完成")
    user.send(answers.get("amount", "300万"))
    user.press("流动资金")
    user.send("一年")
    user.press("房产")
    user.press("完成")
    user.send(answers.get("months", "3年"))  # 兴保贷 and the credit loans want a year in business


def walk_to_summary(user: Driver, token: str = "", **answers: str) -> None:
    """A 新昌 firm registering from a park's QR code, answering like a real owner."""
    walk_to_banks(user, token, **answers)
    for bank in answers.get("banks", "").split():
        user.send(bank)
    user.press("完成" if answers.get("banks") else "首次贷款")
    if answers.get("banks"):
        user.send(answers.get("credit", "500万"))
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")


def count(seeded: Seeded, model: type, *where: object) -> int:
    with Session(seeded.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_park_code_scanned_to_banks_named(seeded: Seeded, user: Driver, park_token: str) -> None:
    walk_to_summary(user, park_token)
    assert "请核对您的融资需求" in user.text
    assert "新昌县" in user.text and "300万元" in user.text and "首次贷款" in user.text
    user.press("确认提交")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
        source = session.exec(select(QrSource)).one()
        offers = session.exec(select(Assignment).where(Assignment.need_id == need.id)).all()
        names = {a.bank_id for a in offers}
    assert need.source_id == source.id and need.chat_id == user.chat_id and need.first_loan
    assert need.county == "新昌县" and need.contact_phone == "13812345678"
    assert offers and len(names) == len(offers)
    assert f"编号 {need.id}" in user.text and "已为您推送给以下" in user.text
    assert "1个工作日内受理、3个工作日内联系" in user.text
    assert count(seeded, Scan, col(Scan.consented_at).is_not(None)) == 1


def test_the_county_of_a_park_code_is_not_asked(user: Driver, park_token: str) -> None:
    start(user, park_token)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send(ENTERPRISE_USCC)
    assert "行业" in user.text and "哪个区县" not in user.text


def test_declining_consent_ends_politely_and_keeps_nothing(
    seeded: Seeded, user: Driver, park_token: str
) -> None:
    user.send(f"/start {park_token}")
    user.press("不同意")
    assert "没有保存您的任何信息" in user.text
    assert count(seeded, Conversation) == 0
    assert count(seeded, Scan, col(Scan.consented_at).is_(None)) == 1  # scanned, anonymously


def test_a_pressed_answer_turns_its_message_into_the_next_question(user: Driver) -> None:
    user.send("/start")
    [reply] = user.press("同意并开始")
    assert reply.edit and "✔ 同意并开始" in reply.text and "您是以什么身份申请" in reply.text
    assert "企业" in user.labels
    [reply] = user.press("企业")  # a question to type the answer of: still the same message
    assert reply.edit and "✔ 企业" in reply.text and "请输入企业或个体工商户的名称" in reply.text
    user.send("新昌县鑫达精密机械有限公司")
    [reply] = user.replies
    assert not reply.edit  # after a typed answer, a new message


def test_english_from_the_first_screen(user: Driver) -> None:
    user.send("/start")
    user.press("English")
    assert "Agree and start" in user.labels
    user.press("Agree and start")
    assert "Who is applying?" in user.text and "enterprise" in user.labels


def test_an_unknown_or_edited_payload_starts_an_unattributed_conversation(
    seeded: Seeded, user: Driver, park_token: str
) -> None:
    edited = park_token[:-1] + ("A" if park_token[-1] != "A" else "B")
    user.send(f"/start {edited}")
    user.press("同意并开始")
    with Session(seeded.engine) as session:
        row = session.exec(select(Conversation)).one()
    assert row.source_id is None and "_source" not in row.draft
    assert count(seeded, Scan) == 0


def test_an_inactive_code_attributes_nothing(seeded: Seeded, user: Driver, park_token: str) -> None:
    with Session(seeded.engine) as session:
        source = session.exec(select(QrSource)).one()
        source.active = False
        session.add(source)
        session.commit()
    user.send(f"/start {park_token}")
    assert "来自" not in user.text
    assert count(seeded, Scan) == 0


def test_a_known_firm_is_suggested_for_a_name_typed_loosely(seeded: Seeded, user: Driver) -> None:
    register(seeded, firm=firm(name="浙江蓝宇新材料有限公司", uscc=ENTERPRISE_USCC), chat_id=7)
    start(user)
    user.press("企业")
    user.send("蓝宇新材料")
    assert "您是不是指 浙江蓝宇新材料有限公司？" in user.text
    user.press("是：浙江蓝宇新材料有限公司")
    assert f"使用 {ENTERPRISE_USCC}" in user.labels
    user.press(f"使用 {ENTERPRISE_USCC}")
    assert "哪个市" in user.text


def test_the_name_as_typed_can_be_kept(seeded: Seeded, user: Driver) -> None:
    register(seeded, firm=firm(name="浙江蓝宇新材料有限公司"), chat_id=7)
    start(user)
    user.press("企业")
    user.send("蓝宇新材料")
    user.press("不是")
    assert "统一社会信用代码" in user.text


def test_a_wrong_uscc_is_explained_and_asked_again(user: Driver) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send(ENTERPRISE_USCC[:-1] + ("0" if ENTERPRISE_USCC[-1] != "0" else "1"))
    assert "校验码" in user.text and "统一社会信用代码" in user.text
    user.send(SHOP_USCC)
    assert "个体工商户" in user.text and "不一致" in user.text
    assert "跳过（没有营业执照）" not in user.labels  # an enterprise must give its code
    user.send(ENTERPRISE_USCC)
    assert "哪个市" in user.text


def test_an_individual_business_may_skip_its_code(user: Driver) -> None:
    start(user)
    user.press("个体工商户")
    user.send("新昌县老王五金店")
    user.press("跳过")
    assert "哪个市" in user.text


def test_changing_the_entity_type_drops_a_code_that_no_longer_fits(user: Driver) -> None:
    walk_to_summary(user)
    user.press("主体类型")
    user.press("个体工商户")
    assert "不一致" in user.text and "统一社会信用代码" in user.text


def test_a_county_typed_for_the_city_answers_both(user: Driver) -> None:
    start(user)
    user.press("个体工商户")
    user.send("老王五金店")
    user.press("跳过")
    user.send("柯桥")
    assert "行业" in user.text


def test_amounts_as_people_type_them(seeded: Seeded, user: Driver, park_token: str) -> None:
    walk_to_summary(user, park_token, amount="三百万")
    assert "300万元" in user.text
    user.press("金额")
    user.send("abc")
    assert "没看懂“abc”" in user.text
    user.send("0.5亿")
    assert "5000万元" in user.text and "请核对" in user.text


def test_bad_input_never_loses_the_draft(user: Driver, park_token: str) -> None:
    start(user, park_token)
    user.press("企业")
    question = user.text
    for noise in (
        lambda: user.sticker(),
        lambda: user.send("长" * 4000),
        lambda: user.event(Pressed("summary:confirm", message_id=99)),  # an old button
        lambda: user.send("/frobnicate"),
        lambda: user.send("/help"),
    ):
        noise()
        assert "请输入企业或个体工商户的名称" in user.text, user.text
    user.send("'; DROP TABLE need; -- <b>新昌</b>鑫达😀机械有限公司")
    user.send(ENTERPRISE_USCC)
    assert "行业" in user.text
    assert "请输入企业" in question


def test_an_old_button_gets_a_toast_and_the_question_again(user: Driver) -> None:
    start(user)
    user.press("企业")
    user.event(Pressed("consent:v:yes", message_id=1))
    assert user.replies[0].toast == "这个按钮已经过期了"
    assert "请输入企业或个体工商户的名称" in user.text


def test_a_firm_at_its_limit_is_offered_its_own_banks_only(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user, banks="绍兴银行 农业银行 建设银行", credit="300万")
    user.press("确认提交")
    assert "已请您现有的" in user.text
    assert "最多由3家银行" in user.text and "您现有3家" in user.text
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
    assert need.route == "existing_banks_only"


def test_a_failed_standard_goes_to_the_coordination_team(seeded: Seeded, user: Driver) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send(ENTERPRISE_USCC)
    user.press("绍兴市")
    user.press("新昌县")
    user.press("制造业")
    user.press("都不是")
    user.press("100万元")
    user.press("流动资金")
    user.press("12个月")
    user.press("没有抵押")
    user.send("3年")
    user.press("首次贷款")
    for standard in ("合规持续经营", "有固定经营场所", "有真实融资需求", "贷款用途合法合规"):
        user.press(standard)
    user.press("确认")
    user.send("张三 13812345678")
    assert "不符合：信用状况良好" in user.text
    user.press("确认提交")
    assert "信用修复" in user.text
    assert count(seeded, Assignment) == 0


def test_registering_the_same_firm_again_asks_what_it_is(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    user.send("/new")
    assert "沿用" in user.text
    user.press("沿用")  # entity
    user.press("沿用")  # name
    user.press("使用")  # uscc
    user.press("沿用：绍兴市 新昌县")
    user.press("沿用：制造业")
    user.press("完成")  # tags as before
    user.press("沿用：300万元")
    user.press("沿用：流动资金")
    user.press("沿用：12个月")
    user.press("完成")  # collateral as before
    user.press("沿用：3年")
    user.press("首次贷款")
    user.press("全部符合")
    user.send("张三 13812345678")
    user.press("确认提交")
    assert "已有一笔正在对接的融资需求" in user.text and "已提交" not in user.text
    assert "更新这笔需求" in user.labels and "另提一笔新需求" in user.labels
    assert count(seeded, Need) == 1


def test_status_lists_each_bank_and_its_progress(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    assert "原则上在" in user.text and "前作出授信审批决定" in user.text  # 002's month
    user.send("/status")
    assert "待受理" in user.text and "300万元" in user.text


def test_delete_asks_first_then_erases(seeded: Seeded, user: Driver) -> None:
    walk_to_summary(user)
    user.press("确认提交")
    user.send("/delete")
    user.press("不删除")
    assert count(seeded, Enterprise, col(Enterprise.erased_at).is_(None)) == 1
    user.send("/delete")
    user.press("确认删除")
    assert "已撤回授权" in user.text
    assert count(seeded, Enterprise, col(Enterprise.erased_at).is_(None)) == 0
    assert count(seeded, Conversation) == 0
    assert count(seeded, Need, col(Need.contact_phone).is_not(None)) == 0


def test_cancel_then_new_offers_the_answers_as_defaults(user: Driver) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    user.send("/cancel")
    assert "已取消" in user.text
    user.send("/new")
    user.press("沿用：企业")
    assert "沿用：新昌县鑫达精密机械有限公司" in user.labels


def test_a_redelivered_update_changes_nothing(seeded: Seeded, user: Driver) -> None:
    user.send("/start")
    user.event(Pressed("consent:v:yes", message_id=1), update_id=50_000)
    again = user.event(Pressed("consent:v:yes", message_id=1), update_id=50_000)
    assert again == []
    with Session(seeded.engine) as session:
        assert session.exec(select(Conversation)).one().step == "entity"


def test_a_restarted_service_carries_on(seeded: Seeded, user: Driver) -> None:
    start(user)
    user.press("企业")
    user.send("新昌县鑫达精密机械有限公司")
    restarted = Driver(seeded.engine, chat_id=user.chat_id)
    restarted.send(ENTERPRISE_USCC)
    assert "哪个市" in restarted.text


def test_changing_an_answer_from_the_summary_comes_back_to_it(user: Driver) -> None:
    walk_to_summary(user)
    user.press("期限")
    user.press("沿用")
    assert "请核对" in user.text and "12个月" in user.text
    user.press("地区")
    user.send("柯桥")
    assert "柯桥区" in user.text and "请核对" in user.text


def test_a_typed_phone_without_a_name_asks_for_the_name(user: Driver) -> None:
    walk_to_summary(user)
    user.press("联系人")
    user.send("138 1234 5678")
    assert "联系人的姓名" in user.text
    user.send("李四")
    assert "李四 13812345678" in user.text


def test_a_number_that_is_no_mobile_is_refused(user: Driver) -> None:
    walk_to_summary(user)
    user.press("联系人")
    user.send("张三 0575-8888888")
    assert "没找到11位手机号" in user.text


def test_a_firm_from_a_parks_code_that_says_it_is_elsewhere_is_not_counted_in_the_park(
    seeded: Seeded, user: Driver, park_token: str
) -> None:
    walk_to_summary(user, park_token)  # 新昌高新园's code
    user.press("地区")
    user.send("嵊州")
    assert "嵊州市" in user.text and "请核对" in user.text
    user.press("确认提交")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
        enterprise = session.exec(select(Enterprise)).one()
    assert need.county == "嵊州市" and enterprise.park_id is None
    assert need.source_id is not None  # the code's funnel still counts the firm

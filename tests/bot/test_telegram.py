"""End to end: the real `Application` polling a Bot API stand-in on 127.0.0.1, a scripted user
scanning a park's QR code and registering with buttons, typed answers and a shared contact."""

from __future__ import annotations

from sqlmodel import Session, select
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.events import Button, Reply
from bot.telegram_app import markup
from db.models import Assignment, Bank, Conversation, Need
from tests.bot.harness import RunningBot
from tests.bot.standin import SimUser, StandIn
from tests.bot.test_engine import ENTERPRISE_USCC
from tests.db.builders import Seeded


def answer_firm_questions(user: SimUser, token: str) -> None:
    user.send(f"/start {token}")
    asked = user.wait_for("登记前请确认")
    user.press("同意并开始")
    entity = user.wait_for("您是以什么身份申请")  # the pressed message, now the next question
    assert entity.edited and entity.message_id == asked.message_id and "✔ 同意并开始" in entity.text
    user.press("企业")
    user.wait_for("请输入企业或个体工商户的名称")
    user.send("新昌县鑫达精密机械有限公司")
    user.wait_for("统一社会信用代码")


def answer_the_rest(user: SimUser) -> None:
    user.send(ENTERPRISE_USCC)
    user.wait_for("哪个行业")
    answer_from_industry(user)


def answer_from_industry(user: SimUser) -> None:
    user.press("制造业")
    user.wait_for("符合下面哪些情况")
    user.press("专精特新")
    user.wait_for(lambda m: m.edited and "✅ 专精特新企业" in str(m.buttons))
    user.press("完成")
    user.wait_for("想借多少钱")
    user.send("三百万")
    user.wait_for("借款主要用来做什么")
    user.press("流动资金")
    user.wait_for("想借多长时间")
    user.press("12个月")
    user.wait_for("抵押")
    user.press("没有抵押")
    user.wait_for("成立（开始经营）多久")
    user.send("2019年成立")
    user.wait_for("哪些银行在给您贷款")
    user.press("首次贷款")
    user.wait_for("五项标准")
    user.press("全部符合")
    contact = user.wait_for("银行客户经理应该联系谁")
    assert contact.contact_request
    user.share_contact("+8613812345678", first_name="张三")
    user.wait_for("请核对您的融资需求")
    user.press("确认提交")


def test_a_scripted_user_registers_from_a_park_code(
    seeded: Seeded, standin: StandIn, running: RunningBot, park_token: str
) -> None:
    user = standin.user(5001)
    answer_firm_questions(user, park_token)
    answer_the_rest(user)
    result = user.wait_for("已为您推送给以下")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
        banks = session.exec(
            select(Bank.name).join(Assignment, Assignment.bank_id == Bank.id)  # type: ignore[arg-type]
        ).all()
    assert need.chat_id == 5001 and need.source_id is not None and need.contact_name == "张三"
    assert banks and all(name in result.text for name in banks)
    assert standin.counts["answerCallbackQuery"] >= 8  # every press is answered
    assert standin.counts["editMessageText"] >= 1
    assert {c["command"] for c in standin.commands[""]} >= {"start", "status", "delete"}
    assert {c["command"] for c in standin.commands["en"]} >= {"start", "status", "delete"}


def test_a_restart_in_the_middle_of_a_conversation_loses_nothing(
    seeded: Seeded, standin: StandIn, park_token: str
) -> None:
    first = RunningBot(seeded.engine, standin).start()
    user = standin.user(5002)
    try:
        answer_firm_questions(user, park_token)
    finally:
        first.stop()
    second = RunningBot(seeded.engine, standin).start()
    try:
        answer_the_rest(user)
        user.wait_for("已为您推送给以下")
    finally:
        second.stop()


def test_a_redelivered_update_has_no_effect(
    seeded: Seeded, standin: StandIn, running: RunningBot
) -> None:
    user = standin.user(5003)
    user.send("/start")
    user.wait_for("登记前请确认")
    pressed = user.press("同意并开始")
    user.wait_for("您是以什么身份申请")
    standin.wait_idle()
    said = len(user.replies(since=0))
    standin.redeliver(pressed)
    standin.wait_idle(quiet=0.3)
    assert len(user.replies(since=0)) == said
    with Session(seeded.engine) as session:
        assert session.exec(select(Conversation)).one().step == "entity"


def test_a_sticker_mid_question_is_answered_with_the_question(
    standin: StandIn, running: RunningBot
) -> None:
    user = standin.user(5004)
    user.send("/start")
    user.wait_for("登记前请确认")
    user.send_sticker()
    user.wait_for(lambda m: "只能看懂文字和按钮" in m.text and "登记前请确认" in m.text)


def test_a_new_messages_keyboard_is_the_phone_button_its_removal_or_inline_buttons() -> None:
    phone = markup(Reply("联系谁？", ask_contact=True, contact_label="分享手机号"))
    assert isinstance(phone, ReplyKeyboardMarkup) and phone.one_time_keyboard
    assert [(b.text, b.request_contact) for b in phone.keyboard[0]] == [("分享手机号", True)]
    assert isinstance(markup(Reply("收到", clear_keyboard=True)), ReplyKeyboardRemove)
    inline = markup(Reply("选一个", buttons=((Button("是", "yes"), Button("否", "no")),)))
    assert isinstance(inline, InlineKeyboardMarkup)
    assert [b.callback_data for b in inline.inline_keyboard[0]] == ["yes", "no"]
    assert markup(Reply("好的")) is None

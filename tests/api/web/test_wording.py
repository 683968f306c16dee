"""The web page says the engine's texts in its own words where Telegram's would not fit: no
/delete or /status to send, no phone button to tap (catalog keys `web.<key>`, the same steps)."""

from __future__ import annotations

from bot.engine import handle
from bot.events import Command
from bot.state import ChatState
from tests.api.web.phone import Phone
from tests.api.web.test_chat import uscc
from tests.bot.fakeworld import FakeWorld

TELEGRAM_ONLY = ("/delete", "/status", "/new", "/cancel", "发送我的手机号")


def test_the_web_chat_names_its_menu_not_telegrams_commands(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    seen = [phone.text]  # the consent: withdrawing is a button at the bottom of the page
    assert "撤回授权并删除资料" in phone.text
    phone.command("status")  # nothing registered yet: "register" is a button too
    seen.append(phone.text)
    assert "再登记一笔" in phone.messages[-2][1]
    phone.tap("同意并开始")
    phone.type("帮助")  # the question's help, and how to go back or withdraw
    seen.append(phone.text)
    assert "上一步" in phone.text
    for text in TELEGRAM_ONLY:
        assert not any(text in page for page in seen), text


def test_the_contact_question_on_the_web_asks_for_typing(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    for kind, value in (
        ("tap", "同意并开始"), ("tap", "企业"), ("type", "新昌县鑫达精密机械有限公司"),
        ("type", uscc()), ("tap", "制造业"), ("tap", "完成"), ("type", "300万"),
        ("tap", "流动资金"), ("type", "一年"), ("tap", "房产"), ("tap", "完成"), ("tap", "3年"),
        ("tap", "首次贷款"), ("tap", "全部符合"),
    ):  # fmt: skip
        phone.tap(value) if kind == "tap" else phone.type(value)
    question = phone.messages[-1][1]
    assert "联系谁" in question and "发送我的手机号" not in question
    phone.type("帮助")
    assert "发送我的手机号" not in phone.text and "姓名 手机号" in phone.text


def test_telegram_keeps_its_commands() -> None:
    telegram = handle(ChatState(), Command("help"), FakeWorld(), chat_id=1)
    web = handle(ChatState(), Command("help"), FakeWorld(), chat_id=1, wording="web")
    assert "/delete" in telegram.replies[-1].text
    assert "/delete" not in web.replies[-1].text and "撤回授权并删除资料" in web.replies[-1].text

"""The contact phone confirmed by a texted code before the summary, where the world confirms
phones (the web chat with SMS on); Telegram's own shared contact needs none."""

from __future__ import annotations

import pytest

from tests.bot.driver import Driver
from tests.bot.fakeworld import PARK_CODE, FakeWorld, MemoryChats
from tests.bot.test_engine import walk_to_banks


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(texting=True)


@pytest.fixture
def firm(world: FakeWorld) -> Driver:
    return Driver(None, service=MemoryChats(world))


def typed_contact(firm: Driver, contact: str = "张三 13812345678") -> None:
    walk_to_banks(firm, PARK_CODE.token)
    firm.press("首次贷款")
    firm.press("全部符合")
    firm.send(contact)


def test_a_typed_phone_is_confirmed_by_the_code_texted_to_it(
    world: FakeWorld, firm: Driver
) -> None:
    typed_contact(firm)
    [(chat, phone, code)] = world.texted
    assert (chat, phone) == (firm.chat_id, "13812345678")
    assert "138****5678" in firm.text and "验证码" in firm.text
    assert "请核对您的融资需求" not in firm.text
    firm.send("000000")
    assert "验证码不对，还可以再试4次" in firm.text
    firm.send(code)
    assert "已验证" in firm.text and "请核对您的融资需求" in firm.text
    firm.press("确认提交")
    [(_, draft)] = world.registered
    assert draft.contact is not None and draft.contact.phone_confirmed


def test_resend_texts_another_code_and_only_the_newest_is_good(
    world: FakeWorld, firm: Driver
) -> None:
    typed_contact(firm)
    firm.press("重新发送")
    assert "已重新发送" in firm.text
    first, second = (code for _, _, code in world.texted)
    firm.send(first)
    assert "验证码不对" in firm.text
    firm.send(f" {second[:3]} {second[3:]} ")  # as a phone's keyboard may space it
    assert "请核对您的融资需求" in firm.text


def test_sends_stop_at_the_hourly_limit(world: FakeWorld, firm: Driver) -> None:
    typed_contact(firm)
    firm.send("重发")
    firm.send("没收到")
    assert len(world.texted) == 3
    firm.press("重新发送")
    assert len(world.texted) == 3 and "42分钟后" in firm.text


def test_change_number_asks_the_contact_again_and_texts_the_new_one(
    world: FakeWorld, firm: Driver
) -> None:
    typed_contact(firm)
    firm.press("改号")
    assert "联系谁" in firm.text
    firm.send("张三 13900001111")
    assert [phone for _, phone, _ in world.texted] == ["13812345678", "13900001111"]
    firm.send("13700002222")  # a number typed at the code: the one to confirm
    assert world.texted[-1][1] == "13700002222" and "137****2222" in firm.text
    firm.send(world.texted[-1][2])
    firm.press("确认提交")
    [(_, draft)] = world.registered
    assert draft.contact is not None
    assert (draft.contact.phone, draft.contact.phone_confirmed) == ("13700002222", True)


def test_changing_the_contact_at_the_summary_asks_a_new_code(
    world: FakeWorld, firm: Driver
) -> None:
    typed_contact(firm)
    firm.send(world.texted[-1][2])
    firm.press("联系人")
    firm.send("李四 13911112222")
    assert world.texted[-1][1] == "13911112222" and "请核对您的融资需求" not in firm.text
    firm.send("上一步")  # back to the contact, not past the code
    assert "联系谁" in firm.text


def test_without_sms_a_typed_phone_goes_unconfirmed(firm: Driver) -> None:
    world = FakeWorld()
    firm.service = MemoryChats(world)
    typed_contact(firm)
    assert "请核对您的融资需求" in firm.text and not world.texted
    firm.press("确认提交")
    [(_, draft)] = world.registered
    assert draft.contact is not None and not draft.contact.phone_confirmed


def test_telegrams_own_contact_needs_no_code(world: FakeWorld, firm: Driver) -> None:
    walk_to_banks(firm, PARK_CODE.token)
    firm.press("首次贷款")
    firm.press("全部符合")
    firm.contact("+86 138 1234 5678", "张三")
    assert "请核对您的融资需求" in firm.text and not world.texted

"""With SMS on, a web firm's contact phone is confirmed by a code texted through the gateway
(the stand-in here) before the summary; the bank that accepts the lead sees whether it was."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.app import create_app
from bot.config import BotSettings, SmsSettings
from bot.db_world import DbWorld
from bot.sms import PAUSE_AFTER_UNREACHABLE, CodeTexter
from bot.world import Texted
from db.core.vocabulary import Channel
from db.models import Assignment, Need, PhoneCode
from matching.i18n import Lang
from tests.api.web.phone import WECHAT_UA, Phone
from tests.api.web.test_chat import walk_to_summary
from tests.bot.sms_standin import SmsStandIn
from tests.db.builders import Seeded


@pytest.fixture
def gateway() -> Iterator[SmsStandIn]:
    with SmsStandIn().running() as standin:
        yield standin


@pytest.fixture
def texting(seeded: Seeded, gateway: SmsStandIn) -> Iterator[Phone]:
    sms = SmsSettings(sms_url=gateway.url, sms_template="【银企】{text}")
    app = create_app(seeded.engine, BotSettings(telegram_bot_token=None), sms_settings=sms)
    with TestClient(app, base_url="http://localhost", headers={"User-Agent": WECHAT_UA}) as c:
        yield Phone(c)


def accepted_contact(client: TestClient, seeded: Seeded) -> dict[str, object]:
    """The contact the lead's bank sees once it accepts."""
    with Session(seeded.engine) as session:
        lead = session.exec(select(Assignment)).first()
    assert lead is not None
    managers = (m for bank in seeded.managers.values() for m in bank)
    manager = next(m for m in managers if m.staff_id == lead.manager_id)
    auth = {"Authorization": f"Bearer {seeded.token(manager)}"}
    assert client.post(f"/api/v1/leads/{lead.id}/accept", headers=auth).status_code == 200
    found = client.get(f"/api/v1/leads/{lead.id}", headers=auth).json()["contact"]
    assert isinstance(found, dict)
    return found


def test_the_texted_code_typed_back_confirms_the_phone_for_the_bank(
    texting: Phone, gateway: SmsStandIn, seeded: Seeded, park_token: str
) -> None:
    walk_to_summary(texting, park_token)
    assert "验证码" in texting.text and "138****5678" in texting.text
    assert "请核对您的融资需求" not in texting.text
    [sent] = gateway.received
    message = sent.message
    assert message["to"] == "13812345678" and str(message["id"]).startswith("code-")
    code = message["params"]["code"]
    assert message["text"].startswith("【银企】验证码") and code in message["text"]
    texting.type("000000" if code != "000000" else "111111")
    assert "还可以再试4次" in texting.text
    texting.type(code)
    assert "已验证" in texting.text and "请核对您的融资需求" in texting.text
    texting.tap("确认提交")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
    assert need.contact_phone_confirmed
    contact = accepted_contact(texting.client, seeded)
    assert contact == {"name": "张三", "phone": "13812345678", "phone_confirmed": True}


def test_a_gateway_that_fails_is_said_and_resend_tries_again(
    texting: Phone, gateway: SmsStandIn, park_token: str
) -> None:
    gateway.script = [503]
    walk_to_summary(texting, park_token)
    assert "没有发出去" in texting.text
    texting.tap("重新发送")
    assert len(gateway.received) == 2 and "已重新发送" in texting.text
    texting.type(gateway.received[-1].message["params"]["code"])
    assert "请核对您的融资需求" in texting.text
    texting.post({**texting.form(), "b": "phonecode:resend"})  # answered: an old button
    assert len(gateway.received) == 2


def test_without_sms_the_bank_sees_the_typed_phone_unconfirmed(
    phone: Phone, seeded: Seeded, park_token: str
) -> None:
    walk_to_summary(phone, park_token)
    assert "请核对您的融资需求" in phone.text  # no code asked
    phone.tap("确认提交")
    contact = accepted_contact(phone.client, seeded)
    assert contact["phone_confirmed"] is False


def codes_of(seeded: Seeded, chat_id: int) -> int:
    with Session(seeded.engine) as session:
        return session.exec(select(func.count()).where(PhoneCode.chat_id == chat_id)).one()


def test_a_hanging_gateway_holds_no_more_sends_than_codes_at_once(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    """Each code waits for the gateway in one of the server's few worker threads: with the
    slots taken (and none free within the wait), a firm asking is told that the text did not
    go (and may send again), without a code made that would count against its sends per hour."""
    texter = CodeTexter(SmsSettings(sms_url=gateway.url), at_once=1, slot_wait=0.2)
    world = DbWorld(seeded.engine, channel=Channel.WEB, texter=texter)
    gateway.hold()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(world.text_code, chat_id=1, phone="13800000001", lang=Lang.ZH)
        gateway.wait_arrived()
        second = pool.submit(world.text_code, chat_id=2, phone="13800000002", lang=Lang.ZH)
        assert second.result(timeout=5).outcome is Texted.FAILED  # not waiting for the first's end
        assert codes_of(seeded, 2) == 0
        gateway.release()
        assert first.result(timeout=10).outcome is Texted.SENT
    assert [r.message["to"] for r in gateway.received] == ["13800000001"]
    assert world.text_code(chat_id=2, phone="13800000002", lang=Lang.ZH).outcome is Texted.SENT
    texter.close()


def test_codes_are_not_tried_for_a_while_after_the_gateway_gave_no_answer(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    now = [0.0]
    settings = SmsSettings(sms_url=gateway.url, sms_timeout=0.2)
    texter = CodeTexter(settings, clock=lambda: now[0])
    world = DbWorld(seeded.engine, channel=Channel.WEB, texter=texter)
    gateway.hold()  # no answer within the timeout
    assert world.text_code(chat_id=1, phone="13800000001", lang=Lang.ZH).outcome is Texted.FAILED
    gateway.release()
    now[0] += PAUSE_AFTER_UNREACHABLE - 1
    assert world.text_code(chat_id=2, phone="13800000002", lang=Lang.ZH).outcome is Texted.FAILED
    assert len(gateway.received) == 1 and codes_of(seeded, 2) == 0  # not tried
    now[0] += 2
    assert world.text_code(chat_id=2, phone="13800000002", lang=Lang.ZH).outcome is Texted.SENT
    assert len(gateway.received) == 2
    texter.close()

"""The whole way of an SMS notice: a firm registers in the web chat, its bank accepts, the
notice reaches the gateway stand-in, and its link opens the firm's status page in another
browser (no cookie) until the firm withdraws."""

from __future__ import annotations

import asyncio
import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.config import SmsSettings
from bot.sms import SmsGateway, SmsNotifier
from db.models import Assignment
from tests.api.web.phone import Phone
from tests.api.web.test_status import registered
from tests.bot.sms_standin import SmsStandIn
from tests.db.builders import Seeded


def test_the_sms_link_opens_the_status_page_until_the_firm_withdraws(
    phone: Phone, client: TestClient, seeded: Seeded, park_token: str
) -> None:
    own_link = registered(phone, park_token)
    with Session(seeded.engine) as session:
        lead = session.exec(select(Assignment)).first()
    assert lead is not None
    managers = (m for bank in seeded.managers.values() for m in bank)
    manager = next(m for m in managers if m.staff_id == lead.manager_id)
    accepted = client.post(
        f"/api/v1/leads/{lead.id}/accept",
        headers={"Authorization": f"Bearer {seeded.token(manager)}"},
    )
    assert accepted.status_code == 200, accepted.text

    async def send(url: str) -> int:
        async with SmsGateway(SmsSettings(sms_url=url)) as sms:
            notifier = SmsNotifier(seeded.engine, sms, public_url="https://yinqi.example.cn")
            return (await notifier.send_due()).sent

    with SmsStandIn().running() as gateway:
        assert asyncio.run(send(gateway.url)) == 1
    message = gateway.received[0].message
    assert re.fullmatch(r"1[3-9]\d{9}", message["to"])
    path = message["params"]["link"].removeprefix("https://yinqi.example.cn")
    with TestClient(client.app, base_url="http://localhost") as stranger:  # no cookie
        page = stranger.get(path)
        assert page.status_code == 200 and "银行已受理" in page.text
        phone.open(own_link)
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', phone.page)
        assert csrf is not None
        assert client.post(f"{own_link}/withdraw", data={"csrf": csrf.group(1)}).status_code == 200
        assert stranger.get(path).status_code == 404

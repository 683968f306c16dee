"""SMS notices to web firms (bot/sms.py) against a gateway stand-in on 127.0.0.1: sent once
with the status link, retried after a server error, given up when refused, closed with SMS
off, and sent again (same id) when the sender was stopped between sending and marking."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlmodel import Session, select

from api.worker import Worker
from bot.config import SmsSettings
from bot.notify import SendRun
from bot.sms import STATUS_PATH, SmsGateway, SmsNotifier, sms_text, status_link
from db.core.vocabulary import Notice
from db.intake.web_sessions import WEB_CHATS, chat_of_status, revoke_status
from db.leads.assignments import accept
from db.leads.outbox import LEASE, GiveUp
from db.leads.queries import LeadRecord
from db.models import Outbox, utcnow
from matching.i18n import CATALOGS, Lang
from tests.bot.sms_standin import SmsStandIn
from tests.db.builders import Seeded, register

WEB_CHAT = WEB_CHATS.start + 4242
PUBLIC = "https://yinqi.example.cn"
PHONE = "13800138000"  # builders.register's contact


@pytest.fixture
def gateway() -> Iterator[SmsStandIn]:
    with SmsStandIn().running() as standin:
        yield standin


def sms_settings(standin: SmsStandIn, **kwargs: object) -> SmsSettings:
    return SmsSettings(sms_url=standin.url, sms_token=SecretStr("s3cret"), **kwargs)  # type: ignore[arg-type]


def accepted_web_need(seeded: Seeded) -> LeadRecord:
    """A need registered in the web chat just now and accepted by its bank."""
    lead = register(seeded, now=utcnow(), chat_id=WEB_CHAT).offers[0]
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    with Session(seeded.engine) as session:
        return accept(session, lead_id=lead.id, actor=manager)


def send(seeded: Seeded, settings: SmsSettings | None, now: datetime | None = None) -> SendRun:
    """One SMS pass, with a gateway of its own (None: SMS off)."""

    async def run() -> SendRun:
        if settings is None:
            return await SmsNotifier(seeded.engine, None, public_url=None).send_due(now)
        async with SmsGateway(settings) as sms:
            return await SmsNotifier(seeded.engine, sms, public_url=PUBLIC).send_due(now)

    return asyncio.run(run())


def web_notice(seeded: Seeded) -> Outbox:
    with Session(seeded.engine) as session:
        return session.exec(select(Outbox).where(Outbox.template == "firm.accepted")).one()


def test_an_accepted_web_need_reaches_the_gateway_once_with_its_status_link(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    lead = accepted_web_need(seeded)
    settings = sms_settings(gateway, sms_template="【银企】{text}")
    run = send(seeded, settings)
    assert (run.claimed, run.sent) == (1, 1)
    assert len(gateway.received) == 1
    got = gateway.received[0]
    assert got.authorization == "Bearer s3cret"
    assert got.message["id"] == web_notice(seeded).id and got.message["to"] == PHONE
    assert got.message["notice"] == "firm.accepted"
    text, link = got.message["text"], got.message["params"]["link"]
    assert text.startswith("【银企】") and lead.bank.name in text and text.endswith(link)
    assert link.startswith(f"{PUBLIC}{STATUS_PATH}/")
    key = link.rsplit("/", 1)[1]
    assert chat_of_status(seeded.engine, key) == WEB_CHAT  # the link opens the firm's page
    assert send(seeded, settings, utcnow() + timedelta(days=1)).claimed == 0
    assert len(gateway.received) == 1
    assert web_notice(seeded).sent_at is not None
    revoke_status(seeded.engine, WEB_CHAT)  # withdrawing closes the SMS links too
    assert chat_of_status(seeded.engine, key) is None


def test_a_server_error_is_retried_with_backoff_then_sent(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    accepted_web_need(seeded)
    gateway.script = [500]
    now = utcnow()
    assert send(seeded, sms_settings(gateway), now).retry == 1
    row = web_notice(seeded)
    assert row.sent_at is None and (row.last_error or "").startswith("HTTP 500")
    assert send(seeded, sms_settings(gateway), now + timedelta(seconds=10)).claimed == 0
    assert send(seeded, sms_settings(gateway), now + timedelta(seconds=31)).sent == 1
    assert gateway.ids() == [row.id, row.id]  # the same idempotency key both times


def test_too_many_requests_waits_as_long_as_the_gateway_asks(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    accepted_web_need(seeded)
    gateway.script, gateway.retry_after = [429], "600"
    now = utcnow()
    assert send(seeded, sms_settings(gateway), now).retry == 1
    assert send(seeded, sms_settings(gateway), now + timedelta(seconds=599)).claimed == 0
    assert send(seeded, sms_settings(gateway), now + timedelta(seconds=601)).sent == 1


def test_an_unreachable_gateway_is_tried_again(seeded: Seeded) -> None:
    accepted_web_need(seeded)
    closed = SmsSettings(sms_url="http://127.0.0.1:9/send", sms_timeout=2)  # discard: closed
    assert send(seeded, closed).retry == 1
    row = web_notice(seeded)
    assert row.given_up_at is None and row.sent_at is None and row.last_error


def test_a_refused_message_is_given_up_with_the_gateways_reason(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    accepted_web_need(seeded)
    gateway.script = [400]
    assert send(seeded, sms_settings(gateway)).given_up == 1
    row = web_notice(seeded)
    assert row.give_up_reason == GiveUp.REJECTED and (row.last_error or "").startswith("HTTP 400")
    assert send(seeded, sms_settings(gateway), utcnow() + timedelta(days=1)).claimed == 0
    assert len(gateway.received) == 1


def test_with_sms_off_a_web_notice_is_closed_and_the_status_page_tells_it(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    accepted_web_need(seeded)
    run = send(seeded, None)
    assert (run.claimed, run.given_up) == (0, 1)
    assert web_notice(seeded).give_up_reason == GiveUp.NO_CHAT
    assert gateway.received == []


def test_a_sender_stopped_while_sending_is_followed_by_one_that_sends_it_once_more(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    """At least once: the claim is committed, the gateway has the message, the sender dies
    before marking it; once the lease runs out the next pass sends it again, with the same
    id (for the gateway to drop), and it is marked sent once."""
    accepted_web_need(seeded)
    now = utcnow()
    gateway.hold()

    async def killed() -> None:
        async with SmsGateway(sms_settings(gateway)) as sms:
            task = asyncio.create_task(
                SmsNotifier(seeded.engine, sms, public_url=PUBLIC).send_due(now)
            )
            await asyncio.to_thread(gateway.wait_arrived)
            task.cancel()  # the worker dies: nothing after the POST runs
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(killed())
    gateway.release()
    row = web_notice(seeded)
    assert (row.attempts, row.sent_at, row.given_up_at) == (1, None, None)
    settings = sms_settings(gateway)
    assert send(seeded, settings, now + LEASE - timedelta(seconds=1)).claimed == 0  # leased
    assert send(seeded, settings, now + LEASE + timedelta(seconds=1)).sent == 1
    assert send(seeded, settings, now + timedelta(days=1)).claimed == 0
    assert gateway.ids() == [row.id, row.id]
    row = web_notice(seeded)
    assert row.sent_at is not None and row.attempts == 2


def test_yinqi_worker_killed_while_sending_is_followed_by_one_more_send_of_the_same_id(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    """The same, with a real `yinqi worker` process killed (SIGKILL) while the gateway holds
    its message: the notice reaches the gateway twice with one id, and is marked sent once."""
    accepted_web_need(seeded)
    now = utcnow()
    gateway.hold()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMS_"))}
    env |= {
        "DATABASE_URL": seeded.engine.url.render_as_string(hide_password=False),
        "SMS_URL": gateway.url,
        "PUBLIC_URL": PUBLIC,
    }
    command = [sys.executable, "-c", "from api.cli import main; main()", "worker", "--once"]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.PIPE, text=True)
    try:
        gateway.wait_arrived(timeout=60)
    finally:
        process.kill()
        _, log = process.communicate(timeout=30)
    gateway.release()
    row = web_notice(seeded)
    assert (row.attempts, row.sent_at) == (1, None), log
    leased_until = row.next_attempt_at  # the killed worker's claim: its clock, not ours
    assert now + LEASE <= leased_until
    settings = sms_settings(gateway)
    assert send(seeded, settings, leased_until - timedelta(seconds=1)).claimed == 0
    assert send(seeded, settings, leased_until + timedelta(seconds=1)).sent == 1
    assert send(seeded, settings, now + timedelta(days=1)).claimed == 0
    assert gateway.ids() == [row.id, row.id]
    assert web_notice(seeded).sent_at is not None


def test_the_worker_sends_web_notices_by_sms_beside_telegram(
    seeded: Seeded, gateway: SmsStandIn
) -> None:
    accepted_web_need(seeded)

    async def one_pass() -> SendRun | None:
        async with SmsGateway(sms_settings(gateway)) as sms:
            worker = Worker(seeded.engine, sms=sms, public_url=PUBLIC)
            return (await worker.run_once(jobs={"outbox"})).outbox

    run = asyncio.run(one_pass())
    assert run is not None and run.sent == 1
    assert len(gateway.received) == 1


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://sms.example.cn/send", True),
        ("http://127.0.0.1:8025/send", True),
        ("http://sms.example.cn/send", False),  # a bearer token in clear across the network
        ("ftp://sms.example.cn/", False),
        ("https://", False),
    ],
)
def test_the_gateway_is_https_or_on_this_machine(url: str, ok: bool) -> None:
    if ok:
        assert SmsSettings(sms_url=url).sms_url == url
    else:
        with pytest.raises(ValidationError):
            SmsSettings(sms_url=url)


@pytest.mark.parametrize("template", ["no text", "{text} {phone}", "{text"])
def test_a_template_holds_the_text_and_nothing_else(template: str) -> None:
    with pytest.raises(ValidationError):
        SmsSettings(sms_template=template)


def test_sms_is_off_unless_a_url_is_set() -> None:
    assert SmsSettings(sms_url=" ").sms_url is None
    assert SmsSettings(sms_url=None).sms_url is None


@pytest.mark.parametrize("notice", [n for n in Notice if n.startswith("firm.")])
def test_each_firm_notice_has_short_sms_words_that_fit_one_message(notice: Notice) -> None:
    """70 Chinese characters make one SMS (67 each part of a longer one): a 4-character bank
    and a short host fit."""
    assert all(f"sms.{notice}" in CATALOGS[lang] for lang in Lang)
    link = status_link(PUBLIC, "X" * 16)  # as long as a minted key
    text = sms_text(notice, {**SAMPLE, "bank": "绍兴银行"}, Lang.ZH, link)
    # the acceptance names branch, manager, phone and the no-fee rule: a long SMS of two parts
    most = 134 if notice is Notice.FIRM_ACCEPTED else 70
    assert len(text) <= most and text.endswith(link), (len(text), text)


SAMPLE = {"branch": "越城支行", "manager": "张伟", "phone": "0575-88886666", "day": "2026-11-24",
          "visit": 7, "problem_id": 12, "outcome": "已退还费用"}  # fmt: skip
"""A notice's other values, as short as they come."""

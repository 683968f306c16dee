"""Deliveries to a receiver stand-in on 127.0.0.1: signed (checked by the `standardwebhooks`
library), the lead exactly as the bank's `GET /api/v1/leads/{id}` shows it and never another
bank's, retried on schedule after failures, sent again with the same id after a real `yinqi
worker` is killed mid-delivery, disabled after a day of failures, replayed on request."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from standardwebhooks import Webhook

from api.webhooks import urls
from api.webhooks.config import WebhookSettings
from db.intake import register as register_module
from db.intake.withdrawal import withdraw
from db.leads import assignments
from db.models import Need, Outbox, WebhookMessage, utcnow
from db.webhooks.deliveries import LEASE, SCHEDULE
from tests.api.conftest import Api
from tests.api.webhooks.conftest import HOOKS, add_endpoint, send
from tests.api.webhooks.receiver import Receiver
from tests.db.builders import YUECHENG_BANKS, firm, register

LEADS = "/api/v1/leads"


def messages(api: Api) -> list[WebhookMessage]:
    with Session(api.seeded.engine) as session:
        return list(session.exec(select(WebhookMessage).order_by(col(WebhookMessage.id))).all())


def test_an_offer_reaches_the_banks_endpoint_signed_with_the_lead_as_its_admin_reads_it(
    api: Api, receiver: Receiver
) -> None:
    made = add_endpoint(api, "tlbank", receiver.url, events=["lead.offered"])
    lead = register(api.seeded, now=api.clock.now).offers[0]
    assert lead.bank_code == "tlbank"
    run = send(api.seeded, api.clock.now)
    assert (run.claimed, run.delivered) == (1, 1)
    [got] = receiver.received
    assert got.path == "/hooks/yinqi?src=test"
    payload = Webhook(str(made["secret"])).verify(got.body, got.headers)
    assert got.webhook_id == f"msg_{messages(api)[0].id}"
    assert payload["type"] == "lead.offered"
    shown = api.as_(api.seeded.bank_admins["tlbank"]).get(f"{LEADS}/{lead.id}").json()
    assert payload["data"] == shown
    assert payload["data"]["contact"] is None  # not accepted yet
    assert send(api.seeded, api.clock.now + timedelta(days=2)).claimed == 0
    assert len(receiver.received) == 1


def test_each_bank_is_told_only_of_its_own_leads_and_never_of_a_contact_not_its_own(
    api: Api, receiver: Receiver
) -> None:
    secrets = {
        bank: str(add_endpoint(api, bank, f"{receiver.url}&bank={bank}")["secret"])
        for bank in YUECHENG_BANKS
    }
    reg = register(api.seeded, now=api.clock.now)
    first = reg.offers[0]
    manager = api.seeded.manager(first.bank_code)
    assert api.as_(manager).post(f"{LEADS}/{first.id}/accept").status_code == 200
    body = {"reason_code": "firm_reason"}
    assert api.as_(manager).post(f"{LEADS}/{first.id}/decline", body).status_code == 200
    with Session(api.seeded.engine) as session:  # the next bank was offered it; the firm leaves
        withdraw(session, need_id=reg.need_id, now=api.clock.now)
    while send(api.seeded, api.clock.now).claimed:
        pass
    kinds: dict[str, list[str]] = {}
    for got in receiver.received:
        bank = got.path.rsplit("bank=", 1)[1]
        payload = Webhook(secrets[bank]).verify(got.body, got.headers)
        kinds.setdefault(bank, []).append(payload["type"])
        assert b"13800138000" not in got.body and "王经理".encode() not in got.body
        if payload["type"] == "pool.opened":
            assert payload["data"]["need_id"] == reg.need_id and "name" not in payload["data"]
        else:
            assert payload["data"]["bank"]["code"] == bank
    second = next(b for b, k in kinds.items() if "lead.withdrawn" in k)
    assert kinds[first.bank_code] == ["lead.offered"]
    assert sorted(kinds[second]) == ["lead.offered", "lead.withdrawn"]  # in no promised order
    # the pool's needs were gone (withdrawn) by the time they were sent: closed, never sent
    assert {m.give_up_reason for m in messages(api) if m.event_type == "pool.opened"} == {"gone"}


def test_a_failing_receiver_is_tried_again_on_schedule_then_delivered_once(
    api: Api, receiver: Receiver
) -> None:
    made = add_endpoint(api, "tlbank", receiver.url)
    register(api.seeded, now=api.clock.now)
    receiver.script = [500, 503]
    t0 = api.clock.now
    assert send(api.seeded, t0).retry == 1
    assert send(api.seeded, t0 + SCHEDULE[0] * 0.85).claimed == 0  # the jitter is ±10%
    t1 = t0 + SCHEDULE[0] * 1.15
    assert send(api.seeded, t1).retry == 1
    assert send(api.seeded, t1 + SCHEDULE[1] * 0.85).claimed == 0
    assert send(api.seeded, t1 + SCHEDULE[1] * 1.15).delivered == 1
    assert send(api.seeded, t1 + timedelta(days=2)).claimed == 0
    assert len(set(receiver.ids())) == 1 and len(receiver.ids()) == 3
    page = api.as_(api.seeded.bank_admins["tlbank"]).get(
        f"{HOOKS}/{made['endpoint']['id']}/deliveries"
    )  # type: ignore[index]
    [delivery] = page.json()["items"]
    assert delivery["status"] == "delivered" and delivery["webhook_id"] == receiver.ids()[0]
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert all(a["latency_ms"] >= 0 for a in delivery["attempts"])


def test_a_worker_killed_mid_delivery_is_followed_by_one_more_delivery_of_the_same_id(
    api: Api, receiver: Receiver
) -> None:
    """A real `yinqi worker` is SIGKILLed while the receiver holds its request: the claim was
    committed, the answer never recorded; once the lease runs out the next pass sends the same
    `webhook-id` again, and it is delivered once."""
    add_endpoint(api, "tlbank", receiver.url, events=["lead.offered"])
    now = utcnow()
    register(api.seeded, now=now)
    receiver.hold()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMS_"))}
    env |= {
        "DATABASE_URL": api.seeded.engine.url.render_as_string(hide_password=False),
        "WEBHOOKS_ALLOW_LOCALHOST": "1",
    }
    command = [sys.executable, "-c", "from api.cli import main; main()", "worker", "--once"]
    root = Path(__file__).resolve().parents[3]
    process = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.PIPE, text=True)
    try:
        receiver.wait_arrived(timeout=60)
    finally:
        process.kill()
        _, log = process.communicate(timeout=30)
    receiver.release()
    [message] = messages(api)
    assert (message.attempts, message.delivered_at) == (1, None), log
    leased_until = message.next_attempt_at
    assert leased_until is not None and now + LEASE <= leased_until
    assert send(api.seeded, leased_until - timedelta(seconds=1)).claimed == 0
    assert send(api.seeded, leased_until + timedelta(seconds=1)).delivered == 1
    assert send(api.seeded, leased_until + timedelta(days=2)).claimed == 0
    assert receiver.ids() == [f"msg_{message.id}"] * 2
    assert messages(api)[0].delivered_at is not None


def _until_given_up(api: Api, start: datetime) -> datetime:
    """Send at each moment the message comes due until it is given up; the last moment."""
    now = start
    for _ in range(len(SCHEDULE) + 2):
        send(api.seeded, now)
        [message] = [m for m in messages(api) if m.event_type == "lead.offered"]
        if message.next_attempt_at is None:
            return now
        now = message.next_attempt_at
    raise AssertionError("never given up")


def test_an_endpoint_failing_for_a_day_is_disabled_its_admin_told_and_replayed_once_enabled(
    api: Api, receiver: Receiver
) -> None:
    made = add_endpoint(api, "tlbank", receiver.url, events=["lead.offered"])
    endpoint = f"{HOOKS}/{made['endpoint']['id']}"  # type: ignore[index]
    admin = api.as_(api.seeded.bank_admins["tlbank"])
    register(api.seeded, now=api.clock.now)
    receiver.always = 500
    last = _until_given_up(api, api.clock.now)
    assert timedelta(hours=21) < last - api.clock.now < timedelta(hours=26)
    assert len(receiver.received) == len(SCHEDULE) + 1
    [message] = messages(api)
    assert message.give_up_reason == "too_many_attempts"
    shown = admin.get(endpoint).json()
    assert (shown["active"], shown["disabled_reason"]) == (False, "failing")
    assert shown["failures_in_a_row"] == len(SCHEDULE) + 1
    with Session(api.seeded.engine) as session:
        notice = session.exec(
            select(Outbox).where(Outbox.template == "bank.webhook_disabled")
        ).one()
    assert notice.staff_id == api.seeded.bank_admins["tlbank"].staff_id
    register(api.seeded, now=last, firm=firm(name="绍兴青禾食品有限公司"))
    assert len(messages(api)) == 1  # a disabled endpoint is queued nothing
    replay = f"{endpoint}/deliveries/{message.id}/replay"
    refused = admin.post(replay)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "webhook_disabled"
    assert admin.post(f"{endpoint}/enable").json()["active"] is True
    assert admin.post(replay).status_code == 202
    receiver.always = None
    assert send(api.seeded, last + timedelta(minutes=1)).delivered == 1
    assert receiver.ids()[-1] == f"msg_{message.id}"


def test_a_delivered_message_is_replayed_with_its_id_and_the_lead_as_it_is_now(
    api: Api, receiver: Receiver
) -> None:
    made = add_endpoint(api, "tlbank", receiver.url, events=["lead.offered"])
    endpoint = f"{HOOKS}/{made['endpoint']['id']}"  # type: ignore[index]
    admin = api.as_(api.seeded.bank_admins["tlbank"])
    lead = register(api.seeded, now=api.clock.now).offers[0]
    send(api.seeded, api.clock.now)
    [message] = messages(api)
    with Session(api.seeded.engine) as session:
        assignments.accept(session, lead_id=lead.id, actor=api.seeded.manager("tlbank"))
    replay = f"{endpoint}/deliveries/{message.id}/replay"
    answer = admin.post(replay)
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    again = admin.post(replay)
    assert again.status_code == 409 and again.json()["error"]["code"] == "delivery_pending"
    assert send(api.seeded, api.clock.now + timedelta(seconds=1)).delivered == 1
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id == f"msg_{message.id}"
    assert first.json["data"]["status"] == "offered"
    assert second.json["data"]["status"] == "accepted"  # the lead as it is when sent
    assert second.json["data"]["contact"] == {
        "name": "王经理",
        "phone": "13800138000",
        "phone_confirmed": False,
    }
    assert admin.post(f"{endpoint}/deliveries/999999/replay").status_code == 404


def test_after_a_rotation_both_secrets_sign_until_the_old_one_expires(
    api: Api, receiver: Receiver
) -> None:
    made = add_endpoint(api, "tlbank", receiver.url, events=["lead.offered"])
    endpoint = f"{HOOKS}/{made['endpoint']['id']}"  # type: ignore[index]
    rotated = api.as_(api.seeded.bank_admins["tlbank"]).post(f"{endpoint}/rotate").json()
    assert rotated["secret"] != made["secret"] and rotated["previous_until"]
    register(api.seeded, now=api.clock.now)
    send(api.seeded, api.clock.now)
    [got] = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (str(made["secret"]), rotated["secret"]):
        Webhook(secret).verify(got.body, got.headers)
    [message] = messages(api)
    admin = api.as_(api.seeded.bank_admins["tlbank"])
    assert admin.post(f"{endpoint}/deliveries/{message.id}/replay").status_code == 202
    assert send(api.seeded, api.clock.now + timedelta(hours=25)).delivered == 1
    later = receiver.received[-1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated["secret"]).verify(later.body, later.headers)


def test_a_name_that_now_resolves_to_a_private_address_is_not_called(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked again at each delivery after resolving: a name that was public at registration
    and resolves to 10.x now is a failed attempt, and no request leaves."""
    answers = {"hooks.bank.example.cn": "93.184.215.14"}
    monkeypatch.setattr(urls, "resolve", lambda host, port: [ipaddress.ip_address(answers[host])])
    add_endpoint(api, "tlbank", "https://hooks.bank.example.cn/yinqi", events=["lead.offered"])
    register(api.seeded, now=api.clock.now)
    answers["hooks.bank.example.cn"] = "10.0.0.7"
    run = send(api.seeded, api.clock.now, settings=WebhookSettings())
    assert (run.claimed, run.retry) == (1, 1)
    [message] = messages(api)
    assert "10.0.0.7" in (message.last_error or "")


def test_an_event_is_queued_in_the_transaction_of_its_change(
    api: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registration that fails after its offer's event was queued leaves no event behind."""
    add_endpoint(api, "tlbank", receiver.url)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("failed after the offer")

    monkeypatch.setattr(register_module, "_tell_pool", broken)
    with pytest.raises(RuntimeError):
        register(api.seeded, now=api.clock.now)
    assert messages(api) == []
    with Session(api.seeded.engine) as session:
        assert session.exec(select(Need)).all() == []
    monkeypatch.undo()
    register(api.seeded, now=api.clock.now)
    assert {m.event_type for m in messages(api)} == {"lead.offered"}  # tlbank was offered it

"""The outbox sent through Telegram (a Bot API stand-in on 127.0.0.1), and managers on Telegram:
`/link CODE`, then Accept / Decline on a new lead's notice through the real PTB Application."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from pydantic import SecretStr
from sqlmodel import Session, col, select
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.config import BotSettings
from bot.notify import Notifier, SendRun, make_bot
from bot.result import when
from db.core.engine import is_sqlite
from db.core.unit import Actor
from db.leads.assignments import accept
from db.leads.outbox import LEASE, sender_turn
from db.leads.queries import LeadRecord
from db.leads.views import Lead
from db.models import Assignment, Conversation, Outbox, Staff, utcnow
from db.staff.links import issue_link_code
from tests.bot.harness import RunningBot
from tests.bot.standin import Sent, SimUser, StandIn
from tests.db.builders import Seeded, firm, register

FIRM_CHAT = 1001  # the chat builders.register registers from


def settings(standin: StandIn) -> BotSettings:
    return BotSettings(
        telegram_bot_token=SecretStr(standin.token), telegram_api_base_url=standin.base_url
    )


def send_outbox(seeded: Seeded, standin: StandIn, now: datetime | None = None) -> SendRun:
    """One pass of the sender, with a bot of its own (as `yinqi worker` has)."""

    async def run() -> SendRun:
        async with make_bot(settings(standin)) as bot:
            return await Notifier(seeded.engine, bot).send_due(now)

    return asyncio.run(run())


def outbox(seeded: Seeded) -> list[Outbox]:
    with Session(seeded.engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def register_now(seeded: Seeded) -> Lead:
    """A need registered from the firm's chat just now; its first offer."""
    return register(seeded, now=utcnow()).offers[0]


def manager_of(seeded: Seeded, lead: Lead) -> Actor:
    return next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)


def accepted_now(seeded: Seeded) -> LeadRecord:
    """A need registered just now and accepted by its bank: the firm is due a notice."""
    lead = register_now(seeded)
    with Session(seeded.engine) as session:
        return accept(session, lead_id=lead.id, actor=manager_of(seeded, lead))


def link(seeded: Seeded, user: SimUser, actor: Actor) -> None:
    with Session(seeded.engine) as session:
        code = issue_link_code(session, staff_id=actor.staff_id or 0).code
    user.send(f"/link {code}")
    user.wait_for("绑定成功")


def status_of(seeded: Seeded, lead_id: int) -> str:
    with Session(seeded.engine) as session:
        lead = session.get(Assignment, lead_id)
        assert lead is not None
        return lead.status


def toasts(standin: StandIn) -> list[str]:
    return [a.get("text", "") for a in standin.callback_answers]


def toast_after(standin: StandIn, seen: int, timeout: float = 10) -> str:
    """The first button answer after the `seen` first ones, waited for: the bot may answer a
    button after what else the press did, and later than a quiet spell on a busy machine."""
    until = time.monotonic() + timeout
    while len(answers := toasts(standin)) <= seen:
        if time.monotonic() > until:
            raise AssertionError(f"the button had no answer within {timeout:g} s: {answers}")
        time.sleep(0.01)
    return answers[seen]


# --- the outbox through Telegram ---------------------------------------------------------------


def test_a_firm_is_told_of_each_change_in_its_chat_and_a_notice_goes_once(
    seeded: Seeded, standin: StandIn
) -> None:
    firm_user = standin.user(FIRM_CHAT)
    lead = accepted_now(seeded)
    run = send_outbox(seeded, standin)
    assert (run.sent, run.given_up) == (1, 1)  # the firm; the manager has no Telegram
    told = firm_user.wait_for("已受理您的融资需求", since=0)
    assert lead.bank.name in told.text
    assert send_outbox(seeded, standin, utcnow() + timedelta(days=1)).claimed == 0
    assert len(firm_user.replies(since=0)) == 1


def test_one_process_sends_the_outbox_at_a_time(seeded: Seeded, standin: StandIn) -> None:
    """N `yinqi serve` each run a worker: one sends while the others skip their pass, so the
    bot as a whole keeps the pace one rate limiter sets."""
    firm_user = standin.user(FIRM_CHAT)
    accepted_now(seeded)
    with sender_turn(seeded.engine) as mine:  # another process, sending
        assert mine
        meanwhile = send_outbox(seeded, standin)
    if is_sqlite(seeded.engine):  # one process: always its turn
        assert meanwhile.sent == 1
        return
    assert meanwhile.claimed == 0 and not firm_user.replies(since=0)
    assert send_outbox(seeded, standin).sent == 1
    firm_user.wait_for("已受理您的融资需求", since=0)


def test_a_chat_telegram_does_not_know_is_given_up(seeded: Seeded, standin: StandIn) -> None:
    accepted_now(seeded)  # no user 1001 at the stand-in: "chat not found"
    run = send_outbox(seeded, standin)
    assert run.sent == 0 and run.given_up == 2
    firm_row = next(r for r in outbox(seeded) if r.need_id is not None)
    assert firm_row.give_up_reason == "chat_not_found"
    assert "chat not found" in (firm_row.last_error or "").lower()


class Crash(BaseException):
    """The process dying: nothing of ours catches it."""


class DiesAfterSending:
    """The real bot, but the process dies right after Telegram took the message."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def initialize(self) -> None:
        await self.bot.initialize()

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        await self.bot.send_message(*args, **kwargs)
        raise Crash


def test_the_outbox_survives_a_crash_between_sending_and_marking(
    seeded: Seeded, standin: StandIn
) -> None:
    firm_user = standin.user(FIRM_CHAT)
    accepted_now(seeded)
    now = utcnow()

    async def crash() -> None:
        async with make_bot(settings(standin)) as bot:
            dying = cast(Bot, DiesAfterSending(bot))
            await Notifier(seeded.engine, dying).send_due(now)

    with pytest.raises(Crash):
        asyncio.run(crash())
    firm_user.wait_for("已受理", since=0)
    row = next(r for r in outbox(seeded) if r.need_id is not None)
    assert row.sent_at is None and row.attempts == 1  # claimed, sent, never marked
    assert send_outbox(seeded, standin, now + LEASE / 2).claimed == 0  # its lease still holds
    again = send_outbox(seeded, standin, now + LEASE + timedelta(seconds=1))
    assert again.sent == 1  # exactly that notice, once more: at least once
    said = [m.text for m in firm_user.replies(since=0)]
    assert len(said) == 2 and said[0] == said[1]
    assert send_outbox(seeded, standin, now + timedelta(days=2)).claimed == 0
    assert len(firm_user.replies(since=0)) == 2


class FailingBot:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.tries = 0

    async def initialize(self) -> None:
        return None

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        self.tries += 1
        raise self.error


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's
@pytest.mark.parametrize(
    ("error", "reason", "wait"),
    [
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), "blocked", None),
        (lambda: BadRequest("Bad Request: message is too long"), "rejected", None),
        (TimedOut, None, timedelta(seconds=30)),
        (lambda: RetryAfter(600), None, timedelta(seconds=600)),
    ],
)
def test_failures_are_given_up_or_retried_as_telegram_says(
    seeded: Seeded, error: Callable[[], Exception], reason: str | None, wait: timedelta | None
) -> None:
    accepted_now(seeded)
    now = utcnow()
    bot = FailingBot(error())
    run = asyncio.run(Notifier(seeded.engine, cast(Bot, bot), clock=lambda: now).send_due(now))
    assert bot.tries == 1
    row = next(r for r in outbox(seeded) if r.need_id is not None)
    assert row.give_up_reason == reason and type(bot.error).__name__ in (row.last_error or "")
    if wait is None:
        assert run.given_up == 2 and run.retry == 0
    else:
        assert run.retry == 1 and row.next_attempt_at == now + wait


# --- managers on Telegram ----------------------------------------------------------------------


def new_lead_notice(user: SimUser) -> Sent:
    return user.wait_for(lambda m: "新线索" in m.text and bool(m.buttons), since=0)


def test_a_linked_manager_accepts_a_new_lead_with_its_button(
    seeded: Seeded, standin: StandIn, running: RunningBot
) -> None:
    manager_user = standin.user(7001)
    lead = register_now(seeded)
    link(seeded, manager_user, manager_of(seeded, lead))
    assert send_outbox(seeded, standin).sent == 1
    notice = new_lead_notice(manager_user)
    assert "绍兴蓝宇新材料有限公司" in notice.text and "100万元" in notice.text
    assert "王经理" not in notice.text  # the firm's contact only once accepted
    assert [label for label, _ in notice.buttons[0]] == ["受理", "退回"]
    seen = len(toasts(standin))
    manager_user.press("受理")
    accepted = manager_user.wait_for(lambda m: m.edited and "已受理线索" in m.text)
    assert "王经理" in accepted.text and "13800138000" in accepted.text and not accepted.buttons
    assert f"最迟不超过 {when(lead.final_by)}" in accepted.text  # the decision's deadlines too
    assert status_of(seeded, lead.id) == "accepted"
    assert "已受理" in toast_after(standin, seen)
    old = f"lead:d:{lead.id}"  # the decline button of the same notice, pressed late
    manager_user.press_data(notice.message_id, old)
    assert toast_after(standin, seen + 1) == "这条线索已经处理过了，按钮已失效"
    assert status_of(seeded, lead.id) == "accepted"
    firm_user = standin.user(FIRM_CHAT)
    assert send_outbox(seeded, standin).sent == 1  # and the firm hears of it
    firm_user.wait_for(f"{lead.bank}已受理", since=0)


def test_a_manager_declines_with_a_reason_and_the_next_bank_is_offered(
    seeded: Seeded, standin: StandIn, running: RunningBot
) -> None:
    manager_user = standin.user(7001)
    lead = register_now(seeded)
    link(seeded, manager_user, manager_of(seeded, lead))
    send_outbox(seeded, standin)
    new_lead_notice(manager_user)
    manager_user.press("退回")
    manager_user.wait_for(lambda m: m.edited and "请选择退回原因" in m.text)
    manager_user.press("返回")
    manager_user.wait_for(lambda m: m.edited and [b for b, _ in m.buttons[0]] == ["受理", "退回"])
    manager_user.press("退回")
    manager_user.wait_for("请选择退回原因")
    manager_user.press("银行服务原因")
    manager_user.wait_for(lambda m: m.edited and "原因：银行服务原因" in m.text)
    with Session(seeded.engine) as session:
        query = select(Assignment).where(Assignment.need_id == lead.need_id)
        leads = session.exec(query.order_by(col(Assignment.id))).all()
    assert [(a.status, a.decline_reason) for a in leads] == [
        ("declined", "bank_service"),
        ("offered", None),
    ]


def test_foreign_and_unlinked_buttons_answer_with_a_toast_and_change_nothing(
    seeded: Seeded, standin: StandIn, running: RunningBot
) -> None:
    lead = register_now(seeded)
    stranger, other_bank = standin.user(7002), standin.user(7003)
    stranger.send("/link")
    said = stranger.wait_for("请发送 /link 加上")
    seen = len(toasts(standin))
    stranger.press_data(said.message_id, f"lead:a:{lead.id}")
    assert toast_after(standin, seen) == "这个 Telegram 账号还没有绑定工作人员"
    someone_else = next(ms[0] for code, ms in seeded.managers.items() if code != lead.bank_code)
    link(seeded, other_bank, someone_else)
    linked = other_bank.last()
    for data in (f"lead:a:{lead.id}", f"lead:r:{lead.id}:other"):
        seen = len(toasts(standin))
        other_bank.press_data(linked.message_id, data)
        assert toast_after(standin, seen) == "这条线索不在您的名下"
    assert status_of(seeded, lead.id) == "offered"
    other_bank.send("/link WRONG-CODE1")
    other_bank.wait_for("绑定码不对")


def test_a_staff_button_leaves_the_firm_conversation_of_the_same_chat_alone(
    seeded: Seeded, standin: StandIn, running: RunningBot
) -> None:
    manager_user = standin.user(7001)
    lead = register_now(seeded)
    link(seeded, manager_user, manager_of(seeded, lead))
    manager_user.send("/start")  # the manager is a firm owner too, mid-registration
    manager_user.wait_for("登记前请确认")
    send_outbox(seeded, standin)
    new_lead_notice(manager_user)
    manager_user.press("受理")
    manager_user.wait_for("已受理线索")
    standin.wait_idle()
    assert not [m for m in manager_user.replies() if "按钮已经过期" in m.text]
    with Session(seeded.engine) as session:
        assert session.exec(select(Conversation.step)).one() == "consent"
    manager_user.press("同意并开始")  # the conversation carries on where it was
    manager_user.wait_for("您是以什么身份申请")


def test_a_notice_for_a_lead_no_longer_offered_has_no_buttons(
    seeded: Seeded, standin: StandIn
) -> None:
    manager_user = standin.user(7001)
    lead = register_now(seeded)
    with Session(seeded.engine) as session:
        staff = session.get(Staff, lead.manager_id)
        assert staff is not None
        staff.telegram_user_id = 7001
        session.add(staff)
        session.commit()
    second = register(seeded, now=utcnow(), firm=firm(name="绍兴青松机械有限公司")).offers[0]
    with Session(seeded.engine) as session:
        accept(session, lead_id=lead.id, actor=manager_of(seeded, lead))
    send_outbox(seeded, standin)
    plain = manager_user.wait_for(f"新线索 {lead.id}", since=0)
    assert not plain.buttons  # accepted meanwhile (through the API)
    if second.manager_id == lead.manager_id:
        assert manager_user.wait_for(f"新线索 {second.id}", since=0).buttons

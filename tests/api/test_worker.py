"""The background worker: expiry and reassignment, overdue flags, the outbox sent; every failure
logged and survived; `yinqi worker` alone until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from telegram import Bot
from typer.testing import CliRunner

import db.reports.copies
from api.app import create_app
from api.cli import app as cli
from api.worker import Intervals, Pass, Worker
from bot.config import BotSettings
from db.leads.assignments import accept
from db.leads.queries import LeadRecord
from db.models import Assignment, Bank, Event, Outbox, Staff, utcnow
from db.reports.copies import mark_of
from matching.workdays import CHINA_TZ
from tests.bot.harness import RunningBot
from tests.bot.standin import StandIn
from tests.db.builders import MONDAY, YUECHENG_BANKS, Seeded, register

AFTER_TUESDAY = datetime(2026, 11, 25, 0, 0, 1, tzinfo=CHINA_TZ)  # Monday's offer: due Tuesday
AFTER_THURSDAY = datetime(2026, 11, 27, 0, 0, 1, tzinfo=CHINA_TZ)  # contact by Thursday
ROOT = Path(__file__).resolve().parents[2]


class RecordingBot:
    """Takes every message, as Telegram would; keeps (chat id, text, buttons)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, Any]] = []

    async def initialize(self) -> None:
        return None

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        self.sent.append((chat_id, text, kwargs.get("reply_markup")))

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text, _ in self.sent if chat == chat_id]


def worker(seeded: Seeded, bot: RecordingBot | None = None, **kwargs: Any) -> Worker:
    return Worker(seeded.engine, bot=cast(Bot, bot) if bot else None, **kwargs)


def held(seeded: Seeded, need_id: int) -> list[tuple[str, str]]:
    with Session(seeded.engine) as session:
        rows = session.exec(
            select(Bank.code, Assignment.status)
            .join(Bank, col(Bank.id) == col(Assignment.bank_id))
            .where(Assignment.need_id == need_id)
            .order_by(col(Assignment.id))
        ).all()
    return [(code, status) for code, status in rows]


def on_telegram(seeded: Seeded, staff_id: int | None, user_id: int) -> None:
    with Session(seeded.engine) as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        staff.telegram_user_id = user_id
        session.add(staff)
        session.commit()


def accepted(seeded: Seeded, now: datetime = MONDAY) -> LeadRecord:
    lead = register(seeded, now=now).offers[0]
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    with Session(seeded.engine) as session:
        return accept(session, lead_id=lead.id, actor=manager, now=now)


def test_an_offer_past_its_deadline_expires_and_the_next_bank_gets_it(seeded: Seeded) -> None:
    need_id = register(seeded).need_id
    bot = RecordingBot()
    before = asyncio.run(worker(seeded, bot).run_once(AFTER_TUESDAY - timedelta(seconds=2)))
    assert before.expiry is not None and before.expiry.expired == 0
    done = asyncio.run(worker(seeded, bot).run_once(AFTER_TUESDAY))
    assert done.expiry is not None and done.expiry.expired == 1
    assert held(seeded, need_id) == [(YUECHENG_BANKS[0], "expired"), (YUECHENG_BANKS[1], "offered")]
    told = bot.to(1001)  # the firm, in the same pass: its bank was late, the next one has it
    assert any("没有按时受理" in text for text in told)
    assert any("已推送给" in text for text in told)
    assert done.summary() == "offers expired: 1; notices: 2 sent, 0 to retry, 2 given up"


def test_overdue_contacts_are_flagged_once_and_the_admins_told(seeded: Seeded) -> None:
    lead = accepted(seeded)
    admin = seeded.bank_admins[lead.bank.code]
    on_telegram(seeded, admin.staff_id, 8001)
    bot = RecordingBot()
    first = asyncio.run(worker(seeded, bot).run_once(AFTER_THURSDAY))
    assert first.overdue is not None and (first.overdue.contact, first.overdue.decide) == (1, 0)
    again = asyncio.run(worker(seeded, bot).run_once(AFTER_THURSDAY + timedelta(hours=2)))
    assert again.overdue is not None and again.overdue.contact == 0
    (notice,) = bot.to(8001)
    assert f"线索 {lead.id}" in notice and "仍未联系企业" in notice


def test_a_failing_job_is_logged_and_the_others_still_run(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    register(seeded)

    def broken(self: Worker, now: datetime) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Worker, "_flag", broken)
    bot = RecordingBot()
    with caplog.at_level(logging.ERROR, logger="api.worker"):
        done = asyncio.run(worker(seeded, bot).run_once(AFTER_TUESDAY))
    assert done.failed == ("overdue",)
    assert done.expiry is not None and done.expiry.expired == 1
    assert done.outbox is not None and done.outbox.sent >= 1
    assert "overdue failed" in caplog.text and "the database went away" in caplog.text


def test_without_a_bot_the_notices_stay_queued(seeded: Seeded) -> None:
    register(seeded)
    done = asyncio.run(worker(seeded).run_once(AFTER_TUESDAY))
    assert done.expiry is not None and done.expiry.expired == 1
    assert done.outbox is not None and not done.outbox.busy  # only web notices go without one
    with Session(seeded.engine) as session:
        queued = session.exec(
            select(func.count()).select_from(Outbox).where(col(Outbox.given_up_at).is_(None))
        ).one()
        assert queued == session.exec(select(func.count()).select_from(Outbox)).one() > 0


def test_the_worker_runs_until_told_to_stop(
    seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    accepted(seeded, now=utcnow())  # the firm is due a notice now
    bot = RecordingBot()
    fast = Intervals(expiry_s=0.05, overdue_s=0.05, outbox_s=0.05)

    async def scenario() -> int:
        running = worker(seeded, bot, intervals=fast)
        running.start()
        for _ in range(200):
            if bot.to(1001):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # a few more passes, with nothing left to do
        await running.stop()
        return len(bot.to(1001))

    with caplog.at_level(logging.INFO, logger="api.worker"):
        assert asyncio.run(scenario()) == 1
    assert "worker pass: notices: 1 sent" in caplog.text
    assert caplog.text.count("worker pass:") == 1  # quiet passes say nothing
    assert "worker: stopped" in caplog.text


def test_beside_the_bot_the_worker_sends_with_the_bots_own_rate_limited_bot(
    seeded: Seeded,
) -> None:
    accepted(seeded, now=utcnow())  # the firm is due a notice now
    standin = StandIn()
    with standin.running():
        firm_user = standin.user(1001)
        running = RunningBot(seeded.engine, standin).start()  # as `yinqi serve` runs it
        try:
            beside = Worker(seeded.engine, bot=running.application.bot)
            done = asyncio.run_coroutine_threadsafe(beside.run_once(), running.loop).result(30)
            firm_user.wait_for("已受理您的融资需求", since=0)
        finally:
            running.stop()
    assert done.outbox is not None and done.outbox.sent == 1


def test_a_pass_that_did_nothing_says_nothing() -> None:
    assert Pass().summary() is None


def test_yinqi_worker_help_names_its_options() -> None:
    result = CliRunner().invoke(cli, ["worker", "--help"])
    assert result.exit_code == 0
    for option in ("--expiry-every", "--overdue-every", "--outbox-every", "--once"):
        assert option in result.output


def test_yinqi_worker_once_runs_one_pass(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from db.core.config import get_settings as db_settings

    register(seeded, now=utcnow() - timedelta(days=10))  # long overdue
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    db_settings.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            result = CliRunner().invoke(cli, ["worker", "--once"])
    finally:
        db_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "worker pass: offers expired: 1" in caplog.text


def test_yinqi_worker_alone_sends_through_telegram_until_sigterm(seeded: Seeded) -> None:
    need_id = register(seeded, now=utcnow() - timedelta(days=10)).need_id  # long overdue
    standin = StandIn()
    with standin.running():
        firm_user = standin.user(1001)
        env = {
            **os.environ,
            "DATABASE_URL": seeded.engine.url.render_as_string(hide_password=False),
            "TELEGRAM_BOT_TOKEN": standin.token,
            "TELEGRAM_API_BASE_URL": standin.base_url,
        }
        command = [sys.executable, "-c", "from api.cli import main; main()", "worker"]
        process = subprocess.Popen(
            [*command, "--outbox-every", "0.2"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            firm_user.wait_for("没有按时受理", since=0, timeout=30)
            firm_user.wait_for("已推送给", since=0, timeout=10)
            time.sleep(0.3)
        finally:
            process.send_signal(signal.SIGTERM)
            _, log = process.communicate(timeout=30)
    assert process.returncode == 0, log
    assert "worker pass: offers expired: 1" in log and "worker: stopped" in log
    assert held(seeded, need_id)[:2] == [
        (YUECHENG_BANKS[0], "expired"),
        (YUECHENG_BANKS[1], "offered"),
    ]


def test_a_pass_brings_the_report_copies_up_to_date(seeded: Seeded) -> None:
    register(seeded)
    with Session(seeded.engine) as session:
        newest = session.exec(select(func.max(col(Event.id)))).one()
        assert newest and mark_of(session).event_id < newest
    done = asyncio.run(worker(seeded).run_once(AFTER_TUESDAY, jobs={"copies"}))
    assert done.copies is True and done.failed == ()
    with Session(seeded.engine) as session:
        assert mark_of(session).event_id == newest


def _overflowing(*_: Any) -> bool:
    raise OperationalError("UPDATE report_day …", None, Exception("integer overflow"))


def _worker_samples(client: TestClient) -> dict[tuple[str, str], float]:
    found = text_string_to_metric_families(client.get("/metrics").text)
    return {
        (s.name, s.labels["pass"]): s.value
        for family in found
        for s in family.samples
        if s.name.startswith("yinqi_worker_")
    }


def test_a_pass_that_keeps_failing_is_logged_as_an_error_and_shows_in_metrics(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17: a copies pass whose refresh overflowed was logged at INFO, as if another
    refresh had held the lock, and the worker saw no failure."""
    app = create_app(seeded.engine, BotSettings(telegram_bot_token=None), worker=Intervals())
    runner: Worker = app.state.worker  # as `yinqi serve` runs it, not started: the test runs it
    client = TestClient(app)
    register(seeded)
    monkeypatch.setattr(db.reports.copies, "_refresh", _overflowing)
    with caplog.at_level(logging.INFO, logger="api.worker"):
        for _ in range(2):
            done = asyncio.run(runner.run_once(AFTER_TUESDAY, jobs={"copies"}))
            assert done.failed == ("copies",) and done.copies is None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "worker: copies failed (1 in a row); trying again next time",
        "worker: copies failed (2 in a row); trying again next time",
    ]
    assert all(r.exc_info and "integer overflow" in str(r.exc_info[1]) for r in errors)
    samples = _worker_samples(client)
    assert samples[("yinqi_worker_pass_failures_total", "copies")] == 2
    assert samples[("yinqi_worker_pass_failing", "copies")] == 2
    assert samples[("yinqi_worker_pass_failing", "expiry")] == 0
    monkeypatch.undo()
    assert asyncio.run(runner.run_once(AFTER_TUESDAY, jobs={"copies"})).copies is True
    samples = _worker_samples(client)
    assert samples[("yinqi_worker_pass_failures_total", "copies")] == 2
    assert samples[("yinqi_worker_pass_failing", "copies")] == 0

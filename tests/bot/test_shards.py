"""`yinqi bot --workers N`: a receiver polling the Bot API stand-in and handing each chat's
updates to one of N worker processes (bot/shards.py), end to end on the test's database."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from api.cli.bot import default_workers
from bot.shards import chat_of, shard_of
from db.core.engine import make_engine
from db.models import Conversation, Need
from tests.bot.harness import ShardedBot
from tests.bot.standin import StandIn
from tests.bot.test_engine import ENTERPRISE_USCC
from tests.bot.test_telegram import answer_firm_questions, answer_from_industry
from tests.db.builders import Seeded

WORKERS = 2
CHATS = (6000, 6001)  # one on each worker


@pytest.fixture
def sharded(seeded: Seeded, standin: StandIn) -> Iterator[ShardedBot]:
    bot = ShardedBot(seeded.engine, standin, WORKERS).start()
    yield bot
    bot.stop()


def test_updates_go_by_chat() -> None:
    message = {"update_id": 7, "message": {"chat": {"id": 6001, "type": "private"}}}
    pressed = {"update_id": 8, "callback_query": {"from": {"id": 5},
               "message": {"chat": {"id": 6000}}}}  # fmt: skip
    assert chat_of(message) == 6001 and chat_of(pressed) == 6000
    assert shard_of(message, 2) == 1 and shard_of(pressed, 2) == 0
    assert chat_of({"update_id": 9, "callback_query": {"from": {"id": 5}}}) == 5
    assert shard_of({"update_id": 10, "poll": {}}, 2) == 0
    assert {shard_of({"message": {"chat": {"id": c}}}, WORKERS) for c in CHATS} == {0, 1}


def test_each_chat_keeps_its_order_on_its_worker(
    seeded: Seeded, standin: StandIn, sharded: ShardedBot, park_token: str
) -> None:
    """Both users type five answers at once, without waiting: each chat's updates are handled
    in the order sent (any out of order would be taken as already handled, or re-asked)."""
    burst = (f"/start {park_token}", "同意并开始", "企业", "新昌县鑫达精密机械有限公司",
             ENTERPRISE_USCC)  # fmt: skip
    users = [standin.user(chat) for chat in CHATS]
    for text in burst:
        for user in users:
            user.send(text)
    for user in users:
        user.wait_for("哪个行业", timeout=30, since=0)
    standin.wait_idle(quiet=0.3)
    for user in users:
        asked = [m.text for m in user.replies(since=0)]
        wanted = ["登记前请确认", "您是以什么身份申请", "请输入企业或个体工商户的名称",
                  "统一社会信用代码", "哪个行业"]  # fmt: skip
        firsts = [next(i for i, text in enumerate(asked) if w in text) for w in wanted]
        assert firsts == sorted(firsts), asked
        assert all(sum(w in text for text in asked) == 1 for w in wanted), asked  # no re-ask
    with Session(seeded.engine) as session:
        steps = dict(session.exec(select(Conversation.chat_id, Conversation.step)).all())
    assert steps == {CHATS[0]: "industry", CHATS[1]: "industry"}


def test_a_redelivered_update_has_no_effect(
    seeded: Seeded, standin: StandIn, sharded: ShardedBot
) -> None:
    user = standin.user(CHATS[1])
    user.send("/start")
    user.wait_for("登记前请确认")
    pressed = user.press("同意并开始")
    user.wait_for("您是以什么身份申请")
    standin.wait_idle()
    said = len(user.replies(since=0))
    standin.redeliver(pressed)
    standin.wait_idle(quiet=0.5)
    assert len(user.replies(since=0)) == said
    with Session(seeded.engine) as session:
        assert session.exec(select(Conversation)).one().step == "entity"


def test_a_worker_killed_mid_conversation_the_user_continues(
    seeded: Seeded, standin: StandIn, sharded: ShardedBot, park_token: str
) -> None:
    """The worker is frozen, given the user's next answer, and killed before it could handle it:
    the receiver starts it again and gives it that answer again; the user simply goes on."""
    user = standin.user(CHATS[0])
    other = standin.user(CHATS[1])
    answer_firm_questions(user, park_token)
    standin.wait_idle(quiet=0.3)  # its last update acknowledged too
    before = sharded.worker_pid(CHATS[0])
    os.kill(before, signal.SIGSTOP)
    try:
        user.send(ENTERPRISE_USCC)
        other.send("/start")  # the other worker answers meanwhile
        other.wait_for("登记前请确认")
        deadline = time.monotonic() + 10
        while sharded.receiver.in_flight != 1:
            assert time.monotonic() < deadline, "the answer never reached the worker"
            time.sleep(0.01)
    finally:
        os.kill(before, signal.SIGKILL)
    user.wait_for("哪个行业", timeout=60)
    assert sharded.worker_pid(CHATS[0]) != before
    answer_from_industry(user)
    user.wait_for("已为您推送给以下", timeout=30)
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
    assert need.chat_id == CHATS[0]
    asked_industry = [m for m in user.replies(since=0) if "哪个行业" in m.text and not m.edited]
    assert len(asked_industry) == 1  # the answer handled once, by the new worker


def test_one_process_on_sqlite_one_worker_per_cpu_on_postgresql(tmp_path: Path) -> None:
    """`yinqi bot` without --workers: SQLite writes one transaction at a time, so its workers
    would only wait for each other."""
    sqlite = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    postgresql = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connected
    assert default_workers(sqlite) == 1
    assert default_workers(postgresql) == max(1, os.cpu_count() or 1)

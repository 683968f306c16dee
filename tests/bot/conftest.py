"""Fixtures of the bot's tests: a seeded database, a scripted user on it, the Bot API stand-in
and the real bot polling it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from db.intake.qr_sources import create_source
from tests.bot.driver import Driver
from tests.bot.harness import RunningBot
from tests.bot.standin import StandIn
from tests.db.builders import Seeded

PARK = "xc-gxq"  # 新昌高新技术产业园小微企业园 (sample catalog), in 绍兴市 新昌县


@pytest.fixture
def park_token(seeded: Seeded) -> str:
    with Session(seeded.engine) as session:
        return create_source(session, kind="park", target=PARK, label="新昌高新园 贷款码").token


@pytest.fixture
def user(seeded: Seeded) -> Driver:
    return Driver(seeded.engine)


@pytest.fixture
def standin() -> Iterator[StandIn]:
    server = StandIn()
    with server.running():
        yield server


@pytest.fixture
def running(seeded: Seeded, standin: StandIn) -> Iterator[RunningBot]:
    """The real bot `Application` polling the stand-in."""
    bot = RunningBot(seeded.engine, standin).start()
    yield bot
    bot.stop()

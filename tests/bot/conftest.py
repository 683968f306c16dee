"""Fixtures of the bot's tests: a seeded database and a scripted user on it."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from db.qr_sources import create_source
from tests.bot.driver import Driver
from tests.db.builders import Seeded

PARK = "xc-gxq"  # 新昌高新技术产业园小微企业园 (sample catalog), in 绍兴市 新昌县


@pytest.fixture
def park_token(seeded: Seeded) -> str:
    with Session(seeded.engine) as session:
        return create_source(session, kind="park", target=PARK, label="新昌高新园 贷款码").token


@pytest.fixture
def user(seeded: Seeded) -> Driver:
    return Driver(seeded.engine)

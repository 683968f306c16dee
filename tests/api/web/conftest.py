"""The web chat on a seeded database of each kind, with a park's loan code to scan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from bot.config import BotSettings
from db.intake.qr_sources import create_source
from tests.api.web.phone import WECHAT_UA, Phone
from tests.db.builders import Seeded

PARK = "xc-gxq"  # 新昌高新技术产业园小微企业园 (sample catalog), in 绍兴市 新昌县


@pytest.fixture
def park_token(seeded: Seeded) -> str:
    with Session(seeded.engine) as session:
        return create_source(session, kind="park", target=PARK, label="新昌高新园 贷款码").token


@pytest.fixture
def event_token(seeded: Seeded) -> str:
    with Session(seeded.engine) as session:
        return create_source(session, kind="event", target="周三对接会", label="对接会").token


@pytest.fixture
def app(seeded: Seeded) -> FastAPI:
    return create_app(seeded.engine, BotSettings(telegram_bot_token=None))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A browser on this machine (http://localhost: the cookie is not `Secure` there)."""
    with TestClient(app, base_url="http://localhost", headers={"User-Agent": WECHAT_UA}) as c:
        yield c


@pytest.fixture
def phone(client: TestClient) -> Phone:
    return Phone(client)

"""The HTTP API on a seeded database of each kind, called with the seeded staff's real tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from bot.config import BotSettings
from db.core.unit import Actor
from tests.databases import Seeds
from tests.db.builders import MONDAY, Seeded


@dataclass
class Clock:
    """The app's clock, moved by the test."""

    now: datetime = field(default=MONDAY + timedelta(hours=1))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Api:
    """A test client, and who calls: `api.as_(actor).get(...)`."""

    app: FastAPI
    client: TestClient
    seeded: Seeded
    clock: Clock

    def as_(self, actor: Actor | None, **headers: str) -> Caller:
        token = self.seeded.token(actor) if actor is not None else None
        return Caller(self.client, token, headers)


@dataclass
class Caller:
    client: TestClient
    token: str | None
    headers: dict[str, str]

    def _headers(self) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **self.headers}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self._headers(), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, json=json, headers=self._headers(), **kwargs)

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return self.client.request(method, path, json=json, headers=self._headers())


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Seeded:
    """The sample catalog with two managers and an admin per bank, a coordinator of 绍兴市 and an
    admin, each with an API token."""
    return seeds.into(engine, managers_per_bank=2)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(seeded: Seeded, clock: Clock) -> Iterator[Api]:
    app = create_app(seeded.engine, BotSettings(telegram_bot_token=None), clock=clock)
    with TestClient(app) as client:
        yield Api(app, client, seeded, clock)

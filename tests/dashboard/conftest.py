"""The dashboard on the report tests' fortnight (`tests/db/report_story.py`), with a client
that signs in as the story's staff. The client speaks https, as the browser must for a
`Secure` cookie to be sent back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from bot.config import BotSettings
from db.core.unit import Actor
from tests.databases import Seeds
from tests.db.builders import Seeded
from tests.db.report_story import AFTER_FORTNIGHT, Story


@dataclass
class Clock:
    now: datetime = field(default=AFTER_FORTNIGHT)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Dashboard:
    app: FastAPI
    story: Story
    clock: Clock

    @property
    def seeded(self) -> Seeded:
        return self.story.seeded

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)

    def sign_in(self, actor: Actor | str, client: TestClient | None = None) -> TestClient:
        client = client or self.client()
        token = actor if isinstance(actor, str) else self.seeded.token(actor)
        answer = client.post("/dashboard/sign-in", data={"token": token, "next": "/dashboard"})
        assert answer.status_code == 303, answer.text
        return client

    def post_sign_in(self, client: TestClient, token: str, **headers: str) -> httpx.Response:
        return client.post(
            "/dashboard/sign-in", data={"token": token, "next": "/dashboard"}, headers=headers
        )


@pytest.fixture
def story(engine: Engine, seeds: Seeds) -> Story:
    return seeds.story(engine, managers_per_bank=1)


@pytest.fixture
def dash(story: Story) -> Iterator[Dashboard]:
    clock = Clock()
    app = create_app(story.seeded.engine, BotSettings(telegram_bot_token=None), clock=clock)
    yield Dashboard(app, story, clock)

"""What the webhook tests share: the API with loopback endpoints allowed, a receiver stand-in on
127.0.0.1, endpoints registered through the API, and one sender pass at a chosen moment."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.webhooks.config import WebhookSettings
from api.webhooks.sender import HookRun, WebhookSender
from bot.config import BotSettings
from tests.api.conftest import Api, Clock
from tests.api.webhooks.receiver import Receiver
from tests.db.builders import Seeded

LOCAL = WebhookSettings(webhooks_allow_localhost=True, webhooks_timeout=5)
HOOKS = "/api/v1/webhooks"


@pytest.fixture
def api(seeded: Seeded, clock: Clock) -> Iterator[Api]:
    app = create_app(
        seeded.engine, BotSettings(telegram_bot_token=None), clock=clock, webhook_settings=LOCAL
    )
    with TestClient(app) as client:
        yield Api(app, client, seeded, clock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as standin:
        yield standin


def add_endpoint(api: Api, bank: str, url: str, **body: object) -> dict[str, object]:
    """Register an endpoint as the bank's admin; the answer (with its secret)."""
    answer = api.as_(api.seeded.bank_admins[bank]).post(HOOKS, {"url": url, **body})
    assert answer.status_code == 201, answer.text
    made: dict[str, object] = answer.json()
    return made


def send(seeded: Seeded, now: datetime, settings: WebhookSettings = LOCAL) -> HookRun:
    """One sender pass at `now`, with a client of its own."""

    async def run() -> HookRun:
        sender = WebhookSender(seeded.engine, settings)
        try:
            return await sender.send_due(now)
        finally:
            await sender.aclose()

    return asyncio.run(run())

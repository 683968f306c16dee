"""`yinqi serve` runs the background worker inside the app: an offer left past its deadline
expires and goes to the next bank while the API serves."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.app import create_app
from api.worker import Intervals
from bot.config import BotSettings
from db.models import Assignment
from tests.db.builders import MONDAY, Seeded, register


def test_the_worker_inside_the_app_expires_overdue_offers(seeded: Seeded) -> None:
    reg = register(seeded)
    late = MONDAY + timedelta(days=3)  # Thursday: Monday's offer was due Tuesday night
    app = create_app(
        seeded.engine,
        BotSettings(telegram_bot_token=None),
        clock=lambda: late,
        worker=Intervals(expiry_s=0.05, overdue_s=0.05, outbox_s=0.05),
    )
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 20
        while True:
            with Session(seeded.engine) as s:
                statuses = {
                    a.bank_id: a.status
                    for a in s.exec(select(Assignment).where(Assignment.need_id == reg.need_id))
                }
            if "expired" in statuses.values() or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert sorted(statuses.values()) == ["expired", "offered"], statuses


def test_without_a_pace_no_worker_runs(seeded: Seeded) -> None:
    reg = register(seeded)
    late = MONDAY + timedelta(days=3)
    app = create_app(seeded.engine, BotSettings(telegram_bot_token=None), clock=lambda: late)
    with TestClient(app) as client:
        client.get("/healthz")
        time.sleep(0.3)
    with Session(seeded.engine) as s:
        lead = s.get(Assignment, reg.offers[0].id)
        assert lead is not None and lead.status == "offered"

"""Many banks' managers claiming the same needs at once, over real HTTP (uvicorn on 127.0.0.1,
one thread per client), never put a firm over its 3/2 limit, and every refusal is a 409."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from api.app import create_app
from bot.config import BotSettings
from db.core.vocabulary import LIVE
from db.models import Assignment, Bank, Candidate, Need
from matching.model import EntityType
from tests.databases import Seeds
from tests.db.builders import YUECHENG_BANKS, Seeded, firm, register

CLIENTS = 48
NEEDS = 12


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Seeded:
    return seeds.into(engine, managers_per_bank=3)


@pytest.fixture
def server(seeded: Seeded) -> Iterator[str]:
    app = create_app(seeded.engine, BotSettings(telegram_bot_token=None))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def test_concurrent_claims_over_http_never_break_the_bank_limit(
    seeded: Seeded, server: str
) -> None:
    needs = []
    for i in range(NEEDS):
        kind = EntityType.INDIVIDUAL_BUSINESS if i % 3 == 2 else EntityType.ENTERPRISE
        existing = ("工商银行",) if i % 4 == 1 else ()
        reg = register(
            seeded,
            firm=firm(name=f"绍兴竞速{i}号材料商行", entity_type=kind, existing_banks=existing),
            chat_id=9000 + i,
        )
        needs.append(reg.need_id)
    with Session(seeded.engine) as s:
        eligible = set(
            s.exec(
                select(Candidate.need_id, Bank.code).join(Bank, col(Bank.id) == Candidate.bank_id)
            ).all()
        )
    # every manager of every eligible bank claims every need, all at once
    jobs = [
        (need_id, seeded.token(manager))
        for need_id in needs
        for bank in YUECHENG_BANKS
        if (need_id, bank) in eligible
        for manager in seeded.managers[bank]
    ]
    assert len(jobs) >= 32 * 4
    barrier = threading.Barrier(CLIENTS)

    def claim(job: tuple[int, str]) -> int:
        need_id, token = job
        with httpx.Client(base_url=server, timeout=60) as client:
            if jobs.index(job) < CLIENTS:
                barrier.wait()  # the first wave starts together
            answer = client.post(
                f"/api/v1/pool/{need_id}/claim", headers={"Authorization": f"Bearer {token}"}
            )
            if answer.status_code == 409:
                assert answer.json()["error"]["code"] in {"limit_reached", "already_held"}
            return answer.status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = Counter(pool.map(claim, jobs))
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] > 0 and statuses[409] > 0
    full = 0
    with Session(seeded.engine) as s:
        for need_id in needs:
            need = s.get(Need, need_id)
            assert need is not None and need.bank_limit is not None
            live_new = s.exec(
                select(func.count()).where(
                    Assignment.need_id == need_id,
                    col(Assignment.status).in_(LIVE),
                    col(Assignment.existing_bank).is_(False),
                )
            ).one()
            assert need.banks_existing + live_new <= need.bank_limit, need_id
            full += need.banks_existing + live_new == need.bank_limit
        claimed = s.exec(select(func.count()).where(col(Assignment.claimed).is_(True))).one()
    assert claimed == statuses[201]
    assert full >= NEEDS // 2, "the race should fill most needs to their limit"

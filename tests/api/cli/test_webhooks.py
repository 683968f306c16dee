"""`yinqi webhooks`: the operator adds a bank's endpoint (the secret printed once), lists,
rotates, enables and removes it; a private URL is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.webhooks.config import get_webhook_settings
from db.models import WebhookEndpoint
from tests.api.cli.run import yinqi
from tests.databases import Seeds


@pytest.fixture
def seeded_db(database: Engine, seeds: Seeds, monkeypatch: pytest.MonkeyPatch) -> Engine:
    seeds.into(database, managers_per_bank=1)
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_webhook_settings.cache_clear()
    yield database
    get_webhook_settings.cache_clear()


def test_add_prints_the_secret_once_and_list_rotate_enable_remove_work(seeded_db: Engine) -> None:
    code, out = yinqi(
        "webhooks", "add", "--bank", "sxbank", "--url", "http://127.0.0.1:9/in",
        "--event", "lead.offered", "--lang", "en",
    )  # fmt: skip
    assert code == 0, out
    secret = re.search(r"whsec_\S+", out)
    assert secret is not None and "lead.offered" in out
    with Session(seeded_db) as session:
        row = session.exec(select(WebhookEndpoint)).one()
    assert row.secret == secret.group(0)
    code, out = yinqi("webhooks", "list", "--bank", "sxbank", "--lang", "en")
    assert code == 0 and "http://127.0.0.1:9/in" in out and "whsec_" not in out
    code, out = yinqi("webhooks", "rotate", str(row.id), "--lang", "en")
    fresh = re.search(r"whsec_\S+?(?=;|\s|$)", out)
    assert code == 0 and fresh is not None and fresh.group(0) != secret.group(0)
    assert yinqi("webhooks", "enable", str(row.id))[0] == 0
    assert yinqi("webhooks", "remove", str(row.id))[0] == 0
    code, out = yinqi("webhooks", "list", "--bank", "sxbank", "--json")
    assert code == 0 and out.strip() == "[]"
    assert yinqi("webhooks", "remove", str(row.id))[0] == 2  # gone


def test_a_private_url_or_an_unknown_bank_is_refused(
    seeded_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOCALHOST")
    get_webhook_settings.cache_clear()
    code, out = yinqi(
        "webhooks", "add", "--bank", "sxbank", "--url", "https://10.0.0.1/in", "--lang", "en"
    )
    assert code == 2 and "private" in out
    code, out = yinqi(
        "webhooks", "add", "--bank", "nobank", "--url", "https://93.184.215.14/", "--lang", "en"
    )
    assert code == 2 and "nobank" in out

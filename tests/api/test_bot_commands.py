"""`yinqi serve`'s app with the bot on a webhook, and `yinqi chat` in the terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import WEBHOOK_PATH, create_app
from api.cli import app as cli
from bot.config import BotSettings
from db.core.config import get_settings
from tests.bot.standin import StandIn
from tests.db.builders import Seeded

SECRET = "s3cret-token_1"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    server = StandIn()
    with server.running():
        yield server


def update(update_id: int, chat_id: int, text: str) -> dict[str, object]:
    user = {"id": chat_id, "is_bot": False, "first_name": "张三"}
    message = {
        "message_id": update_id,
        "date": 1_790_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "张三"},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


def test_the_webhook_takes_updates_with_the_secret_only(seeded: Seeded, standin: StandIn) -> None:
    settings = BotSettings(
        telegram_bot_token=SecretStr(standin.token),
        telegram_api_base_url=standin.base_url,
        telegram_webhook_url="https://yinqi.example/telegram/webhook",
        telegram_webhook_secret=SecretStr(SECRET),
    )
    user = standin.user(6001)
    with TestClient(create_app(seeded.engine, settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok", "bot": True}
        assert standin.webhook_url == settings.telegram_webhook_url
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        assert (
            client.post(WEBHOOK_PATH, json=update(1, 6001, "/start"), headers=wrong).status_code
            == 403
        )
        assert client.post(WEBHOOK_PATH, json=update(2, 6001, "/start")).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        assert client.post(WEBHOOK_PATH, json=update(3, 6001, "/start"), headers=right).json() == {
            "ok": True
        }
        user.wait_for("登记前请确认", since=0)
    assert len(user.replies(since=0)) == 1  # the refused deliveries were not handled


def test_without_a_token_the_app_serves_without_the_bot(seeded: Seeded) -> None:
    with TestClient(create_app(seeded.engine, BotSettings())) as client:
        assert client.get("/healthz").json() == {"status": "ok", "bot": False}
        assert client.post(WEBHOOK_PATH, json={}).status_code == 404


def test_yinqi_chat_runs_the_conversation_in_the_terminal(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["chat"], input="1\n1\n/quit\n")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "[1] 同意并开始" in result.output
    assert "您是以什么身份申请？" in result.output and "[4] 农户" in result.output


def test_yinqi_bot_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["bot"])
    assert result.exit_code == 2 and "TELEGRAM_BOT_TOKEN" in result.output

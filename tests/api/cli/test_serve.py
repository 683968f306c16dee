"""`yinqi serve`: the app it hands to uvicorn, and what it does first."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from api.cli import app as cli
from db.core.config import get_settings
from tests.db.builders import Seeded


def test_serve_hands_uvicorn_the_app_with_startup_frozen_out_of_the_collectors_sight(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:  # instead of serving: what it was given
        served.update(app=app, frozen=gc.get_freeze_count(), **options)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--no-worker", "--port", "8123"])
    finally:
        gc.unfreeze()  # this test process lives on: let its objects be collected again
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert isinstance(served["app"], FastAPI) and served["port"] == 8123
    assert served["frozen"] > 10_000  # the modules, the app, its routes and schemas

"""`yinqi serve`: the app it hands to uvicorn, and what it does first."""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from api.cli import app as cli
from api.cli import main
from api.cli.common import EXIT_BAD_INPUT
from api.cli.main import asked_lang
from api.core.config import get_api_settings
from bot.config import get_sms_settings
from db.core.config import get_settings
from db.core.vocabulary import QrKind
from db.intake.qr_sources import create_source
from matching.i18n import Lang
from tests.db.builders import Seeded

# `yinqi serve` freezes all there is (`freeze_startup`), the test session's objects among them
# (frozen already, tests/conftest.py), and the ~10,000 the command made: those stay frozen until
# the worker ends. Unfreezing and collecting the whole session to free them took 1.1 s a test.


def test_serve_hands_uvicorn_the_app_with_startup_frozen_out_of_the_collectors_sight(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:  # instead of serving: what it was given
        seen = {id(o) for o in gc.get_objects()}  # what the collector still scans
        made = (app, app.router, *app.routes)
        served.update(app=app, scanned=[o for o in made if id(o) in seen], **options)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--no-worker", "--port", "8123"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert isinstance(served["app"], FastAPI) and served["port"] == 8123
    assert served["scanned"] == []  # the app, its router and routes: frozen before serving


def test_serve_prints_where_a_park_code_opens_the_web_chat_on_this_machine(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    with seeded.session() as session:
        create_source(session, kind=QrKind.PARK, target="yc-gxq", label="越城园区", token="yc-1")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    get_settings.cache_clear()
    get_api_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--no-worker", "--host", "0.0.0.0"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "网页版登记（越城园区）：http://127.0.0.1:8000/q/yc-1" in result.output


@pytest.mark.parametrize(
    ("lang", "named"),
    [([], "设置 SMS_TIMEOUT 有误："), (["--lang", "en"], "The setting SMS_TIMEOUT is wrong: ")],
)
def test_a_wrong_setting_is_named_in_a_line_not_a_traceback(
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: list[str],
    named: str,
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SMS_TIMEOUT", "0")
    monkeypatch.setattr(sys, "argv", ["yinqi", "serve", "--no-worker", *lang])
    get_settings.cache_clear()
    get_sms_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        get_settings.cache_clear()
        get_sms_settings.cache_clear()
    said = capsys.readouterr().err
    assert exited.value.code == EXIT_BAD_INPUT
    assert named in said and "Traceback" not in said


@pytest.mark.parametrize(
    ("args", "lang"),
    [
        (["serve"], Lang.ZH),
        (["serve", "--lang", "en"], Lang.EN),
        (["serve", "--lang=en", "--no-worker"], Lang.EN),
        (["--lang", "fr"], Lang.ZH),
        (["--lang"], Lang.ZH),
        (["qr", "make", "--label", "--lang", "--lang", "en"], Lang.EN),
        (["serve", "--lang", "en", "--lang", "zh"], Lang.ZH),
    ],
)
def test_a_wrong_setting_is_said_in_the_language_the_command_line_asks_for(
    args: list[str], lang: Lang
) -> None:
    assert asked_lang(args) is lang

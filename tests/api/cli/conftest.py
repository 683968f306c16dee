"""What the `yinqi` command's tests share: a database the command finds through DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from db.core.config import get_settings


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """`DATABASE_URL` pointing at this test's database."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()

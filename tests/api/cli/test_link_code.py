"""`yinqi users link-code STAFF_ID`: a one-time code for `/link` in the bot, printed once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app
from db.core.config import get_settings
from db.models import LinkCode
from db.staff.links import hash_code, link_telegram
from tests.db.builders import Seeded


@pytest.fixture
def database(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield seeded
    get_settings.cache_clear()


def test_link_code_prints_a_code_that_links_once(database: Seeded) -> None:
    manager = database.manager("sxbank")
    result = CliRunner().invoke(app, ["users", "link-code", str(manager.staff_id)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    code = lines[1]
    assert f"工作人员 {manager.staff_id}" in lines[0] and f"/link {code}" in result.output
    with Session(database.engine) as session:
        assert session.exec(select(LinkCode.code_hash)).one() == hash_code(code)
        linked = link_telegram(session, code=code, telegram_user_id=7001)
    assert linked.staff_id == manager.staff_id


def test_link_code_for_an_unknown_staff_member_fails_with_code_2(database: Seeded) -> None:
    result = CliRunner().invoke(app, ["users", "link-code", "99999", "--lang", "en"])
    assert result.exit_code == 2 and "99999" in result.output

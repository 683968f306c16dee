"""`yinqi demo` against a real database: a small season, refused over needs, `--replace`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

import api.cli.demo
from db.core.config import get_settings
from db.core.vocabulary import Role
from db.demo.season import DEFAULT_FIRMS, FULL_FIRMS, DemoSeason, fill_season
from db.models import Bank, Need, Staff
from db.staff.accounts import staff_for_token
from tests.api.cli.run import count as _count
from tests.api.cli.run import yinqi as _yinqi
from tests.databases import SqliteTemplate

SMALL = ("--firms", "30", "--weeks", "1", "--seed", "4", "--lang", "en")
TOKEN = re.compile(r"yq_[\w-]{20,}")


def test_demo_fills_an_empty_database_and_says_how_to_look(database: Engine) -> None:
    code, out = _yinqi("demo", *SMALL)
    assert code == 0, out
    needs = _count(database, Need)
    assert needs >= 30 and f"30 firms, {needs} needs" in out
    assert _count(database, Bank) == 13  # the sample catalog, loaded as `yinqi init` does
    assert "yinqi serve" in out and "http://127.0.0.1:8000/dashboard" in out
    tokens = set(TOKEN.findall(out))  # each staff member's once; the coordinator's again last
    assert len(tokens) == _count(database, Staff)
    coordinator = out.rstrip().splitlines()[-1]  # the token to sign in with
    with Session(database) as session:
        holder = staff_for_token(session, coordinator)
        assert holder is not None and holder.role is Role.COORDINATOR
        roles = {staff_for_token(session, token).role for token in tokens}  # type: ignore[union-attr]
    assert roles == set(Role)


def test_demo_refuses_a_database_that_holds_needs(database: Engine) -> None:
    assert _yinqi("demo", *SMALL)[0] == 0
    needs, staff = _count(database, Need), _count(database, Staff)
    code, out = _yinqi("demo", *SMALL)
    assert code == 2
    assert "already holds needs" in out and "--replace" in out
    assert (_count(database, Need), _count(database, Staff)) == (needs, staff)


def test_replace_empties_the_database_and_plays_the_same_season_again(database: Engine) -> None:
    code, first = _yinqi("demo", *SMALL)
    assert code == 0
    needs = _count(database, Need)
    old_tokens = TOKEN.findall(first)
    code, out = _yinqi("demo", *SMALL, "--replace")
    assert code == 0, out
    assert "Emptied the database" in out
    assert _count(database, Need) == needs  # the same seed: the same season
    assert _count(database, Bank) == 13  # the catalog kept
    with Session(database) as session:  # the old staff went with the old season
        assert all(staff_for_token(session, token) is None for token in old_tokens)
        assert all(staff_for_token(session, token) for token in TOKEN.findall(out))


def test_replace_on_sqlite_removes_no_file(
    sqlite_template: SqliteTemplate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sqlite_template.fresh(tmp_path)
    path = Path(engine.url.database or "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    other = path.read_bytes()
    (tmp_path / "other.db").write_bytes(other)  # another SQLite database beside it
    try:
        assert _yinqi("demo", *SMALL)[0] == 0
        assert _yinqi("demo", *SMALL, "--replace")[0] == 0
        assert path.is_file() and _count(engine, Need) >= 30
    finally:
        get_settings.cache_clear()
        engine.dispose()
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (tmp_path / "other.db").read_bytes() == other


def test_demo_rejects_nonsense_sizes(database: Engine) -> None:
    code, out = _yinqi("demo", "--firms", "0")
    assert code == 2 and "--firms" in out
    assert _count(database, Need) == 0


@pytest.mark.parametrize(
    ("args", "firms", "hint"),
    [((), DEFAULT_FIRMS, True), (("--full",), FULL_FIRMS, False), (("--firms", "30"), 30, False)],
)
def test_the_default_season_is_short_and_the_full_one_a_flag_away(
    database: Engine,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    firms: int,
    hint: bool,
) -> None:
    asked: list[int] = []

    def small(engine: Engine, *, firms: int, **kwargs: Any) -> DemoSeason:
        asked.append(firms)  # then a small season, whatever was asked, to keep the test short
        return fill_season(engine, **{**kwargs, "firms": 30, "weeks": 1})

    monkeypatch.setattr(api.cli.demo, "fill_season", small)
    code, out = _yinqi("demo", *args, "--lang", "en")
    assert code == 0, out
    assert asked == [firms]
    assert ("`yinqi demo --replace --full` plays the full one" in out) is hint
    assert TOKEN.fullmatch(out.rstrip().splitlines()[-1])  # the coordinator's token still last

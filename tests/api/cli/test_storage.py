"""`yinqi init`, `yinqi catalog load|list` and `yinqi users …` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from db.core.config import get_settings
from db.models import ApiToken, Bank, LoanProduct
from db.staff.accounts import hash_token, staff_for_token
from matching.data import SAMPLE_CATALOG
from tests.api.cli.run import count as _count
from tests.api.cli.run import yinqi as _yinqi

SAMPLE = Path(__file__).resolve().parents[3] / "matching" / "data" / SAMPLE_CATALOG


def test_init_loads_the_sample_catalog_once_and_then_changes_nothing(database: Engine) -> None:
    code, out = _yinqi("init", "--lang", "en")
    assert code == 0 and "SAMPLE catalog" in out
    banks, products = _count(database, Bank), _count(database, LoanProduct)
    assert (banks, products) == (13, 44)
    code, out = _yinqi("init", "--lang", "en")
    assert code == 0 and "kept as it is" in out
    assert (_count(database, Bank), _count(database, LoanProduct)) == (banks, products)


def test_catalog_load_upserts_by_code_and_is_idempotent(database: Engine, tmp_path: Path) -> None:
    _yinqi("init")
    changed = tmp_path / "catalog.yaml"
    changed.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("name: 绍兴银行\n", "name: 绍兴银行股份\n"),
        encoding="utf-8",
    )
    code, out = _yinqi("catalog", "load", str(changed), "--lang", "en")
    assert code == 0 and "banks 0 added, 1 updated" in out
    code, out = _yinqi("catalog", "load", str(changed), "--lang", "en")
    assert code == 0 and "unchanged" in out
    with Session(database) as session:
        assert session.exec(select(Bank.name).where(Bank.code == "sxbank")).one() == "绍兴银行股份"


def test_a_broken_catalog_file_is_refused_with_the_entry_named(
    database: Engine, tmp_path: Path
) -> None:
    _yinqi("init")
    broken = tmp_path / "broken.yaml"
    broken.write_text("banks:\n  - {code: x, name: X, branches: []}\n", encoding="utf-8")
    code, out = _yinqi("catalog", "load", str(broken), "--lang", "en")
    assert code == 2 and "banks[0]" in out


@pytest.mark.parametrize("part", ["banks", "parks", "products", "guarantees"])
def test_catalog_list_json_gives_objects_with_code_and_name(database: Engine, part: str) -> None:
    _yinqi("init")
    code, out = _yinqi("catalog", "list", part, "--json")
    entries = json.loads(out)
    assert code == 0 and entries
    assert all(isinstance(e["code"], str) and isinstance(e["name"], str) for e in entries)


def test_users_add_prints_a_token_once_and_keeps_only_its_hash(database: Engine) -> None:
    _yinqi("init")
    code, out = _yinqi("users", "add", "--name", "张三", "--role", "manager", "--bank", "sxbank")
    assert code == 0
    token = next(line for line in out.splitlines() if line.startswith("yq_"))
    with Session(database) as session:
        stored = session.exec(select(ApiToken.token_hash)).one()
        assert stored == hash_token(token) and token not in stored
        staff = staff_for_token(session, token)
        assert staff is not None and staff.name == "张三"
    code, _ = _yinqi("users", "revoke", str(staff.id))
    assert code == 0
    with Session(database) as session:
        assert staff_for_token(session, token) is None


def test_a_manager_without_a_bank_is_refused(database: Engine) -> None:
    _yinqi("init")
    code, out = _yinqi("users", "add", "--name", "李四", "--role", "manager", "--lang", "en")
    assert code == 2 and "--bank" in out


def test_commands_before_init_say_to_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    get_settings.cache_clear()
    try:
        code, out = _yinqi("catalog", "list", "banks", "--lang", "en")
    finally:
        get_settings.cache_clear()
    assert code == 2 and "yinqi init" in out

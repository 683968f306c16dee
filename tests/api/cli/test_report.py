"""`yinqi report weekly` and the five quarterly tables (ledger, needs-summary, city-summary,
monitoring, partner-banks) against a real database, as an operator runs them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from db.core.config import get_settings
from tests.databases import Seeds
from tests.db.report_story import Story

runner = CliRunner()


@pytest.fixture
def story(engine: Engine, seeds: Seeds, monkeypatch: pytest.MonkeyPatch) -> Iterator[Story]:
    """The fortnight of tests/db/report_story.py, in the database `DATABASE_URL` names."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield seeds.story(engine, managers_per_bank=2)
    get_settings.cache_clear()


def _yinqi(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["report", *args])
    return result.exit_code, result.output


def _book(path: Path) -> Any:
    return openpyxl.load_workbook(io.BytesIO(path.read_bytes()))


def test_weekly_writes_the_progress_workbook_of_the_days_asked(
    story: Story, tmp_path: Path
) -> None:
    out = tmp_path / "周报.xlsx"
    code, said = _yinqi("weekly", "--out", str(out), "--from", "2026-11-23", "--to", "2026-11-29")
    assert code == 0, said
    assert said.strip() == f"已写入 {out}"
    book = _book(out)
    assert book.sheetnames[:3] == ["按银行", "按园区", "按区县"]
    assert "2026-11-23 至 2026-11-29" in book["按银行"]["A2"].value
    total = [r for r in book["按园区"].iter_rows(min_row=4, values_only=True) if r[0] == "合计"]
    assert total[0][1:3] == (7, 7)  # needs registered, leads offered


def test_weekly_for_a_region_and_by_default_last_week(story: Story, tmp_path: Path) -> None:
    out = tmp_path / "xinchang.xlsx"
    code, said = _yinqi("weekly", "--out", str(out), "--from", "2026-11-23", "--region", "新昌")
    assert code == 0, said
    bank_sheet = _book(out)["按银行"]
    assert bank_sheet["A1"].value == "新昌县银企融资对接工作进度周报"
    assert "2026-11-23 至 2026-11-29" in bank_sheet["A2"].value  # a week from --from
    code, said = _yinqi("weekly", "--out", str(tmp_path / "last.xlsx"), "--lang", "en")
    assert code == 0, said
    assert said.startswith("Written: ")


def test_weekly_narrowed_to_a_park_and_a_channel_names_them_and_counts_only_theirs(
    story: Story, tmp_path: Path
) -> None:
    week = ("--from", "2026-11-23", "--to", "2026-11-29")
    needs = {}
    for channel in ("bot", "web", "offline"):
        out = tmp_path / f"{channel}.xlsx"
        code, said = _yinqi("weekly", "--out", str(out), *week, "--channel", channel)
        assert code == 0, said
        book = _book(out)
        total = [r for r in book["按园区"].iter_rows(min_row=4, values_only=True) if r[0] == "合计"]
        needs[channel] = total[0][1] if total else 0
        label = {"bot": "Telegram", "web": "网页", "offline": "线下"}[channel]
        assert label in book["按银行"]["A1"].value, book["按银行"]["A1"].value
    assert sum(needs.values()) == 7  # each need in one channel: the week's 7 in all
    out = tmp_path / "park.xlsx"
    code, said = _yinqi("weekly", "--out", str(out), *week, "--park", "yc-gxq")
    assert code == 0, said
    assert "越城" in _book(out)["按银行"]["A1"].value
    code, said = _yinqi("weekly", "--out", str(out), *week, "--park", "nowhere")
    assert code == 2 and "没有代码为 nowhere 的园区" in said


def test_ledger_and_needs_summary_of_a_park_and_quarter(story: Story, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.xlsx"
    code, said = _yinqi("ledger", "--park", "yc-gxq", "--quarter", "2026Q4", "--out", str(ledger))
    assert code == 0, said
    rows = list(_book(ledger)["分类建档基础台账"].iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == ["绍兴甲材料有限公司", "绍兴己电子有限公司"]
    summary = tmp_path / "summary.xlsx"
    code, said = _yinqi(
        "needs-summary", "--quarter", "2026q4", "--region", "绍兴", "--out", str(summary)
    )
    assert code == 0, said
    assert (
        _book(summary)["融资需求及成本汇总"]["A1"].value
        == "绍兴市小微企业园融资需求及融资成本情况汇总表"
    )
    one = tmp_path / "one.xlsx"
    code, said = _yinqi(
        "needs-summary", "--quarter", "2026Q4", "--park", "xc-gxq", "--out", str(one)
    )
    assert code == 0, said


def test_city_summary_of_a_quarter(story: Story, tmp_path: Path) -> None:
    out = tmp_path / "附表3.xlsx"
    args = ("city-summary", "--quarter", "2026Q4", "--region", "绍兴", "--out", str(out))
    code, said = _yinqi(*args)
    assert code == 0, said
    ws = _book(out)["各园区融资需求汇总"]
    assert ws["A1"].value == "绍兴市小微企业园融资需求及融资成本情况汇总表"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[-1][0] == "合计"
    assert rows[-1][4] == sum(r[4] for r in rows[:-1]) == 230  # needs, in 万元


def test_partner_banks_of_a_quarter(story: Story, tmp_path: Path) -> None:
    out = tmp_path / "附表5.xlsx"
    args = ("partner-banks", "--quarter", "2026Q4", "--region", "新昌", "--out", str(out))
    code, said = _yinqi(*args)
    assert code == 0, said
    ws = _book(out)["伙伴银行"]
    assert ws["A1"].value == "新昌县小微企业园伙伴银行情况表"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert {r[1] for r in rows[:-1]} == {"新昌高新技术产业园小微企业园"}
    assert rows[0][5] == "主办" and rows[-1][1] == "合计"


def test_the_banks_service_to_the_parks_of_a_quarter(story: Story, tmp_path: Path) -> None:
    out = tmp_path / "附表4.xlsx"
    args = ("monitoring", "--quarter", "2026Q4", "--region", "绍兴", "--out", str(out))
    code, said = _yinqi(*args)
    assert code == 0, said
    ws = _book(out)["金融服务监测"]
    assert ws["A1"].value == "绍兴市小微企业园金融服务情况监测表"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][7] == sum(r[7] for r in rows[:-1]) == 150


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ledger", "--park", "nowhere", "--quarter", "2026Q4"), "没有代码为 nowhere 的园区"),
        (("ledger", "--park", "yc-gxq", "--quarter", "2026Q5"), "季度“2026Q5”看不懂"),
        (("needs-summary", "--quarter", "Q4"), "请写成 2026Q4"),
        (("needs-summary", "--quarter", "2026Q4", "--region", "火星"), "没有找到地区“火星”"),
        (("city-summary", "--quarter", "2026Q0"), "季度“2026Q0”看不懂"),
        (("partner-banks", "--quarter", "2026Q4", "--region", "火星"), "没有找到地区“火星”"),
        (("city-summary", "--quarter", "2026Q4", "--region", "火星"), "没有找到地区“火星”"),
        (("monitoring", "--quarter", "2026Q4", "--region", "火星"), "没有找到地区“火星”"),
        (("weekly", "--from", "23.11.2026"), "日期“23.11.2026”看不懂"),
        (("weekly", "--from", "2026-11-29", "--to", "2026-11-23"), "早于开始日期"),
        (("weekly", "--from", "0001-01-01"), "年份应在2000到2100之间"),
        (("weekly", "--to", "9999-12-31"), "年份应在2000到2100之间"),
        (("ledger", "--park", "yc-gxq", "--quarter", "9999Q4"), "年份应在2000到2100之间"),
    ],
)
def test_bad_input_says_what_is_wrong_and_exits_2(
    story: Story, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "never.xlsx"
    code, said = _yinqi(*args, "--out", str(out))
    assert code == 2 and message in said, said
    assert not out.exists()


def test_the_output_must_be_an_xlsx_file_that_can_be_written(story: Story, tmp_path: Path) -> None:
    code, said = _yinqi("weekly", "--out", str(tmp_path / "report.csv"))
    assert code == 2 and ".xlsx" in said
    code, said = _yinqi("weekly", "--out", str(tmp_path / "no-such-dir" / "report.xlsx"))
    assert code == 2 and "无法写入" in said


def test_help_names_every_workbook() -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    for command in ("weekly", "ledger", "needs-summary", "city-summary", "monitoring",
                    "partner-banks"):  # fmt: skip
        assert command in result.output

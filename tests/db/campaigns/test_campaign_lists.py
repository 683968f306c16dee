"""Importing a campaign list (百行进万企): every row imported or rejected by line, never lost."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from db.campaigns.files import ListFileError
from db.campaigns.lists import ImportReport, Progress, import_list
from db.core.config import get_settings
from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.models import CampaignEntry
from matching.i18n import Lang
from matching.uscc import CHARSET, is_normal_valid_uscc, is_valid_uscc, parse_uscc, uscc_check_char

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
HEADER = "name,uscc,city,county,no_loan,single_bank"


def code(n: int) -> str:
    """A valid USCC of a Shaoxing enterprise, distinct for each `n`."""
    first17 = f"91330602MA{n:07d}"
    return first17 + uscc_check_char(first17)


def write_csv(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "bhjwq.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run(
    engine: Engine,
    path: Path,
    list_code: str = "bhjwq",
    *,
    lang: Lang = Lang.ZH,
    progress: Progress | None = None,
) -> ImportReport:
    return import_list(engine, path, list_code=list_code, now=NOW, lang=lang, progress=progress)


def entries(engine: Engine, list_code: str = "bhjwq") -> list[CampaignEntry]:
    with Session(engine) as session:
        query = select(CampaignEntry).where(CampaignEntry.list_code == list_code)
        return list(session.exec(query.order_by(col(CampaignEntry.line))).all())


def as_rows(found: list[CampaignEntry]) -> list[tuple[object, ...]]:
    return [(e.line, e.name, e.uscc, e.city, e.county, e.no_loan, e.single_bank) for e in found]


def test_english_headers_import_every_good_row_with_official_region_names(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        [
            HEADER,
            f"绍兴蓝宇新材料有限公司,{code(1)},绍兴,柯桥,是,否",
            f" 新昌县鑫华轴承厂 ,{code(2)},,新昌县,N,Y",
        ],
    )
    report = run(engine, path)
    assert (report.rows_read, report.imported, report.rejected, report.blank) == (2, 2, (), 0)
    assert as_rows(entries(engine)) == [
        (2, "绍兴蓝宇新材料有限公司", code(1), "绍兴市", "柯桥区", True, False),
        (3, "新昌县鑫华轴承厂", code(2), "绍兴市", "新昌县", False, True),
    ]
    assert entries(engine)[0].imported_at == NOW


def test_chinese_headers_of_an_excel_export_in_gb18030_are_read(
    engine: Engine, tmp_path: Path
) -> None:
    lines = [
        "序号,企业名称,统一社会信用代码,地市,县（市、区）,无贷户,仅一家银行",
        f"1,诸暨市袜业有限公司,{code(3)},绍兴市,诸暨市,√,",
    ]
    report = run(engine, write_csv(tmp_path, lines, encoding="gb18030"))
    assert report.imported == 1
    assert as_rows(entries(engine)) == [
        (2, "诸暨市袜业有限公司", code(3), "绍兴市", "诸暨市", True, False)
    ]


def test_a_utf8_file_with_a_bom_still_finds_its_first_header(
    engine: Engine, tmp_path: Path
) -> None:
    report = run(engine, write_csv(tmp_path, ["企业名称,市", "嵊州领带厂,嵊州"], "utf-8-sig"))
    assert report.imported == 1
    assert as_rows(entries(engine)) == [(2, "嵊州领带厂", None, "嵊州", "", False, False)]


def test_an_xlsx_sheet_is_read_like_a_csv(engine: Engine, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["企业名称", "统一社会信用代码", "城市", "区县", "无贷户", "单一银行"])
    sheet.append(["衢州市柯城区恒泰五金店", code(4), "衢州", "柯城区", True, 1])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["龙游县竹木制品厂", None, "衢州市", "龙游", "否", 0])
    path = tmp_path / "list.xlsx"
    book.save(path)
    report = run(engine, path)
    assert (report.rows_read, report.imported, report.blank) == (3, 2, 1)
    assert as_rows(entries(engine)) == [
        (2, "衢州市柯城区恒泰五金店", code(4), "衢州市", "柯城区", True, True),
        (4, "龙游县竹木制品厂", None, "衢州市", "龙游县", False, False),
    ]


def test_a_row_with_a_bad_uscc_is_reported_with_its_line_and_skipped(
    engine: Engine, tmp_path: Path
) -> None:
    bad = code(5)[:-1] + ("0" if code(5)[-1] != "0" else "1")
    path = write_csv(tmp_path, [HEADER, f"甲公司,{code(6)},,,,", f"乙公司,{bad},,,,"])
    report = run(engine, path, lang=Lang.EN)
    assert report.imported == 1
    [rejected] = report.rejected
    assert (rejected.line, rejected.name, rejected.uscc) == (3, "乙公司", bad)
    assert "check character" in rejected.reason
    in_chinese = run(engine, path).rejected[0].reason
    assert in_chinese.startswith("统一社会信用代码有误") and "校验码" in in_chinese


def test_a_blank_uscc_is_stored_as_null_and_a_sloppily_typed_one_in_normal_form(
    engine: Engine, tmp_path: Path
) -> None:
    typed = code(7).lower()[:9] + " " + code(7).lower()[9:]
    run(engine, write_csv(tmp_path, [HEADER, "甲商行,,,,,", f"乙商行,{typed},,,,"]))
    assert [e.uscc for e in entries(engine)] == [None, code(7)]


def test_a_row_without_a_name_is_rejected_and_an_empty_row_only_counted(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, f"  ,{code(8)},绍兴,,,", ",,,,,", "丙公司"])
    report = run(engine, path, lang=Lang.EN)
    assert (report.rows_read, report.imported, report.blank) == (3, 1, 1)
    assert [(r.line, r.reason, r.uscc) for r in report.rejected] == [
        (2, "The firm's name is missing", code(8))
    ]


def test_a_repeated_uscc_keeps_the_first_row_and_rejects_the_later_ones(
    engine: Engine, tmp_path: Path
) -> None:
    lines = [HEADER, f"甲公司,{code(9)},,,,", "乙公司,,,,,", f"甲公司（重复）,{code(9)},,,,"]
    report = run(engine, write_csv(tmp_path, lines), lang=Lang.EN)
    assert [e.name for e in entries(engine)] == ["甲公司", "乙公司"]
    assert [(r.line, r.reason) for r in report.rejected] == [
        (4, f"Duplicate of line 2: the same unified social credit code {code(9)} (line 2 is kept)")
    ]


def test_importing_a_list_again_replaces_it_and_leaves_other_lists_alone(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, f"甲公司,{code(10)},,,,", f"乙公司,{code(11)},,,,"])
    run(engine, path, list_code="other")
    run(engine, path)
    first = as_rows(entries(engine))
    run(engine, path)
    assert as_rows(entries(engine)) == first and len(first) == 2
    path.write_text(f"{HEADER}\n丙公司,,,,,\n", encoding="utf-8")
    run(engine, path)
    assert [e.name for e in entries(engine)] == ["丙公司"]
    assert len(entries(engine, "other")) == 2


def test_a_file_that_breaks_halfway_leaves_the_previous_list_as_it_was(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, "甲公司,,,,,"])
    run(engine, path)
    path.write_bytes(f"{HEADER}\n乙公司,,,,,\n".encode() + b"\x80\xff\n")
    with pytest.raises(ListFileError) as raised:
        run(engine, path)
    assert raised.value.code == "bad_encoding" and "line 3" in raised.value.render(Lang.EN)
    assert [e.name for e in entries(engine)] == ["甲公司"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False),
     ("TRUE", True), ("false", False), ("√", True), ("", False), (" 是 ", True)],
)  # fmt: skip
def test_flags_are_read_the_ways_people_mark_them(
    engine: Engine, tmp_path: Path, typed: str, meant: bool
) -> None:
    run(engine, write_csv(tmp_path, [HEADER, f"甲公司,,,,{typed},{typed}"]))
    assert [(e.no_loan, e.single_bank) for e in entries(engine)] == [(meant, meant)]


def test_a_flag_that_cannot_be_read_rejects_the_row_naming_the_column(
    engine: Engine, tmp_path: Path
) -> None:
    report = run(engine, write_csv(tmp_path, ["企业名称,无贷户", "甲公司,也许"]))
    assert report.imported == 0
    assert report.rejected[0].reason.startswith("“无贷户”一栏的“也许”看不懂")


def test_an_unrecognised_region_is_kept_as_typed(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, "甲公司,,Hangzhou,某某新区,,", "乙公司,,杭州,柯桥,,"])
    assert run(engine, path).rejected == ()
    found = [(e.city, e.county) for e in entries(engine)]
    assert found == [("Hangzhou", "某某新区"), ("杭州市", "柯桥")]  # 柯桥 is not in 杭州


def test_a_name_too_long_for_the_table_is_rejected_not_cut(engine: Engine, tmp_path: Path) -> None:
    report = run(engine, write_csv(tmp_path, [HEADER, "公" * 201 + ",,,,,"]), lang=Lang.EN)
    assert report.imported == 0 and "at most 200" in report.rejected[0].reason


def test_lines_are_file_lines_even_after_a_quoted_line_break(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path, [HEADER, '"甲公司",,,,,', f'"乙\n公司",{code(12)}x,,,,', "丙公司,,,,,"]
    )
    report = run(engine, path)
    assert [r.line for r in report.rejected] == [3]
    assert [e.line for e in entries(engine)] == [2, 5]


def test_a_file_without_a_name_column_names_the_headers_it_found(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(ListFileError) as raised:
        run(engine, write_csv(tmp_path, ["公司,代码", "甲公司,"]))
    assert raised.value.code == "no_name_column"
    assert "the headers found are: 公司, 代码" in raised.value.render(Lang.EN)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old Excel", "old_excel"),
        (b"PK\x03\x04 not really a workbook", "bad_xlsx"),
    ],
)
def test_a_file_that_is_not_a_list_is_refused_and_nothing_changes(
    engine: Engine, tmp_path: Path, content: bytes, error: str
) -> None:
    path = write_csv(tmp_path, [HEADER, "甲公司,,,,,"])
    run(engine, path)
    path.write_bytes(content)
    with pytest.raises(ListFileError) as raised:
        run(engine, path)
    assert raised.value.code == error and str(path) in raised.value.render()
    assert [e.name for e in entries(engine)] == ["甲公司"]


def test_progress_is_told_rows_and_bytes_read(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [HEADER, *(f"企业{i},,,,," for i in range(30))])
    seen: list[tuple[int, int | None]] = []
    run(engine, path, progress=lambda rows, position: seen.append((rows, position)))
    assert seen[-1] == (30, path.stat().st_size)


def test_the_fast_uscc_check_agrees_with_the_standard() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        body = "9" + rng.choice("123") + "".join(rng.choices(CHARSET, k=15))
        for typed in (body + uscc_check_char(body), body + rng.choice(CHARSET), body[:16] + "I0"):
            if is_normal_valid_uscc(typed):
                assert parse_uscc(typed).code == typed
            else:
                assert not is_valid_uscc(typed) or typed != parse_uscc(typed).code


# --- the command ---

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`DATABASE_URL` naming a new SQLite file (not migrated)."""
    url = f"sqlite:///{tmp_path / 'yinqi.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def migrated(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_the_command_imports_and_lists_the_rejected_rows_on_stderr(
    migrated: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, f"甲公司,{code(13)},,,,", "乙公司,123,,,,"])
    result = runner.invoke(app, ["list", "import", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "List bhjwq: 1 rows imported, 1 rejected, 0 blank (2 rows read" in result.stdout
    assert "line 3: Bad unified social credit code" in result.stderr
    assert not (tmp_path / "bhjwq.rejected.csv").exists()
    assert len(entries(migrated)) == 1


def test_more_than_fifty_rejected_rows_are_written_to_a_csv(
    migrated: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, *(f",{code(i)},,,," for i in range(60))])
    result = runner.invoke(app, ["list", "import", str(path), "--list", "b2026", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("The firm's name is missing") == 50
    assert "… and 10 more rejected rows" in result.stderr
    written = (tmp_path / "bhjwq.rejected.csv").read_text(encoding="utf-8-sig").splitlines()
    assert written[0] == "line,reason,name,uscc" and len(written) == 61
    assert written[-1] == f"61,The firm's name is missing,,{code(59)}"


def test_an_errors_path_given_is_written_even_for_a_few_rejected_rows(
    migrated: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, "甲公司,,,,,", "乙公司,123,,,,"])
    errors = tmp_path / "out" / "rejected.csv"
    errors.parent.mkdir()
    result = runner.invoke(app, ["list", "import", str(path), "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    written = errors.read_text(encoding="utf-8-sig").splitlines()
    assert len(written) == 2 and written[1].startswith("3,统一社会信用代码有误")


def test_the_command_asks_for_yinqi_init_when_the_table_is_missing(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [HEADER, "甲公司,,,,,"])
    result = runner.invoke(app, ["list", "import", str(path)])
    assert result.exit_code == 2 and "yinqi init" in result.stderr


def test_the_command_refuses_a_file_without_a_name_column_with_exit_code_2(
    migrated: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, ["代码,市", ",绍兴"])
    result = runner.invoke(app, ["list", "import", str(path), "--lang", "en"])
    assert result.exit_code == 2 and "no name column" in result.stderr

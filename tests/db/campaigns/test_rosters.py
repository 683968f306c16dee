"""Importing a park's roster (入园企业名录): every firm, by line, replaced as a whole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from db.campaigns.files import ListFileError
from db.campaigns.rosters import import_roster
from db.core.config import get_settings
from db.models import Park, RosterFirm
from matching.i18n import Lang, t
from matching.uscc import uscc_check_char
from tests.databases import Seeded

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
HEADER = (
    "企业名称,统一社会信用代码,主体类型,行业,已合作银行,已有授信（万元）,联系人,联系电话,融资需求"
)


def code(n: int) -> str:
    first17 = f"91330603MA{n:07d}"
    return first17 + uscc_check_char(first17)


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def roster(engine: Engine, park: str = "kq-fz") -> list[RosterFirm]:
    with Session(engine) as session:
        park_id = session.exec(select(Park.id).where(Park.code == park)).one()
        query = select(RosterFirm).where(RosterFirm.park_id == park_id)
        return list(session.exec(query.order_by(col(RosterFirm.line))).all())


def test_a_roster_in_chinese_headers_from_excel_gb18030_is_read_field_by_field(
    seeded: Seeded, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        [
            HEADER,
            f"绍兴柯桥蓝宇纺织有限公司,{code(1)},企业,纺织,绍兴银行柯桥支行、瑞丰银行,300,王芳,13800000001,是",
            "柯桥区张三五金店,,个体工商户,五金,,,张三,,否",
            f"浙江华越印染有限公司,{code(2)},,印染,\"工商银行,农业银行\",\"1,200.5\",,,",
        ],
        encoding="gb18030",
    )
    report = import_roster(seeded.engine, path, park_code="kq-fz", now=NOW)
    assert (report.imported, report.rejected, report.blank) == (3, (), 0)
    firms = roster(seeded.engine)
    assert [(f.line, f.name, f.uscc, f.entity_type) for f in firms] == [
        (2, "绍兴柯桥蓝宇纺织有限公司", code(1), "enterprise"),
        (3, "柯桥区张三五金店", None, "individual_business"),
        (4, "浙江华越印染有限公司", code(2), ""),
    ]
    assert firms[0].existing_banks == ["绍兴银行", "瑞丰银行"]
    assert firms[2].existing_banks == ["工商银行", "农业银行"]
    assert [f.existing_credit_yuan for f in firms] == [3_000_000, 0, 12_005_000]
    assert [f.has_need for f in firms] == [True, False, None]
    assert (firms[0].contact_name, firms[0].phone) == ("王芳", "13800000001")
    assert firms[0].name_key == "蓝宇纺织"  # the core a registration of the firm is linked by


def test_bad_rows_are_rejected_by_line_with_the_reason_and_good_ones_kept(
    seeded: Seeded, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        [
            HEADER,
            f"甲公司,{code(1)},合伙企业,,,,,,",
            "乙公司,,企业,,,很多,,,",
            "丙公司,,企业,,,-5,,,",
            "丁公司,,企业,,,,,,也许",
            f"戊公司,{code(1)},企业,,,,,,",
            f"己公司,{code(1)[:-1]}X,企业,,,,,,",
            ",,企业,,,,,,",
            ",,,,,,,,",
            "庚公司,,企业,,,20,,,",
        ],
    )
    report = import_roster(seeded.engine, path, park_code="kq-fz", lang=Lang.EN)
    assert [r.line for r in report.rejected] == [2, 3, 4, 5, 7, 8]
    reasons = [r.reason for r in report.rejected]
    assert "合伙企业" in reasons[0] and "很多" in reasons[1] and "-5" in reasons[2]
    assert "也许" in reasons[3]
    assert reasons[4].startswith("Bad unified social credit code")
    assert reasons[5] == t("list.missing_name", Lang.EN)
    assert report.blank == 1
    assert [f.name for f in roster(seeded.engine)] == ["戊公司", "庚公司"]


def test_importing_again_replaces_the_park_roster_and_leaves_other_parks_alone(
    seeded: Seeded, tmp_path: Path
) -> None:
    first = write(tmp_path, [HEADER, "甲公司,,,,,,,,", "乙公司,,,,,,,,"])
    import_roster(seeded.engine, first, park_code="kq-fz")
    import_roster(seeded.engine, first, park_code="yc-gxq")
    again = write(tmp_path, [HEADER, "丙公司,,,,,,,,"])
    import_roster(seeded.engine, again, park_code="kq-fz")
    assert [f.name for f in roster(seeded.engine)] == ["丙公司"]
    assert [f.name for f in roster(seeded.engine, "yc-gxq")] == ["甲公司", "乙公司"]


def test_an_unknown_park_is_refused_and_nothing_changes(seeded: Seeded, tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER, "甲公司,,,,,,,,"])
    with pytest.raises(ListFileError) as refused:
        import_roster(seeded.engine, path, park_code="nowhere")
    assert refused.value.code == "unknown_park"


def test_an_xlsx_roster_with_english_headers_is_read(seeded: Seeded, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "uscc", "type", "banks", "existing_credit_wan", "need"])
    sheet.append(["Keqiao Textile Co", code(3), "enterprise", "Bank of Shaoxing", 50, "yes"])
    sheet.append(["乙公司", None, "农户", None, None, None])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    report = import_roster(seeded.engine, path, park_code="kq-fz")
    assert report.imported == 2
    firms = roster(seeded.engine)
    assert [(f.uscc, f.entity_type, f.existing_credit_yuan, f.has_need) for f in firms] == [
        (code(3), "enterprise", 500_000, True),
        (None, "farmer", 0, None),
    ]


def test_the_command_imports_a_roster_and_names_rejected_rows(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", seeded.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    path = write(tmp_path, [HEADER, "甲公司,,,,,,,,", "乙公司,,,,,不知道,,,"])
    try:
        result = CliRunner().invoke(
            app, ["park", "roster", "import", str(path), "--park", "kq-fz", "--lang", "en"]
        )
        unknown = CliRunner().invoke(app, ["park", "roster", "import", str(path), "--park", "x"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Roster of park kq-fz: 1 firms imported, 1 rows rejected" in result.stdout
    assert "line 3:" in result.stderr and "不知道" in result.stderr
    assert [f.name for f in roster(seeded.engine)] == ["甲公司"]
    assert unknown.exit_code != 0 and "没有代码为“x”的园区" in unknown.output

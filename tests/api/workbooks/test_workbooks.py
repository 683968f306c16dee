"""The coordination team's workbooks, opened again with openpyxl: titles merged over the table,
Chinese headers, number formats, frozen panes, widths, and the figures of the fortnight in
tests/db/report_story.py."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine, delete, select
from sqlmodel import col

from api.workbooks import (
    city_summary_xlsx,
    ledger_xlsx,
    monitoring_xlsx,
    needs_summary_xlsx,
    partner_banks_xlsx,
    weekly_xlsx,
)
from db.core.errors import InvalidInput, NotFound
from db.models import Assignment, Bank, Park, ParkPartner
from db.reports.progress import ReportScope
from matching.i18n import Lang
from tests.databases import Seeds
from tests.db.report_story import AFTER_WEEK1, WEEK1, Story, import_yc_roster

ALL = ReportScope()


@pytest.fixture
def story(engine: Engine, seeds: Seeds) -> Story:
    return seeds.story(engine, managers_per_bank=2)


def _open(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _weekly(story: Story, scope: ReportScope = ALL, lang: Lang = Lang.ZH) -> Any:
    with story.seeded.session() as s:
        return _open(
            weekly_xlsx(
                s, scope=scope, date_from=WEEK1[0], date_to=WEEK1[1], now=AFTER_WEEK1, lang=lang
            )
        )


def _row(ws: Any, first_cell: object) -> list[Any]:
    """The cells of the row whose first cell holds `first_cell`."""
    for row in ws.iter_rows(min_row=4):
        if row[0].value == first_cell:
            return list(row)
    raise AssertionError(f"no row {first_cell!r}")


def _headers(ws: Any) -> list[str]:
    return [cell.value for cell in ws[3]]


def _all_text(book: Any) -> str:
    return " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_the_weekly_workbook_has_its_sheets_titled_and_frozen(story: Story) -> None:
    book = _weekly(story)
    assert book.sheetnames == [
        "按银行",
        "按园区",
        "按区县",
        "按渠道",
        "重点问题清单",
        "问题原因汇总",
        "未解决问题",
        "园区授信覆盖",
    ]
    for ws in book.worksheets:
        width = ws.max_column
        assert {str(r) for r in ws.merged_cells.ranges} >= {
            f"A1:{_letter(width)}1",
            f"A2:{_letter(width)}2",
        }
        assert ws["A1"].value == "全部地区银企融资对接工作进度周报"
        assert ws["A1"].font.bold
        assert ws["A3"].font.bold
        assert ws.freeze_panes in ("B4", "C4")
    period = book["按银行"]["A2"].value
    assert "2026-11-23 至 2026-11-29" in period and "金额单位：万元" in period
    assert "2026-11-30 12:00" in period  # made at, China time


def _letter(n: int) -> str:
    return openpyxl.utils.get_column_letter(n)


def test_progress_by_bank_in_wan_with_ratios_as_percentages(story: Story) -> None:
    ws = _weekly(story)["按银行"]
    headers = _headers(ws)
    assert headers[:4] == ["银行", "推送线索（笔）", "受理（笔）", "首次联系（笔）"]
    assert "登记需求（户）" not in headers  # a bank holds a need once: its needs are its leads
    sx = dict(zip(headers, _row(ws, "绍兴银行"), strict=True))
    assert (
        sx["授信金额（万元）"].value == 100 and sx["授信金额（万元）"].number_format == "#,##0.00"
    )
    assert sx["放款金额（万元）"].value == 80
    assert sx["有效走访对接比例"].value == 1 and sx["有效走访对接比例"].number_format == "0.0%"
    assert (
        sx["受理用时中位数（小时）"].value == 2
        and sx["受理用时中位数（小时）"].number_format == "0.0"
    )
    total = dict(zip(headers, _row(ws, "合计"), strict=True))
    assert total["银行"].font.bold
    assert total["首贷户占比"].value == 0.5
    assert total["线上对接率"].value == pytest.approx(6 / 7)
    assert total["超时未受理（笔）"].value == 1 and total["超时未联系（笔）"].value == 1
    assert headers[-1] == "超1个月未审批（笔）"  # 002's month: none in a fortnight
    assert ws.column_dimensions["A"].width >= 8  # 恒信农商银行 fits


def test_progress_by_park_and_county_name_the_rows_without_one(story: Story) -> None:
    book = _weekly(story)
    parks = book["按园区"]
    assert _headers(parks)[:2] == ["园区", "登记需求（户）"]
    assert [c.value for c in _row(parks, "未入园")][:3] == ["未入园", 4, 2]
    assert [c.value for c in _row(parks, "越城高新区小微企业园")][:3] == [
        "越城高新区小微企业园",
        2,
        3,
    ]
    counties = book["按区县"]
    assert [r[0].value for r in counties.iter_rows(min_row=4)] == [
        "新昌县",
        "西湖区",
        "越城区",
        "合计",
    ]


def test_the_problem_sheets_list_each_cause_without_contact_data(story: Story) -> None:
    book = _weekly(story)
    ws = book["重点问题清单"]
    assert _headers(ws)[:4] == ["序号", "问题类型", "原因", "发生时间"]
    first = [c.value for c in _row(ws, 1)]
    assert first[1:4] == ["银行超时未受理", "银行超时未受理", datetime(2026, 11, 25, 8, 0)]  # noqa: DTZ001 (Excel's)
    assert first[5] == "新昌丙轴承有限公司" and first[8] == "新昌高新技术产业园小微企业园"
    assert first[9] == 100 and first[11] == "新昌农商银行"
    assert _row(ws, 1)[3].number_format == "yyyy-mm-dd hh:mm"
    declined = [c.value for c in _row(ws, 2)]
    assert declined[1:3] == ["银行退回", "银行服务原因"]
    assert [c.value for c in _row(ws, 5)][1:3] == ["不符合五项标准", "未满足：有固定经营场所"]
    causes = book["问题原因汇总"]
    assert [c.value for c in _row(causes, "合计")] == ["合计", None, 5]
    assert [c.value for c in _row(causes, "需信用修复")] == [
        "需信用修复",
        "未满足：信用状况良好",
        1,
    ]
    text = _all_text(book)
    assert "13800138000" not in text and "王经理" not in text and "额度已满" not in text


def test_the_coverage_sheet_compares_each_park_with_its_target(
    story: Story, tmp_path: Path
) -> None:
    import_yc_roster(story.seeded, tmp_path)
    ws = _weekly(story, ReportScope(region="绍兴市"))["园区授信覆盖"]
    assert ws["A1"].value == "绍兴市银企融资对接工作进度周报"
    yc = _row(ws, "越城高新区小微企业园")
    assert [c.value for c in yc] == [
        "越城高新区小微企业园", "yc-gxq", "绍兴市", "越城区", 4, 6, 2, 2 / 6, 0.7, "未达标",
        1, 1, 1, 1, 2,  # served, waiting, no need, unreached (分类建档); registered here
    ]  # fmt: skip
    assert yc[7].number_format == "0.0%" and yc[8].number_format == "0.0%"
    xc = _row(ws, "新昌高新技术产业园小微企业园")  # no roster: no ratio, and it says so
    assert [c.value for c in xc[5:10]] == [0, 0, None, 0.7, "无名录"]
    assert ws.max_row == 3 + 6  # the six parks of 绍兴


def test_a_banks_weekly_workbook_names_the_bank_in_its_title(story: Story) -> None:
    book = _weekly(story, ReportScope(bank_id=story.bank_ids["mtbank"]))
    banks = [row[0].value for row in book["按银行"].iter_rows(min_row=4)]
    assert banks == ["民泰银行", "合计"]
    for ws in book.worksheets:
        assert ws["A1"].value == "全部地区银企融资对接工作进度周报（民泰银行）"


def test_the_weekly_workbook_in_english(story: Story) -> None:
    book = _weekly(story, lang=Lang.EN)
    assert book.sheetnames[0] == "By bank"
    assert _headers(book["By bank"])[:2] == ["Bank", "Leads offered"]


def test_the_classification_ledger_of_a_park(story: Story) -> None:
    with story.seeded.session() as s:
        book = _open(
            ledger_xlsx(s, scope=ALL, park_code="yc-gxq", quarter="2026Q4", now=AFTER_WEEK1)
        )
    ws = book["分类建档基础台账"]
    assert ws["A1"].value == "越城区越城高新区小微企业园分类建档基础台账"
    assert "A1:V1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value.startswith("附表1　2026年第4季度")
    assert ws.freeze_panes == "C4"
    headers = _headers(ws)
    assert headers[:3] == ["序号", "企业名称", "统一社会信用代码"]
    jia = dict(zip(headers, _row(ws, 1), strict=True))
    assert jia["企业名称"].value == "绍兴甲材料有限公司"
    assert jia["首贷户"].value == "是" and jia["进展或未获贷原因"].value == "已获授信"
    assert (jia["分类"].value, jia["在园区名录"].value) == ("已有授信", "否")  # no roster yet
    assert jia["对接银行及进展"].value == "绍兴银行：已放款；恒信农商银行：已授信"
    assert jia["授信金额（万元）"].value == 150  # 100 at 3.95% and 50 at 4.35%
    assert jia["授信利率（%）"].value == pytest.approx(4.0833, abs=1e-4)
    assert jia["授信利率（%）"].number_format == "0.00"
    assert jia["统一社会信用代码"].number_format == "@"
    ji = dict(zip(headers, _row(ws, 2), strict=True))
    assert (ji["进展或未获贷原因"].value, ji["融资需求（万元）"].value, ji["授信规模"].value) == (
        "对接中", 30, "10万–50万元",
    )  # fmt: skip
    assert ji["分类"].value == "有需求已对接"
    assert (
        ji["登记日期"].value == datetime(2026, 11, 23)  # noqa: DTZ001 (Excel has no zones)
        and ji["登记日期"].number_format == "yyyy-mm-dd"
    )
    assert "13800138000" not in _all_text(book)


def test_the_ledger_holds_every_roster_firm_with_its_class(story: Story, tmp_path: Path) -> None:
    import_yc_roster(story.seeded, tmp_path)
    with story.seeded.session() as s:
        ws = _open(ledger_xlsx(s, scope=ALL, park_code="yc-gxq", quarter="2026Q4"))[
            "分类建档基础台账"
        ]
    headers = _headers(ws)
    rows = [dict(zip(headers, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=4)]
    assert [(r["企业名称"], r["分类"], r["在园区名录"]) for r in rows] == [
        ("绍兴甲材料有限公司", "已有授信", "是"),  # registered (linked by name), credit here
        ("绍兴己电子有限公司", "有需求已对接", "是"),  # on the roster as 浙江己电子有限公司
        ("绍兴越城老字号酿酒有限公司", "已有授信", "是"),  # credit of its own, never registered
        ("绍兴越城某机械有限公司", "有需求未对接", "是"),
        ("绍兴越城某包装有限公司", "暂无需求", "是"),
        ("绍兴越城某服饰有限公司", "未触达", "是"),
    ]
    own = rows[2]
    assert (own["已有授信（万元）"], own["融资需求（万元）"], own["进展或未获贷原因"]) == (
        100, None, None,
    )  # fmt: skip
    with story.seeded.session() as s:  # a bank's ledger holds no roster-only firm
        scope = ReportScope(bank_id=story.bank_ids["mtbank"])
        bank = _open(ledger_xlsx(s, scope=scope, park_code="yc-gxq", quarter="2026Q4"))
    assert [r[1].value for r in bank["分类建档基础台账"].iter_rows(min_row=4)] == [
        "绍兴己电子有限公司"
    ]


def test_a_banks_ledger_holds_the_firms_it_had_a_lead_for(story: Story) -> None:
    with story.seeded.session() as s:
        scope = ReportScope(bank_id=story.bank_ids["mtbank"])
        ws = _open(ledger_xlsx(s, scope=scope, park_code="yc-gxq", quarter="2026Q4"))[
            "分类建档基础台账"
        ]
    assert [r[1].value for r in ws.iter_rows(min_row=4)] == ["绍兴己电子有限公司"]


def test_the_needs_and_cost_summary_per_tier(story: Story) -> None:
    with story.seeded.session() as s:
        book = _open(
            needs_summary_xlsx(
                s, scope=ReportScope(region="绍兴市"), quarter="2026Q4", now=AFTER_WEEK1
            )
        )
        one_park = _open(needs_summary_xlsx(s, scope=ALL, quarter="2026Q4", park_code="xc-gxq"))
    ws = book["融资需求及成本汇总"]
    assert ws["A1"].value == "绍兴市小微企业园融资需求及融资成本情况汇总表"
    assert ws["A2"].value.startswith("附表2　2026年第4季度")
    assert ws.freeze_panes == "B4"
    assert [r[0].value for r in ws.iter_rows(min_row=4)] == [
        "10万元以下", "10万–50万元", "50万–500万元", "500万–1000万元", "1000万元以上", "合计",
    ]  # fmt: skip
    middle = [c.value for c in _row(ws, "50万–500万元")]
    assert middle[:8] == ["50万–500万元", 2, 200, 2, 1, 150, 1, 80]
    assert middle[8] == 0.5
    assert middle[16] == pytest.approx(4.083, abs=1e-3) and middle[17:19] == [3.95, 4.35]
    assert middle[9:16] == [0, 0, 0, 150, 0, 0, 150]  # recorded without terms: unknown
    total = _row(ws, "合计")
    assert [c.value for c in total][1:3] == [3, 230] and total[0].font.bold
    assert total[8].value == pytest.approx(1 / 3) and total[8].number_format == "0.0%"
    xc = one_park["融资需求及成本汇总"]
    assert xc["A1"].value == "绍兴市新昌高新技术产业园小微企业园融资需求及融资成本情况汇总表"
    assert [c.value for c in _row(xc, "合计")][1:5] == [1, 100, 1, 0]


def test_an_unknown_park_or_quarter_is_refused(story: Story) -> None:
    with story.seeded.session() as s:
        with pytest.raises(NotFound):
            ledger_xlsx(s, scope=ALL, park_code="nowhere", quarter="2026Q4")
        with pytest.raises(NotFound):  # outside the coordinator's region: as if it did not exist
            ledger_xlsx(s, scope=ReportScope(region="宁波市"), park_code="yc-gxq", quarter="2026Q4")
        with pytest.raises(InvalidInput) as bad:
            needs_summary_xlsx(s, scope=ALL, quarter="2026Q5")
        assert bad.value.field == "quarter"


def test_the_city_summary_puts_each_parks_annex2_side_by_side(story: Story) -> None:
    with story.seeded.session() as s:
        data = city_summary_xlsx(
            s, scope=ReportScope(region="绍兴市"), quarter="2026Q4", now=AFTER_WEEK1
        )
        per_park = {
            code: _open(needs_summary_xlsx(s, scope=ALL, quarter="2026Q4", park_code=code))
            for code in ("yc-gxq", "xc-gxq")
        }
    ws = _open(data)["各园区融资需求汇总"]
    assert ws["A1"].value == "绍兴市小微企业园融资需求及融资成本情况汇总表"
    assert ws["A2"].value.startswith("附表3　2026年第4季度")
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:W1", "A2:W2"}
    headers = _headers(ws)
    assert headers[:4] == ["园区", "区县", "星级", "有融资需求企业（户）"]
    assert headers[10] == "需求满足率" and headers[-1] == "综合融资成本（%）"
    rows = [list(r) for r in ws.iter_rows(min_row=4)]
    parks, total = rows[:-1], rows[-1]
    assert len(parks) == 6 and total[0].value == "合计" and total[0].font.bold
    for i in [*range(3, 10), *range(11, 18)]:  # counts and amounts: the sum of the parks
        assert total[i].value == sum(r[i].value for r in parks), headers[i]
        assert total[i].number_format == ("#,##0.00" if "万元" in headers[i] else "#,##0")
    assert total[10].value == pytest.approx(total[6].value / total[3].value)
    assert total[10].number_format == "0.0%" and total[18].number_format == "0.00"
    named = {"yc-gxq": "越城高新区小微企业园", "xc-gxq": "新昌高新技术产业园小微企业园"}
    for code, name in named.items():
        same = [c.value for c in _row(per_park[code]["融资需求及成本汇总"], "合计")][1:]
        assert [c.value for c in _row(ws, name)][3:] == same  # 附表2's total, park by park
    assert [c.value for c in _row(ws, "越城高新区小微企业园")][3:7] == [2, 130, 1, 1]
    assert ws.freeze_panes == "B4"


def test_a_coordinators_city_summary_holds_only_their_parks(story: Story) -> None:
    with story.seeded.session() as s:
        xinchang = _open(city_summary_xlsx(s, scope=ReportScope(region="新昌县"), quarter="2026Q4"))
        english = _open(city_summary_xlsx(s, scope=ALL, quarter="2026Q4", lang=Lang.EN))
    ws = xinchang.worksheets[0]
    assert [r[0] for r in ws.iter_rows(min_row=4, values_only=True)] == [
        "新昌高新技术产业园小微企业园",
        "合计",
    ]
    assert english.worksheets[0]["A1"].value.startswith("Financing needs and financing cost")


def _every_annex(story: Story) -> list[Any]:
    with story.seeded.session() as s:
        return [
            _open(ledger_xlsx(s, scope=ALL, park_code="yc-gxq", quarter="2026Q4")),
            _open(needs_summary_xlsx(s, scope=ALL, quarter="2026Q4")),
            _open(city_summary_xlsx(s, scope=ALL, quarter="2026Q4")),
            _open(partner_banks_xlsx(s, scope=ALL, quarter="2026Q4")),
            _open(monitoring_xlsx(s, scope=ALL, quarter="2026Q4")),
        ]


def test_every_sheet_prints_landscape_fitted_to_width_with_its_header_repeated(
    story: Story,
) -> None:
    for book in [*_every_annex(story), _weekly(story)]:
        for ws in book.worksheets:
            assert ws.page_setup.orientation == "landscape", ws.title
            assert ws.page_setup.paperSize == 9  # A4
            assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
            assert ws.sheet_properties.pageSetUpPr.fitToPage is True
            assert ws.print_title_rows == "$3:$3"  # the header row, on every page


@pytest.mark.parametrize(
    ("first", "last", "title"),
    [
        (date(2026, 11, 1), date(2026, 11, 30), "全部地区银企融资对接工作进度月报"),
        (date(2026, 2, 1), date(2026, 2, 28), "全部地区银企融资对接工作进度月报"),
        (date(2026, 11, 23), date(2026, 11, 29), "全部地区银企融资对接工作进度周报"),
        (date(2026, 11, 1), date(2026, 11, 29), "全部地区银企融资对接工作进度周报"),
        (date(2026, 11, 2), date(2026, 11, 30), "全部地区银企融资对接工作进度周报"),
        (date(2026, 10, 1), date(2026, 11, 30), "全部地区银企融资对接工作进度周报"),
    ],
)
def test_a_calendar_months_workbook_is_a_monthly_report(
    story: Story, first: date, last: date, title: str
) -> None:
    with story.seeded.session() as s:
        book = _open(weekly_xlsx(s, scope=ALL, date_from=first, date_to=last, now=AFTER_WEEK1))
    assert {ws["A1"].value for ws in book.worksheets} == {title}


def test_the_partner_banks_of_each_park_in_the_catalogs_order(story: Story) -> None:
    with story.seeded.session() as s:
        yc = s.scalars(select(Park).where(col(Park.code) == "yc-gxq")).one()
        order = (
            s.execute(
                select(col(Bank.name))
                .join(ParkPartner, col(ParkPartner.bank_id) == col(Bank.id))
                .where(col(ParkPartner.park_id) == yc.id)
                .order_by(col(ParkPartner.position))
            )
            .scalars()
            .all()
        )
        s.execute(
            delete(ParkPartner).where(
                col(ParkPartner.park_id)
                == s.scalars(select(col(Park.id)).where(col(Park.code) == "xc-gxq")).one()
            )
        )
        s.commit()
        data = partner_banks_xlsx(
            s, scope=ReportScope(region="绍兴市"), quarter="2026Q4", now=AFTER_WEEK1
        )
    ws = _open(data)["伙伴银行"]
    assert ws["A1"].value == "绍兴市小微企业园伙伴银行情况表"
    assert ws["A2"].value.startswith("附表5　2026年第4季度")
    assert _headers(ws)[:6] == ["序号", "园区", "区县", "顺位", "银行", "主办银行"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    body, total = rows[:-1], rows[-1]
    of_yc = [r for r in body if r[1] == "越城高新区小微企业园"]
    assert [r[4] for r in of_yc] == list(order) and len(order) >= 3
    assert [r[5] for r in of_yc] == ["主办"] + [None] * (len(order) - 1)  # its lead branch's
    assert of_yc[0][6] == "绍兴银行越城支行" and of_yc[0][7].date() == date(2019, 8, 1)
    assert of_yc[0][8:10] == ["张经理", "0575-00000004"]
    assert ws.cell(4, 8).number_format == "yyyy-mm-dd" and ws.cell(4, 10).data_type == "s"
    assert [r[6] for r in of_yc[1:]] == [None] * (len(order) - 1)
    assert of_yc[0][10] == "绍兴银行越城支行"  # its branch in the park's county
    assert [r[11:] for r in of_yc[:2]] == [[1, 1, 100], [1, 1, 50]]
    assert [r[4] for r in body if r[1] == "新昌高新技术产业园小微企业园"] == ["尚未确定伙伴银行"]
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    assert total[1] == "合计" and ws.cell(ws.max_row, 2).font.bold
    for i in (11, 12, 13):
        assert total[i] == sum(r[i] or 0 for r in body)
    last = ws[ws.max_row]
    assert [c.number_format for c in last[11:]] == ["#,##0", "#,##0", "#,##0.00"]
    assert ws.print_title_rows == "$3:$3" and ws.freeze_panes == "C4"


def _with_terms(story: Story) -> None:
    """甲's two credits with their terms, as `credit_granted` records them: sxbank's 100万
    guaranteed by 科创专项保 at 0.5% for 12 months, hxrcb's 50万 on credit, no fees, 36 months."""
    terms = {
        "甲@sxbank": ("guaranteed", "科创专项保", Decimal("0.5"), 12),
        "甲@hxrcb": ("credit", None, Decimal(0), 36),
    }
    with story.seeded.session() as s:
        for lead, (kind, guarantee, fee, months) in terms.items():
            found = s.get(Assignment, story.leads[lead])
            assert found is not None
            found.loan_type, found.guarantee = kind, guarantee
            found.fee_rate_pct, found.term_months = fee, months
            s.add(found)
        s.commit()


def test_the_cost_of_the_credit_split_by_kind_and_term_with_fees(story: Story) -> None:
    _with_terms(story)
    with story.seeded.session() as s:
        data = needs_summary_xlsx(s, scope=ReportScope(region="绍兴市"), quarter="2026Q4")
    ws = _open(data)["融资需求及成本汇总"]
    headers = _headers(ws)
    assert headers[9:] == [
        "授信其中：信用类（万元）", "抵押（质押）类（万元）", "保证（担保）类（万元）",
        "方式未知（万元）", "授信其中：短期（万元）", "中长期（万元）", "期限未知（万元）",
        "加权平均授信利率（%）", "最低利率（%）", "最高利率（%）", "平均担保及其他费率（%）",
        "综合融资成本（%）",
    ]  # fmt: skip
    middle = dict(zip(headers, [c.value for c in _row(ws, "50万–500万元")], strict=True))
    assert middle["授信金额（万元）"] == 150
    assert [middle[h] for h in headers[9:16]] == [50, 0, 100, 0, 100, 50, 0]
    assert middle["平均担保及其他费率（%）"] == pytest.approx((0.5 * 100 + 0 * 50) / 150)
    cost = ((3.95 + 0.5) * 100 + (4.35 + 0) * 50) / 150  # rate plus fees, weighted by amount
    assert middle["综合融资成本（%）"] == pytest.approx(cost)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    tiers, total = rows[:-1], rows[-1]
    for i in [*range(1, 8), *range(9, 16)]:  # counts and amounts: the total is the rows' sum
        assert total[i] == sum(r[i] for r in tiers), headers[i]
    for i in range(9, 16):
        assert ws.cell(ws.max_row, i + 1).number_format == "#,##0.00"
    for i in range(16, 21):
        assert ws.cell(ws.max_row, i + 1).number_format == "0.00"
    assert total[19:] == [pytest.approx(1 / 3), pytest.approx(cost)]  # one tier has credit
    for split in (range(9, 13), range(13, 16)):  # each split adds up to the credit
        for row in rows:
            assert sum(row[i] for i in split) == row[5]


def test_the_banks_service_to_the_parks_one_row_per_bank(story: Story) -> None:
    _with_terms(story)
    with story.seeded.session() as s:
        data = monitoring_xlsx(
            s, scope=ReportScope(region="绍兴市"), quarter="2026Q4", now=AFTER_WEEK1
        )
    ws = _open(data)["金融服务监测"]
    assert ws["A1"].value == "绍兴市小微企业园金融服务情况监测表"
    assert (
        ws["A2"].value.startswith("附表4　2026年第4季度")
        and "保险栏由保险机构填报" in ws["A2"].value
    )
    headers = _headers(ws)
    assert headers[:11] == [
        "银行", "伙伴园区（个）", "服务园区（个）", "服务企业（户）", "期末授信企业（户）",
        "期末累计授信（万元）", "本季授信企业（户）", "本季授信金额（万元）", "其中：首贷户（户）",
        "本季放款企业（户）", "本季放款金额（万元）",
    ]  # fmt: skip
    assert headers[-5:] == [
        "加权平均授信利率（%）", "平均担保及其他费率（%）", "综合融资成本（%）",
        "保险服务企业（户）", "保险金额（万元）",
    ]  # fmt: skip
    sx = dict(zip(headers, [c.value for c in _row(ws, "绍兴银行")], strict=True))
    assert [sx[h] for h in headers[1:11]] == [6, 1, 1, 1, 100, 1, 100, 1, 1, 80]  # all 6 parks
    assert [sx[h] for h in headers[11:18]] == [0, 0, 100, 0, 100, 0, 0]  # 科创专项保, 12 months
    assert [sx[h] for h in headers[18:21]] == [3.95, 0.5, pytest.approx(4.45)]
    assert sx["保险服务企业（户）"] is None  # the insurers' to fill
    hx = dict(zip(headers, [c.value for c in _row(ws, "恒信农商银行")], strict=True))
    assert [hx[h] for h in headers[11:18]] == [50, 0, 0, 0, 0, 50, 0]  # on credit, 36 months
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    banks, total = rows[:-1], rows[-1]
    assert total[0] == "合计" and ws.cell(ws.max_row, 1).font.bold
    assert len(banks) == len({r[0] for r in banks}) >= 5
    for i in range(1, 18):  # counts and amounts: the total is the sum of the banks
        assert total[i] == sum(r[i] for r in banks), headers[i]
        assert ws.cell(ws.max_row, i + 1).number_format == (
            "#,##0.00" if "万元" in headers[i] else "#,##0"
        )
    assert total[20] == pytest.approx(((3.95 + 0.5) * 100 + 4.35 * 50) / 150)
    assert ws.cell(ws.max_row, 21).number_format == "0.00"
    with story.seeded.session() as s:  # a bank's own table: its row alone
        own = monitoring_xlsx(
            s, scope=ReportScope(bank_id=story.bank_ids["hxrcb"]), quarter="2026Q4"
        )
    assert [r[0] for r in _open(own).worksheets[0].iter_rows(min_row=4, values_only=True)] == [
        "恒信农商银行",
        "合计",
    ]


def test_the_channel_sheet_splits_registrations_acceptances_and_credit_by_channel(
    story: Story,
) -> None:
    sheet = _weekly(story)["按渠道"]
    headers = _headers(sheet)
    assert headers[0] == "登记渠道"
    bot, offline, total = _row(sheet, "Telegram"), _row(sheet, "线下登记"), _row(sheet, "合计")
    for name in ("登记需求（户）", "受理（笔）", "授信（笔）"):
        i = headers.index(name)
        assert (bot[i].value or 0) + (offline[i].value or 0) == total[i].value, name
    assert offline[headers.index("登记需求（户）")].value == 1

"""`/api/v1/reports/…` over the fortnight of tests/db/report_story.py: the figures the storage
tests check, now as the coordination team gets them over HTTP, limited to their region; and the
Excel workbooks, opened again."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from db.models import Park
from db.staff.accounts import add_user
from tests.api.conftest import Api
from tests.databases import Seeds
from tests.db.builders import Seeded
from tests.db.report_story import AFTER_WEEK1, Story, import_yc_roster

REPORTS = "/api/v1/reports"
WEEK1 = {"from": "2026-11-23", "to": "2026-11-29"}


@pytest.fixture
def played(engine: Engine, seeds: Seeds) -> Story:
    return seeds.story(engine, managers_per_bank=2)


@pytest.fixture
def seeded(played: Story) -> Seeded:
    """The API's seeds, with the fortnight played on them."""
    return played.seeded


@pytest.fixture
def story(api: Api, played: Story) -> Story:
    api.clock.now = AFTER_WEEK1
    return played


def _hangzhou(api: Api) -> str:
    with Session(api.seeded.engine) as s:
        return add_user(s, name="杭州专班", role="coordinator", region="杭州").token


def test_progress_by_bank_for_the_coordinators_region(api: Api, story: Story) -> None:
    answer = api.as_(api.seeded.coordinator).get(
        f"{REPORTS}/progress", params={**WEEK1, "group_by": "bank"}
    )
    assert answer.status_code == 200, answer.json()
    report = answer.json()
    assert report["scope"] == {"region": "绍兴市", "park": None, "source": None, "channel": None}
    assert (report["date_from"], report["date_to"], report["group_by"]) == (
        "2026-11-23",
        "2026-11-29",
        "bank",
    )
    rows = {r["key"]: r for r in report["rows"]}
    assert list(rows) == ["sxbank", "xcrcb", "tlbank", "hxrcb", "abc", "mtbank"]
    sx = rows["sxbank"]
    assert (sx["needs"], sx["offered"], sx["accepted"], sx["contacted"]) == (1, 1, 1, 1)
    assert (sx["credit_granted"], sx["credit_amount_yuan"]) == (1, 1_000_000)
    assert (sx["loans_issued"], sx["loan_amount_yuan"]) == (1, 800_000)
    assert (sx["median_hours_to_accept"], sx["median_hours_to_contact"]) == (2.0, 5.0)
    assert rows["abc"]["visits"] == 2 and rows["abc"]["effective_visits"] == 1
    assert rows["abc"]["effective_visit_ratio"] == 0.5
    assert rows["xcrcb"]["overdue_accept"] == 1 and rows["mtbank"]["overdue_contact"] == 1
    text = json.dumps(report, ensure_ascii=False)
    assert "138" not in text  # no phone number anywhere


def test_a_coordinator_of_another_region_counts_none_of_it(api: Api, story: Story) -> None:
    token = _hangzhou(api)
    answer = api.client.get(
        f"{REPORTS}/progress",
        params={**WEEK1, "group_by": "county"},
        headers={"Authorization": f"Bearer {token}"},
    )
    report = answer.json()
    assert report["scope"] == {"region": "杭州市", "park": None, "source": None, "channel": None}
    assert report["total"]["needs"] == 1  # 庚, the one firm in 杭州
    assert {r["key"] for r in report["rows"]} <= {None, "西湖区", "上城区", "拱墅区", "滨江区"}


def test_a_park_or_a_qr_code_narrows_the_progress_report_and_the_problems(
    api: Api, story: Story
) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    by_park = coordinator.get(f"{REPORTS}/progress", params={**WEEK1, "group_by": "park"}).json()
    row = next(r for r in by_park["rows"] if r["key"] == "xc-gxq")
    answer = coordinator.get(f"{REPORTS}/progress", params={**WEEK1, "park": "xc-gxq"})
    assert answer.status_code == 200, answer.json()
    narrowed = answer.json()
    assert narrowed["scope"] == {
        "region": "绍兴市", "park": "xc-gxq", "source": None, "channel": None
    }
    assert {k: v for k, v in narrowed["total"].items() if k not in ("key", "label")} == {
        k: v for k, v in row.items() if k not in ("key", "label")
    }
    assert narrowed["total"]["needs"] == 1 < by_park["total"]["needs"]  # 丙 alone
    problems = coordinator.get(f"{REPORTS}/problems", params={**WEEK1, "park": "xc-gxq"}).json()
    assert problems["items"] and {p["park"] for p in problems["items"]} == {"xc-gxq"}
    with Session(api.seeded.engine) as s:
        elsewhere = s.exec(select(Park.code).where(Park.city != "绍兴市")).first()
    assert elsewhere is not None
    outside = coordinator.get(f"{REPORTS}/progress", params={**WEEK1, "park": elsewhere})
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "unknown_park"
    unknown = coordinator.get(f"{REPORTS}/problems", params={**WEEK1, "source": "nope"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_qr_token"


def test_an_admin_sees_everything_or_one_region(api: Api, story: Story) -> None:
    admin = api.as_(api.seeded.admin)
    everywhere = admin.get(f"{REPORTS}/progress", params={**WEEK1, "group_by": "week"}).json()
    shaoxing = admin.get(
        f"{REPORTS}/progress", params={**WEEK1, "group_by": "week", "region": "绍兴"}
    ).json()
    assert everywhere["total"]["needs"] == shaoxing["total"]["needs"] + 1
    assert [r["key"] for r in everywhere["rows"]] == ["2026-11-23"]


def test_the_key_problem_list_gives_each_cause(api: Api, story: Story) -> None:
    answer = api.as_(api.seeded.coordinator).get(f"{REPORTS}/problems", params=WEEK1)
    assert answer.status_code == 200
    found = answer.json()
    assert found["by_kind"]["declined"] == 1 and found["by_kind"]["expired"] == 1
    assert found["by_kind"]["standards_failed"] == 1 and found["by_kind"]["credit_repair"] == 1
    causes = {(c["kind"], c["cause"]) for c in found["by_cause"]}
    assert ("declined", "bank_service") in causes
    assert ("standards_failed", "fixed_premises") in causes
    assert not found["truncated"]
    assert all(i["county"] != "西湖区" for i in found["items"])  # 杭州's 庚 is not theirs


def test_park_coverage_against_the_star_targets(api: Api, story: Story, tmp_path: Path) -> None:
    import_yc_roster(story.seeded, tmp_path)
    found = api.as_(api.seeded.coordinator).get(f"{REPORTS}/coverage").json()
    parks = {p["code"]: p for p in found["parks"]}
    yc = parks["yc-gxq"]
    assert (yc["stars"], yc["target"]) == (4, 0.7)
    assert (yc["firms"], yc["firms_with_credit"], yc["below_target"]) == (6, 2, True)
    assert yc["ratio"] == pytest.approx(2 / 6)
    assert yc["has_roster"] and yc["registered"] == 2
    assert yc["classes"] == {
        "credit": 2, "need_served": 1, "need_waiting": 1, "no_need": 1, "unreached": 1,
    }  # fmt: skip
    xc = parks["xc-gxq"]  # no roster: no ratio, and not judged
    assert (xc["firms"], xc["ratio"], xc["below_target"], xc["has_roster"]) == (
        0,
        None,
        False,
        False,
    )
    assert all(p["city"] == "绍兴市" for p in found["parks"])


def test_the_ledgers_download_as_workbooks_that_open_again(api: Api, story: Story) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    ledger = coordinator.get(
        f"{REPORTS}/ledger.xlsx", params={"park": "yc-gxq", "quarter": "2026Q4"}
    )
    assert ledger.status_code == 200, ledger.text
    assert ledger.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "ledger-yc-gxq-2026Q4.xlsx" in ledger.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(ledger.content))
    sheet = book.worksheets[0]
    assert "分类建档基础台账" in str(sheet["A1"].value) or "附表1" in str(sheet["A1"].value)
    assert sheet.freeze_panes is not None
    summary = coordinator.get(f"{REPORTS}/needs-summary.xlsx", params={"quarter": "2026Q4"})
    assert summary.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(summary.content)).worksheets
    weekly = coordinator.get(f"{REPORTS}/weekly.xlsx", params=WEEK1)
    assert weekly.status_code == 200
    names = openpyxl.load_workbook(io.BytesIO(weekly.content)).sheetnames
    assert len(names) >= 5
    one_park = coordinator.get(f"{REPORTS}/weekly.xlsx", params={**WEEK1, "park": "xc-gxq"})
    assert one_park.status_code == 200
    titles = {
        str(sheet["A1"].value)
        for sheet in openpyxl.load_workbook(io.BytesIO(one_park.content)).worksheets
    }
    assert titles == {"绍兴市银企融资对接工作进度周报（新昌高新技术产业园小微企业园）"}


def test_the_city_summary_downloads_for_the_coordinators_region(api: Api, story: Story) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    answer = coordinator.get(f"{REPORTS}/city-summary.xlsx", params={"quarter": "2026Q4"})
    assert answer.status_code == 200, answer.text
    assert "city-summary-all-2026Q4.xlsx" in answer.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert ws["A1"].value == "绍兴市小微企业园融资需求及融资成本情况汇总表"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][3] == sum(r[3] for r in rows[:-1]) == 3
    admin = api.as_(api.seeded.admin)
    one = admin.get(f"{REPORTS}/city-summary.xlsx", params={"quarter": "2026Q4", "region": "新昌"})
    assert one.status_code == 200
    parks = list(openpyxl.load_workbook(io.BytesIO(one.content)).worksheets[0].iter_rows(min_row=4))
    assert [r[0].value for r in parks] == ["新昌高新技术产业园小微企业园", "合计"]
    for params, status, field in (
        ({"quarter": "2026Q5"}, 422, "quarter"),
        ({}, 422, "quarter"),
        ({"quarter": "2026Q4", "region": "火星"}, 422, "region"),
    ):
        refused = admin.get(f"{REPORTS}/city-summary.xlsx", params=params)
        assert refused.status_code == status, (params, refused.text)
        assert refused.json()["error"]["field"] == field
    bank = api.as_(api.seeded.bank_admins["sxbank"])
    assert bank.get(f"{REPORTS}/city-summary.xlsx", params={"quarter": "2026Q4"}).status_code == 403


def test_the_partner_banks_download_for_the_coordinators_region(api: Api, story: Story) -> None:
    answer = api.as_(api.seeded.coordinator).get(
        f"{REPORTS}/partner-banks.xlsx", params={"quarter": "2026Q4"}
    )
    assert answer.status_code == 200, answer.text
    assert "partner-banks-all-2026Q4.xlsx" in answer.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert ws["A1"].value == "绍兴市小微企业园伙伴银行情况表"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[-1][1] == "合计" and rows[-1][11] == sum(r[11] for r in rows[:-1])
    bad = api.as_(api.seeded.admin).get(f"{REPORTS}/partner-banks.xlsx", params={"quarter": "Q4"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "quarter"


def test_report_requests_are_checked(api: Api, story: Story) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    for path, params, status, field in (
        ("progress", {"group_by": "moon"}, 422, "group_by"),
        ("progress", {"from": "2026-11-30", "to": "2026-11-23"}, 422, "to"),
        ("progress", {"from": "yesterday"}, 422, "from"),
        ("progress", {"from": "2000-01-01", "to": "2026-01-01"}, 422, "to"),
        ("ledger.xlsx", {"park": "yc-gxq", "quarter": "Q5"}, 422, "quarter"),
        ("ledger.xlsx", {"quarter": "2026Q4"}, 422, "park"),
    ):
        answer = coordinator.get(f"{REPORTS}/{path}", params=params)
        assert answer.status_code == status, (path, params, answer.json())
        assert answer.json()["error"]["field"] == field, (path, params, answer.json())
    far = coordinator.get(f"{REPORTS}/ledger.xlsx", params={"park": "zh-zgl", "quarter": "2026Q4"})
    assert far.status_code == 404  # a park outside 绍兴 is not theirs, like one that is not there


def test_banks_get_no_reports(api: Api, story: Story) -> None:
    for path in ("progress", "problems", "coverage", "weekly.xlsx"):
        answer = api.as_(api.seeded.bank_admins["sxbank"]).get(f"{REPORTS}/{path}")
        assert answer.status_code == 403, path


def test_the_default_period_is_last_week(api: Api, story: Story) -> None:
    api.clock.now = AFTER_WEEK1  # Monday 11-30
    report = api.as_(api.seeded.coordinator).get(f"{REPORTS}/progress").json()
    assert (report["date_from"], report["date_to"]) == ("2026-11-23", "2026-11-29")


def test_the_banks_service_to_the_parks_downloads_for_the_region(api: Api, story: Story) -> None:
    answer = api.as_(api.seeded.coordinator).get(
        f"{REPORTS}/monitoring.xlsx", params={"quarter": "2026Q4"}
    )
    assert answer.status_code == 200, answer.text
    assert "monitoring-all-2026Q4.xlsx" in answer.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert ws["A1"].value == "绍兴市小微企业园金融服务情况监测表"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][7] == sum(r[7] for r in rows[:-1]) == 150
    admin = api.as_(api.seeded.admin)
    for params, field in (
        ({"quarter": "2026Q9"}, "quarter"),
        ({"quarter": "2026Q4", "park": "yc-gxq"}, "park"),  # every park of a region: no park
    ):
        refused = admin.get(f"{REPORTS}/monitoring.xlsx", params=params)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == field
    bank = api.as_(api.seeded.bank_admins["sxbank"])
    assert bank.get(f"{REPORTS}/monitoring.xlsx", params={"quarter": "2026Q4"}).status_code == 403


def test_a_channel_narrows_the_reports_and_groups_them(api: Api, story: Story) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    by_channel = coordinator.get(
        f"{REPORTS}/progress", params={**WEEK1, "group_by": "channel"}
    ).json()
    rows = {r["key"]: r for r in by_channel["rows"]}
    assert set(rows) <= {"bot", "web", "offline"} and rows["offline"]["online_needs"] == 0
    assert sum(r["needs"] for r in rows.values()) == by_channel["total"]["needs"]
    offline = coordinator.get(f"{REPORTS}/progress", params={**WEEK1, "channel": "offline"})
    assert offline.status_code == 200 and offline.json()["scope"]["channel"] == "offline"
    total = {k: v for k, v in offline.json()["total"].items() if k not in ("key", "label")}
    assert total == {k: v for k, v in rows["offline"].items() if k not in ("key", "label")}
    problems = coordinator.get(f"{REPORTS}/problems", params={**WEEK1, "channel": "web"})
    assert problems.status_code == 200 and problems.json()["items"] == []  # none came by web
    bad = coordinator.get(f"{REPORTS}/progress", params={**WEEK1, "channel": "fax"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "channel"

"""The dashboard's pages on the report tests' fortnight: figures read from the same reports as
the API and changed by the filters, limited by role as the API is, no contact data, escaped
firm names, the Excel downloads, the English switch, and nothing fetched from elsewhere."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest
from sqlmodel import Session, col, select

from db.models import Park, QrSource
from db.reports.progress import GroupBy, progress
from db.reports.scope import ReportScope
from matching.model import Standards
from tests.dashboard.conftest import Dashboard
from tests.db.builders import firm, register
from tests.db.report_story import WEEK1

WEEK = f"from={WEEK1[0]}&to={WEEK1[1]}"
CONTACT = ("13800138000", "王经理")  # every story firm's contact (tests/db/builders.register)


def headline(page: str, key: str) -> str:
    found = re.search(rf'data-key="{key}">\s*<div class="name">[^<]*</div>\s*'
                      r'<div class="value">([^<]*)</div>', page)  # fmt: skip
    assert found, f"no headline {key}"
    return html.unescape(found.group(1))


def needs_in(dash: Dashboard, scope: ReportScope) -> int:
    with Session(dash.seeded.engine) as session:
        report = progress(
            session, scope=scope, date_from=WEEK1[0], date_to=WEEK1[1],
            group_by=GroupBy.BANK, now=dash.clock.now,
        )  # fmt: skip
    return report.total.needs


def test_the_headline_figures_are_the_reports_and_a_filter_changes_them(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    region = needs_in(dash, ReportScope(region="绍兴市"))
    county = needs_in(dash, ReportScope(region="新昌县"))
    assert region != county
    assert headline(client.get(f"/dashboard?{WEEK}").text, "needs") == str(region)
    assert headline(client.get(f"/dashboard?{WEEK}&county=新昌县").text, "needs") == str(county)
    other_week = client.get("/dashboard?from=2026-11-30&to=2026-12-06").text
    assert headline(other_week, "needs") != str(region)


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


def test_a_park_filter_narrows_every_part_of_the_page(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    with Session(dash.seeded.engine) as session:
        report = progress(
            session, scope=ReportScope(region="绍兴市"), date_from=WEEK1[0], date_to=WEEK1[1],
            group_by=GroupBy.PARK, now=dash.clock.now,
        )  # fmt: skip
    row = next(r for r in report.rows if r.key == "yc-gxq")
    whole = client.get(f"/dashboard?{WEEK}").text
    page = client.get(f"/dashboard?{WEEK}&park=yc-gxq").text
    assert headline(page, "offered") == str(row.offered)
    assert headline(page, "needs") == str(row.needs) != headline(whole, "needs")
    # 丙's banks (新昌高新区) are in the region's bank chart, not in the park's
    assert "/dashboard/bank/xcrcb" in section(whole, "banks")
    assert "/dashboard/bank/xcrcb" not in section(page, "banks")
    assert "/dashboard/bank/sxbank" in section(page, "banks")  # 甲's
    xinchang = "新昌高新技术产业园小微企业园"
    assert xinchang in section(whole, "coverage")
    assert xinchang not in section(page, "coverage") and "越城高新区" in section(page, "coverage")
    bing = "新昌丙轴承"  # expired at xcrcb: a key problem of 新昌高新区's
    assert bing in section(whole, "problems") and bing not in section(page, "problems")


def test_a_qr_code_filter_narrows_the_figures_and_says_coverage_is_whole_parks(
    dash: Dashboard,
) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    with Session(dash.seeded.engine) as session:
        event = session.exec(select(QrSource).where(col(QrSource.kind) == "event")).one()
        report = progress(
            session, scope=ReportScope(region="绍兴市", source_id=event.id), date_from=WEEK1[0],
            date_to=WEEK1[1], group_by=GroupBy.BANK, now=dash.clock.now,
        )  # fmt: skip
    page = client.get(f"/dashboard?{WEEK}&source={event.token}").text
    assert report.total.needs == 1  # 己, from the Wednesday event
    assert headline(page, "needs") == "1" and headline(page, "offered") == str(report.total.offered)
    assert "不随贷款码筛选变化" in section(page, "coverage")
    assert "不随贷款码筛选变化" not in client.get(f"/dashboard?{WEEK}").text


@pytest.mark.parametrize("who", ["coordinator", "bank_admin"])
def test_no_page_shows_a_firms_contact(dash: Dashboard, who: str) -> None:
    actor = dash.seeded.coordinator if who == "coordinator" else dash.seeded.bank_admins["sxbank"]
    client = dash.sign_in(actor)
    need = dash.story.needs["甲"]
    pages = [
        f"/dashboard?{WEEK}",
        "/dashboard?from=2026-11-23&to=2026-12-06",
        f"/dashboard/bank/sxbank?{WEEK}",
        f"/dashboard/park/yc-gxq?{WEEK}",
        f"/dashboard/need/{need}",
    ]
    assert "绍兴甲材料有限公司" in client.get(pages[-1]).text  # the firm is shown, not its contact
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        for contact in CONTACT:
            assert contact not in answer.text, path


def test_a_coordinator_sees_only_their_region(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    assert client.get(f"/dashboard/need/{dash.story.needs['庚']}").status_code == 404  # 杭州
    assert client.get(f"/dashboard/need/{dash.story.needs['丙']}").status_code == 200
    assert client.get(f"/dashboard?{WEEK}&county=西湖区").status_code == 403
    assert client.get(f"/dashboard?{WEEK}&city=杭州市").status_code == 403
    with Session(dash.seeded.engine) as session:
        elsewhere = session.exec(select(Park.code).where(col(Park.city) != "绍兴市")).first()
    assert elsewhere is not None
    assert client.get(f"/dashboard/park/{elsewhere}").status_code == 404
    assert client.get(f"/dashboard?park={elsewhere}").status_code == 404
    page = client.get(f"/dashboard?{WEEK}").text
    assert f'value="{elsewhere}"' not in page  # not offered in the filter form either


def test_a_bank_admin_sees_only_their_bank(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.bank_admins["sxbank"])
    page = client.get("/dashboard?from=2026-11-23&to=2026-12-06").text
    assert 'value="sxbank"' in page and 'value="abc"' not in page
    assert client.get("/dashboard?bank=abc").status_code == 404
    assert client.get("/dashboard/bank/abc").status_code == 404
    assert client.get("/dashboard/bank/sxbank").status_code == 200
    assert client.get(f"/dashboard/need/{dash.story.needs['乙']}").status_code == 404
    mine = client.get(f"/dashboard/need/{dash.story.needs['甲']}").text
    assert "hxrcb" not in mine  # another bank's lead on the same need is left out
    overdue = client.get("/dashboard").text.split('id="overdue"')[1].split("</section>")[0]
    assert "农业银行" not in overdue


def test_a_firm_name_holding_markup_is_shown_as_text(dash: Dashboard) -> None:
    name = '<script>alert("x")</script><b id="bad">坏</b>有限公司'
    reg = register(
        dash.seeded, firm=firm(name=name), standards=Standards(fixed_premises=False), chat_id=99
    )
    client = dash.sign_in(dash.seeded.coordinator)
    for path in (f"/dashboard?{WEEK}", f"/dashboard/need/{reg.need_id}"):
        page = client.get(path).text
        assert "<script>" not in page and '<b id="bad">' not in page, path
        assert html.escape(name) in page or "&lt;script&gt;" in page, path


def test_the_workbooks_download_for_the_filters_shown(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    page = client.get(f"/dashboard?{WEEK}&park=yc-gxq").text
    links = dict(re.findall(r'id="(download-[a-z]+)" href="([^"]+)"', page))
    assert set(links) == {
        "download-weekly", "download-summary", "download-city", "download-partners",
        "download-ledger", "download-monitoring",
    }  # fmt: skip
    for link in links.values():
        answer = client.get(html.unescape(link))
        assert answer.status_code == 200, link
        assert "attachment" in answer.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        assert book.sheetnames
    weekly = client.get(html.unescape(links["download-weekly"]))
    assert f"weekly-{WEEK1[0]}-{WEEK1[1]}.xlsx" in weekly.headers["content-disposition"]
    title = openpyxl.load_workbook(io.BytesIO(weekly.content)).worksheets[0]["A1"].value
    assert title == "绍兴市银企融资对接工作进度周报（越城高新区小微企业园）"  # the park chosen
    assert client.get("/dashboard/weekly.xlsx?county=西湖区").status_code == 403
    city_summary = client.get(html.unescape(links["download-city"]))
    city = openpyxl.load_workbook(io.BytesIO(city_summary.content))
    parks = [r[0] for r in city.worksheets[0].iter_rows(min_row=4, values_only=True)]
    assert parks == ["越城高新区小微企业园", "合计"]  # the park chosen, in the viewer's city


def test_english_on_request_chinese_by_default(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    zh, en = client.get("/dashboard").text, client.get("/dashboard?lang=en").text
    assert '<html lang="zh-CN">' in zh and "银企对接工作看板" in zh
    assert '<html lang="en">' in en and "Bank–enterprise matchmaking dashboard" in en
    assert "银企对接工作看板" not in en


def test_nothing_is_loaded_from_another_site(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    page = client.get(f"/dashboard?{WEEK}")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith(("/dashboard", "?")) for a in assets), assets
    assert "<script" not in page.text
    css = client.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "url(" not in css.text and "@import" not in css.text


def test_a_week_is_any_day_of_it_and_a_bank_filter_narrows_the_figures(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    week = client.get("/dashboard?week=2026-11-25").text
    assert 'id="period">2026-11-23 – 2026-11-29<' in week
    assert headline(week, "offered") == headline(client.get(f"/dashboard?{WEEK}").text, "offered")
    with Session(dash.seeded.engine) as session:
        report = progress(
            session, scope=ReportScope(region="绍兴市", bank_id=dash.story.bank_ids["abc"]),
            date_from=WEEK1[0], date_to=WEEK1[1], group_by=GroupBy.BANK, now=dash.clock.now,
        )  # fmt: skip
    abc = client.get(f"/dashboard?{WEEK}&bank=abc").text
    assert headline(abc, "offered") == str(report.total.offered)
    assert headline(abc, "offered") != headline(week, "offered")


def test_a_qr_codes_drill_down_shows_its_funnel(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    page = client.get(f"/dashboard?from={WEEK1[0]}&to=2026-12-06").text
    link = re.search(r'href="(/dashboard/source/[^"?]+)[^"]*">越城高新区贷款码<', page)
    assert link, "no link to the park's code"
    drill = client.get(html.unescape(link.group(1)) + f"?{WEEK}")
    assert drill.status_code == 200
    assert "越城高新区贷款码" in drill.text and 'id="funnels"' in drill.text
    assert client.get("/dashboard/source/no-such-code").status_code == 404


def test_a_channel_filter_narrows_the_figures_and_the_page_splits_by_channel(
    dash: Dashboard,
) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    offline = needs_in(dash, ReportScope(region="绍兴市", channel="offline"))
    bot = needs_in(dash, ReportScope(region="绍兴市", channel="bot"))
    assert offline >= 1 and bot >= 1
    whole = client.get(f"/dashboard?{WEEK}").text
    rows = section(whole, "channels")
    assert "线下登记" in rows and "网页登记（微信扫码）" in rows
    cells = re.findall(r'id="channel-(\w+)"><td><a[^>]*>[^<]*</a></td><td>([^<]*)</td>', rows)
    assert dict(cells) == {"bot": str(bot), "web": "0", "offline": str(offline)}
    page = client.get(f"/dashboard?{WEEK}&channel=offline").text
    assert headline(page, "needs") == str(offline) != headline(whole, "needs")
    assert '<option value="offline" selected>' in page
    refused = client.get(f"/dashboard?{WEEK}&channel=fax")
    assert refused.status_code == 422

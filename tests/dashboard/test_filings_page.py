"""The dashboard's quarterly filing: what is due by whom and when, what is late, and a table
marked filed (已报送) from the page, with who and when."""

from __future__ import annotations

import re
from datetime import datetime

from matching.workdays import CHINA_TZ
from tests.dashboard.conftest import Dashboard

OCT_13 = datetime(2026, 10, 13, 10, tzinfo=CHINA_TZ)  # Q3's tables being filed


def _row(page: str, filer: str, annex: int) -> str:
    """The table row of one filer's 附表N (its text without tags)."""
    for row in re.findall(r'<tr class="filing [a-z_]+">(.*?)</tr>', page, re.S):
        text = re.sub(r"<[^>]+>", " ", row)
        if f"附表{annex}" in text and filer in text:
            return " ".join(text.split())
    raise AssertionError(f"no row of {filer} 附表{annex}")


def test_the_overview_says_what_is_due_and_the_page_lists_it(dash: Dashboard) -> None:
    dash.clock.now = OCT_13
    client = dash.sign_in(dash.seeded.coordinator)
    overview = client.get("/dashboard").text
    assert 'id="filing"' in overview and "2026Q3" in overview
    assert 'href="/dashboard/filings"' in overview
    page = client.get("/dashboard/filings").text
    row = _row(page, "越城高新区小微企业园", 1)
    assert "园区" in row and "2026-10-15" in row and "即将到期" in row
    assert "银保监分局 · 绍兴市" in _row(page, "绍兴市", 3)
    assert "待报送" in _row(page, "绍兴市", 3)  # due the 20th: not yet reminded
    assert page.count("标记已报送") >= 20


def test_marking_a_table_filed_records_who_and_when(dash: Dashboard) -> None:
    dash.clock.now = OCT_13
    client = dash.sign_in(dash.seeded.coordinator)
    mark = {"quarter": "2026Q3", "annex": "1", "filer": "park", "code": "yc-gxq"}
    answer = client.post("/dashboard/filings", data=mark)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard/filings?quarter=2026Q3"
    row = _row(client.get(answer.headers["location"]).text, "越城高新区小微企业园", 1)
    assert "已报送" in row and "专班联络员 2026-10-13 10:00" in row
    dash.clock.now = datetime(2026, 10, 16, 9, tzinfo=CHINA_TZ)
    client = dash.sign_in(dash.seeded.coordinator)  # the session of the 13th has ended
    late = _row(client.get("/dashboard/filings?quarter=2026Q3").text, "越城高新区小微企业园", 2)
    assert "逾期未报" in late


def test_a_mark_from_elsewhere_or_a_bad_one_is_refused(dash: Dashboard) -> None:
    dash.clock.now = OCT_13
    client = dash.sign_in(dash.seeded.coordinator)
    mark = {"quarter": "2026Q3", "annex": "1", "filer": "park", "code": "yc-gxq"}
    crossed = client.post("/dashboard/filings", data=mark, headers={"sec-fetch-site": "cross-site"})
    assert crossed.status_code == 403
    for bad, status in (({"annex": "x"}, 422), ({"annex": "3"}, 422), ({"code": "zh-zgl"}, 404)):
        assert client.post("/dashboard/filings", data=mark | bad).status_code == status, bad
    assert "即将到期" in _row(client.get("/dashboard/filings").text, "越城高新区小微企业园", 1)
    bank = dash.sign_in(dash.seeded.bank_admins["sxbank"])
    assert bank.get("/dashboard/filings").status_code == 403
    assert 'id="filing"' not in bank.get("/dashboard").text

"""One period rule (`db.reports.scope.Period`): the API and the dashboard take a year, leap
years included, and refuse a day more with the same error."""

from __future__ import annotations

from datetime import date

import pytest

from db.core.errors import InvalidInput
from db.reports.scope import MAX_REPORT_DAYS, Period
from tests.dashboard.conftest import Dashboard

LEAP_YEAR = {"from": "2028-01-01", "to": "2028-12-31"}  # 366 days
A_DAY_MORE = {"from": "2027-12-31", "to": "2028-12-31"}  # 367


def test_a_year_is_the_longest_period() -> None:
    assert MAX_REPORT_DAYS == 366
    assert Period.of(date(2028, 1, 1), date(2028, 12, 31)).date_to == date(2028, 12, 31)
    with pytest.raises(InvalidInput) as refused:
        Period.of(date(2027, 12, 31), date(2028, 12, 31))
    assert refused.value.code == "report_too_long"


@pytest.mark.parametrize(("params", "taken"), [(LEAP_YEAR, True), (A_DAY_MORE, False)])
def test_the_api_and_the_dashboard_take_the_same_periods(
    dash: Dashboard, params: dict[str, str], taken: bool
) -> None:
    coordinator = dash.seeded.coordinator
    page = dash.sign_in(coordinator).get("/dashboard", params=params)
    api = dash.client().get(
        "/api/v1/reports/progress",
        params=params,
        headers={"Authorization": f"Bearer {dash.seeded.token(coordinator)}"},
    )
    if taken:
        assert (page.status_code, api.status_code) == (200, 200)
        return
    assert page.status_code == api.status_code == 422
    assert api.json()["error"]["code"] == "report_too_long"
    assert api.json()["error"]["field"] == "to"
    assert "366" in page.text

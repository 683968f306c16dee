"""Bad parameters are refused, never a server error (issue 17 §4): a NUL character, a day in year 1
or 9999, a quarter like 0000Q1, a cursor or an id no row can have. The API answers 4xx in the
errors' shape, its message in the caller's language and its field named; the dashboard answers
its error page. Anything unforeseen is a 500 in the same shape with a request id that is logged."""

from __future__ import annotations

import base64
import html
import logging
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from api.dashboard import views as dashboard_views
from api.routes import reports as report_routes
from matching.i18n import t
from tests.api.conftest import Api

REPORTS = "/api/v1/reports"
NUL = "a\x00b"
YEARS = {"first": 2000, "last": 2100}


def _refused(answer: httpx.Response, status: int, code: str, field: str | None) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    error: dict[str, str] = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    return error


def _page(answer: httpx.Response, status: int) -> str:
    """The message of the dashboard's error page."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    found = re.search(r'id="error-message">([^<]*)<', answer.text)
    assert found is not None, answer.text
    return html.unescape(found.group(1))


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.fixture
def dashboard(api: Api) -> TestClient:
    """A browser signed in to the dashboard as the admin (https, for the `Secure` cookie)."""
    client = TestClient(api.app, base_url="https://testserver", follow_redirects=False)
    token = api.seeded.token(api.seeded.admin)
    answer = client.post("/dashboard/sign-in", data={"token": token, "next": "/dashboard"})
    assert answer.status_code == 303, answer.text
    return client


# --- a NUL character (PostgreSQL refuses text holding one) ---


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/progress?park=a%00b", "park"),
        ("/progress?source=a%00b", "source"),
        ("/problems?park=a%00b", "park"),
        ("/problems?source=a%00b", "source"),
        ("/weekly.xlsx?park=a%00b", "park"),
        ("/weekly.xlsx?source=a%00b", "source"),
        ("/ledger.xlsx?park=a%00b&quarter=2026Q4", "park"),
        ("/needs-summary.xlsx?quarter=2026Q4&park=a%00b", "park"),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_nul_in_a_report_parameter_is_refused(api: Api, path: str, field: str, lang: str) -> None:
    admin = api.as_(api.seeded.admin, **{"Accept-Language": lang})
    error = _refused(admin.get(REPORTS + path), 422, "nul_character", field)
    assert error["message"] == t("error.nul_character", lang)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard?park=a%00b",
        "/dashboard?source=a%00b",
        "/dashboard?bank=a%00b",
        "/dashboard/park/a%00b",
        "/dashboard/bank/a%00b",
        "/dashboard/source/a%00b",
        "/dashboard/weekly.xlsx?bank=a%00b",
        "/dashboard/ledger.xlsx?park=a%00b",
    ],
)
def test_a_nul_in_a_dashboard_filter_is_refused_on_its_error_page(
    dashboard: TestClient, path: str
) -> None:
    assert _page(dashboard.get(path), 422) == t("error.nul_character", "zh")
    assert _page(dashboard.get(path + ("&" if "?" in path else "?") + "lang=en"), 422) == t(
        "error.nul_character", "en"
    )


# --- days in year 1 or 9999, quarters 0000Q1 and 9999Q4 (date arithmetic would overflow) ---


@pytest.mark.parametrize("report", ["/progress", "/problems", "/weekly.xlsx"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "0001-01-01"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "0001-01-01", "to": "0001-01-07"}, "from"),
        ({"from": "9999-12-31"}, "from"),
        ({"from": "9999-12-25", "to": "9999-12-31"}, "from"),
        ({"from": "2026-11-23", "to": "9999-12-31"}, "to"),
    ],
)
def test_a_day_in_year_1_or_9999_is_refused_naming_it(
    api: Api, report: str, query: dict[str, str], field: str
) -> None:
    answer = api.as_(api.seeded.admin).get(REPORTS + report, params=query)
    assert _refused(answer, 422, "invalid", field)["message"] == t("error.year_range", **YEARS)


@pytest.mark.parametrize("ledger", ["/ledger.xlsx?park=yc-gxq&", "/needs-summary.xlsx?"])
@pytest.mark.parametrize("quarter", ["0000Q1", "9999Q4", "1999Q4", "2101Q1"])
def test_a_quarter_outside_the_years_is_refused(api: Api, ledger: str, quarter: str) -> None:
    english = api.as_(api.seeded.admin, **{"Accept-Language": "en"})
    answer = english.get(f"{REPORTS}{ledger}quarter={quarter}")
    error = _refused(answer, 422, "year_range", "quarter")
    assert error["message"] == t("error.year_range", "en", **YEARS)


@pytest.mark.parametrize(
    "since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00", "1999-12-31T23:00:00Z"]
)
def test_a_time_in_year_1_or_9999_is_refused(api: Api, since: str) -> None:
    answer = api.as_(api.seeded.manager("tlbank")).get(
        "/api/v1/leads", params={"updated_since": since}
    )
    assert _refused(answer, 422, "invalid", "updated_since")["message"] == t(
        "error.year_range", **YEARS
    )


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=0001-01-07",
        "from=9999-12-25&to=9999-12-31",
        "to=0001-01-01",
        "from=9999-12-31",
        "week=0001-01-01",
        "week=9999-12-31",
    ],
)
@pytest.mark.parametrize(
    "page", ["", "/bank/tlbank", "/park/yc-gxq", "/weekly.xlsx", "/needs-summary.xlsx"]
)
def test_a_dashboard_day_in_year_1_or_9999_is_refused_on_its_error_page(
    dashboard: TestClient, page: str, query: str
) -> None:
    answer = dashboard.get(f"/dashboard{page}?{query}")
    assert _page(answer, 422) == t("error.year_range", **YEARS)


# --- cursors and ids no row can have ---


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/v1/leads", "l|2026-11-23T00:00:00+00:00|9223372036854775808"),
        ("/api/v1/leads", "l|2026-11-23T00:00:00+00:00|99999999999"),
        ("/api/v1/leads", "l|0001-01-01T00:00:00+00:00|1"),
        ("/api/v1/pool", "n|9223372036854775808"),
        ("/api/v1/pool", "n|99999999999"),
        ("/api/v1/pool", "n|²"),
    ],
)
def test_a_cursor_no_page_could_have_given_is_refused(api: Api, path: str, raw: str) -> None:
    answer = api.as_(api.seeded.manager("tlbank")).get(path, params={"cursor": _cursor(raw)})
    assert _refused(answer, 422, "bad_cursor", "cursor")["message"] == t("error.bad_cursor")


@pytest.mark.parametrize("need_id", ["9223372036854775808", "99999999999"])
def test_a_need_id_past_the_ids_is_not_found_on_the_dashboard(
    dashboard: TestClient, need_id: str
) -> None:
    answer = dashboard.get(f"/dashboard/need/{need_id}")
    assert _page(answer, 404) == t("error.need_not_found", need_id=need_id)


# --- validation in the caller's language ---


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_time_without_its_offset_is_refused_in_the_callers_language(
    api: Api, lang: str
) -> None:
    manager = api.as_(api.seeded.manager("tlbank"), **{"Accept-Language": lang})
    polled = manager.get("/api/v1/leads", params={"updated_since": "2026-11-23T10:00:00"})
    assert _refused(polled, 422, "invalid", "updated_since")["message"] == t(
        "error.naive_time", lang
    )
    followed = manager.post(
        "/api/v1/leads/1/events", json={"type": "contacted", "at": "2026-11-23T10:00:00"}
    )
    assert _refused(followed, 422, "invalid", "at")["message"] == t("error.naive_time", lang)


@pytest.mark.parametrize("body", [b"{bad", b"[", b"\xff\xfe", b'{"type": "contacted",'])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_body_that_is_not_json_names_the_body(api: Api, body: bytes, lang: str) -> None:
    answer = api.client.post(
        "/api/v1/leads/1/events",
        content=body,
        headers={
            **api.as_(api.seeded.manager("tlbank"))._headers(),
            "Content-Type": "application/json",
            "Accept-Language": lang,
        },
    )
    assert _refused(answer, 422, "invalid", "body")["message"] == t("api.bad_json", lang)


# --- anything unforeseen: a 500 in the errors' shape, with a request id in the log ---


def _broken(*_: object, **__: object) -> None:
    raise RuntimeError("a bug")


def test_an_unforeseen_error_is_json_with_a_logged_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(report_routes, "coverage", _broken)
    admin = api.as_(api.seeded.admin, **{"X-Request-ID": "req-42.a"})
    with caplog.at_level(logging.ERROR, logger="api.core.errors"):
        answer = admin.get(f"{REPORTS}/coverage")
    error = _refused(answer, 500, "internal", None)
    assert error["message"] == t("error.internal", request_id="req-42.a")
    assert answer.headers["X-Request-ID"] == "req-42.a"
    [logged] = [r for r in caplog.records if r.name == "api.core.errors"]
    assert "req-42.a" in logged.getMessage() and logged.exc_info is not None
    assert logged.exc_info[0] is RuntimeError  # the traceback goes with the id


@pytest.mark.parametrize("sent", [None, "", "x" * 65, "no spaces", "<b>"])
def test_a_request_without_a_sane_id_gets_one(
    api: Api, monkeypatch: pytest.MonkeyPatch, sent: str | None
) -> None:
    monkeypatch.setattr(report_routes, "coverage", _broken)
    headers = {"Accept-Language": "en"} | ({"X-Request-ID": sent} if sent is not None else {})
    answer = api.as_(api.seeded.admin, **headers).get(f"{REPORTS}/coverage")
    made = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert _refused(answer, 500, "internal", None)["message"] == t(
        "error.internal", "en", request_id=made
    )


def test_every_answer_carries_a_request_id(api: Api) -> None:
    assert api.client.get("/healthz").headers["X-Request-ID"]
    refused = api.as_(None, **{"X-Request-ID": "abc"}).get(f"{REPORTS}/coverage")
    assert (refused.status_code, refused.headers["X-Request-ID"]) == (401, "abc")


def test_an_unforeseen_error_on_the_dashboard_is_its_error_page(
    dashboard: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_views, "overview", _broken)
    answer = dashboard.get("/dashboard?lang=en", headers={"X-Request-ID": "page-7"})
    assert _page(answer, 500) == t("error.internal", "en", request_id="page-7")
    assert answer.headers["X-Request-ID"] == "page-7"

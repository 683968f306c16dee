"""The dashboard in a real browser (headless Chromium): sign in, change a filter and see the
figures change, open a drill-down, download a workbook, sign out; the session cookie's flags,
a coordinator never shown a phone number, a 375 px wide screen without sideways scrolling, and
nothing fetched from anywhere but the app. Screenshots of the overview go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine

from api.app import create_app
from bot.config import BotSettings
from tests.dashboard.browser import artifacts, chromium_path, launch, serve
from tests.dashboard.conftest import Clock
from tests.databases import SqliteTemplate
from tests.db.builders import Seeded, seed
from tests.db.report_story import Story, play

# chromium and the story are started once for the module: on one xdist worker, not on each
pytestmark = pytest.mark.xdist_group("browser")

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a mainland mobile number
WEEK1 = "from=2026-11-23&to=2026-11-29"


@pytest.fixture(scope="module")
def executable() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def story(
    executable: str, sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Story]:
    engine: Engine = sqlite_template.fresh(tmp_path_factory.mktemp("browser"))
    seeded: Seeded = seed(engine, managers_per_bank=1)
    yield play(seeded)
    engine.dispose()


@pytest.fixture(scope="module")
def base_url(story: Story) -> Iterator[str]:
    app = create_app(story.seeded.engine, BotSettings(telegram_bot_token=None), clock=Clock())
    yield from serve(app)


@pytest.fixture(scope="module")
def browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright, executable)
        yield chromium
        chromium.close()


def signed_in(browser: Any, base_url: str, token: str, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(base_url=base_url, accept_downloads=True, **options)
    page = context.new_page()
    page.goto(f"/dashboard?{WEEK1}")
    assert "/dashboard/sign-in" in page.url
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url(re.compile(r"/dashboard\?from="))
    return context, page


def headline(page: Any, key: str) -> str:
    text: str = page.inner_text(f'#headlines [data-key="{key}"] .value')
    return text


def test_sign_in_filter_drill_down_download_sign_out(
    browser: Any, base_url: str, story: Story, tmp_path: Any
) -> None:
    context, page = signed_in(browser, base_url, story.seeded.token(story.seeded.coordinator))
    cookie = next(c for c in context.cookies() if c["name"] == "yinqi_dashboard")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/dashboard"
    assert "yinqi_dashboard" not in page.evaluate("document.cookie")  # scripts cannot read it

    before = headline(page, "needs")
    page.select_option("#county", "新昌县")
    page.click("#apply")
    page.wait_for_url(re.compile("county=%E6%96%B0"))  # 新昌县
    assert headline(page, "needs") != before
    page.select_option("#county", "")
    page.click("#apply")
    page.wait_for_url(re.compile("county=(&|$)"))  # every county
    assert headline(page, "needs") == before

    page.click("#coverage svg a >> nth=0")
    page.wait_for_url(re.compile("/dashboard/park/"))
    assert page.inner_text("#drill-title")
    page.click("#back")
    page.wait_for_url(re.compile(r"/dashboard\?"))

    with page.expect_download() as download:
        page.click("#download-weekly")
    saved = tmp_path / "weekly.xlsx"
    download.value.save_as(saved)
    assert openpyxl.load_workbook(saved).sheetnames

    page.click("#sign-out")
    page.wait_for_url(re.compile("/dashboard/sign-in"))
    assert not [c for c in context.cookies() if c["name"] == "yinqi_dashboard"]
    page.goto("/dashboard")
    assert "/dashboard/sign-in" in page.url
    context.close()


def test_a_coordinator_never_sees_a_phone_number(browser: Any, base_url: str, story: Story) -> None:
    context, page = signed_in(browser, base_url, story.seeded.token(story.seeded.coordinator))
    paths = [f"/dashboard?{WEEK1}", "/dashboard", "/dashboard/park/yc-gxq", "/dashboard/bank/abc"]
    paths += [f"/dashboard/need/{need}" for firm, need in story.needs.items() if firm != "庚"]
    for path in paths:
        page.goto(path)
        text = page.content()
        assert "/dashboard/sign-in" not in page.url, path
        assert not PHONE.search(text), path
    context.close()


def test_the_overview_fits_a_375_px_screen_and_loads_only_the_apps_own_files(
    browser: Any, base_url: str, story: Story
) -> None:
    token = story.seeded.token(story.seeded.coordinator)
    context, page = signed_in(browser, base_url, token, viewport={"width": 375, "height": 800})
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"/dashboard?{WEEK1}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.clientWidth")
    assert width == 375
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for chart in page.query_selector_all("svg.chart"):
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert asked and all(url.startswith(base_url) for url in asked), asked
    assert any(url.endswith("/dashboard/static/dashboard.css") for url in asked)
    page.screenshot(path=str(artifacts() / "dashboard-overview-375px.png"), full_page=True)
    context.close()
    context, page = signed_in(browser, base_url, token, viewport={"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts() / "dashboard-overview.png"), full_page=True)
    context.close()

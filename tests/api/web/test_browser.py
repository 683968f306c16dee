"""The web chat in a real browser (Debian's headless Chromium through Playwright) as a phone
in WeChat: a 375 px screen, touch, WeChat's user agent. A registration by tapping and typing,
with our script and without it; a reload and a rescan part-way go on, another code asks; a
double submit makes one need, a stale post is answered, a post without the CSRF token refused;
the status page names the manager once the bank accepts, and withdrawing erases; never a
sideways scroll. Screenshots of the chat and of the status page go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from bot.config import BotSettings
from db.intake.qr_sources import create_source
from db.leads.assignments import accept
from db.models import Assignment, Bank, Enterprise, Need
from tests.api.web.phone import WECHAT_UA
from tests.api.web.test_chat import uscc
from tests.dashboard.browser import artifacts, chromium_path, launch, serve
from tests.databases import SqliteTemplate
from tests.db.builders import Seeded, seed

pytestmark = pytest.mark.xdist_group("browser")

PHONE = {
    "viewport": {"width": 375, "height": 740},
    "has_touch": True,
    "is_mobile": True,
    "user_agent": WECHAT_UA,
    "locale": "zh-CN",
}

NEXT_TURN = (
    "b => { const n = document.querySelector('#typed [name=n]'); return n && n.value !== b }"
)
"""The page shows a turn other than `b` (after a fetch swapped it in, or a new page loaded)."""


@pytest.fixture(scope="module")
def executable() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def seeded(
    executable: str, sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    made: Engine = sqlite_template.fresh(tmp_path_factory.mktemp("web-browser"))
    found = seed(made, managers_per_bank=1)
    with Session(made) as session:
        create_source(session, kind="park", target="xc-gxq", label="新昌高新园", token="xc-1")
        create_source(session, kind="event", target="周三对接会", label="对接会", token="ev-1")
    yield found
    made.dispose()


@pytest.fixture(scope="module")
def engine(seeded: Seeded) -> Engine:
    return seeded.engine


@pytest.fixture(scope="module")
def base_url(engine: Engine) -> Iterator[str]:
    yield from serve(create_app(engine, BotSettings(telegram_bot_token=None)))


@pytest.fixture(scope="module")
def browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright, executable)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a fresh browser context of its own: a phone in WeChat, our script on."""
    context = browser.new_context(base_url=base_url, **PHONE)
    yield context.new_page()
    context.close()


def answer(page: Any, *, tap: str | None = None, typed: str | None = None) -> None:
    """Tap a button of the question (or type and send), and wait for the next turn."""
    before = page.input_value("#typed input[name=n]")
    if tap is not None:
        page.locator("#choices button", has_text=tap).first.tap()
    else:
        page.fill("#text", typed or "")
        page.locator("#send").tap()
    page.wait_for_function(NEXT_TURN, arg=before)
    assert no_sideways_scroll(page)


def no_sideways_scroll(page: Any) -> bool:
    width: int = page.evaluate("document.scrollingElement.scrollWidth")
    return width <= 375


def base_url_of(page: Any) -> str:
    found = re.match(r"https?://[^/]+", page.url)
    assert found is not None
    return found.group(0)


def to_summary(page: Any, shots: str, firm: tuple[str, str]) -> None:
    """From the scan to the need's summary, a reload on the way."""
    page.goto("/q/xc-1")
    assert "同意并开始" in page.inner_text("#choices") and no_sideways_scroll(page)
    page.screenshot(path=str(artifacts() / f"{shots}-consent-375px.png"), full_page=True)
    answer(page, tap="同意并开始")
    answer(page, tap="企业")
    answer(page, typed=firm[0])
    page.reload()  # part-way: the same question again, nothing lost
    assert "统一社会信用代码" in page.inner_text("#messages")
    answer(page, typed=uscc(firm[1]))
    answer(page, tap="制造业")
    answer(page, tap="完成")
    answer(page, typed="300万")
    answer(page, tap="流动资金")
    answer(page, typed="一年")
    answer(page, tap="房产")
    answer(page, tap="完成")
    answer(page, tap="3年")  # months in business: a product for this firm asks it
    answer(page, tap="首次贷款")
    answer(page, tap="全部符合")
    answer(page, typed="张三 13812345678")
    assert "请核对您的融资需求" in page.inner_text("#messages")
    page.screenshot(path=str(artifacts() / f"{shots}-summary-375px.png"), full_page=True)


def register(page: Any, shots: str, firm: tuple[str, str]) -> None:
    to_summary(page, shots, firm)
    page.locator("#choices button", has_text="确认提交").first.tap()
    page.wait_for_url(re.compile(r"/s/[A-Za-z0-9_-]+\?new=1$"))  # the chat became the need's page
    assert "已提交" in page.inner_text("#submitted")
    assert page.inner_text("#private-link").startswith(base_url_of(page))


def test_a_firm_registers_by_tapping_in_wechat(phone: Any, base_url: str, engine: Engine) -> None:
    page = phone
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None)
    register(page, "web-chat", ("新昌县鑫达精密机械有限公司", "91330624MA2D1234A"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "yinqi_web")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "yinqi_web" not in page.evaluate("document.cookie")
    assert "银行不收取任何中介费用" in page.inner_text("main") and no_sideways_scroll(page)
    page.screenshot(path=str(artifacts() / "web-status-375px.png"), full_page=True)
    assert outside == []
    with Session(engine) as session:
        assert "web" in set(session.exec(select(Need.channel)).all())


def test_the_status_page_names_the_manager_once_the_bank_accepts_and_withdrawing_erases(
    phone: Any, seeded: Seeded
) -> None:
    page = phone
    firm = ("新昌县瑞丰纺织有限公司", "91330624MA2D2468C")
    register(page, "web-status", firm)
    with Session(seeded.engine) as session:
        [need] = needs_of(session, firm)
        lead, bank = session.exec(
            select(Assignment, Bank)
            .join(Bank, Bank.id == Assignment.bank_id)
            .where(Assignment.need_id == need.id)
        ).first()
    manager = seeded.manager(bank.code)
    with Session(seeded.engine) as session:
        accept(session, lead_id=lead.id, actor=manager)
    page.reload()
    shown = page.inner_text("main")
    assert "银行已受理" in shown and f"客户经理：{bank.name}客户经理1" in shown
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts() / "web-status-accepted-375px.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#withdraw button").tap()
    assert "已撤回授权" in page.inner_text("main")
    with Session(seeded.engine) as session:
        erased = session.get(Need, need.id)
        assert erased is not None and erased.status == "withdrawn" and erased.contact_phone is None


def test_a_rescan_goes_on_and_another_code_asks_before_starting_over(phone: Any) -> None:
    page = phone
    page.goto("/q/xc-1")
    answer(page, tap="同意并开始")
    old = {
        "csrf": page.input_value("#typed input[name=csrf]"),
        "n": page.input_value("#typed input[name=n]"),
    }
    answer(page, tap="企业")
    page.goto("/q/xc-1")  # the same code scanned again later: where the firm was
    assert "名称" in last_message(page) and page.locator("#choices button").count() == 0
    page.goto("/q/ev-1")  # another code part-way
    assert "要用新的贷款码重新开始吗" in page.inner_text("#messages")
    answer(page, tap="继续当前登记")
    assert "名称" in last_message(page) and no_sideways_scroll(page)
    stale = page.request.post("/q", form={**old, "t": "个体工商户"})  # the last page, again
    assert stale.ok and "这个页面已经过期" in stale.text()


TWICE = """([csrf, n, b]) => {
  const body = new URLSearchParams({csrf: csrf, n: n, b: b}).toString();
  const post = () => fetch("/q", {method: "POST", body: body, credentials: "same-origin",
    headers: {"Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "fetch"}})
    .then(r => r.text().then(t => [r.status, r.headers.get("X-Go") || t]));
  return Promise.all([post(), post()]);
}"""
"""The summary's submit posted twice at once from the page, as a double tap on a slow network
does when nothing stops the second (Chromium itself sends one form submission per tap)."""


def test_a_double_submit_makes_one_need_and_a_post_without_the_csrf_token_is_refused(
    phone: Any, engine: Engine
) -> None:
    page = phone
    firm = ("新昌县永安五金有限公司", "91330624MA2D1357D")
    to_summary(page, "web-chat-twice", firm)
    csrf = page.input_value("#typed input[name=csrf]")
    turn = page.input_value("#typed input[name=n]")
    forged = page.request.post("/q", form={"n": turn, "t": "确认提交"}, max_redirects=0)
    assert forged.status == 403 and "页面已失效" in forged.text()
    submit = page.locator("#choices button", has_text="确认提交").first.get_attribute("value")
    answers = sorted(page.evaluate(TWICE, [csrf, turn, submit]))
    assert answers[0][0] == 200 and "这个页面已经过期" in answers[0][1]  # told stale
    assert answers[1][0] == 204 and answers[1][1].startswith("/s/")  # on to the need's page
    with Session(engine) as session:
        assert len(needs_of(session, firm)) == 1


def needs_of(session: Session, firm: tuple[str, str]) -> list[Need]:
    code = uscc(firm[1])
    found = select(Need).join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
    return list(session.exec(found.where(Enterprise.uscc == code)).all())


def last_message(page: Any) -> str:
    text: str = page.locator("#messages li").last.inner_text()
    return text


def test_without_javascript_every_answer_is_a_page_and_it_completes(
    browser: Any, base_url: str, engine: Engine
) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False, **PHONE)
    page = context.new_page()
    with Session(engine) as session:
        before = len(session.exec(select(Need.id)).all())
    register(page, "web-chat-no-js", ("新昌县恒远轴承有限公司", "91330624MA2D5678B"))
    with Session(engine) as session:
        assert len(session.exec(select(Need.id)).all()) == before + 1
    context.close()

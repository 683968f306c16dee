"""The web chat through the app, as a phone without JavaScript uses it: scan, tap, type,
submit; the same conversation and the same stored need as the bot's, recorded as `web`."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, col, func, select

from bench.web import server_timing
from bot.config import BotSettings
from db.intake.conversations import load_chat
from db.intake.web_sessions import WEB_CHATS, HeldSession
from db.models import Conversation, Need, Scan, WebSession
from tests.api.web.phone import Phone
from tests.db.builders import Seeded

USCC = "91330624MA2D1234AX"


def count(seeded: Seeded, model: type, *where: object) -> int:
    with Session(seeded.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def walk_to_summary(phone: Phone, token: str) -> None:
    """A 新昌 firm registering from a park's code by tapping and typing."""
    phone.scan(token)
    phone.tap("同意并开始")
    phone.tap("企业")
    phone.type("新昌县鑫达精密机械有限公司")
    phone.type(uscc())
    phone.tap("制造业")
    phone.tap("完成")
    phone.type("300万")
    phone.tap("流动资金")
    phone.type("一年")
    phone.tap("房产")
    phone.tap("完成")
    phone.tap("3年")  # months in business: a product for this firm asks it
    phone.tap("首次贷款")
    phone.tap("全部符合")
    phone.type("张三 13812345678")


def uscc(body: str = "91330624MA2D1234A") -> str:
    """A valid code: 9 市场监管, 1 an enterprise, 330624 新昌县, and its check character."""
    from matching.uscc import uscc_check_char

    return body + uscc_check_char(body)


def test_a_firm_registers_by_tapping_and_typing(
    phone: Phone, seeded: Seeded, park_token: str
) -> None:
    first = phone.scan(park_token)
    assert first.status_code == 200 and "贷款码" in phone.text
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert first.headers["content-security-policy"].startswith("default-src 'none'")
    walk_to_summary(phone, park_token)
    assert "请核对您的融资需求" in phone.text, phone.text
    phone.tap("确认提交")
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
        chat_id = session.exec(select(WebSession.chat_id)).one()
    assert need.channel == "web" and need.chat_id == chat_id and chat_id in WEB_CHATS
    assert need.county == "新昌县" and need.contact_phone == "13812345678"
    assert need.source_id is not None
    assert count(seeded, Scan, col(Scan.consented_at).is_not(None)) == 1
    # the page became the need's status page, its private link shown with a copy button
    assert phone.last is not None and phone.last.url.path.startswith("/s/")
    link = f"http://localhost{phone.last.url.path}"
    assert f"需求 {need.id}" in phone.page and "您的融资需求已提交" in phone.page
    assert f'id="private-link">{link}</p>' in phone.page and f'data-copy="{link}"' in phone.page
    status = phone.last.url.path
    phone.open("/q")  # the chat goes on showing what was said, and links to the page
    assert f"编号 {need.id}" in phone.text
    assert f'id="status-link" href="{status}"' in phone.page


def test_a_reload_a_rescan_and_a_return_later_go_on_where_the_firm_was(
    phone: Phone, client: TestClient, seeded: Seeded, park_token: str
) -> None:
    phone.scan(park_token)
    phone.tap("同意并开始")
    phone.tap("企业")
    assert "名称" in phone.messages[-1][1]
    for again in (lambda: phone.open("/q"), lambda: phone.scan(park_token)):
        again()
        assert "名称" in phone.messages[-1][1] and "同意并开始" not in phone.buttons
    phone.type("新昌县鑫达精密机械有限公司")
    assert "统一社会信用代码" in phone.messages[-1][1]
    assert count(seeded, WebSession) == 1 and count(seeded, Scan) == 1
    client.cookies.clear()  # another phone: a chat of its own, from the start
    phone.scan(park_token)
    assert "同意并开始" in phone.buttons and count(seeded, WebSession) == 2


def test_scanning_another_code_part_way_asks_and_never_mixes_the_two(
    phone: Phone, seeded: Seeded, park_token: str, event_token: str
) -> None:
    phone.scan(park_token)
    phone.tap("同意并开始")
    phone.tap("企业")
    phone.scan(event_token)
    assert "要用新的贷款码重新开始吗" in phone.text
    phone.tap("继续当前登记")
    assert "名称" in phone.messages[-1][1]
    phone.scan(event_token)  # the same other code again: not asked twice
    assert "要用新的贷款码重新开始吗" not in phone.messages[-1][1]


def test_a_double_submit_makes_one_need_and_the_second_post_is_told_stale(
    phone: Phone, seeded: Seeded, park_token: str
) -> None:
    walk_to_summary(phone, park_token)
    form = phone.form()
    submit = next(v for k, v in phone.buttons.items() if "确认提交" in k)
    first = phone.post({**form, "b": submit})
    second = phone.post({**form, "b": submit})
    assert first.status_code == second.status_code == 303
    assert count(seeded, Need) == 1
    assert phone.messages[-1] == (
        "note",
        "这个页面已经过期（这个回答已经收到了），请回答下面最新的问题。",
    )


def test_an_old_question_s_button_is_answered_as_stale(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    phone.tap("同意并开始")
    old = phone.buttons["企业"]
    phone.tap("企业")
    phone.post({**phone.form(), "b": old})  # a button of the question already answered
    assert ("note", "这个按钮已经过期了") in phone.messages
    assert "名称" in phone.messages[-1][1]


def test_typed_markup_is_shown_as_text(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    phone.tap("同意并开始")
    phone.tap("企业")
    phone.type('<script>alert("x")</script><b>鑫达</b>')
    assert "<script>alert" not in phone.page and "<b>鑫达" not in phone.page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in phone.page


def test_a_nul_character_typed_is_dropped_not_a_500(
    phone: Phone, seeded: Seeded, park_token: str
) -> None:
    phone.scan(park_token)
    phone.tap("同意并开始")
    phone.tap("企业")
    assert phone.type("新昌县鑫\x00达精密机械有限公司").status_code == 303
    assert "统一社会信用代码" in phone.messages[-1][1]


def test_an_answer_whose_page_could_not_be_saved_is_not_kept_and_can_be_given_again(
    phone: Phone, seeded: Seeded, park_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the conversation's state and the page's messages are stored together or not at all: a
    # state kept without its page would take the page's next post as an answer to a question
    # the page never showed
    phone.scan(park_token)
    phone.tap("同意并开始")
    with Session(seeded.engine) as session:
        chat_id = session.exec(select(WebSession.chat_id)).one()
    before = load_chat(seeded.engine, chat_id)
    assert before is not None
    plain_save = HeldSession.save

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(HeldSession, "save", failing)
    assert phone.tap("企业").status_code == 500  # the server's error page
    assert load_chat(seeded.engine, chat_id) == before
    monkeypatch.setattr(HeldSession, "save", plain_save)
    phone.tap("企业")  # the same page's button, now answered
    assert "请输入企业或个体工商户的名称" in phone.text


def test_declining_keeps_nothing_and_the_same_code_can_start_again(
    phone: Phone, seeded: Seeded, park_token: str
) -> None:
    phone.scan(park_token)
    phone.tap("不同意")
    assert "没有保存您的任何信息" in phone.text and count(seeded, Conversation) == 0
    phone.scan(park_token)
    assert "同意并开始" in phone.buttons


def test_an_english_browser_is_answered_in_english_and_can_switch(
    phone: Phone, client: TestClient, park_token: str
) -> None:
    client.headers["Accept-Language"] = "en-US,en;q=0.9"
    phone.scan(park_token)
    assert "Agree and start" in phone.buttons and '<html lang="en">' in phone.page
    phone.command("lang")
    assert "同意并开始" in phone.buttons and '<html lang="zh-CN">' in phone.page


def test_the_script_gets_the_conversation_without_a_reload(
    phone: Phone, client: TestClient, park_token: str
) -> None:
    phone.scan(park_token)
    answered = client.post(
        "/q",
        data={**phone.form(), "b": phone.buttons["同意并开始"]},
        headers={"X-Requested-With": "fetch"},
    )
    assert answered.status_code == 200 and "<html" not in answered.text
    assert "您是以什么身份申请" in answered.text and 'id="choices"' in answered.text


def test_an_answer_says_where_its_time_went(
    phone: Phone, client: TestClient, park_token: str
) -> None:
    """`Server-Timing`: the whole (`app`), the wait for a worker thread (`queue`) and the turn,
    as bench/web.py reads them; the parts fit in the whole."""
    phone.scan(park_token)
    answered = client.post(
        "/q",
        data={**phone.form(), "b": phone.buttons["同意并开始"]},
        headers={"X-Requested-With": "fetch"},
    )
    timing = server_timing(answered.headers.get_list("server-timing"))
    assert set(timing) == {"app", "queue", "turn"}
    assert timing["queue"] >= 0 and timing["turn"] > 0
    assert timing["queue"] + timing["turn"] <= timing["app"] + 0.2  # each rounded to 0.1 ms


def test_the_first_load_is_small_and_loads_nothing_from_elsewhere(
    phone: Phone, client: TestClient, park_token: str
) -> None:
    page = phone.scan(park_token)
    assets = [client.get(path) for path in ("/web/static/chat.css", "/web/static/chat.js")]
    assert all(a.status_code == 200 for a in assets)
    total = len(page.content) + sum(len(a.content) for a in assets)
    assert total <= 50_000, total
    assert "http" not in page.text.replace("http://localhost", "")
    assert client.get("/web/static/other.js").status_code == 404


def test_with_a_bot_running_the_page_offers_telegram_too(
    app: FastAPI, phone: Phone, park_token: str
) -> None:
    phone.scan(park_token)
    assert "在 Telegram 中继续" not in phone.page
    app.state.bot_settings = BotSettings(
        telegram_bot_token=SecretStr("1:x"), telegram_bot_username="TestLoanBot"
    )
    phone.open("/q")
    assert f'href="https://t.me/TestLoanBot?start={park_token}"' in phone.page

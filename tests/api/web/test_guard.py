"""A public page's defences: CSRF, honeypot, body cap, rate limits, expiry of sessions that
never consented, strict headers."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.core.throttle import Throttle
from api.web.guard import Limits
from db.intake.web_sessions import UNCONSENTED_IDLE, expire_unconsented
from db.models import Conversation, WebSession, utcnow
from tests.api.web.phone import Phone
from tests.db.builders import Seeded


def rows(seeded: Seeded, model: type) -> int:
    with Session(seeded.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_post_without_the_csrf_token_is_refused(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    consent = phone.buttons["同意并开始"]
    refused = phone.post({"n": phone.form()["n"], "b": consent})
    assert refused.status_code == 403 and "页面已失效" in refused.text
    forged = phone.post(
        {**phone.form(), "csrf": "0" * 32, "b": consent}, **{"X-Requested-With": "fetch"}
    )
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "forbidden"
    phone.open("/q")
    assert "同意并开始" in phone.buttons  # nothing was answered


def test_a_post_without_a_session_is_refused(client: TestClient) -> None:
    assert client.post("/q", data={"csrf": "x", "t": "hi"}).status_code == 403


def test_a_filled_honeypot_is_ignored(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    phone.post({**phone.form(), "website": "http://spam", "b": phone.buttons["同意并开始"]})
    assert "同意并开始" in phone.buttons


def test_a_large_body_is_refused_unread(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    refused = phone.post({**phone.form(), "t": "长" * 5000})
    assert refused.status_code == 413


def test_typed_text_over_the_bots_cap_is_answered_too_long(phone: Phone, park_token: str) -> None:
    phone.scan(park_token)
    phone.tap("同意并开始")
    phone.tap("企业")
    assert phone.type("鑫" * 250).status_code == 303  # more than read, less than the cap
    assert "内容太长了" in phone.messages[-1][1]


def test_too_many_requests_wait_with_retry_after(
    app: FastAPI, phone: Phone, client: TestClient, park_token: str
) -> None:
    app.state.web_limits = Limits(per_session=Throttle(most=3, window=60.0))
    phone.scan(park_token)
    answers = [phone.type("随便") for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [303, 303]
    assert answers[2].status_code == 429 and int(answers[2].headers["retry-after"]) > 0
    app.state.web_limits = Limits(new_sessions=Throttle(most=2, window=600.0))
    for _ in range(2):
        client.cookies.clear()
        assert client.get(f"/q/{park_token}").status_code == 200
    client.cookies.clear()
    flooded = client.get(f"/q/{park_token}")
    assert flooded.status_code == 429 and "retry-after" in flooded.headers


def test_sessions_that_never_consented_expire_with_their_conversations(
    seeded: Seeded, phone: Phone, client: TestClient, park_token: str
) -> None:
    phone.scan(park_token)  # never consents
    client.cookies.clear()
    phone.scan(park_token)
    phone.tap("同意并开始")
    assert rows(seeded, WebSession) == 2 and rows(seeded, Conversation) == 2
    later = utcnow() + UNCONSENTED_IDLE + timedelta(minutes=1)
    assert expire_unconsented(seeded.engine, now=later) == 1
    assert rows(seeded, WebSession) == 1 and rows(seeded, Conversation) == 1
    phone.open("/q")
    assert "名称" in phone.text or "您是以什么身份申请" in phone.text  # the consented one lives


def test_the_headers_forbid_inline_script_and_framing(phone: Phone, park_token: str) -> None:
    page = phone.scan(park_token)
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and "style=" not in page.text


def test_a_malformed_token_is_a_page_not_a_500(client: TestClient) -> None:
    assert client.get("/q/a%20b").status_code == 404
    assert client.get("/q/" + "a" * 150).status_code in (404, 422)


def test_the_cookie_is_secure_off_this_machine(app: FastAPI, park_token: str) -> None:
    with TestClient(app, base_url="https://yinqi.example.cn") as remote:
        cookie = remote.get(f"/q/{park_token}").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie

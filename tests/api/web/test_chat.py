"""The web chat through the app, as a phone without JavaScript uses it: scan, tap, type,
submit; the same conversation and the same stored need as the bot's, recorded as `web`."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from db.intake.web_sessions import WEB_CHATS
from db.models import Need, Scan, WebSession
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
    phone.tap("首次贷款")
    phone.tap("全部符合")
    phone.type("张三 13812345678")


def uscc() -> str:
    from matching.uscc import uscc_check_char

    body = "91330624MA2D1234A"
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
    assert f"编号 {need.id}" in phone.text
    assert count(seeded, Scan, col(Scan.consented_at).is_not(None)) == 1
    assert 'id="status-link"' in phone.page

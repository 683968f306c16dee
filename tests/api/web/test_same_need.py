"""One script, two adapters: the terminal's and the web's conversation are the same engine, so
the same answers store the same need (only the channel, the chat and the firm's own name and
code differ)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.chat import ChatService
from bot.db_world import DbWorld
from bot.terminal import TerminalChat
from db.models import Assignment, Candidate, Need
from tests.api.web.phone import Phone
from tests.api.web.test_chat import uscc
from tests.db.builders import Seeded

SCRIPT = (
    ("tap", "同意并开始"), ("tap", "企业"), ("type", "{name}"), ("type", "{uscc}"),
    ("tap", "制造业"), ("tap", "完成"), ("type", "300万"), ("tap", "流动资金"),
    ("type", "一年"), ("tap", "房产"), ("tap", "完成"), ("tap", "3年"), ("tap", "首次贷款"),
    ("tap", "全部符合"), ("type", "张三 13812345678"), ("tap", "确认提交"),
)  # fmt: skip
KEPT = (
    "status", "source_id", "city", "county", "park_id", "industry", "amount_yuan", "purpose",
    "term_months", "collateral", "tier", "route", "standards", "first_loan",
)  # fmt: skip


def through_terminal(seeded: Seeded, token: str, firm: dict[str, str]) -> None:
    said: list[str] = []
    terminal = TerminalChat(ChatService(seeded.engine, DbWorld(seeded.engine)), said.append)
    terminal.send(f"/start {token}")
    for kind, value in SCRIPT:
        if kind == "type":
            terminal.send(value.format(**firm))
            continue
        labels = [b.label for b in terminal.buttons]
        exact = [i for i, label in enumerate(labels, 1) if label == value]
        [number] = exact or [i for i, label in enumerate(labels, 1) if value in label]
        terminal.send(str(number))


def through_the_web(phone: Phone, token: str, firm: dict[str, str]) -> None:
    phone.scan(token)
    for kind, value in SCRIPT:
        phone.tap(value) if kind == "tap" else phone.type(value.format(**firm))


def stored(seeded: Seeded) -> list[tuple[dict[str, Any], list[int]]]:
    with Session(seeded.engine) as session:
        needs = session.exec(select(Need).order_by(Need.id)).all()
        return [
            (
                {key: getattr(need, key) for key in KEPT},
                sorted(session.exec(select(Candidate.bank_id).where(Candidate.need_id == need.id))),
            )
            for need in needs
        ]


def test_the_terminal_and_the_web_store_the_same_need(
    seeded: Seeded, phone: Phone, park_token: str
) -> None:
    through_terminal(seeded, park_token, {"name": "新昌县鑫达精密机械有限公司", "uscc": uscc()})
    web = {"name": "新昌县恒远轴承有限公司", "uscc": uscc("91330624MA2D5678B")}
    through_the_web(phone, park_token, web)
    terminal_need, web_need = stored(seeded)
    assert terminal_need == web_need and terminal_need[1]  # the same banks eligible
    with Session(seeded.engine) as session:  # each offered (which first: the load is spread)
        assert len(set(session.exec(select(Assignment.need_id)).all())) == 2
    with Session(seeded.engine) as session:
        channels = session.exec(select(Need.channel).order_by(Need.id)).all()
    assert channels == ["bot", "web"]

"""The conversation engine on an in-memory world: whole registrations, no database."""

from __future__ import annotations

import pytest

from bot.draft import need_draft
from matching.model import Purpose, Route, Standards
from matching.registration import Contact, NeedDraft
from matching.request import parse_request
from tests.bot.driver import Driver
from tests.bot.fakeworld import PARK_CODE, FakeWorld, MemoryChats
from tests.bot.test_engine import ENTERPRISE_USCC, walk_to_summary

KEEP_EVERY_ANSWER = (
    "沿用|沿用|使用|沿用：绍兴市 新昌县|沿用：制造业|完成|沿用：300万元|沿用：流动资金|"
    "沿用：12个月|完成|沿用：3年|首次贷款|全部符合"
)
"""The buttons that register the need of `walk_to_summary` again with `/new`."""


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def chats(world: FakeWorld) -> MemoryChats:
    return MemoryChats(world)


@pytest.fixture
def firm_user(chats: MemoryChats) -> Driver:
    return Driver(None, service=chats)


def test_a_park_code_registration_hands_the_world_one_typed_draft(
    world: FakeWorld, firm_user: Driver
) -> None:
    walk_to_summary(firm_user, PARK_CODE.token)
    firm_user.press("确认提交")
    [(chat_id, draft)] = world.registered
    assert chat_id == firm_user.chat_id and isinstance(draft, NeedDraft)
    assert draft.source == PARK_CODE  # found at /start, carried: no token to look up again
    assert (draft.firm.uscc, draft.firm.county, draft.firm.park) == (
        ENTERPRISE_USCC, "新昌县", PARK_CODE.target,
    )  # fmt: skip
    assert (draft.need.amount_yuan, draft.need.purpose) == (3_000_000, Purpose.WORKING_CAPITAL)
    assert draft.standards == Standards()
    assert draft.contact == Contact("张三", "13812345678", phone_confirmed=True)  # its own
    [(_, _, made)] = world.needs.values()
    assert made.route is Route.ASSIGN and made.offers
    assert f"编号 {made.need_id}" in firm_user.text and made.offers[0].bank in firm_user.text


def test_a_retired_code_attributes_nothing(world: FakeWorld, firm_user: Driver) -> None:
    world.retired.add(PARK_CODE.token)
    firm_user.send(f"/start {PARK_CODE.token}")
    assert "来自" not in firm_user.text
    walk_to_summary(firm_user)  # `/start` again, no code: the same conversation
    firm_user.press("确认提交")
    [(_, draft)] = world.registered
    assert draft.source is None and draft.firm.park == ""


def test_a_refusal_is_shown_and_the_answers_are_kept(world: FakeWorld, firm_user: Driver) -> None:
    world.refusal = "名称不对"
    walk_to_summary(firm_user)
    firm_user.press("确认提交")
    assert "名称不对" in firm_user.text and not world.registered
    world.refusal = None
    firm_user.press("确认提交")
    assert len(world.registered) == 1 and "已为您推送给以下" in firm_user.text


def test_the_same_firm_again_is_shown_its_need_then_status_and_delete(
    world: FakeWorld, firm_user: Driver
) -> None:
    walk_to_summary(firm_user)
    firm_user.press("确认提交")
    firm_user.send("/new")
    for keep in KEEP_EVERY_ANSWER.split("|"):
        firm_user.press(keep)
    firm_user.send("张三 13812345678")
    firm_user.press("确认提交")
    assert "已有一笔正在对接的融资需求" in firm_user.text and len(world.registered) == 1
    firm_user.press("更新这笔需求")  # the same answers: nothing to update, nothing registered
    [(_, first)] = world.registered
    [need_id] = world.needs
    assert world.amended == [(need_id, first)] and len(world.registered) == 1
    assert f"需求 {need_id} 的内容和这次填写的一样" in firm_user.text
    firm_user.send("/status")
    assert "待受理" in firm_user.text and "300万元" in firm_user.text
    firm_user.send("/delete")
    firm_user.press("确认删除")
    assert not world.needs


def test_the_bot_and_the_api_build_the_same_draft_from_the_same_answers(
    chats: MemoryChats, firm_user: Driver
) -> None:
    walk_to_summary(firm_user)
    state = chats.states[firm_user.chat_id]
    answers = state.draft
    from_bot = need_draft(answers, state.lang)
    request = parse_request(
        {
            "firm": {"entity_type": "enterprise", "name": "新昌县鑫达精密机械有限公司",
                     "uscc": ENTERPRISE_USCC, "city": "绍兴", "county": "新昌",
                     "industry": answers["industry"], "months_operating": 36},
            "need": {"amount": "300万", "purpose": "working_capital", "term_months": 12,
                     "collateral": ["property"]},
            "standards": dict.fromkeys(
                ("compliant_operation", "fixed_premises", "real_need", "good_credit",
                 "lawful_purpose"), True),
        }
    )  # fmt: skip
    shared = Contact("张三", "13812345678", phone_confirmed=True)  # Telegram's own contact
    api = NeedDraft(request.firm, request.need, request.standards, shared)
    assert from_bot == api

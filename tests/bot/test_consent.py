"""Consent is a yes or a no that is never guessed: typed as people type it, read negation first,
and asked again when unsure. Declining forgets everything, so it never follows from a fuzzy score
("好的，同意" was read as 不同意, and "I agree" as "Do not agree")."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from db.models import Conversation
from tests.bot.driver import Driver
from tests.db.builders import Seeded

ASKED = "您是以什么身份申请"
DECLINED = "没有保存您的任何信息"
UNCLEAR = "同意并开始"  # the question is asked again with its buttons


def _conversations(seeded: Seeded) -> int:
    with Session(seeded.engine) as session:
        return session.exec(select(func.count()).select_from(Conversation)).one()


@pytest.mark.parametrize(
    "typed", ["好的，同意", "同意", "好的", "同意并开始", "I agree", "ok", "yes", "好的 同意！"]
)
def test_a_typed_agreement_is_consent(user: Driver, typed: str) -> None:
    user.send("/start")
    user.send(typed)
    assert ASKED in user.text, user.text


@pytest.mark.parametrize(
    "typed", ["不同意", "我不同意", "不", "no", "Do not agree", "I don't agree"]
)
def test_a_typed_refusal_declines_and_keeps_nothing(
    seeded: Seeded, user: Driver, typed: str
) -> None:
    user.send("/start")
    user.send(typed)
    assert DECLINED in user.text, user.text
    assert _conversations(seeded) == 0


@pytest.mark.parametrize(
    "typed", ["不开始", "好的，不同意", "嗯", "再说吧", "agree?? not sure", "同一"]
)
def test_an_unsure_answer_is_asked_again_and_nothing_is_decided(
    seeded: Seeded, user: Driver, typed: str
) -> None:
    user.send("/start")
    user.send(typed)
    assert DECLINED not in user.text and ASKED not in user.text, user.text
    assert UNCLEAR in user.labels
    user.send("同意")
    assert ASKED in user.text

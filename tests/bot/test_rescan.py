"""A second loan QR code scanned part-way through a registration: the firm is asked whether to
start over with it or to carry on; the need's source and park always come from one code."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from db.intake.qr_sources import Funnel, create_source, funnel
from db.models import Conversation, Need, Park, QrSource
from tests.bot.conftest import PARK
from tests.bot.driver import Driver
from tests.bot.test_engine import ENTERPRISE_USCC, start, uscc
from tests.db.builders import Seeded

OTHER_PARK = "kq-fz"  # 柯桥纺织小微企业园 (sample catalog), in 绍兴市 柯桥区
BRANCH = "tlbank-qz"  # a branch in 衢州市
NAME = "新昌县鑫达精密机械有限公司"
RESTART, CARRY_ON = "用新码重新开始", "继续当前登记"
UNCLEAR = "请点“用新码重新开始”或“继续当前登记”"


def code(seeded: Seeded, kind: str, target: str, label: str) -> str:
    with Session(seeded.engine) as session:
        return create_source(session, kind=kind, target=target, label=label).token


@pytest.fixture
def other_park_token(seeded: Seeded) -> str:
    return code(seeded, "park", OTHER_PARK, "柯桥纺织园 贷款码")


@pytest.fixture
def branch_token(seeded: Seeded) -> str:
    return code(seeded, "branch", BRANCH, "衢州网点 贷款码")


def begin(user: Driver, token: str) -> None:
    """Consent, entity, name and USCC under a park's code: the industry is asked next."""
    start(user, token)
    user.press("企业")
    user.send(NAME)
    user.send(ENTERPRISE_USCC)
    assert "您从事哪个行业" in user.text


def keep_firm(user: Driver) -> None:
    """After starting over: the firm's own answers taken again with "keep"."""
    user.press("沿用：企业")
    user.press(f"沿用：{NAME}")
    user.press(f"使用 {ENTERPRISE_USCC}")


def finish(user: Driver) -> None:
    """From the industry question to the need submitted."""
    user.press("制造业")
    user.press("完成")
    user.send("300万")
    user.press("流动资金")
    user.send("一年")
    user.press("房产")
    user.press("完成")
    user.send("3年")  # months in business: 兴保贷 and the credit loans want a year
    user.press("首次贷款")
    user.press("全部符合")
    user.contact("+86 138 1234 5678", "张三")
    user.press("确认提交")
    assert "已为您推送给以下" in user.text, user.text


def needs(seeded: Seeded) -> list[tuple[str | None, str | None, str, str]]:
    """Each stored need, oldest first: its source's token, its park's code, city and county."""
    with Session(seeded.engine) as session:
        found = []
        for need in session.exec(select(Need).order_by(col(Need.id))).all():
            source = session.get(QrSource, need.source_id) if need.source_id else None
            park = session.get(Park, need.park_id) if need.park_id else None
            token, park_code = source.token if source else None, park.code if park else None
            found.append((token, park_code, need.city, need.county))
        return found


def funnel_of(seeded: Seeded, token: str) -> Funnel:
    with Session(seeded.engine) as session:
        source = session.exec(select(QrSource).where(QrSource.token == token)).one()
        return funnel(session, [source.id or 0])[source.id or 0]


def source_id(seeded: Seeded, token: str) -> int | None:
    with Session(seeded.engine) as session:
        return session.exec(select(QrSource.id).where(QrSource.token == token)).one()


def conversation(seeded: Seeded) -> Conversation:
    with Session(seeded.engine) as session:
        return session.exec(select(Conversation)).one()


def test_a_second_code_part_way_through_is_asked_about_first(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str
) -> None:
    begin(user, park_token)
    user.send(f"/start {other_park_token}")
    assert "柯桥纺织园 贷款码" in user.text and "新昌高新园 贷款码" in user.text
    assert user.labels == [RESTART, CARRY_ON]
    row = conversation(seeded)
    assert row.step == "rescan" and row.draft["park"] == PARK
    assert row.source_id == source_id(seeded, park_token)
    assert funnel_of(seeded, other_park_token).scanned == 0  # not taken up (yet)


def test_starting_over_takes_source_and_park_from_the_new_code(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str
) -> None:
    begin(user, park_token)
    user.send(f"/start {other_park_token}")
    user.press(RESTART)
    assert "柯桥纺织园 贷款码" in user.text and "您是以什么身份申请" in user.text
    keep_firm(user)
    finish(user)
    assert needs(seeded) == [(other_park_token, OTHER_PARK, "绍兴市", "柯桥区")]
    assert funnel_of(seeded, other_park_token) == Funnel(1, 1, 1, 1, 0, 0)
    assert funnel_of(seeded, park_token) == Funnel(scanned=1, consented=1)


def test_carrying_on_keeps_the_first_code_whole(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str
) -> None:
    begin(user, park_token)
    user.send(f"/start {other_park_token}")
    user.press(CARRY_ON)
    assert "您从事哪个行业" in user.text
    finish(user)
    assert needs(seeded) == [(park_token, PARK, "绍兴市", "新昌县")]
    assert funnel_of(seeded, other_park_token) == Funnel()
    assert funnel_of(seeded, park_token) == Funnel(1, 1, 1, 1, 0, 0)


def test_a_branch_code_after_a_park_code_leaves_no_park_behind(
    seeded: Seeded, user: Driver, park_token: str, branch_token: str
) -> None:
    begin(user, park_token)
    user.send(f"/start {branch_token}")
    user.press(RESTART)
    keep_firm(user)
    assert "您在衢州市的哪个区县" in user.text  # the branch's city; no county of the old park
    user.press("柯城区")
    finish(user)
    assert needs(seeded) == [(branch_token, None, "衢州市", "柯城区")]


@pytest.mark.parametrize(
    ("typed", "restarted"),
    [
        ("好的", True),
        ("是", True),
        ("重新开始", True),
        ("yes", True),
        ("继续", False),
        ("不", False),
        ("不要重新开始", False),
        ("不用新码重新开始", False),  # a fuzzy match on the labels would read "start over"
        ("no", False),
    ],
)
def test_a_typed_answer_is_read_negation_first(
    seeded: Seeded,
    user: Driver,
    park_token: str,
    other_park_token: str,
    typed: str,
    restarted: bool,
) -> None:
    begin(user, park_token)
    user.send(f"/start {other_park_token}")
    user.send(typed)
    if restarted:
        keep_firm(user)
    finish(user)
    if restarted:
        assert needs(seeded) == [(other_park_token, OTHER_PARK, "绍兴市", "柯桥区")]
    else:
        assert needs(seeded) == [(park_token, PARK, "绍兴市", "新昌县")]


@pytest.mark.parametrize("typed", ["不继续", "嗯", "好像是吧", "没问题", "not sure", "制造业"])
def test_an_unclear_answer_is_asked_again_and_changes_nothing(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str, typed: str
) -> None:
    begin(user, park_token)
    user.send(f"/start {other_park_token}")
    user.send(typed)
    assert UNCLEAR in user.text and user.labels == [RESTART, CARRY_ON]
    row = conversation(seeded)
    assert row.step == "rescan" and row.source_id == source_id(seeded, park_token)
    user.press(CARRY_ON)
    finish(user)
    assert needs(seeded) == [(park_token, PARK, "绍兴市", "新昌县")]


def test_the_same_code_again_is_a_resume(seeded: Seeded, user: Driver, park_token: str) -> None:
    begin(user, park_token)
    user.send(f"/start {park_token}")
    assert "欢迎回来" in user.text and "您从事哪个行业" in user.text
    finish(user)
    assert needs(seeded) == [(park_token, PARK, "绍兴市", "新昌县")]
    assert funnel_of(seeded, park_token) == Funnel(1, 1, 1, 1, 0, 0)  # one scan, not two


def test_the_first_code_scanned_again_while_asked_carries_on(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str
) -> None:
    begin(user, park_token)
    user.send(f"/start {other_park_token}")
    user.send(f"/start {park_token}")
    assert "您从事哪个行业" in user.text
    finish(user)
    assert needs(seeded) == [(park_token, PARK, "绍兴市", "新昌县")]
    assert funnel_of(seeded, park_token).scanned == 1
    assert funnel_of(seeded, other_park_token) == Funnel()


def test_the_question_comes_in_english_too(
    user: Driver, park_token: str, other_park_token: str
) -> None:
    begin(user, park_token)
    user.send("/lang en")
    user.send(f"/start {other_park_token}")
    assert user.labels == ["Start over with the new code", "Continue the current one"]
    assert "柯桥纺织园 贷款码" in user.text


def test_a_new_code_on_the_consent_screen_simply_replaces_the_first(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str
) -> None:
    user.send(f"/start {park_token}")
    start(user, other_park_token)  # nothing answered yet: no question, the new code's consent
    user.press("企业")
    user.send(NAME)
    user.send(ENTERPRISE_USCC)
    finish(user)
    assert needs(seeded) == [(other_park_token, OTHER_PARK, "绍兴市", "柯桥区")]
    assert funnel_of(seeded, park_token) == Funnel(scanned=1)
    assert funnel_of(seeded, other_park_token) == Funnel(1, 1, 1, 1, 0, 0)


def test_after_submitting_a_new_code_starts_afresh_from_it(
    seeded: Seeded, user: Driver, park_token: str, other_park_token: str
) -> None:
    begin(user, park_token)
    finish(user)
    user.send(f"/start {other_park_token}")
    assert CARRY_ON not in user.labels and "您是以什么身份申请" in user.text
    user.press("沿用：企业")
    user.send("柯桥区恒瑞纺织有限公司")
    user.send(uscc("91330603MA2D5678C"))
    finish(user)
    assert needs(seeded)[1] == (other_park_token, OTHER_PARK, "绍兴市", "柯桥区")
    assert funnel_of(seeded, other_park_token) == Funnel(1, 1, 1, 1, 0, 0)  # consent given before


def test_a_code_scanned_into_an_unattributed_registration_is_asked_about_too(
    seeded: Seeded, user: Driver, other_park_token: str
) -> None:
    start(user)
    user.press("企业")
    user.send(NAME)
    user.send(f"/start {other_park_token}")
    assert "柯桥纺织园 贷款码" in user.text and user.labels == [RESTART, CARRY_ON]
    user.press(RESTART)
    user.press("沿用：企业")
    user.press(f"沿用：{NAME}")
    user.send(ENTERPRISE_USCC)
    finish(user)
    assert needs(seeded) == [(other_park_token, OTHER_PARK, "绍兴市", "柯桥区")]

"""One yes/no reader for every question that decides something: read from listed words only,
negation first, and unsure asked again. Nothing destructive follows from anything else: random
typing at consent, delete and submit never declines, erases or submits unless the text is made
of the reader's own words for that."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db_world import DbWorld
from bot.engine import DELETE_YES, STEPS
from bot.phone_code import SENT_TO
from bot.reading import AGREE, NO, REFUSE, YES, fold, listed, yes_or_no
from bot.rescan import CARRY_ON, RESTART, reading
from bot.state import RESTING, Step
from bot.steps_firm import CONSENT_NO, CONSENT_YES
from bot.summary import SUBMIT_YES
from matching.i18n import Lang, t
from tests.bot.typed import FULL, say, state_at
from tests.databases import Seeds, SqliteTemplate


@pytest.fixture(scope="module")
def world(
    sqlite_template: SqliteTemplate, seeds: Seeds, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbWorld]:
    """The sample catalog on SQLite, shared by the examples of this module."""
    engine = sqlite_template.fresh(Path(tmp_path_factory.mktemp("reading")))
    seeds.into(engine, managers_per_bank=1)
    yield DbWorld(engine)
    engine.dispose()


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("好的，同意", YES),
        ("I agree", YES),
        ("同意并开始", YES),
        ("ＯＫ！", YES),
        ("没问题", YES),
        ("不同意", NO),
        ("Do not agree", NO),
        ("no, thanks", NO),
        ("I don’t agree", NO),
        ("不开始", None),
        ("好的，不同意", None),
        ("嗯", None),
        ("agree?? not sure", None),
        ("同一", None),
        ("", None),
        ("不 同意 好", None),
    ],
)
def test_consent_is_read_from_its_words_negation_first(typed: str, read: str | None) -> None:
    assert yes_or_no(typed, CONSENT_YES, CONSENT_NO) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("重新开始", RESTART),
        ("好的", RESTART),
        ("继续", CARRY_ON),
        ("不要重新开始", CARRY_ON),
        ("不继续", None),
        ("别", CARRY_ON),
        ("换吧", None),
    ],
)
def test_the_rescan_question_uses_the_same_reader(typed: str, read: str | None) -> None:
    assert reading(typed) == read


def test_no_word_means_both_yes_and_no() -> None:
    assert not AGREE & REFUSE
    assert not CONSENT_YES & CONSENT_NO


def test_folding_drops_width_case_marks_and_spaces() -> None:
    assert fold(" 完成 ➡️ ") == "完成" and fold("ＤＯＮＥ！") == "done" and fold("don’t") == "don't"


_FRAGMENTS = st.sampled_from([
    "好", "好的", "不", "没", "别", "同意", "不同意", "删除", "删", "不删除", "提交", "确认",
    "取消", "是", "否", "yes", "no", "not", "don't", "agree", "delete", "submit", "ok", "吧",
    "了", "？", "，", "!", " ", "嗯", "可以", "行", "算了", "再说", "确认删除", "不要",
])  # fmt: skip
TYPING = st.one_of(
    st.text(max_size=24),
    st.lists(_FRAGMENTS, min_size=1, max_size=5).map("".join),
    st.lists(_FRAGMENTS, min_size=1, max_size=4).map(" ".join),
)
"""Random text, and random runs of the words that sway a yes or a no."""
PROPERTY = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(typed=TYPING)
def test_random_typing_at_consent_declines_only_a_listed_refusal(
    world: DbWorld, typed: str
) -> None:
    said = say(world, state_at(Step.CONSENT, _consent=False), typed)
    if said.outcome.forget:
        assert listed(typed, CONSENT_NO), typed
    if said.step is Step.ENTITY:
        assert listed(typed, CONSENT_YES), typed


@PROPERTY
@given(typed=TYPING)
def test_random_typing_at_delete_erases_only_a_listed_yes(world: DbWorld, typed: str) -> None:
    said = say(world, state_at(Step.DELETE), typed)
    if said.outcome.forget:
        assert listed(typed, DELETE_YES), typed


@PROPERTY
@given(typed=TYPING)
def test_random_typing_at_the_summary_submits_only_a_listed_yes(world: DbWorld, typed: str) -> None:
    said = say(world, state_at(Step.SUMMARY), typed)
    if "submitted" in said.outcome.marks:
        assert listed(typed, SUBMIT_YES), typed


ASKED = sorted(s for s in STEPS if s not in RESTING)
_NEAR_MISSES = "一二三五十百万亿到来多左右约0123456789-~、，,. 柯桥绍兴abk"
"""Characters amounts, places and lists are made of: text that nearly parses."""


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(step=st.sampled_from(ASKED), typed=TYPING | st.text(alphabet=_NEAR_MISSES, max_size=16))
def test_random_typing_at_any_question_is_answered_never_raised(
    world: DbWorld, step: Step, typed: str
) -> None:
    said = say(world, state_at(step), typed)
    assert said.outcome.replies, (step, typed)


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("step", ASKED)
def test_asking_for_help_at_any_question_says_how_to_answer_it(
    world: DbWorld, step: Step, lang: Lang
) -> None:
    sent = {SENT_TO: FULL["phone"]} if step is Step.PHONE_CODE else {}  # texted on arrival
    said = say(world, state_at(step, lang, **sent), "帮助" if lang is Lang.ZH else "help")
    shown = "\n".join(r.text for r in said.outcome.replies)
    assert t(f"bot.help.{step.value}", lang) in shown
    assert t("bot.help.more", lang) in shown

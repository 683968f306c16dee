"""Places as firm owners type them: city and county run together, short forms, pinyin; anything
not wholly a Zhejiang place, or ambiguous, is no place (the bot asks again)."""

from __future__ import annotations

import pytest

from matching.places import Place, place_named


@pytest.mark.parametrize(
    ("typed", "place"),
    [
        ("绍兴柯桥", Place("绍兴市", "柯桥区")),
        ("柯桥", Place("绍兴市", "柯桥区")),
        ("柯桥区", Place("绍兴市", "柯桥区")),
        ("浙江省绍兴市柯桥区", Place("绍兴市", "柯桥区")),
        ("绍兴 新昌", Place("绍兴市", "新昌县")),
        ("绍兴县", Place("绍兴市", "柯桥区")),  # the old name of 柯桥区
        ("Keqiao", Place("绍兴市", "柯桥区")),
        ("Shaoxing Keqiao District", Place("绍兴市", "柯桥区")),
        ("shaoxingkeqiao", Place("绍兴市", "柯桥区")),
        ("Yueqing", Place("温州市", "乐清市")),  # 乐 read yue here, as in the place's name
        ("Changxing County", Place("湖州市", "长兴县")),
        ("Shaoxing", Place("绍兴市")),
        ("浙江绍兴", Place("绍兴市")),
        ("ＳＨＡＯＸＩＮＧ", Place("绍兴市")),
    ],
)
def test_a_place_as_typed(typed: str, place: Place) -> None:
    assert place_named(typed) == place


@pytest.mark.parametrize(
    "typed",
    ["杭州柯桥", "上海", "江苏苏州", "鼓楼", "柯桥镇", "Zhejiang", "Keqiao Hangzhou", "", "x" * 50],
)
def test_what_is_not_wholly_one_zhejiang_place_is_none(typed: str) -> None:
    assert place_named(typed) is None


def test_a_known_city_settles_a_county_and_refuses_another_citys() -> None:
    assert place_named("柯桥", "绍兴市") == Place("绍兴市", "柯桥区")
    assert place_named("新昌", "杭州市") is None

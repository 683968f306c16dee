"""Zhejiang's regions: names typed by firm owners resolve to official cities and counties."""

from __future__ import annotations

import pytest

from matching.regions import (
    PROVINCES,
    REGION_PREFIXES,
    ZHEJIANG_CITIES,
    canonical_city,
    canonical_county,
    city_of_county,
    regions_agree,
    regions_named,
    short_form,
)


def test_zhejiang_has_eleven_cities_and_ninety_counties() -> None:
    assert len(ZHEJIANG_CITIES) == 11
    counties = [county for counties in ZHEJIANG_CITIES.values() for county in counties]
    assert len(counties) == len(set(counties)) == 90


def test_shaoxing_and_quzhou_have_their_official_counties() -> None:
    shaoxing = {"越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"}
    quzhou = {"柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县"}
    assert set(ZHEJIANG_CITIES["绍兴市"]) == shaoxing
    assert set(ZHEJIANG_CITIES["衢州市"]) == quzhou
    assert "镇海区" in ZHEJIANG_CITIES["宁波市"]


def test_china_has_thirty_four_provincial_level_divisions() -> None:
    assert len(PROVINCES) == len(set(PROVINCES)) == 34


@pytest.mark.parametrize(
    "typed", ["绍兴", "绍兴市", " 绍兴市 ", "\u3000绍兴\u3000", "浙江绍兴", "浙江省绍兴市"]
)
def test_city_is_recognised_however_it_is_typed(typed: str) -> None:
    assert canonical_city(typed) == "绍兴市"


def test_compatibility_characters_are_normalised_before_lookup() -> None:
    assert canonical_city("\u2fa6华") == "金华市"  # KANGXI RADICAL GOLD, NFKC → 金


@pytest.mark.parametrize("typed", ["", "浙江", "苏州", "新昌", "绍兴县城"])
def test_unknown_city_gives_none(typed: str) -> None:
    assert canonical_city(typed) is None


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("新昌", "新昌县"),
        ("新昌县", "新昌县"),
        ("柯桥", "柯桥区"),
        ("诸暨", "诸暨市"),
        (" 镇海 ", "镇海区"),
        ("景宁", "景宁畲族自治县"),
        ("龙港", "龙港市"),
        ("临平", "临平区"),
    ],
)
def test_county_short_and_full_forms_give_the_official_name(typed: str, official: str) -> None:
    assert canonical_county(typed) == official


def test_former_county_names_give_their_successor() -> None:
    assert canonical_county("绍兴县") == "柯桥区"
    assert canonical_county("上虞市") == "上虞区"
    assert canonical_county("下城区") == "拱墅区"


def test_city_resolves_a_county_and_rejects_one_outside_it() -> None:
    assert canonical_county("新昌", city="绍兴") == "新昌县"
    assert canonical_county("新昌", city="杭州市") is None


@pytest.mark.parametrize("typed", ["", "绍兴", "苏州工业园区", "新昌镇"])
def test_unknown_county_gives_none(typed: str) -> None:
    assert canonical_county(typed) is None


def test_every_county_form_resolves_back_to_its_city() -> None:
    for city, counties in ZHEJIANG_CITIES.items():
        for county in counties:
            assert canonical_county(short_form(county), city=city) == county
            assert city_of_county(county) == city
            assert city_of_county(short_form(county)) == city


def test_city_of_unknown_county_is_none() -> None:
    assert city_of_county("朝阳区") is None


def test_region_prefixes_hold_full_and_short_forms_longest_first() -> None:
    for form in (
        "浙江省",
        "浙江",
        "绍兴市",
        "绍兴",
        "新昌县",
        "新昌",
        "内蒙古自治区",
        "内蒙古",
        "广西壮族自治区",
        "广西",
        "上海市",
        "上海",
    ):
        assert form in REGION_PREFIXES
    lengths = [len(prefix) for prefix in REGION_PREFIXES]
    assert lengths == sorted(lengths, reverse=True)
    assert len(REGION_PREFIXES) == len(set(REGION_PREFIXES))


def test_road_and_bridge_is_an_industry_word_not_a_prefix() -> None:
    assert "路桥区" in REGION_PREFIXES
    assert "路桥" not in REGION_PREFIXES


def test_run_of_region_names_is_read_as_official_regions() -> None:
    assert regions_named("浙江省绍兴市柯桥区") == {"浙江", "绍兴市", "柯桥区"}
    assert regions_named("绍兴县") == {"柯桥区"}
    assert regions_named("") == frozenset()


@pytest.mark.parametrize(
    ("first", "second", "agreement"),
    [
        ("绍兴", "绍兴市柯桥区", 1.0),
        ("柯桥", "浙江绍兴", 1.0),
        ("浙江", "绍兴", 0.5),
        ("", "绍兴", 0.0),
        ("绍兴", "温州", -1.0),
        ("浙江绍兴", "浙江温州", -1.0),
        ("上海", "浙江", -1.0),
    ],
)
def test_regions_agree_when_one_contains_the_other(
    first: str, second: str, agreement: float
) -> None:
    assert regions_agree(first, second) == agreement

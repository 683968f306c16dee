"""Company names: the same firm is recognised however its name is typed; others are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.company_names import generate_names, make_queries, matchers
from matching.names import (
    NameIndex,
    NameParts,
    core_name,
    distinctive_words,
    may_be_same_firm,
    normalize_name,
    split_name,
)
from matching.pinyin import readings, same_sound_substitutions, sounds_alike

LANYU = "浙江蓝宇新材料有限公司"
CAMPAIGN_LIST = (
    LANYU,
    "浙江蓝天新材料有限公司",
    "绍兴华丰纺织有限公司",
    "温州华丰纺织有限公司",
    "新昌县红星机械制造厂",
    "杭州西湖茶业专业合作社",
    "蓝宇有限公司",
)
INDEX = NameIndex(CAMPAIGN_LIST)


def test_fullwidth_brackets_are_normalised() -> None:
    assert normalize_name("蓝宇新材料（绍兴）有限公司") == "蓝宇新材料(绍兴)有限公司"
    assert normalize_name("蓝宇【绍兴】") == "蓝宇(绍兴)"


def test_whitespace_and_fullwidth_latin_are_normalised() -> None:
    assert normalize_name(" 浙江　ＡＢＣ 科技\t有限公司 ") == "浙江abc科技有限公司"


def test_region_prefix_and_suffix_do_not_change_the_core() -> None:
    typed = [
        "蓝宇新材料",
        "浙江蓝宇新材料有限公司",
        "浙江省绍兴市蓝宇新材料股份有限公司",
        "绍兴柯桥蓝宇新材料有限责任公司",
        "蓝宇新材料公司",
        "蓝宇新材料（绍兴）有限公司",
        "浙江蓝宇(绍兴)新材料有限公司",
        "浙江蓝宇新材料有限公司柯桥分公司",
    ]
    assert {core_name(name) for name in typed} == {"蓝宇新材料"}


def test_name_is_split_into_region_core_and_organisation_form() -> None:
    group = NameParts("浙江绍兴", "蓝宇新材料", "集团有限公司")
    assert split_name("浙江绍兴蓝宇新材料集团有限公司") == group
    assert split_name("蓝宇新材料(绍兴)有限公司") == NameParts("绍兴", "蓝宇新材料", "有限公司")
    assert split_name("宁波蓝宇投资合伙企业（有限合伙）").suffix == "合伙企业(有限合伙)"
    assert split_name("新昌县华丰五金经营部") == NameParts("新昌县", "华丰五金", "经营部")


def test_bracket_that_is_not_a_region_stays_in_the_core() -> None:
    assert core_name("蓝宇(国际)贸易有限公司") == "蓝宇(国际)贸易"


def test_road_and_bridge_firm_keeps_its_industry_word() -> None:
    assert core_name("浙江路桥建设有限公司") == "路桥建设"
    assert core_name("台州市路桥区蓝宇五金厂") == "蓝宇五金"


def test_core_is_never_empty() -> None:
    assert core_name("有限公司") != ""
    assert core_name("绍兴市") == "绍兴市"
    assert core_name("杭州西湖") == "西湖"


@given(st.text(min_size=1).filter(lambda s: normalize_name(s) != ""))
def test_core_of_any_nonblank_name_is_nonempty(name: str) -> None:
    assert core_name(name)


@given(st.text())
def test_normalising_twice_changes_nothing(name: str) -> None:
    assert normalize_name(normalize_name(name)) == normalize_name(name)


@pytest.mark.parametrize(
    "typed",
    ["兰宇新材料", "蓝宇新材料公司", "浙江蓝宇新材料有限公司", "蓝宇 新材料（绍兴）有限公司"],
)
def test_did_you_mean_finds_the_listed_firm(typed: str) -> None:
    found = INDEX.best(typed)
    assert found is not None
    assert found.name == LANYU


def test_one_wrong_character_in_a_four_character_name_is_still_found() -> None:
    found = INDEX.best("新昌红心机械制造")
    assert found is not None and found.name == "新昌县红星机械制造厂"
    four = NameIndex(["浙江华丰纺织有限公司", "浙江红星五金有限公司"])
    for typed in ("华风纺织", "化丰纺织", "华丰纺只", "红心五金有限公司"):
        assert four.best(typed) is not None, typed
    assert four.best("华风纺织") == four.search("华风纺织")[0]


def test_one_dropped_or_added_character_is_still_found() -> None:
    assert (found := INDEX.best("蓝宇材料")) is not None and found.name == LANYU
    assert (found := INDEX.best("蓝宇新新材料")) is not None and found.name == LANYU


def test_different_firm_is_not_suggested() -> None:
    assert INDEX.best("红日电子科技有限公司") is None
    assert INDEX.best("蓝海纺织") is None
    four = NameIndex(["浙江华丰纺织有限公司"])
    assert four.best("华达印染") is None
    assert four.best("丰华纺织") is None  # two characters out of four differ


def test_two_character_cores_must_match_exactly() -> None:
    assert (found := INDEX.best("蓝宇公司")) is not None and found.name == "蓝宇有限公司"
    assert INDEX.best("兰宇公司") is None


def test_same_core_in_another_region_is_ranked_by_the_typed_region() -> None:
    first, second = INDEX.search("温州华丰纺织厂", limit=2)
    assert (first.name, second.name) == ("温州华丰纺织有限公司", "绍兴华丰纺织有限公司")
    assert first.score == second.score == 100.0


def test_search_returns_best_first_and_at_most_limit() -> None:
    found = INDEX.search("蓝宇新材料", limit=5)
    assert [match.name for match in found] == [LANYU, "浙江蓝天新材料有限公司"]
    assert found[0].score == 100.0 and found[1].score < 100.0
    assert found[0].index == CAMPAIGN_LIST.index(LANYU)
    assert INDEX.search("蓝宇新材料", limit=1) == found[:1]
    assert INDEX.search("", limit=5) == ()


def test_same_sound_typo_prefers_the_homophone_firm() -> None:
    # 开智 is one character off both cores; 智 sounds like 致 (zhi), not like 源 (yuan).
    index = NameIndex(["浙江开源机械有限公司", "浙江开致机械有限公司"])
    first, second = index.search("开智机械", limit=2)
    assert first.name == "浙江开致机械有限公司"
    assert first.score == second.score  # equally close by characters: only the sound decides


def test_same_sound_typo_is_found_in_either_brand_character() -> None:
    # Each typed core is one character off 华丰 and off a firm listed before it (恒丰, 华通).
    index = NameIndex(["恒丰纺织有限公司", "华通纺织有限公司", "华丰纺织有限公司"])
    assert (found := index.best("化丰纺织")) is not None and found.name == "华丰纺织有限公司"
    assert (found := index.best("华锋纺织")) is not None and found.name == "华丰纺织有限公司"


def test_same_sound_substitution_outranks_an_added_character() -> None:
    # 贵天铜业 is 桂天铜业 with a same-sound character, and 贵天顺铜业 with 顺 left out.
    index = NameIndex(["浙江贵天顺铜业有限公司", "浙江桂天铜业有限公司"])
    assert (found := index.best("贵天铜业")) is not None and found.name == "浙江桂天铜业有限公司"


def test_exact_core_still_outranks_a_homophone() -> None:
    index = NameIndex(["浙江兰宇新材料有限公司", "浙江蓝宇新材料有限公司"])
    assert [m.name for m in index.search("蓝宇新材料")] == [
        "浙江蓝宇新材料有限公司",
        "浙江兰宇新材料有限公司",
    ]


def test_exact_core_in_another_region_ties_with_a_homophone_in_the_typed_one() -> None:
    # 温州 counts for the homophone as much as the exact core counts against it: the closer
    # characters win the tie, whichever firm is listed first.
    firms = ["温州兰宇新材料有限公司", "杭州蓝宇新材料有限公司"]
    for listed in (firms, firms[::-1]):
        found = NameIndex(listed).best("温州蓝宇新材料")
        assert found is not None and found.name == "杭州蓝宇新材料有限公司"


def test_same_sound_does_not_loosen_the_cutoffs() -> None:
    # Two characters must match exactly, three accept no substitution, homophone or not.
    assert INDEX.best("兰宇公司") is None
    assert NameIndex(["浙江蓝宇达有限公司"]).best("兰宇达") is None
    assert NameIndex(["浙江华丰纺织有限公司"]).best("化风纺织") is None  # two of four differ


def test_tones_and_heteronyms_do_not_matter_for_the_sound() -> None:
    assert sounds_alike("华", "化")  # huá, huà
    assert sounds_alike("长", "昌") and sounds_alike("晟", "盛")  # 长 chang/zhang, 晟 sheng/cheng
    assert "zhi" in readings("致")
    assert not sounds_alike("蓝", "天") and not sounds_alike("兴", "馨")  # xing is not xin


def test_characters_that_are_not_han_have_no_sound() -> None:
    assert readings("a") == frozenset() == readings("(")
    assert not sounds_alike("a", "b") and sounds_alike("a", "a")


def test_only_substitutions_by_a_same_sound_character_are_counted() -> None:
    assert same_sound_substitutions("开智机械", "开致机械") == 1
    assert same_sound_substitutions("开智机械", "开源机械") == 0
    assert same_sound_substitutions("兰宇新材", "蓝宇新材料") == 1  # a dropped 料 is not counted
    assert same_sound_substitutions("化风纺织", "华丰纺织") == 2
    assert same_sound_substitutions("开智", "开智") == 0


def test_empty_list_finds_nothing() -> None:
    assert NameIndex([]).best("蓝宇新材料") is None


def test_typo_set_is_recognised_at_least_as_well_as_the_naive_scan() -> None:
    names = generate_names(20_000, seed=1)
    queries = make_queries(names, 300, seed=2)
    ours, naive = matchers(names, NameIndex(names))

    accuracy = sum(ours(query) == truth for query, truth in queries) / len(queries)
    baseline = sum(naive(query) == truth for query, truth in queries) / len(queries)
    assert accuracy >= 0.95
    assert accuracy >= baseline
    same_sound = [
        (q, truth)
        for q, truth in queries
        if same_sound_substitutions(core_name(q), core_name(names[truth]))
    ]
    assert sum(ours(q) == truth for q, truth in same_sound) / len(same_sound) >= 0.97


def test_generated_typos_are_mostly_same_sound() -> None:
    # The bench's typos are homophones by pypinyin too, in a realistic share (see company_names).
    names = generate_names(20_000, seed=1)
    typos = [(core_name(q), core_name(names[truth])) for q, truth in make_queries(names, 300)]
    swapped = [(a, b) for a, b in typos if len(a) == len(b) and sum(map(str.__ne__, a, b)) == 1]
    share = sum(same_sound_substitutions(a, b) for a, b in swapped) / len(swapped)
    assert 0.55 <= share <= 0.75


def test_a_firms_own_words_are_its_name_without_place_trade_and_form() -> None:
    assert distinctive_words("浙江兰宇新材料有限公司") == "兰宇"
    assert distinctive_words("新昌县鑫达精密机械有限公司") == "鑫达"
    assert distinctive_words("科技有限公司") == "科技"  # never emptied by its trade words


def test_only_a_name_with_the_same_own_words_may_be_the_same_firm() -> None:
    assert not may_be_same_firm("浙江兰宇新材料有限公司", "绍兴瑞宇新材料有限公司")
    assert may_be_same_firm("蓝宇新材料", "浙江蓝宇新材料有限公司")
    assert may_be_same_firm("兰宇新材料", "浙江蓝宇新材料有限公司")  # same sound, pinyin typo
    assert not may_be_same_firm("华达纺织", "浙江华丰纺织有限公司")
    assert may_be_same_firm("麦格智新科技", "麦格智芯科技有限公司")  # four words, one wrong

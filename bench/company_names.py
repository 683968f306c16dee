"""Deterministic generator of realistic Chinese company names and of typed queries for them.

Names look like a Zhejiang campaign list (百行进万企): an optional region prefix, a 2–3
character brand, an industry word and an organisation form. Queries are what a firm owner types:
a homophone picked by the input method, a dropped organisation form, another way of writing the
region. Shared by the name-matching tests and `bench/names.py`; seeded, no Faker.

About 70% of the queries carry a one-character typo in the brand: with probability 0.8 a
same-sound character (same toneless pinyin: 华 → 化, 致 → 智) from `_SIMILAR_GROUPS`, which
cover about 80% of drawn brand characters (pypinyin agrees on all pairs but the near-sounds
馨 xin ↔ 兴, 星 xing), otherwise any brand character. So about 63% of the one-character typos,
44% of all queries, sound the same (`typo_kind`, measured on the default bench set); the rest are
arbitrary characters, which only other evidence can settle. Studies of real errors find 76%
(Liu et al., ACM TALIP 2011, 4,100 errors) to 83% (their 621 simplified-Chinese errors) of wrong
characters phonologically similar, counting near-sounds and other tones too: the share here is on
the low side, so the bench understates rather than overstates what sound rules gain.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from matching.names import NameIndex, NameParts, core_name, split_name
from matching.regions import (
    PROVINCES,
    ZHEJIANG_CITIES,
    canonical_city,
    canonical_county,
    city_of_county,
    short_form,
)

BRAND_CHARS = (
    "鑫华达丰宇蓝恒泰盛隆兴顺祥瑞安康宏伟海天永金源通利佳美明成信诚德正和中嘉辉星凯博远航"
    "创新科联合众晶晨昌旺发富贵福禄寿喜乐佰仁义礼智勇健强东南西北春夏秋冬光亮雅致精益求"
    "锦绣华彩云峰山川江河湖波涛浪潮洋帆舟驰骏腾飞跃翔鹏鹰龙凤麒麟虎豹狮象骐骥宝玉珍珠翠"
    "钻银铜铁钢石林森松柏竹梅兰菊荷莲桂枫杨柳桃李杏梨橙绿青紫红白黄彤晟昊旭阳晖煜炜烨焱"
    "皓昱曦卓越超群杰俊豪雄威振浩瀚博文武斌彬力立方圆恩惠泽润沃丰茂荣耀辰晶莹颖慧聪敏捷"
    "坤乾鼎尚品优良巨大一万千百亿兆吉利顺意如意合力同心协信达通畅畅想思远志宏图开拓展"
    "新华欧亚美澳德英法意日韩星月宇宙银河太平洋环球国际环宇迪奥索尼菲普斯拉克莱雷诺"
)

# Homophones (toneless; 馨 xin with 兴 xing a near-sound): what a pinyin input method puts instead.
_SIMILAR_GROUPS = (
    "蓝兰岚澜", "宇雨羽语予禹", "华化花桦", "达大答", "丰风峰锋枫", "鑫新欣馨心", "恒衡横",
    "泰太态", "盛胜圣晟", "隆龙珑", "兴星馨", "顺舜", "祥翔详", "瑞锐睿", "安按岸", "康抗",
    "宏洪鸿弘红", "伟玮炜韦", "金今锦津", "源元远园圆", "通同彤", "利力立丽莉", "佳家嘉",
    "美梅玫", "明名铭鸣", "成诚城程承", "德得", "正政峥", "和合禾", "中忠钟", "辉晖徽",
    "凯铠恺", "博波柏", "航杭", "创闯", "联连莲", "晶精京", "晨辰臣", "昌常长", "旺望",
    "富福阜", "贵桂", "禄路鹿", "喜禧", "仁人", "义益毅艺", "智志致", "勇涌永", "健建剑",
    "强蔷", "光广", "雅亚", "锦劲", "彩才财", "云芸耘", "涛韬滔", "潮朝", "洋阳扬杨",
    "帆凡", "驰池", "骏俊峻", "腾藤", "飞菲", "跃悦越", "鹏蓬", "鹰英", "宝保堡", "玉钰",
    "珍真", "翠萃", "林琳霖", "森", "松嵩", "竹筑", "荷和", "莲联", "杏幸", "梨黎",
    "绿律", "青清晴", "紫子梓", "白柏", "黄皇煌", "旭序", "煜昱玉", "皓浩昊", "卓琢",
    "超潮", "杰洁", "豪浩", "雄熊", "威伟", "振震", "瀚翰汉", "斌彬", "方芳", "恩",
    "惠慧汇", "泽择", "润闰", "沃", "茂贸", "荣蓉融", "耀曜", "莹盈", "颖影", "聪葱",
    "敏闽", "坤昆", "乾谦", "鼎顶", "尚上", "品", "优悠", "良亮", "巨聚", "万", "千仟",
    "亿益", "兆", "吉", "意毅", "协", "畅昌", "思斯", "拓", "展", "欧鸥", "亚雅",
)
SIMILAR: dict[str, str] = {
    char: group.replace(char, "") for group in _SIMILAR_GROUPS for char in group if len(group) > 1
}

INDUSTRIES = (
    "新材料", "纺织", "机械制造", "电子科技", "制冷设备", "印染", "服饰", "五金", "农业开发",
    "生物科技", "进出口", "食品", "建材", "汽配", "包装", "化工", "塑业", "模具", "家具",
    "照明电器", "轴承", "阀门", "泵业", "电机", "针织", "袜业", "茶业", "农产品", "贸易",
    "物流", "建筑工程", "装饰工程", "信息技术", "网络科技", "医疗器械", "环保科技", "新能源",
    "光电", "智能科技", "水产", "文化传媒", "餐饮管理", "眼镜", "鞋业", "工艺品", "不锈钢",
    "铜业", "线缆", "汽车零部件", "皮革", "竹木制品", "箱包", "电器", "服装", "纸业", "印刷",
    "陶瓷", "门业", "粮油", "花卉苗木",
)
_AGRI = frozenset({"农业开发", "茶业", "农产品", "水产", "粮油", "花卉苗木"})
_FORMS = (
    ("有限公司", 62), ("有限责任公司", 6), ("股份有限公司", 4), ("集团有限公司", 2), ("厂", 7),
    ("商行", 5), ("经营部", 5), ("店", 3), ("个人独资企业", 2), ("合伙企业(有限合伙)", 2),
)
_COUNTIES = tuple((city, county) for city, cs in ZHEJIANG_CITIES.items() for county in cs)
_OTHER_PROVINCES = tuple(p for p in PROVINCES if p != "浙江省")


def _weighted_chars() -> tuple[list[str], list[float]]:
    """Brand characters, unique, with Zipf-like weights: 鑫 and 华 are more common than 骥."""
    chars = list(dict.fromkeys(BRAND_CHARS))
    return chars, [1 / (rank + 8) for rank in range(len(chars))]


def _region(rng: random.Random) -> str:
    """A region prefix written the many ways real registrations write it ("" for none)."""
    city, county = rng.choice(_COUNTIES)
    options: list[Callable[[], str]] = [
        lambda: "",
        lambda: rng.choice(("浙江", "浙江省")),
        lambda: rng.choice((city, short_form(city))),
        lambda: rng.choice((county, short_form(county))),
        lambda: "浙江" + short_form(city),
        lambda: rng.choice((city + county, short_form(city) + short_form(county))),
        lambda: short_form(rng.choice(_OTHER_PROVINCES)),
    ]
    return rng.choices(options, weights=(12, 25, 22, 20, 6, 9, 6))[0]()


def _name(rng: random.Random, chars: list[str], weights: list[float]) -> tuple[str, str]:
    """A company name and its intended core; a region may be bracketed: 蓝宇(绍兴)新材料."""
    brand = "".join(rng.choices(chars, weights, k=rng.choice((2, 2, 3))))
    industry = rng.choice(INDUSTRIES)
    forms, form_weights = zip(*_FORMS, strict=True)
    form = "专业合作社" if industry in _AGRI and rng.random() < 0.3 else rng.choices(
        forms, form_weights)[0]
    region = _region(rng)
    if region and rng.random() < 0.04:
        city = short_form(rng.choice(tuple(ZHEJIANG_CITIES)))
        if rng.random() < 0.5:
            return f"{region}{brand}({city}){industry}{form}", brand + industry
        return f"{brand}{industry}({city}){form}", brand + industry
    return f"{region}{brand}{industry}{form}", brand + industry


def generate_names(n: int, seed: int = 1) -> list[str]:
    """`n` distinct company names, the same for the same seed."""
    rng = random.Random(seed)
    chars, weights = _weighted_chars()
    names: dict[str, None] = {}
    while len(names) < n:
        name, core = _name(rng, chars, weights)
        # A brand that reads as a region (新昌, 安吉) would be stripped with it: draw again.
        if split_name(name).core == core:
            names.setdefault(name)
    return list(names)


def _typo(core: str, rng: random.Random, chars: list[str]) -> str:
    """One brand character replaced, mostly by a same-sound character (see the module notes)."""
    at = rng.randrange(2)
    similar = SIMILAR.get(core[at], "")
    new = rng.choice(similar) if similar and rng.random() < 0.8 else rng.choice(chars)
    return core[:at] + new + core[at + 1 :] if new != core[at] else core


def _retype_region(region: str, rng: random.Random) -> str:
    """The region as someone else would write it: dropped, shortened, lengthened, or added."""
    if not region:
        return rng.choice(("浙江", *(short_form(c) for c in ZHEJIANG_CITIES)))
    city, county = canonical_city(region), canonical_county(region)
    if city:
        written = short_form(city) if city == region else city
        return rng.choice(("", "浙江", "浙江省" + city, written))
    if county:
        parent = short_form(city_of_county(county) or "")
        return rng.choice(("", "浙江", parent, parent + short_form(county), county))
    return rng.choice(("", "浙江", "浙江省"))


def _query(parts: NameParts, rng: random.Random, chars: list[str]) -> str:
    """A typed query for a listed name: one or two of typo, region and form changes."""
    kinds = rng.choices(
        (("typo",), ("typo", "form"), ("typo", "region"), ("form",), ("region",),
         ("region", "form"), ("drop",), ("typo", "format")),
        weights=(30, 20, 15, 8, 8, 9, 5, 5),
    )[0]
    core, region, form = parts.core, parts.region, parts.suffix
    if "typo" in kinds:
        core = _typo(core, rng, chars)
    if "drop" in kinds and len(core) >= 5:
        at = rng.randrange(2, len(core))
        core = core[:at] + core[at + 1 :]
    if "region" in kinds:
        region = _retype_region(region, rng)
    if "form" in kinds:
        form = rng.choice(("", "", "公司", "有限公司"))
    query = region + core + form
    if "format" in kinds:
        query = query.replace("(", "（").replace(")", "）")
        query = query[:2] + " " + query[2:]
    return query


def make_queries(names: Sequence[str], n: int, seed: int = 2) -> list[tuple[str, int]]:
    """`n` typed queries with the index of the listed name each one means."""
    # Only names whose core is unique on the list are asked for, and a typo that spells another
    # listed firm's core is redrawn: in both cases no matcher could tell which firm was meant.
    rng = random.Random(seed)
    chars, _ = _weighted_chars()
    cores = [core_name(name) for name in names]
    counts = Counter(cores)
    queries: list[tuple[str, int]] = []
    while len(queries) < n:
        index = rng.randrange(len(names))
        if counts[cores[index]] > 1:
            continue
        query = _query(split_name(names[index]), rng, chars)
        typed = core_name(query)
        if typed != cores[index] and counts[typed] > 0:
            continue
        queries.append((query, index))
    return queries


def typo_kind(typed_core: str, listed_core: str) -> str:
    """How a typed core differs from the listed one, by the groups above (not by pypinyin).

    "none"; "same sound": one character replaced by one of its `_SIMILAR_GROUPS`; "other
    character": one character replaced by another; "other": anything else (a dropped character).
    """
    if typed_core == listed_core:
        return "none"
    if len(typed_core) != len(listed_core):
        return "other"
    changed = [(a, b) for a, b in zip(typed_core, listed_core, strict=True) if a != b]
    if len(changed) != 1:
        return "other"
    typed, listed = changed[0]
    return "same sound" if typed in SIMILAR.get(listed, "") else "other character"


Answer = Callable[[str], "int | None"]


def matchers(names: Sequence[str], index: NameIndex) -> tuple[Answer, Answer]:
    """The two ways a typed name is looked up, each giving the listed index it chose:
    `NameIndex.best`, and the naive baseline `extractOne(query, names, scorer=fuzz.ratio)`."""

    def ours(query: str) -> int | None:
        found = index.best(query)
        return found.index if found else None

    def naive(query: str) -> int | None:
        found = process.extractOne(query, names, scorer=fuzz.ratio)
        return int(found[2]) if found else None

    return ours, naive

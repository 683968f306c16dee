"""Zhejiang's administrative regions and China's provincial-level divisions, as plain data.

Used to recognise where a firm is (city, county) and to strip region names from company names.
Divisions are those in force after the 2021 Hangzhou redistricting (临平区, 钱塘区) and the 2019
creation of 龙港市; a few older county names still found in registered company names are kept as
aliases of their successors.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from matching.textnorm import squash

ZHEJIANG_CITIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "杭州市": (
            "上城区",
            "拱墅区",
            "西湖区",
            "滨江区",
            "萧山区",
            "余杭区",
            "临平区",
            "钱塘区",
            "富阳区",
            "临安区",
            "建德市",
            "桐庐县",
            "淳安县",
        ),
        "宁波市": (
            "海曙区",
            "江北区",
            "北仑区",
            "镇海区",
            "鄞州区",
            "奉化区",
            "余姚市",
            "慈溪市",
            "宁海县",
            "象山县",
        ),
        "温州市": (
            "鹿城区",
            "龙湾区",
            "瓯海区",
            "洞头区",
            "瑞安市",
            "乐清市",
            "龙港市",
            "永嘉县",
            "平阳县",
            "苍南县",
            "文成县",
            "泰顺县",
        ),
        "嘉兴市": ("南湖区", "秀洲区", "海宁市", "平湖市", "桐乡市", "嘉善县", "海盐县"),
        "湖州市": ("吴兴区", "南浔区", "德清县", "长兴县", "安吉县"),
        "绍兴市": ("越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"),
        "金华市": (
            "婺城区",
            "金东区",
            "兰溪市",
            "义乌市",
            "东阳市",
            "永康市",
            "武义县",
            "浦江县",
            "磐安县",
        ),
        "衢州市": ("柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县"),
        "舟山市": ("定海区", "普陀区", "岱山县", "嵊泗县"),
        "台州市": (
            "椒江区",
            "黄岩区",
            "路桥区",
            "临海市",
            "温岭市",
            "玉环市",
            "三门县",
            "天台县",
            "仙居县",
        ),
        "丽水市": (
            "莲都区",
            "龙泉市",
            "青田县",
            "缙云县",
            "遂昌县",
            "松阳县",
            "云和县",
            "庆元县",
            "景宁畲族自治县",
        ),
    }
)

PROVINCES: tuple[str, ...] = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)

# Former county names still carried by older registrations, mapped to today's county.
# 江干区 was split in 2021 between 上城区 and 钱塘区; most of it went to 上城区.
_LEGACY_COUNTIES: Mapping[str, str] = MappingProxyType(
    {
        "江干区": "上城区",
        "下城区": "拱墅区",
        "绍兴县": "柯桥区",
        "上虞市": "上虞区",
        "富阳市": "富阳区",
        "临安市": "临安区",
        "奉化市": "奉化区",
        "鄞县": "鄞州区",
        "玉环县": "玉环市",
        "洞头县": "洞头区",
        "景宁县": "景宁畲族自治县",
    }
)

# A leading short form is only stripped from a company name when it is not also an ordinary
# word there. 路桥 (road and bridge) starts many construction firms' names (路桥工程有限公司), so
# only the full 路桥区 is stripped. Other short forms such as 长兴, 东阳 or 江山 are sometimes
# brands too, but on a Zhejiang list they overwhelmingly name the county; stripping them on both
# the query and the list keeps cores comparable and costs at most the region tie-break.
_NOT_A_PREFIX: frozenset[str] = frozenset({"路桥"})

_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "畲族自治县",
    "省",
    "市",
    "县",
    "区",
)
def short_form(name: str) -> str:
    """The name without its administrative suffix (绍兴市 → 绍兴, 景宁畲族自治县 → 景宁)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


_CITY_BY_FORM: Mapping[str, str] = MappingProxyType(
    {form: city for city in ZHEJIANG_CITIES for form in (city, short_form(city))}
)
_CITY_OF: Mapping[str, str] = MappingProxyType(
    {county: city for city, counties in ZHEJIANG_CITIES.items() for county in counties}
)


def _county_forms() -> Mapping[str, tuple[str, ...]]:
    """Every written form of a county (full, short, legacy) → the official names it may mean."""
    forms: dict[str, list[str]] = {}
    pairs = [(c, c) for c in _CITY_OF] + list(_LEGACY_COUNTIES.items())
    for written, official in pairs:
        for form in (written, short_form(written)):
            if form in _CITY_BY_FORM:
                continue  # 绍兴县 → 绍兴 must keep meaning the city
            targets = forms.setdefault(form, [])
            if official not in targets:
                targets.append(official)
    return MappingProxyType({form: tuple(officials) for form, officials in forms.items()})


_COUNTY_BY_FORM = _county_forms()


def canonical_city(name: str) -> str | None:
    """The official name of a Zhejiang prefecture-level city (绍兴 → 绍兴市); None if unknown."""
    text = squash(name)
    for province in ("浙江省", "浙江"):
        if text.startswith(province) and text != province:
            text = text[len(province) :]
            break
    return _CITY_BY_FORM.get(text)


def canonical_county(name: str, city: str | None = None) -> str | None:
    """The official name of a Zhejiang county/district (柯桥 → 柯桥区); None if unknown."""
    # `city` resolves a short name shared by several counties; a county outside the given city
    # is not returned, so inconsistent input can be asked again.
    officials = _COUNTY_BY_FORM.get(squash(name), ())
    if city is not None:
        wanted = canonical_city(city)
        officials = tuple(c for c in officials if _CITY_OF[c] == wanted)
    return officials[0] if len(officials) == 1 else None


def city_of_county(county: str) -> str | None:
    """The prefecture-level city a county belongs to (新昌县 → 绍兴市); None if unknown."""
    official = canonical_county(county)
    return _CITY_OF[official] if official else None


def _region_prefixes() -> tuple[str, ...]:
    """Every province, city and county form worth stripping from a company name, longest first."""
    fulls = [*PROVINCES, *ZHEJIANG_CITIES, *_CITY_OF, *_LEGACY_COUNTIES]
    forms = {form for full in fulls for form in (full, short_form(full))} - _NOT_A_PREFIX
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


REGION_PREFIXES: tuple[str, ...] = _region_prefixes()
_PREFIX_SET = frozenset(REGION_PREFIXES)
_PROVINCE_SHORTS = frozenset(short_form(province) for province in PROVINCES)
_PREFIX_LENGTHS = sorted({len(prefix) for prefix in REGION_PREFIXES}, reverse=True)


@lru_cache(maxsize=4096)
def regions_named(text: str) -> frozenset[str]:
    """The regions a run of region names names, officially: 浙江绍兴 → {浙江, 绍兴市}."""
    tokens: set[str] = set()
    while text:
        token = next((text[:n] for n in _PREFIX_LENGTHS if text[:n] in _PREFIX_SET), "")
        if not token:
            break
        text = text[len(token) :]
        tokens.add(canonical_county(token) or canonical_city(token) or short_form(token))
    return frozenset(tokens)


def _with_parents(tokens: frozenset[str]) -> frozenset[str]:
    """The regions with each county's city and, for Zhejiang cities, the province."""
    cities = {city_of_county(t) or canonical_city(t) for t in tokens}
    found = {city for city in cities if city}
    return tokens | found | ({"浙江"} if found else set())


def regions_agree(first: str, second: str) -> float:
    """How far two runs of region names agree, to rank same-core firms by the typed region."""
    # 1 on a shared city or county (绍兴 vs 绍兴柯桥), 0.5 when only the province is shared
    # (浙江 vs 绍兴), 0 when either is empty, -1 when they conflict (绍兴 vs 温州).
    one, other = regions_named(first), regions_named(second)
    if not one or not other:
        return 0.0
    wide_one, wide_other = _with_parents(one), _with_parents(other)
    if not (one <= wide_other or other <= wide_one):
        return -1.0
    return 1.0 if (wide_one & wide_other) - _PROVINCE_SHORTS else 0.5

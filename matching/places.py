"""Places as firm owners type them: 绍兴柯桥, 柯桥, 柯桥区, 浙江绍兴, Keqiao, Shaoxing Keqiao.

A typed place is read as a run of region names that must be used up whole (a city, a county, or
a city then a county of it), in characters or in pinyin. Anything left over, two cities, or a
county of another city is not a place: the question is asked again rather than guessed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from unicodedata import normalize

from matching.pinyin import readings
from matching.regions import (
    REGION_PREFIXES,
    ZHEJIANG_CITIES,
    canonical_city,
    canonical_county,
    city_of_county,
    short_form,
)
from matching.textnorm import squash

_PROVINCE: Final = ("浙江省", "浙江", "zhejiang")
_ENGLISH_NOISE: Final = frozenset({
    "city", "district", "county", "province", "shi", "qu", "xian", "zhejiang", "china", "in", "of",
})  # fmt: skip
_PREFIXES: Final = frozenset(REGION_PREFIXES)
_LENGTHS: Final = sorted({len(p) for p in REGION_PREFIXES}, reverse=True)


@dataclass(frozen=True, slots=True)
class Place:
    """A Zhejiang city, and its county when one was named."""

    city: str
    county: str | None = None


def place_named(text: str, city: str | None = None) -> Place | None:
    """The place a typed text names; `city` (already known) settles a county name shared by
    several cities. None when the text is not wholly a Zhejiang place, or is ambiguous."""
    typed = squash(text).lower()
    for province in _PROVINCE:
        if typed.startswith(province) and typed != province:
            typed = typed[len(province) :]
            break
    if not typed or len(typed) > 40:
        return None
    names = _tokens(typed) if not typed.isascii() else _pinyin_tokens(normalize("NFKC", text))
    return _settle(names, city) if names else None


def _tokens(typed: str) -> list[str] | None:
    """Region names in a row, using up the whole text (绍兴柯桥区 → 绍兴, 柯桥区)."""
    found: list[str] = []
    while typed:
        token = next((typed[:n] for n in _LENGTHS if typed[:n] in _PREFIXES), "")
        if not token:
            return None
        found.append(token)
        typed = typed[len(token) :]
    return found


def _pinyin_tokens(text: str) -> list[str] | None:
    """Region names typed in pinyin (Keqiao, Shaoxing Keqiao District, shaoxingkeqiao)."""
    words = [w for w in re.split(r"[^a-z]+", text.lower()) if w and w not in _ENGLISH_NOISE]
    joined = "".join(words)
    found: list[str] = []
    while joined:
        size = next((n for n in range(len(joined), 0, -1) if joined[:n] in _by_pinyin()), 0)
        if not size:
            return None
        found.append(_by_pinyin()[joined[:size]])
        joined = joined[size:]
    return found


def _settle(names: list[str], known_city: str | None) -> Place | None:
    """One city and at most one county of it, from the names read."""
    cities = {c for c in (canonical_city(n) for n in names) if c}
    county_names = [n for n in names if canonical_city(n) is None]
    if len(cities) > 1 or len(county_names) > 1:
        return None
    city = next(iter(cities), None) or (canonical_city(known_city) if known_city else None)
    if not county_names:
        return Place(city) if city and cities else None
    county = canonical_county(county_names[0], city)
    if county is None:
        return None
    home = city_of_county(county)
    return Place(home, county) if home and (city is None or home == city) else None


@lru_cache(maxsize=1)
def _by_pinyin() -> Mapping[str, str]:
    """Toneless pinyin of every city and county short name → that name; a spelling two places
    share is left out (typed that way, the place is asked again)."""
    names = {short_form(c) for c in ZHEJIANG_CITIES}
    names |= {short_form(c) for counties in ZHEJIANG_CITIES.values() for c in counties}
    spelled: dict[str, set[str]] = {}
    for name in names:
        sounds = [sorted(readings(char)) or [char] for char in name]
        for combo in itertools.islice(itertools.product(*sounds), 64):
            spelled.setdefault("".join(combo), set()).add(name)
    return MappingProxyType({k: v.pop() for k, v in spelled.items() if len(v) == 1})

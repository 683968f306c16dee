"""Amounts of money as people type them (300万, 0.5亿, 三百万元, 3,000,000) turned into whole yuan.

Decisions, so that a firm owner on a phone is understood and never silently misread:
- Text is folded (NFKC, lower case, no spaces or thousands commas) and a currency mark
  (¥, RMB, 人民币) or yuan word (元, 块, 块钱, 圆) is dropped.
- Units: 千 (k), 万 (w), 十万, 百万, 千万 (so `1kw` is 1千万), 亿. Arabic groups may be chained
  with strictly falling units, each smaller than the unit before (1亿2000万, 3万5千);
  anything else (3万5千万, 300万5000) is not a number.
- Chinese numerals go through cn2an in strict mode (两 and 〇 accepted); colloquial short forms
  such as 三万五 are refused rather than guessed. 点 decimals are read exactly (三点五万).
- `k` is accepted as 千 (×1000), like `w` for 万: it is the usual abbreviation, and explicit.
- A text that is a bare number (no unit, no 元 and no ¥) below 10,000 is refused with
  `amount.unit_missing`: `300` almost surely means 300万, so the owner is asked. `300元` passes.
- int / float / Decimal values come from programs, not people: they are yuan, taken as they are.
- Decimal arithmetic throughout; the result is rounded half up to whole yuan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final

import cn2an

from matching.errors import AmountError
from matching.i18n import Yuan

DEFAULT_MAX_YUAN: Final = 1_000_000_000
BARE_NUMBER_FLOOR: Final = 10_000
"""A bare typed number below this is taken to lack its unit (300 → 300万?)."""
_MAX_TEXT_LENGTH: Final = 40
_HALF: Final = Decimal("0.5")

UNITS: Final = MappingProxyType(
    {
        "亿": Decimal(100_000_000),
        "千万": Decimal(10_000_000),
        "百万": Decimal(1_000_000),
        "十万": Decimal(100_000),
        "万": Decimal(10_000),
        "千": Decimal(1_000),
    }
)
_UNIT_PATTERN: Final = "|".join(UNITS)  # longest first, so 千万 wins over 千
_ARABIC_GROUP: Final = re.compile(rf"([0-9]+(?:\.[0-9]+)?)({_UNIT_PATTERN})?")
_COMMA_NUMBER: Final = re.compile(r"[0-9][0-9,]*")
_GROUPED: Final = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_PREFIXES: Final = ("¥", "rmb", "人民币")
_SIGNS: Final = MappingProxyType({"-": True, "−": True, "负": True, "+": False})
_YUAN_SUFFIX: Final = re.compile(r"(元整?|块钱?|圆|yuan|rmb)$")
_ALIASES: Final = MappingProxyType(
    {"millions": "百万", "million": "百万", "thousand": "千",
     "w": "万", "k": "千", "萬": "万", "億": "亿"}
)  # fmt: skip
_CN_DIGITS: Final = "零一二三四五六七八九"
_CN_CHARS: Final = frozenset(_CN_DIGITS + "十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟")
_CN_DECIMAL: Final = re.compile(rf"(.+)点([{_CN_DIGITS}]+)({_UNIT_PATTERN})?")


def parse_amount(value: str | int | float | Decimal, *, max_yuan: int = DEFAULT_MAX_YUAN) -> int:
    """Whole yuan from what a person typed or a program sent; raise `AmountError` if unclear."""
    if isinstance(value, str):
        amount, number_text = _parse_text(value)
    elif isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise AmountError.of("amount.not_a_number", "amount.not_a_number", value=str(value))
    else:
        amount, number_text = _exact(value), None
    return _whole_yuan(amount, value, number_text, max_yuan)


def counted_yuan(amount: int) -> int:
    """A stored amount as a sum counts it: at most `DEFAULT_MAX_YUAN`. Every amount taken in is
    held to that bound, so real sums stay exact; a row from before the bound, or mended by hand,
    then cannot overflow a sum nor swamp a total (`db.reports.sql.counted_yuan_column` in SQL)."""
    return min(amount, DEFAULT_MAX_YUAN)


def _exact(value: int | float | Decimal) -> Decimal:
    """A finite Decimal; floats go through their shortest repr so 0.1 stays 0.1."""
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise AmountError.of("amount.not_a_number", "amount.not_a_number", value=str(value))
    return amount


def _whole_yuan(amount: Decimal, raw: object, number_text: str | None, max_yuan: int) -> int:
    """Round half up and apply the range rules; `number_text` is set for a bare typed number."""
    if amount < 0:
        raise AmountError.of("amount.negative", "amount.negative", value=str(raw))
    if amount >= max_yuan + _HALF:  # before rounding: quantize fails on huge values
        raise AmountError.of(
            "amount.too_large",
            "amount.too_large",
            value=str(raw),
            limit=Yuan(max_yuan),
        )
    yuan = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if yuan == 0:
        raise AmountError.of("amount.zero", "amount.zero", value=str(raw))
    if number_text is not None and yuan < BARE_NUMBER_FLOOR:
        raise AmountError.of("amount.unit_missing", "amount.unit_missing", value=number_text)
    return int(yuan)


def _parse_text(raw: str) -> tuple[Decimal, str | None]:
    """Signed amount in yuan, and the number's text when it carried no unit at all."""
    text = "".join(unicodedata.normalize("NFKC", raw).lower().split())
    if not text:
        raise AmountError.of("amount.empty", "amount.empty")
    if len(text) > _MAX_TEXT_LENGTH:
        raise AmountError.of("amount.not_a_number", "amount.not_a_number", value=raw[:20])
    negative, has_yuan, text = _strip_marks(text)
    suffix = _YUAN_SUFFIX.search(text)
    if suffix:
        text, has_yuan = text[: suffix.start()], True
    for alias, unit in _ALIASES.items():
        text = text.replace(alias, unit)
    parsed = _arabic(text) if text[:1].isdigit() and text[0].isascii() else _chinese(text)
    if parsed is None:
        raise AmountError.of("amount.not_a_number", "amount.not_a_number", value=raw.strip())
    amount, has_unit = parsed
    bare = not (has_unit or has_yuan)
    return (-amount if negative else amount), (text if bare else None)


def _strip_marks(text: str) -> tuple[bool, bool, str]:
    """Drop leading currency marks and a sign in either order: (minus?, currency?, rest)."""
    negative = currency = False
    changed = True
    while changed:
        changed = False
        for mark in (*_PREFIXES, *_SIGNS):
            if text.startswith(mark):
                negative = negative or _SIGNS.get(mark, False)
                currency = currency or mark in _PREFIXES
                text, changed = text[len(mark) :], True
    return negative, currency, text


def _arabic(text: str) -> tuple[Decimal, bool] | None:
    """Arabic digits with optional units, e.g. 0.5亿, 1.2千万, 3,000,000, 1亿2000万."""
    plain = _drop_thousands_commas(text)
    if plain is None:
        return None
    groups: list[tuple[Decimal, Decimal | None]] = []
    position = 0
    while position < len(plain):
        match = _ARABIC_GROUP.match(plain, position)
        if match is None:
            return None
        unit = UNITS[match[2]] if match[2] else None
        groups.append((Decimal(match[1]), unit))
        position = match.end()
    if not groups:
        return None
    if len(groups) == 1:
        number, unit = groups[0]
        return number * (unit or 1), unit is not None
    return _chained(groups)


def _chained(groups: list[tuple[Decimal, Decimal | None]]) -> tuple[Decimal, bool] | None:
    """Sum of integer groups whose units fall strictly and each fit below the previous unit."""
    total = Decimal(0)
    previous: Decimal | None = None
    for number, unit in groups:
        if unit is None or number != number.to_integral_value():
            return None
        if previous is not None and (unit >= previous or number * unit >= previous):
            return None
        total += number * unit
        previous = unit
    return total, True


def _drop_thousands_commas(text: str) -> str | None:
    """Remove commas that group digits by three; None if a comma is used any other way."""

    def ungroup(match: re.Match[str]) -> str:
        return match[0].replace(",", "") if _GROUPED.fullmatch(match[0]) else match[0]

    text = _COMMA_NUMBER.sub(ungroup, text)
    return None if "," in text else text


def _chinese(text: str) -> tuple[Decimal, bool] | None:
    """Chinese numerals (三百万, 一千二百万, 两百万, 三点五万), read by cn2an in strict mode."""
    text = text.replace("两", "二").replace("〇", "零")
    if not text or not set(text) <= _CN_CHARS:
        return None
    decimal = _CN_DECIMAL.fullmatch(text)
    if decimal is None:
        whole = _cn_integer(text)
        return None if whole is None else (whole, "万" in text or "亿" in text)
    whole = _cn_integer(decimal[1])
    if whole is None:
        return None
    fraction = "".join(str(_CN_DIGITS.index(char)) for char in decimal[2])
    unit = UNITS[decimal[3]] if decimal[3] else None
    number = whole + Decimal(f"0.{fraction}")
    return number * (unit or 1), unit is not None or "万" in decimal[1] or "亿" in decimal[1]


def _cn_integer(text: str) -> Decimal | None:
    """A whole Chinese numeral as Decimal, or None when cn2an cannot read it strictly."""
    try:
        value = cn2an.cn2an(text, "strict")
    except ValueError:
        return None
    if not isinstance(value, int):
        return None
    return Decimal(value)


# --- hedged amounts: read, then confirmed by the owner ------------------------------------------


@dataclass(frozen=True, slots=True)
class AmountReading:
    """An amount as a person said it. `hedged`: said roughly ("五十万左右", "300来万") or as a
    range ("三五十万", `low` to `amount`), so the reading is confirmed before it is kept; a range
    is read as its upper value, the most the firm says it needs."""

    amount: int
    hedged: bool = False
    low: int | None = None


_HEDGE_BEFORE: Final = re.compile(
    r"^(?:大概|大约|大致|约莫|约|差不多|估计|可能|预计|将近|接近|最多|about|around|approximately"
    r"|approx|roughly|maybe|~|～)"
)
_HEDGE_AFTER: Final = re.compile(r"(?:左右|上下|的样子|出头|吧|而已|或者更多|ish)$")
_HEDGE_INSIDE: Final = re.compile(
    r"(?<=[0-9零一二两三四五六七八九十百千])(?:来|多|余)(?=[十百千万亿wk])"
)
_RANGE: Final = re.compile(r"^(.+?)(?:-|~|～|—|–|到|至|to)(.+)$")
_CN_PAIR: Final = re.compile(r"^([一二两三四五六七八九])([一二两三四五六七八九])([十百千万亿].*)$")
_TRAILING_UNIT: Final = re.compile(rf"(?:{_UNIT_PATTERN}|w|k)?(?:元|块钱?)?$")
_CN_ORDER: Final = "一二两三四五六七八九"


def read_amount(text: str, *, max_yuan: int = DEFAULT_MAX_YUAN) -> AmountReading:
    """An amount typed with hedges or as a range; raise `AmountError` when not a number."""
    said = "".join(unicodedata.normalize("NFKC", text).lower().split())
    plain = _HEDGE_AFTER.sub("", _HEDGE_BEFORE.sub("", said))
    plain = _HEDGE_INSIDE.sub("", plain)
    hedged = plain != said
    pair = _range(plain)
    if pair is None:
        return AmountReading(parse_amount(plain or said, max_yuan=max_yuan), hedged)
    low, high = (parse_amount(p, max_yuan=max_yuan) for p in pair)
    if low >= high:
        raise AmountError.of("amount.not_a_number", "amount.not_a_number", value=text.strip())
    return AmountReading(high, True, low)


def _range(text: str) -> tuple[str, str] | None:
    """Both ends of "30-50万", "30万到50万", "三十到五十万" or "三五十万", each with its unit."""
    pair = _CN_PAIR.match(text)
    if pair and _CN_ORDER.index(pair[1]) < _CN_ORDER.index(pair[2]):
        return pair[1] + pair[3], pair[2] + pair[3]
    found = _RANGE.match(text)
    if found is None or text.startswith("-"):
        return None
    low, high = found[1], found[2]
    has_unit = _TRAILING_UNIT.search(low)
    unit = _TRAILING_UNIT.search(high)
    if unit is None or has_unit is None or has_unit[0] or not unit[0]:
        return low, high
    if low[-1] in "十百千":  # 三十到五十万: 五十 is the number, only 万 its unit
        return low + unit[0].lstrip("十百千"), high
    return low + unit[0], high

"""How long a firm has been in business, as owners say it: 3年, 18个月, 半年, 一年半,
2019年成立, 2019年3月, "3 years", "since 2019". Pure: the caller passes today's date."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

MAX_MONTHS: Final = 1200
_CN: Final = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}  # fmt: skip
_NUMBER: Final = r"(\d{1,3}(?:\.5)?|[一两二三四五六七八九十]{1,3})"
_SPAN: Final = re.compile(
    rf"(?:已经|已|有|大概|大约|约)?{_NUMBER}(个半)?(年|个?月|years?|yrs?|months?)(半)?(?:多|了|左右)*"
)
_FOUNDED: Final = re.compile(
    r"(?:since|founded(?:in)?|成立于|于)?((?:19|20)\d{2})(?:[年./-](\d{1,2})月?)?(?:年)?"
    r"(?:成立|注册|开业|开的|creation)?"
)


def parse_months_in_business(text: str, today: date) -> int | None:
    """Whole months in business, or None when the text says neither a span nor a founding date.
    A founding year without a month counts from that year's December, so a firm is never
    credited with more time than it said."""
    typed = re.sub(r"\s+", "", text.strip().lower())
    if typed in ("半年", "halfayear"):
        return 6
    found = _SPAN.fullmatch(typed)
    if found is not None:
        return _span(found)
    founded = _FOUNDED.fullmatch(typed)
    if founded is not None:
        return _since(int(founded.group(1)), founded.group(2), today)
    return None


def _span(found: re.Match[str]) -> int | None:
    number, unit = found.group(1), found.group(3)
    half = found.group(2) or found.group(4)
    count = float(number) if number[0].isdigit() else _chinese(number)
    if count is None:
        return None
    months = count * 12 if unit.startswith(("年", "y")) else count
    if half:
        months += 6 if unit.startswith("年") else 0.5
    whole = int(months)
    return whole if 0 <= whole <= MAX_MONTHS else None


def _chinese(number: str) -> float | None:
    """一 to 九十九 in Chinese numerals (十二, 二十, 三十五)."""
    if "十" not in number:
        return float(_CN[number]) if len(number) == 1 else None
    tens, _, ones = number.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return float((_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0))


def _since(year: int, month_text: str | None, today: date) -> int | None:
    month = int(month_text) if month_text else 12
    if not 1 <= month <= 12:
        return None
    months = (today.year - year) * 12 + today.month - month
    if months < 0:
        return 0 if (year, month_text) == (today.year, None) else None
    return min(months, MAX_MONTHS)

"""Unified social credit codes (统一社会信用代码, GB 32100-2015): parse, validate, describe.

An 18-character code: registration authority (1), category (1), administrative division (6),
organisation identifier (9) and a check character computed over the first 17 with mod-31 weights.
The organisation identifier's own GB 11714 check digit is not verified: the standard's check
character already catches every single-character typo, and some old individual-business codes
do not satisfy GB 11714.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from matching.errors import UsccError

USCC_LENGTH: Final = 18
CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES: Final = MappingProxyType({char: value for value, char in enumerate(CHARSET)})
_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(USCC_LENGTH - 1))
_REGION: Final = slice(2, 8)
_ZHEJIANG_PREFIX: Final = "33"
MARKET_REGULATION: Final = "9"
"""Authority code of 工商 / 市场监管, the registrar of enterprises and individual businesses."""

# Letters the standard leaves out because they look like digits; say which one was meant.
_LOOKALIKES: Final = MappingProxyType({"I": "1", "O": "0", "S": "5", "Z": "2"})


class UsccCategory(StrEnum):
    """What kind of registrant the code belongs to (2nd character under authority 9)."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    FARMER_COOP = "farmer_coop"
    OTHER = "other"


_MARKET_CATEGORIES: Final = MappingProxyType(
    {
        "1": UsccCategory.ENTERPRISE,
        "2": UsccCategory.INDIVIDUAL_BUSINESS,
        "3": UsccCategory.FARMER_COOP,
    }
)


@dataclass(frozen=True, slots=True)
class Uscc:
    """A validated unified social credit code and what its fixed positions say."""

    code: str
    authority: str
    category: UsccCategory
    region_code: str
    in_zhejiang: bool

    def __str__(self) -> str:
        return self.code


def normalize_uscc(text: str) -> str:
    """Fold full-width characters and case, drop whitespace: how people actually type codes."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(folded.split())


def uscc_check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a code."""
    body = normalize_uscc(first17)
    if len(body) != USCC_LENGTH - 1:
        raise UsccError.of(
            "uscc.length", "uscc.length", expected=USCC_LENGTH - 1, length=len(body), value=first17
        )
    _require_charset(body)
    total = sum(_VALUES[char] * weight for char, weight in zip(body, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def parse_uscc(text: str) -> Uscc:
    """Validate a typed code and describe it; raise `UsccError` naming the problem."""
    code = normalize_uscc(text)
    if len(code) != USCC_LENGTH:
        raise UsccError.of(
            "uscc.length", "uscc.length", expected=USCC_LENGTH, length=len(code), value=text
        )
    _require_charset(code)
    region = code[_REGION]
    if not (region.isascii() and region.isdigit()):
        raise UsccError.of("uscc.region", "uscc.region", region=region, value=code)
    if uscc_check_char(code[:-1]) != code[-1]:
        raise UsccError.of("uscc.checksum", "uscc.checksum", value=code)
    return Uscc(
        code=code,
        authority=code[0],
        category=_category(code[0], code[1]),
        region_code=region,
        in_zhejiang=region.startswith(_ZHEJIANG_PREFIX),
    )


def is_normal_valid_uscc(code: str) -> bool:
    """Whether `code` is a valid code already in normal form: the fast path for bulk imports
    (no normalising, no explanation; `parse_uscc` says what is wrong with the others)."""
    if len(code) != USCC_LENGTH or not code[_REGION].isdigit():
        return False
    try:
        values = [_VALUES[char] for char in code]
    except KeyError:
        return False
    total = sum(value * weight for value, weight in zip(values, _WEIGHTS, strict=False))
    return CHARSET[(31 - total % 31) % 31] == code[-1]


def is_valid_uscc(text: str) -> bool:
    """Whether `text` is a valid code once normalised (for filters; use parse_uscc to explain)."""
    try:
        parse_uscc(text)
    except UsccError:
        return False
    return True


def _require_charset(code: str) -> None:
    """Reject the first character outside the code's 31-character alphabet, by position."""
    for position, char in enumerate(code, start=1):
        if char in _VALUES:
            continue
        if char in _LOOKALIKES:
            raise UsccError.of(
                "uscc.charset",
                "uscc.charset_lookalike",
                char=char,
                position=position,
                suggestion=_LOOKALIKES[char],
            )
        raise UsccError.of("uscc.charset", "uscc.charset", char=char, position=position)


def _category(authority: str, category: str) -> UsccCategory:
    """Category from the 2nd character; only the market regulator's codes are distinguished."""
    if authority != MARKET_REGULATION:
        return UsccCategory.OTHER
    return _MARKET_CATEGORIES.get(category, UsccCategory.OTHER)

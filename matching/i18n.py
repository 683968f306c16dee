"""User-facing texts: one catalog per language, looked up by key.

Every sentence a firm owner, a bank or an operator reads comes from `matching/locales/<lang>.py`.
Code carries a `Text` (key + parameters) and renders it only at the edge, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from matching.locales import en, zh


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


DEFAULT_LANG = Lang.ZH

CATALOGS: Mapping[Lang, Mapping[str, str]] = MappingProxyType(
    {Lang.ZH: zh.MESSAGES, Lang.EN: en.MESSAGES}
)


def t(key: str, lang: Lang | str = DEFAULT_LANG, /, **params: Any) -> str:
    """The text for `key` in `lang`, with `params` rendered in that language and filled in."""
    language = Lang(lang)
    template = CATALOGS[language][key]
    return template.format(**{k: _render(v, language) for k, v in params.items()})


class Yuan(int):
    """Whole yuan, shown as people say it: 300万元, 1.2亿元; in English 3,000,000 yuan."""

    def render(self, lang: Lang) -> str:
        if lang is Lang.EN:
            return f"{int(self):,} yuan"
        for unit, size in (("亿", 100_000_000), ("万", 10_000)):
            if abs(self) >= size:
                return f"{_trim(int(self) / size)}{unit}元"
        return f"{int(self)}元"


def _trim(number: float) -> str:
    return f"{number:.4f}".rstrip("0").rstrip(".")


def _render(value: Any, lang: Lang) -> Any:
    if isinstance(value, Text | Yuan):
        return value.render(lang)
    if isinstance(value, tuple | list | frozenset):
        return ("、" if lang is Lang.ZH else ", ").join(str(_render(v, lang)) for v in value)
    return value


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence not yet rendered: its catalog key and the values it needs."""

    key: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, key: str, **params: Any) -> Text:
        return cls(key, MappingProxyType(dict(params)))

    def render(self, lang: Lang | str = DEFAULT_LANG) -> str:
        return t(self.key, lang, **self.params)

    @property
    def zh(self) -> str:
        return self.render(Lang.ZH)

    @property
    def en(self) -> str:
        return self.render(Lang.EN)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Text)
            and self.key == other.key
            and dict(self.params) == dict(other.params)
        )

"""The one small hierarchy of errors the matching core raises for bad input."""

from __future__ import annotations

from typing import Any

from matching.i18n import DEFAULT_LANG, Lang, Text


class MatchingError(ValueError):
    """Base of all matching-core errors. Carries a machine `code` and a user-facing `text`."""

    def __init__(self, code: str, text: Text, *, field: str | None = None) -> None:
        self.code = code
        self.text = text
        self.field = field
        super().__init__(code)

    def render(self, lang: Lang | str = DEFAULT_LANG) -> str:
        message = self.text.render(lang)
        if self.field:
            return Text.of("error.field", field=self.field, message=message).render(lang)
        return message

    def with_field(self, field: str) -> MatchingError:
        """Name the request field this error came from (kept if one is already named)."""
        self.field = self.field or field
        return self

    def __str__(self) -> str:
        return self.render(Lang.EN)

    @classmethod
    def of(cls, code: str, key: str, *, field: str | None = None, **params: Any) -> MatchingError:
        return cls(code, Text.of(key, **params), field=field)


class InputError(MatchingError):
    """A value typed by a person or sent by a client is not acceptable."""


class AmountError(InputError):
    """An amount of money could not be understood or is out of range."""


class UsccError(InputError):
    """A unified social credit code is malformed or its check character is wrong."""


class CatalogError(MatchingError):
    """A catalog file is invalid; the message names the file, the entry and the field."""

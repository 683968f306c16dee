"""The one small hierarchy of refusals the use cases raise; each carries its HTTP status.

An expected refusal (limit reached, not yours, not allowed now) is one of these, never a database
error. The message is a `Text`, rendered in the reader's language at the edge.
"""

from __future__ import annotations

from typing import Any, ClassVar

from matching.i18n import DEFAULT_LANG, Lang, Text


class StorageError(Exception):
    """Base of the use cases' refusals: a machine `code`, a `Text`, and an HTTP status."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, text: Text, *, field: str | None = None) -> None:
        self.code = code
        self.text = text
        self.field = field
        super().__init__(code)

    @classmethod
    def of(cls, code: str, *, field: str | None = None, **params: Any) -> StorageError:
        """The error `code` with the catalog's text `error.<code>`."""
        return cls(code, Text.of(f"error.{code}", **params), field=field)

    def render(self, lang: Lang | str = DEFAULT_LANG) -> str:
        return self.text.render(lang)

    def __str__(self) -> str:
        return self.render(Lang.EN)


class NotFound(StorageError):
    """No such thing, or not the caller's to see: another bank's lead is "not found", not
    "forbidden", so its existence is not given away."""

    status = 404


class NotAllowed(StorageError):
    """The caller's role may not do this at all."""

    status = 403


class Conflict(StorageError):
    """The request is understood but the state of things refuses it."""

    status = 409


class LimitReached(Conflict):
    """The firm is served by as many banks as the 3/2 limit allows (001 §七)."""


class AlreadyHeld(Conflict):
    """The bank already holds (or held) this need."""


class IllegalTransition(Conflict):
    """The lead's status does not allow this step (e.g. a visit before accepting)."""


class NotEligible(Conflict):
    """The bank has no product that fits this need, or the need is not open to banks."""


class InvalidInput(StorageError):
    """A value sent is not acceptable; `field` names it."""

    status = 422

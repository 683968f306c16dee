"""What the conversation needs from the rest of the system, as a protocol the engine calls.

It speaks the plain values of `matching` (a `NeedDraft` in, a `Registration` out) and imports
nothing of storage: `DbWorld` (bot/db_world.py) is the real one, on the database's use cases; an
in-memory one runs the engine's tests without a database. The engine itself knows nothing of
sessions or Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from matching.catalog import Catalog
from matching.i18n import Lang
from matching.registration import (
    Amendment,
    NeedDraft,
    NeedProgress,
    Registration,
    SourceRef,
)


@dataclass(frozen=True, slots=True)
class KnownName:
    """A firm the system knows (registered before, or on a campaign list), for "您是不是指"."""

    name: str
    uscc: str = ""


class Refused(Exception):
    """The registration was refused for a reason the user can fix; `text` says which."""

    def __init__(self, text: str, field: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.field = field


class Texted(StrEnum):
    """What became of a code asked to be texted to the contact phone."""

    SENT = "sent"
    WAIT = "wait"  # too many codes to that phone, or from this chat, this hour
    FAILED = "failed"  # the gateway did not take it


class Typed(StrEnum):
    """What a code typed back was."""

    RIGHT = "right"
    WRONG = "wrong"
    NONE = "none"  # no code is good any more: ten minutes passed, or five wrong tries


@dataclass(frozen=True, slots=True)
class CodeText:
    outcome: Texted
    wait_minutes: int = 0


@dataclass(frozen=True, slots=True)
class CodeCheck:
    outcome: Typed
    tries_left: int = 0


class World(Protocol):
    def catalog(self) -> Catalog: ...

    def source(self, payload: str) -> SourceRef | None:
        """The active QR source of a start payload; None for unknown, inactive or malformed."""
        ...

    def similar_names(self, name: str, *, chat_id: int | None = None) -> tuple[KnownName, ...]:
        """Known firms that may be the one named `name`, best first (at most 3); the firms
        `chat_id` registered before come first."""
        ...

    def register(
        self, *, chat_id: int, lang: Lang, draft: NeedDraft, second: bool = False
    ) -> Registration:
        """Register the draft as a need (a `second` one beside the firm's open need, when the
        firm says so); raise `Refused` with a text in `lang` if it cannot be."""
        ...

    def amend(self, *, chat_id: int, lang: Lang, need_id: int, draft: NeedDraft) -> Amendment:
        """Write the draft's answers onto the open need `need_id` this chat registered; raise
        `Refused` with a text in `lang` if the rules do not allow it."""
        ...

    def progress(self, chat_id: int) -> tuple[NeedProgress, ...]:
        """The chat's needs, newest first, with their leads."""
        ...

    def erase(self, chat_id: int) -> int:
        """Withdraw consent for every firm this chat registered; how many needs were erased."""
        ...

    def confirms_phones(self) -> bool:
        """Whether a contact phone is confirmed by a code texted to it before submitting (the
        web chat with SMS on); Telegram's shared contact is its owner's already."""
        ...

    def text_code(self, *, chat_id: int, phone: str, lang: Lang) -> CodeText:
        """Text a new one-time code to `phone`, within the limits on sends."""
        ...

    def check_code(self, *, chat_id: int, phone: str, code: str) -> CodeCheck:
        """Whether `code` is the code last texted to `phone` for this chat, still good."""
        ...

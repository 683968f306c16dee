"""What the conversation needs from the rest of the system, as a protocol the engine calls.

`DbWorld` (bot/db_world.py) is the real one, on the database's use cases; the engine itself knows
nothing of sessions or Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from db.intake.amend import Amendment
from db.intake.register import Registration
from db.leads.views import NeedProgress
from matching.catalog import Catalog
from matching.i18n import Lang


@dataclass(frozen=True, slots=True)
class SourceRef:
    """The QR code a conversation was started from."""

    id: int
    token: str
    kind: str
    target: str
    label: str


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
        self, *, chat_id: int, lang: Lang, draft: dict[str, Any], second: bool = False
    ) -> Registration:
        """Register the draft as a need (a `second` one beside the firm's open need, when the
        firm says so); raise `Refused` with a text in `lang` if it cannot be."""
        ...

    def amend(self, *, chat_id: int, lang: Lang, need_id: int, draft: dict[str, Any]) -> Amendment:
        """Write the draft's answers onto the open need `need_id` this chat registered; raise
        `Refused` with a text in `lang` if the rules do not allow it."""
        ...

    def progress(self, chat_id: int) -> tuple[NeedProgress, ...]:
        """The chat's needs, newest first, with their leads."""
        ...

    def erase(self, chat_id: int) -> int:
        """Withdraw consent for every firm this chat registered; how many needs were erased."""
        ...

"""A scripted user talking to the real engine, storage and world, without Telegram (or to the
engine on an in-memory world: `tests/bot/fakeworld.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Protocol

from sqlalchemy import Engine

from bot.chat import ChatService
from bot.db_world import DbWorld
from bot.events import Button, Command, ContactShared, Event, Pressed, Reply, Typed, Unsupported

_update_ids = count(1)


class Chats(Protocol):
    """What answers a chat's events: `ChatService`, or the tests' in-memory one."""

    def handle(
        self, chat_id: int, event: Event, update_id: int | None = None
    ) -> Sequence[Reply]: ...


@dataclass
class Driver:
    """A user of chat `chat_id`; `service` answers it (the real one on `engine` if not given)."""

    engine: Engine | None
    chat_id: int = 1001
    replies: list[Reply] = field(default_factory=list)  # of the last event
    transcript: list[Reply] = field(default_factory=list)
    keyboard: list[Button] = field(default_factory=list)  # buttons of the latest question
    service: Chats = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.service is None:
            assert self.engine is not None
            self.service = ChatService(self.engine, DbWorld(self.engine))

    def event(self, event: Event, update_id: int | None = None) -> list[Reply]:
        uid = update_id if update_id is not None else next(_update_ids)
        self.replies = list(self.service.handle(self.chat_id, event, uid))
        self.transcript += self.replies
        for reply in self.replies:
            if reply.buttons or (reply.text and not reply.edit):
                self.keyboard = [b for row in reply.buttons for b in row]
        return self.replies

    def send(self, text: str) -> list[Reply]:
        return self.event(Command.parse(text) if text.startswith("/") else Typed(text))

    def press(self, label: str) -> list[Reply]:
        return self.event(Pressed(self.button(label).data, message_id=1))

    def button(self, label: str) -> Button:
        exact = [b for b in self.keyboard if b.label == label]
        near = [b for b in self.keyboard if label in b.label]
        found = exact or near
        labels = [b.label for b in self.keyboard]
        assert len(found) == 1, f"no single button {label!r} in {labels}"
        return found[0]

    def contact(self, phone: str, name: str = "张三") -> list[Reply]:
        return self.event(ContactShared(phone, name))

    def sticker(self) -> list[Reply]:
        return self.event(Unsupported("sticker"))

    @property
    def text(self) -> str:
        """Everything the last event's replies said, toasts included."""
        return "\n".join(r.text or r.toast or "" for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.keyboard]

"""One chat's event, end to end: load its state, let the engine answer, store the new state.

Used alike by the Telegram adapter and the terminal. A redelivered update (an `update_id` not
newer than the last one stored) changes nothing; a save that lost a race with another worker
is tried again from a fresh read.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from bot.engine import Outcome, handle
from bot.events import Event, Reply
from bot.state import ChatState, Step
from bot.world import World
from db.intake.conversations import StaleConversation, StoredChat, forget_chat, load_chat, save_chat
from matching.i18n import Lang

log = logging.getLogger(__name__)

ATTEMPTS = 3


class ChatService:
    def __init__(self, engine: Engine, world: World) -> None:
        self.engine = engine
        self.world = world

    def handle(self, chat_id: int, event: Event, update_id: int | None = None) -> tuple[Reply, ...]:
        """The replies to one event; () for an update already handled."""
        for attempt in range(1, ATTEMPTS + 1):
            stored = load_chat(self.engine, chat_id)
            if _seen(stored, update_id):
                log.info("chat %s: update %s already handled", chat_id, update_id)
                return ()
            outcome = handle(state_of(stored), event, self.world, chat_id=chat_id)
            try:
                self._store(chat_id, stored, outcome, update_id)
            except StaleConversation:
                log.info("chat %s changed meanwhile; answering again (%d)", chat_id, attempt)
                continue
            return outcome.replies
        raise StaleConversation.of("conversation_changed")

    def _store(
        self, chat_id: int, stored: StoredChat | None, outcome: Outcome, update_id: int | None
    ) -> None:
        state, marks = outcome.state, outcome.marks
        if outcome.forget:
            forget_chat(self.engine, chat_id=chat_id)
            return
        save_chat(
            self.engine,
            chat_id=chat_id,
            step=state.step.value,
            draft=state.draft,
            language=state.lang.value,
            read_version=stored.version if stored else None,
            update_id=update_id if update_id is not None else _last(stored),
            scanned="scanned" in marks,
            consented="consented" in marks,
        )


def _seen(stored: StoredChat | None, update_id: int | None) -> bool:
    last = stored.last_update_id if stored else None
    return update_id is not None and last is not None and update_id <= last


def _last(stored: StoredChat | None) -> int | None:
    return stored.last_update_id if stored else None


def state_of(stored: StoredChat | None) -> ChatState:
    """The chat's state as stored; a step this version no longer knows starts over."""
    if stored is None:
        return ChatState()
    try:
        step, lang = Step(stored.step), Lang(stored.language)
    except ValueError:
        log.warning("unknown step %r or language %r; starting over", stored.step, stored.language)
        return ChatState()
    return ChatState(step, lang, dict(stored.draft))

"""One chat's event, end to end: hold its conversation, let the engine answer, store the new
state.

Used alike by the Telegram adapter and the terminal. The chat is held for the whole turn
(db/intake/conversations.py: on PostgreSQL across processes, on SQLite within the one process), so
workers given updates of one chat at once handle them one after the other; a save that still
finds the conversation changed (SQLite written by another process) is answered again from a
fresh read. Each update is handled once: the ids of the chat's last `RECENT` updates are kept
with its state, and one of them delivered again changes nothing and gets no reply. An update
arriving after a newer one of its chat (two webhook deliveries racing) is still handled, in its
turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine

from bot.engine import Outcome, handle
from bot.events import Event, Reply
from bot.state import ChatState, Step
from bot.world import World
from db.intake.conversations import OpenChat, StaleConversation, StoredChat, open_chat
from matching.i18n import Lang

log = logging.getLogger(__name__)

ATTEMPTS = 3
RECENT = 32
"""Update ids kept per chat to know a redelivery; an older one than all of them is taken as
one too (Telegram redelivers within minutes; a chat sends no 32 updates meanwhile)."""
HANDLED = "_updates"
"""The draft's key for them: the conversation's bookkeeping, never shown to the engine."""


class ChatService:
    """`wording`: the channel whose variants of the texts the chats are told (`web`)."""

    def __init__(self, engine: Engine, world: World, *, wording: str | None = None) -> None:
        self.engine = engine
        self.world = world
        self.wording = wording

    def handle(self, chat_id: int, event: Event, update_id: int | None = None) -> tuple[Reply, ...]:
        """The replies to one event; () for an update already handled."""
        outcome = self.turn(chat_id, event, update_id)
        return outcome.replies if outcome is not None else ()

    def turn(
        self, chat_id: int, event: Event, update_id: int | None = None, *,
        also: Callable[[Outcome, Connection], None] | None = None,
    ) -> Outcome | None:  # fmt: skip
        """The engine's outcome of one event, stored; None for an update already handled.
        `also` writes what goes with the outcome in the same transaction as the chat's state
        (the web chat's session: on SQLite one write per answer, and never one without the
        other)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with open_chat(self.engine, chat_id) as chat:
                    if seen(chat.stored, update_id):
                        log.info("chat %s: update %s already handled", chat_id, update_id)
                        return None
                    outcome = handle(
                        state_of(chat.stored), event, self.world, chat_id=chat_id,
                        wording=self.wording,
                    )  # fmt: skip
                    with_it = None if also is None else partial(also, outcome)
                    _store(chat, outcome, update_id, with_it)
                    return outcome
            except StaleConversation:
                log.info("chat %s changed meanwhile; answering again (%d)", chat_id, attempt)
        raise StaleConversation.of("conversation_changed")


def _store(
    chat: OpenChat, outcome: Outcome, update_id: int | None,
    also: Callable[[Connection], None] | None,
) -> None:  # fmt: skip
    state, marks = outcome.state, outcome.marks
    if outcome.forget:
        chat.forget(also)
        return
    handled = _handled(chat.stored, update_id)
    chat.save(
        step=state.step.value,
        draft={**state.draft, HANDLED: handled},
        language=state.lang.value,
        update_id=max([*handled, *_last(chat.stored)], default=None),  # the newest handled
        scanned="scanned" in marks,
        consented="consented" in marks,
        also=also,
    )


def seen(stored: StoredChat | None, update_id: int | None) -> bool:
    """Whether this update of the chat was handled before (a redelivery)."""
    if update_id is None or stored is None:
        return False
    recent = _recent(stored)
    if not recent:  # stored before the ids were kept: the newest one only
        return stored.last_update_id is not None and update_id <= stored.last_update_id
    return update_id in recent or (len(recent) >= RECENT and update_id < min(recent))


def _recent(stored: StoredChat | None) -> list[int]:
    found: Any = stored.draft.get(HANDLED) if stored else None
    return [int(i) for i in found] if isinstance(found, list) else []


def _last(stored: StoredChat | None) -> list[int]:
    return [stored.last_update_id] if stored and stored.last_update_id is not None else []


def _handled(stored: StoredChat | None, update_id: int | None) -> list[int]:
    recent = _recent(stored)
    if update_id is not None:
        recent = sorted({*recent, update_id})[-RECENT:]
    return recent


def state_of(stored: StoredChat | None) -> ChatState:
    """The chat's state as stored; a step this version no longer knows starts over."""
    if stored is None:
        return ChatState()
    try:
        step, lang = Step(stored.step), Lang(stored.language)
    except ValueError:
        log.warning("unknown step %r or language %r; starting over", stored.step, stored.language)
        return ChatState()
    draft = {k: v for k, v in stored.draft.items() if k != HANDLED}
    return ChatState(step, lang, draft)

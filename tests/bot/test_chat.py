"""Which updates of a chat count as delivered again (bot/chat.py's `seen`)."""

from __future__ import annotations

from bot.chat import HANDLED, RECENT, seen, state_of
from db.intake.conversations import StoredChat


def stored(handled: list[int] | None, last: int | None) -> StoredChat:
    draft = {"name": "鑫达"} if handled is None else {"name": "鑫达", HANDLED: handled}
    return StoredChat("name", draft, "zh", 3, last)


def test_an_update_among_the_chats_recent_ones_is_a_redelivery_an_older_new_one_is_not() -> None:
    chat = stored([10, 12], 12)
    assert seen(chat, 12) and seen(chat, 10)
    assert not seen(chat, 11) and not seen(chat, 13)
    assert not seen(None, 1) and not seen(chat, None)


def test_older_than_a_full_window_is_a_redelivery() -> None:
    full = stored(list(range(100, 100 + RECENT)), 100 + RECENT - 1)
    assert seen(full, 99) and not seen(full, 100 + RECENT)


def test_a_conversation_stored_before_the_ids_were_kept_goes_by_its_last_update() -> None:
    chat = stored(None, 12)
    assert seen(chat, 12) and seen(chat, 11) and not seen(chat, 13)


def test_the_engine_never_sees_the_bookkeeping() -> None:
    assert state_of(stored([10], 10)).draft == {"name": "鑫达"}

"""Bot conversations kept in the database, so a restart or another worker loses nothing.

A turn (one update of one chat) opens the chat with `open_chat` and holds it until it has stored
the new state. On PostgreSQL that is a lock on the chat's id held for the whole turn (an advisory
lock, not the row's: a chat may have no row yet, and erasing a firm deletes its chats' rows on a
connection of its own, in the middle of the turn), so two workers given updates of the same chat
at once handle them one after the other. SQLite is one process (development, `yinqi bot`): a
turn cannot hold its write lock (the registration it may make writes on a connection of its
own), so a lock of the process per chat serialises the turns instead. Besides, a save names the
version it read, and one from a stale read (another process on the same file) is refused with
`StaleConversation`, to be answered again from a fresh read. Many processes: PostgreSQL.

Every update of every chat reads and writes here, so these are plain Core statements on a
connection of their own, built once: through an ORM session they cost several times more (a
third of the bot's CPU per update, bench/bot.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from db.core.engine import is_sqlite, read_only
from db.core.errors import Conflict
from db.models import Conversation, Scan, utcnow

_CHAT = Conversation.__table__.c  # type: ignore[attr-defined]
_SCAN = Scan.__table__.c  # type: ignore[attr-defined]
_LOAD = select(
    _CHAT.step, _CHAT.draft, _CHAT.language, _CHAT.version, _CHAT.last_update_id
).where(_CHAT.chat_id == bindparam("chat_id"))
_LOCK = text("SELECT pg_advisory_xact_lock(:high, :low)")
"""The chat's turn: PostgreSQL's two-key advisory locks (register and withdrawal lock firms with
one-key ones; the outbox's sender takes one two-key lock whose first key no chat id's upper half
reaches), the chat's id split into its two halves."""
_SAVE = (  # the new values come with the parameters: {"chat", "read", "step", "draft", …}
    update(Conversation)
    .where(_CHAT.chat_id == bindparam("chat"), _CHAT.version == bindparam("read"))
    .values(version=bindparam("read") + 1)
)
_INSERT = insert(Conversation)
_SCANNED = insert(Scan).returning(_SCAN.id)
_CONSENTED = update(Scan).where(_SCAN.id == bindparam("scan_id"))
_FORGET = delete(Conversation).where(_CHAT.chat_id == bindparam("chat_id"))


class StaleConversation(Conflict):
    """The conversation changed since it was read."""


@dataclass(frozen=True, slots=True)
class StoredChat:
    step: str
    draft: dict[str, Any]
    language: str
    version: int
    last_update_id: int | None


def load_chat(engine: Engine, chat_id: int) -> StoredChat | None:
    """The chat's stored state (a read: on SQLite it takes no write lock)."""
    with read_only(engine) as connection:
        row = connection.execute(_LOAD, {"chat_id": chat_id}).first()
    return _stored(row)


def _stored(row: Any) -> StoredChat | None:
    if row is None:
        return None
    return StoredChat(row.step, dict(row.draft), row.language, row.version, row.last_update_id)


class OpenChat:
    """A chat held for one turn: its stored state (None: none yet), then `save` or `forget`."""

    def __init__(
        self, engine: Engine, chat_id: int, stored: StoredChat | None, *,
        connection: Connection | None = None,
    ) -> None:  # fmt: skip
        self.engine, self.chat_id, self.stored = engine, chat_id, stored
        self._connection = connection  # PostgreSQL: the locking transaction's

    def save(
        self,
        *,
        step: str,
        draft: dict[str, Any],
        language: str,
        update_id: int | None,
        scanned: bool = False,
        consented: bool = False,
        now: datetime | None = None,
        also: Callable[[Connection], None] | None = None,
    ) -> None:
        """Store the chat's new state. `scanned` records a scan of the draft's QR source,
        `consented` stamps that scan: the top of its funnel. `also` writes what goes with the
        state in the same transaction (stored together or not at all)."""
        now = now or utcnow()
        draft = dict(draft)
        source = draft.get("_source") or {}
        values = {
            "step": step,
            "language": language,
            "source_id": source.get("id"),
            "last_update_id": update_id,
            "updated_at": now,
        }
        try:
            with self._transaction() as connection:
                _record_scan(connection, draft, scanned=scanned, consented=consented, now=now)
                _write(connection, self.chat_id, _version(self.stored), draft, values, now)
                if also is not None:
                    also(connection)
        except IntegrityError:  # another worker stored this chat's first state meanwhile
            raise StaleConversation.of("conversation_changed") from None

    def forget(self, also: Callable[[Connection], None] | None = None) -> None:
        """Keep nothing of the chat: consent declined, or its data erased (`also` as `save`)."""
        with self._transaction() as connection:
            connection.execute(_FORGET, {"chat_id": self.chat_id})
            if also is not None:
                also(connection)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self._connection is not None:
            yield self._connection  # committed when the turn ends
            return
        with self.engine.begin() as connection:
            yield connection


def _version(stored: StoredChat | None) -> int | None:
    return stored.version if stored else None


def _write(
    connection: Connection, chat_id: int, read_version: int | None, draft: dict[str, Any],
    values: dict[str, Any], now: datetime,
) -> None:  # fmt: skip
    """Over the version read (None: there was no row), or refused with `StaleConversation`."""
    if read_version is None:
        row = {"chat_id": chat_id, "version": 0, "created_at": now, "draft": draft, **values}
        connection.execute(_INSERT, row)
        return
    done = connection.execute(
        _SAVE, {"chat": chat_id, "read": read_version, "draft": draft, **values}
    )
    if done.rowcount != 1:
        raise StaleConversation.of("conversation_changed")


@contextmanager
def open_chat(engine: Engine, chat_id: int) -> Iterator[OpenChat]:
    """Hold the chat for one turn (see the module's doc): no other turn of the chat starts
    before the block ends (on SQLite: of this process). On PostgreSQL what the turn stored is
    committed then; on SQLite each write is a transaction of its own."""
    if is_sqlite(engine):
        with _TURNS.hold((engine.url.database or "", chat_id)):
            yield OpenChat(engine, chat_id, load_chat(engine, chat_id))
        return
    with engine.begin() as connection:  # committed when the turn ends, rolled back if it fails
        connection.execute(_LOCK, _halves(chat_id))
        stored = _stored(connection.execute(_LOAD, {"chat_id": chat_id}).first())
        yield OpenChat(engine, chat_id, stored, connection=connection)


class _Turns:
    """SQLite: this process's turns of each chat (of each database file), one after the other."""

    WAIT_S = 30.0

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[tuple[str, int], tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: tuple[str, int]) -> Iterator[None]:
        with self._guard:
            lock, users = self._held.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            if not lock.acquire(timeout=self.WAIT_S):
                raise TimeoutError(f"chat {key[1]}: no turn within {self.WAIT_S:g} s")
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._held[key]


_TURNS = _Turns()


def _halves(chat_id: int) -> dict[str, int]:
    """A 64-bit id as the two signed 32-bit keys of an advisory lock."""
    low = chat_id & 0xFFFFFFFF
    return {"high": chat_id >> 32, "low": low - (1 << 32) if low >= 1 << 31 else low}


def _record_scan(
    connection: Connection, draft: dict[str, Any], *, scanned: bool, consented: bool,
    now: datetime,
) -> None:  # fmt: skip
    source = draft.get("_source") or {}
    if scanned and source.get("id"):
        draft["_scan"] = connection.execute(
            _SCANNED, {"source_id": source["id"], "scanned_at": now}
        ).scalar_one()
    if consented and draft.get("_scan"):
        connection.execute(_CONSENTED, {"scan_id": draft["_scan"], "consented_at": now})

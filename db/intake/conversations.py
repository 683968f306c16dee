"""Bot conversations kept in the database, so a restart or a second worker loses nothing.

Writes are optimistic: a save names the version it read, and a save from a stale read (another
worker answered the same chat meanwhile) is refused with `StaleConversation`, to be tried again.

Every update of every chat reads and writes here, so these are plain Core statements on a
connection of their own, built once: through an ORM session they cost several times more (a
third of the bot's CPU per update, bench/bot.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.core.engine import READ_ONLY
from db.core.errors import Conflict
from db.models import Conversation, Scan, utcnow

_CHAT = Conversation.__table__.c  # type: ignore[attr-defined]
_SCAN = Scan.__table__.c  # type: ignore[attr-defined]
_LOAD = select(
    _CHAT.step, _CHAT.draft, _CHAT.language, _CHAT.version, _CHAT.last_update_id
).where(_CHAT.chat_id == bindparam("chat_id"))
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
    with engine.connect() as connection:
        found = connection.execution_options(**{READ_ONLY: True}).execute(
            _LOAD, {"chat_id": chat_id}
        )
        row = found.first()
        connection.rollback()
    if row is None:
        return None
    return StoredChat(row.step, dict(row.draft), row.language, row.version, row.last_update_id)


def save_chat(
    engine: Engine,
    *,
    chat_id: int,
    step: str,
    draft: dict[str, Any],
    language: str,
    read_version: int | None,
    update_id: int | None,
    scanned: bool = False,
    consented: bool = False,
    now: datetime | None = None,
) -> None:
    """Store the chat's state over the version read (None: there was none), in one transaction.
    `scanned` records a scan of the draft's QR source, `consented` stamps that scan: the top of
    its funnel."""
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
        with engine.begin() as connection:
            _record_scan(connection, draft, scanned=scanned, consented=consented, now=now)
            if read_version is None:
                connection.execute(
                    _INSERT,
                    {"chat_id": chat_id, "version": 0, "created_at": now, "draft": draft, **values},
                )
                return
            done = connection.execute(
                _SAVE, {"chat": chat_id, "read": read_version, "draft": draft, **values}
            )
            if done.rowcount != 1:
                raise StaleConversation.of("conversation_changed")
    except IntegrityError:  # another worker stored this chat's first state meanwhile
        raise StaleConversation.of("conversation_changed") from None


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


def forget_chat(engine: Engine, *, chat_id: int) -> None:
    """Keep nothing of a chat: consent declined, or its data erased."""
    with engine.begin() as connection:
        connection.execute(_FORGET, {"chat_id": chat_id})

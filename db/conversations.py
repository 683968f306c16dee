"""Bot conversations kept in the database, so a restart or a second worker loses nothing.

Writes are optimistic: a save names the version it read, and a save from a stale read (another
worker answered the same chat meanwhile) is refused with `StaleConversation`, to be tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.errors import Conflict
from db.models import Conversation, Scan, utcnow
from db.unit import use_case


class StaleConversation(Conflict):
    """The conversation changed since it was read."""


@dataclass(frozen=True, slots=True)
class StoredChat:
    step: str
    draft: dict[str, Any]
    language: str
    version: int
    last_update_id: int | None


def load_chat(session: Session, chat_id: int) -> StoredChat | None:
    row = session.exec(select(Conversation).where(Conversation.chat_id == chat_id)).first()
    if row is None:
        return None
    return StoredChat(row.step, dict(row.draft), row.language, row.version, row.last_update_id)


@use_case
def save_chat(
    session: Session,
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
    """Store the chat's state over the version read (None: there was none). `scanned` records
    a scan of the draft's QR source, `consented` stamps that scan: the top of its funnel."""
    now = now or utcnow()
    draft = dict(draft)
    source = draft.get("_source") or {}
    if scanned and source.get("id"):
        scan = Scan(source_id=source["id"], scanned_at=now)
        session.add(scan)
        session.flush()
        draft["_scan"] = scan.id
    if consented and draft.get("_scan"):
        session.execute(
            update(Scan).where(col(Scan.id) == draft["_scan"]).values(consented_at=now)
        )
    values = {
        "step": step,
        "draft": draft,
        "language": language,
        "source_id": source.get("id"),
        "last_update_id": update_id,
        "updated_at": now,
    }
    if read_version is None:
        _insert(session, chat_id, values, now)
        return
    done = session.execute(
        update(Conversation)
        .where(col(Conversation.chat_id) == chat_id, col(Conversation.version) == read_version)
        .values(version=read_version + 1, **values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleConversation.of("conversation_changed")


def _insert(session: Session, chat_id: int, values: dict[str, Any], now: datetime) -> None:
    try:
        with session.begin_nested():
            session.add(Conversation(chat_id=chat_id, version=0, created_at=now, **values))
    except IntegrityError:
        raise StaleConversation.of("conversation_changed") from None


@use_case
def forget_chat(session: Session, *, chat_id: int) -> None:
    """Keep nothing of a chat: consent declined, or its data erased."""
    session.execute(delete(Conversation).where(col(Conversation.chat_id) == chat_id))

"""Web chat sessions: a browser known by the random id its cookie carries (only the id's
SHA-256 is stored), speaking with the conversation engine as a chat id of its own.

Web chats take ids in `WEB_CHATS`, above every id Telegram gives (at most 52 significant bits),
so `bot/chat.py` and the conversation table serve them unchanged. A session is held for its
whole turn (`held`: on PostgreSQL a row lock across processes, on SQLite a lock of the one
process), so a double tap is answered once and its transcript is never written over. Sessions
that never consented are dropped after `UNCONSENTED_IDLE` idle, with their conversations, so a
flood of new sessions cannot fill the database (`expire_unconsented`, run as sessions are made).
A chat's status page opens with its own key or with one an SMS notice carried (`status_link`,
minted per SMS: the page's own key is stored only hashed); withdrawing revokes them all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.core.engine import is_sqlite, read_only, reading
from db.models import Conversation, StatusLink, WebSession, utcnow

WEB_CHATS: Final = range(2**53, 2**53 + 2**52)
"""Chat ids of web sessions: Telegram's have at most 52 significant bits, the terminal's is -1."""
UNCONSENTED_IDLE: Final = timedelta(hours=2)
"""How long a session that never agreed to the terms is kept after its last request."""

_TABLE = WebSession.__table__  # type: ignore[attr-defined]
_WEB = _TABLE.c
_CHAT = Conversation.__table__.c  # type: ignore[attr-defined]
_LINK = StatusLink.__table__.c  # type: ignore[attr-defined]
# every answer reads and writes its session: statements built once
_FIND = select(_TABLE).where(_WEB.id_hash == bindparam("id_hash"))
_HOLD = _FIND.with_for_update()
_SAVE = (
    update(WebSession)
    .where(_WEB.id == bindparam("session"))
    .values(
        transcript=bindparam("transcript", type_=_WEB.transcript.type),
        turns=bindparam("turns"),
        token=bindparam("token"),
        last_seen_at=bindparam("seen", type_=_WEB.last_seen_at.type),
        consented_at=func.coalesce(
            _WEB.consented_at, bindparam("stamp", type_=_WEB.consented_at.type)
        ),
    )
)


def is_web_chat(chat_id: int | None) -> bool:
    """Whether a chat id is a web session's (its firm has no Telegram chat to be told in)."""
    return chat_id is not None and chat_id in WEB_CHATS


def hashed(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class WebChat:
    """A session as stored: its chat, the code it last opened, its answers so far, and the
    messages its page shows."""

    id: int
    chat_id: int
    token: str | None
    turns: int
    transcript: list[dict[str, Any]]
    consented: bool
    has_status_link: bool

    @classmethod
    def of(cls, row: Any) -> WebChat:
        return cls(
            row.id, row.chat_id, row.token, row.turns, list(row.transcript),
            row.consented_at is not None, row.status_hash is not None,
        )  # fmt: skip


def new_session(engine: Engine, *, now: datetime | None = None) -> tuple[str, WebChat]:
    """A new session: the secret its cookie carries, and the session. Idle sessions that
    never consented are dropped first."""
    now = now or utcnow()
    expire_unconsented(engine, now=now)
    for _ in range(3):  # two random chat ids alike: about one in 2**26 after 2**26 sessions
        secret = secrets.token_urlsafe(32)
        chat_id = WEB_CHATS.start + secrets.randbelow(len(WEB_CHATS))
        row = {"id_hash": hashed(secret), "chat_id": chat_id, "turns": 0, "transcript": []}
        try:
            with engine.begin() as connection:
                made = connection.execute(
                    insert(WebSession).returning(_WEB.id),
                    {**row, "created_at": now, "last_seen_at": now},
                ).scalar_one()
        except IntegrityError:
            continue
        return secret, WebChat(made, chat_id, None, 0, [], False, False)
    raise RuntimeError("no free web chat id")


def find_session(engine: Engine, secret: str) -> WebChat | None:
    """The session a cookie's id names; None for an unknown (or expired) one. Read on a plain
    connection, as the conversation is: every answer reads it."""
    with read_only(engine) as connection:
        found = connection.execute(_FIND, {"id_hash": hashed(secret)}).first()
    return WebChat.of(found) if found else None


class HeldSession:
    """A session held for one turn: as read, then `save`d (`chat` then as saved)."""

    def __init__(self, connection: Connection | None, engine: Engine, chat: WebChat) -> None:
        self._connection, self._engine, self.chat = connection, engine, chat

    def save(
        self, *, transcript: list[dict[str, Any]], turns: int, token: str | None,
        consented: bool, now: datetime | None = None, within: Connection | None = None,
    ) -> None:  # fmt: skip
        """Store the turn's outcome; `consented` stamps the session once (it is kept then).
        Written in the holding transaction (PostgreSQL), else in `within` (SQLite: the one that
        stores the chat's state), else in a transaction of its own."""
        now = now or utcnow()
        values = {
            "session": self.chat.id, "transcript": transcript, "turns": turns, "token": token,
            "seen": now, "stamp": now if consented else None,
        }  # fmt: skip
        connection = self._connection if self._connection is not None else within
        if connection is not None:
            connection.execute(_SAVE, values)
        else:
            with self._engine.begin() as connection:
                connection.execute(_SAVE, values)
        self.chat = dataclasses.replace(
            self.chat, transcript=transcript, turns=turns, token=token,
            consented=self.chat.consented or consented,
        )  # fmt: skip


@contextmanager
def held(engine: Engine, secret: str) -> Iterator[HeldSession | None]:
    """Hold the cookie's session for one turn (None: no such session): no other turn of it
    starts before the block ends. On PostgreSQL what was saved is committed then."""
    if is_sqlite(engine):
        with _SESSIONS.hold(secret):
            found = find_session(engine, secret)
            yield HeldSession(None, engine, found) if found else None
        return
    with engine.begin() as connection:
        row = connection.execute(_HOLD, {"id_hash": hashed(secret)}).first()
        yield HeldSession(connection, engine, WebChat.of(row)) if row else None


def expire_unconsented(engine: Engine, *, now: datetime | None = None) -> int:
    """Drop sessions idle for `UNCONSENTED_IDLE` that never agreed to the terms, and their
    conversations (a consent screen and a code's token: nothing of a firm); how many."""
    cut = (now or utcnow()) - UNCONSENTED_IDLE
    idle = select(_WEB.chat_id).where(_WEB.consented_at.is_(None), _WEB.last_seen_at < cut)
    with engine.begin() as connection:
        connection.execute(delete(Conversation).where(_CHAT.chat_id.in_(idle)))
        done = connection.execute(
            delete(WebSession).where(_WEB.consented_at.is_(None), _WEB.last_seen_at < cut)
        )
    return int(done.rowcount or 0)


def open_status(engine: Engine, chat_id: int, key: str) -> None:
    """Let `key` open the status page of this web chat's needs (it replaces an earlier one)."""
    with engine.begin() as connection:
        connection.execute(
            update(WebSession).where(_WEB.chat_id == chat_id).values(status_hash=hashed(key))
        )


def chat_of_status(engine: Engine, key: str) -> int | None:
    """The web chat a status key opens; None when unknown or revoked."""
    with reading(engine) as session:
        found = session.execute(select(_WEB.chat_id).where(_WEB.status_hash == hashed(key)))
        chat_id = found.scalar_one_or_none()
        if chat_id is None:  # a key an SMS notice carried
            sent = session.execute(select(_LINK.chat_id).where(_LINK.key_hash == hashed(key)))
            chat_id = sent.scalar_one_or_none()
        return chat_id


def mint_status_key(engine: Engine, chat_id: int, *, now: datetime | None = None) -> str:
    """A new key to this web chat's status page, for an SMS notice to carry: the page's own
    key cannot be rebuilt from its stored hash. Revoked with it (`revoke_status`)."""
    key = secrets.token_urlsafe(12)  # 96 random bits, in 16 characters: an SMS is short
    with engine.begin() as connection:
        connection.execute(
            insert(StatusLink),
            {"chat_id": chat_id, "key_hash": hashed(key), "created_at": now or utcnow()},
        )
    return key


def revoke_status(engine: Engine, chat_id: int) -> None:
    """The status link, and those SMS notices carried, stop opening anything (the firm
    withdrew)."""
    with engine.begin() as connection:
        connection.execute(
            update(WebSession).where(_WEB.chat_id == chat_id).values(status_hash=None)
        )
        connection.execute(delete(StatusLink).where(_LINK.chat_id == chat_id))


class _Held:
    """SQLite: this process's turns of each session, one after the other."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._locks[key]


_SESSIONS = _Held()

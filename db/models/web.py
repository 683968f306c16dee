"""Sessions of the web chat (`/q/{token}`): a phone's browser speaking with the conversation
engine, no Telegram needed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from db.models.base import at_column, json_column


class WebSession(SQLModel, table=True):
    """One browser. Only the SHA-256 of the id its cookie carries is stored, and of its status
    link's key. `chat_id` is the conversation it speaks as, in a range Telegram never uses
    (`db.intake.web_sessions.WEB_CHATS`); `transcript` the messages its page shows; `turns`
    counts its answers (a form names the turn it was drawn for: a second post of it is stale)."""

    __tablename__ = "web_session"
    __table_args__ = (Index(None, "consented_at", "last_seen_at"),)

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(max_length=64, unique=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    token: str | None = Field(default=None, max_length=64)  # the code it last opened
    turns: int = 0
    transcript: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    status_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(sa_column=at_column())
    last_seen_at: datetime = Field(sa_column=at_column())
    consented_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))


class StatusLink(SQLModel, table=True):
    """A further key to a web chat's status page, made for one SMS notice (the worker cannot
    rebuild the page's own key: only its hash is stored). Stored by its SHA-256; withdrawing
    revokes them with the page's own."""

    __tablename__ = "status_link"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=at_column())


class PhoneCode(SQLModel, table=True):
    """A one-time code texted to a web firm's contact phone, to prove the phone is its own
    (`db/intake/phone_codes.py`). The phone and the code are stored only as hashes (the code
    salted per row); a row is kept a day, for the limits on sends per phone and per chat."""

    __tablename__ = "phone_code"
    __table_args__ = (
        Index(None, "phone_hash", "created_at"),
        Index(None, "chat_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    phone_hash: str = Field(max_length=64)
    salt: str = Field(max_length=32)
    code_hash: str = Field(max_length=64)
    tries: int = 0  # wrong codes typed against it
    created_at: datetime = Field(sa_column=at_column())
    expires_at: datetime = Field(sa_column=at_column())
    confirmed_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))

"""One-time codes that prove a web firm's contact phone is its own: a typed phone can be
anyone's, so before a web registration is submitted (when SMS is on), a 6-digit code is texted
to it and the firm types it back, as China's financial service platforms do.

A code is good for `CODE_TTL` and `MAX_TRIES` wrong guesses; at most `SENDS_PER_HOUR` codes go to
one phone, and from one chat, in an hour (a stranger's number typed again and again must not
flood its owner with texts). The phone and the code are kept only as hashes, the code salted per
row: with a million codes any hash can be reversed by whoever reads the row, so what protects a
code is its ten minutes and its five tries; the hashes keep the codes and numbers out of a
dump's plain sight. Rows are dropped after `KEPT` and with the firm's data (`forget_codes`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Connection, Engine, delete, insert, select, update

from db.models import PhoneCode, utcnow

CODE_TTL: Final = timedelta(minutes=10)
MAX_TRIES: Final = 5
SENDS_PER_HOUR: Final = 3
HOUR: Final = timedelta(hours=1)
KEPT: Final = timedelta(days=1)
DIGITS: Final = 6

_CODE = PhoneCode.__table__.c  # type: ignore[attr-defined]


def phone_hash(phone: str) -> str:
    return hashlib.sha256(f"yinqi phone {phone}".encode()).hexdigest()


def _code_hash(salt: str, chat_id: int, code: str) -> str:
    return hashlib.sha256(f"{salt}:{chat_id}:{code}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    """A new code to text (`id` names the message to the gateway); or, with `code` None, none:
    `wait_minutes` before the phone or the chat may be sent another."""

    id: int = 0
    code: str | None = None
    wait_minutes: int = 0


def issue_code(
    engine: Engine, *, chat_id: int, phone: str, now: datetime | None = None
) -> Issued:
    """A new code for `phone`, asked from `chat_id`, unless that phone or that chat had
    `SENDS_PER_HOUR` already in the last hour; earlier live codes of the chat for the phone
    stop counting (only the newest is good)."""
    now = now or utcnow()
    hashed = phone_hash(phone)
    with engine.begin() as connection:
        connection.execute(delete(PhoneCode).where(_CODE.created_at < now - KEPT))
        waits = [
            _wait(connection, where, now)
            for where in (_CODE.phone_hash == hashed, _CODE.chat_id == chat_id)
        ]
        if any(waits):
            return Issued(wait_minutes=max(waits))
        connection.execute(
            update(PhoneCode)
            .where(_CODE.chat_id == chat_id, _CODE.confirmed_at.is_(None))
            .values(expires_at=now)
        )
        code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        salt = secrets.token_hex(16)
        made = connection.execute(
            insert(PhoneCode).returning(_CODE.id),
            {
                "chat_id": chat_id, "phone_hash": hashed, "salt": salt,
                "code_hash": _code_hash(salt, chat_id, code), "tries": 0,
                "created_at": now, "expires_at": now + CODE_TTL,
            },
        ).scalar_one()  # fmt: skip
    return Issued(id=int(made), code=code)


def _wait(connection: Connection, where: Any, now: datetime) -> int:
    """Minutes until one more code may go where `SENDS_PER_HOUR` went in the last hour (the
    oldest of the last ones leaves the hour); 0 when one may go now."""
    recent = connection.execute(
        select(_CODE.created_at).where(where, _CODE.created_at > now - HOUR)
        .order_by(_CODE.created_at.desc()).limit(SENDS_PER_HOUR)
    ).scalars().all()  # fmt: skip
    if len(recent) < SENDS_PER_HOUR:
        return 0
    freed: datetime = recent[-1] + HOUR
    return max(1, math.ceil((freed - now).total_seconds() / 60))


class Checked(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"  # `tries_left` more may be typed
    NONE = "none"  # no code is good: none sent, ten minutes passed, or five wrong tries


@dataclass(frozen=True, slots=True)
class Check:
    outcome: Checked
    tries_left: int = 0


def check_code(
    engine: Engine, *, chat_id: int, phone: str, code: str, now: datetime | None = None
) -> Check:
    """Whether `code` is the good code the chat was texted at `phone`; a wrong one uses up a
    try of it."""
    now = now or utcnow()
    with engine.begin() as connection:
        query = (
            select(_CODE.id, _CODE.salt, _CODE.code_hash, _CODE.tries)
            .where(
                _CODE.chat_id == chat_id,
                _CODE.phone_hash == phone_hash(phone),
                _CODE.confirmed_at.is_(None),
                _CODE.expires_at > now,
                _CODE.tries < MAX_TRIES,
            )
            .order_by(_CODE.id.desc())
            .limit(1)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            return Check(Checked.NONE)
        if hmac.compare_digest(row.code_hash, _code_hash(row.salt, chat_id, code)):
            connection.execute(
                update(PhoneCode).where(_CODE.id == row.id).values(confirmed_at=now)
            )
            return Check(Checked.RIGHT)
        connection.execute(
            update(PhoneCode).where(_CODE.id == row.id).values(tries=_CODE.tries + 1)
        )
    left = MAX_TRIES - row.tries - 1
    return Check(Checked.WRONG, left) if left > 0 else Check(Checked.NONE)


def forget_codes(engine: Engine, chat_id: int) -> None:
    """The chat's codes dropped (the firm withdrew)."""
    with engine.begin() as connection:
        connection.execute(delete(PhoneCode).where(_CODE.chat_id == chat_id))

"""Staff on Telegram: `yinqi users link-code` issues a one-time code, and `/link CODE` in the bot
links the sender's Telegram account to that staff member, so new leads reach them there."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from db.core.errors import InvalidInput, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import Role
from db.leads.mechanics import record
from db.models import Bank, LinkCode, Staff, utcnow

LINK_CODE_TTL = timedelta(hours=24)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone
CODE_LENGTH = 10  # 50 bits; single use, and void after a day


def normal_code(code: str) -> str:
    """A code as typed, in the one form it is hashed in: upper case, no spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(normal_code(code).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    staff_id: int
    name: str
    code: str  # shown once; only its hash is stored
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LinkedStaff:
    staff_id: int
    name: str
    role: Role
    bank: str | None  # the bank's name
    moved_from: int | None  # the staff member this Telegram account was linked to before


@use_case
def issue_link_code(
    session: Session,
    *,
    staff_id: int,
    now: datetime | None = None,
    ttl: timedelta = LINK_CODE_TTL,
) -> IssuedCode:
    """A new one-time code for an active staff member; their earlier unused codes stop working."""
    now = now or utcnow()
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound.of("unknown_staff", staff=staff_id)
    if not staff.active:
        raise InvalidInput.of("staff_inactive", field="staff", staff=staff_id)
    unused = col(LinkCode.staff_id) == staff_id, col(LinkCode.used_at).is_(None)
    session.execute(delete(LinkCode).where(*unused))
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    code = f"{raw[:5]}-{raw[5:]}"
    issued = LinkCode(
        staff_id=staff_id, code_hash=hash_code(code), created_at=now, expires_at=now + ttl
    )
    session.add(issued)
    return IssuedCode(staff_id, staff.name, code, issued.expires_at)


@use_case
def link_telegram(
    session: Session,
    *,
    code: str,
    telegram_user_id: int,
    language: str = "zh",
    now: datetime | None = None,
) -> LinkedStaff:
    """Link a Telegram account to the staff member a valid code was issued to, and use the code
    up. One account serves one staff member: a link it had before moves to this one."""
    now = now or utcnow()
    query = select(LinkCode).where(LinkCode.code_hash == hash_code(code)).with_for_update()
    found = session.exec(query).first()
    staff = session.get(Staff, found.staff_id) if found is not None else None
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise InvalidInput.of("link_code_invalid", field="code")
    if staff is None or not staff.active:
        raise InvalidInput.of("link_code_invalid", field="code")
    before = session.exec(
        select(Staff).where(Staff.telegram_user_id == telegram_user_id, Staff.id != staff.id)
    ).first()
    if before is not None:
        before.telegram_user_id = None
        session.add(before)
        session.flush()  # free the account (unique) before it is given to the new staff member
    staff.telegram_user_id, staff.language = telegram_user_id, language
    found.used_at = now
    session.add_all([staff, found])
    payload = {"moved_from": before.id} if before is not None else {}
    record(session, actor=Actor.of(staff), at=now, kind="telegram_linked", payload=payload)
    bank = session.get(Bank, staff.bank_id) if staff.bank_id is not None else None
    return LinkedStaff(
        staff.id or 0,
        staff.name,
        Role(staff.role),
        bank.name if bank else None,
        before.id if before is not None else None,
    )


def staff_of_telegram(session: Session, telegram_user_id: int) -> Staff | None:
    """The active staff member a Telegram account is linked to, or None."""
    query = select(Staff).where(
        Staff.telegram_user_id == telegram_user_id, col(Staff.active).is_(True)
    )
    return session.exec(query).first()

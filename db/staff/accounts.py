"""Staff and their API tokens: made by `yinqi users add`, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from db.core.errors import InvalidInput, NotFound
from db.core.unit import use_case
from db.core.vocabulary import Role
from db.models import ApiToken, Bank, Branch, Staff, utcnow
from db.reports.scope import ReportScope

TOKEN_PREFIX = "yq_"


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewUser:
    staff_id: int
    name: str
    role: Role
    bank_code: str | None
    token: str  # shown once; only its hash is stored


@use_case
def add_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    bank_code: str | None = None,
    branch_code: str | None = None,
    region: str | None = None,
    work_phone: str | None = None,
    now: datetime | None = None,
) -> NewUser:
    """Add a staff member with a new API token (returned once, stored hashed); a manager's
    work phone is shown to the firms whose needs they accept."""
    now = now or utcnow()
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(Role)
        raise InvalidInput.of("unknown_role", field="role", role=role, allowed=allowed) from None
    if not name.strip() or len(name) > 100:
        raise InvalidInput.of("too_long", field="name", limit=100)
    if work_phone is not None and not WORK_PHONE.fullmatch(work_phone):
        raise InvalidInput.of("too_long", field="work_phone", limit=20)
    bank = _bank_for(session, role, bank_code)
    branch_id = _branch_id(session, bank, branch_code)
    region = ReportScope.for_region(region).region  # 绍兴 → 绍兴市, 新昌 → 新昌县
    staff = Staff(
        name=name.strip(),
        role=role,
        bank_id=bank.id if bank else None,
        branch_id=branch_id,
        region=region,
        work_phone=work_phone,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    token = _issue(session, staff.id or 0, now)
    return NewUser(staff.id or 0, staff.name, role, bank.code if bank else None, token)


WORK_PHONE = re.compile(r"\+?[0-9][0-9 -]{4,18}")
"""A landline with its area code or a mobile: digits, spaces and dashes, up to 20."""


@dataclass(frozen=True, slots=True)
class ManagerCard:
    """What a firm is told of the manager who accepted its need."""

    name: str
    work_phone: str | None
    branch: str | None


def manager_cards(session: Session, staff_ids: Iterable[int]) -> dict[int, ManagerCard]:
    """The cards of these staff members, by id (their branch's name when they have one)."""
    wanted = {i for i in staff_ids if i}
    if not wanted:
        return {}
    rows = session.exec(
        select(Staff, Branch.name)
        .outerjoin(Branch, col(Branch.id) == col(Staff.branch_id))
        .where(col(Staff.id).in_(wanted))
    ).all()
    return {s.id or 0: ManagerCard(s.name, s.work_phone, branch) for s, branch in rows}


def _bank_for(session: Session, role: Role, bank_code: str | None) -> Bank | None:
    if role.of_a_bank and not bank_code:
        raise InvalidInput.of("bank_role_needs_bank", field="bank", role=role.value)
    if not role.of_a_bank and bank_code:
        raise InvalidInput.of("no_bank_for_role", field="bank", role=role.value)
    if not bank_code:
        return None
    bank = session.exec(select(Bank).where(Bank.code == bank_code)).first()
    if bank is None:
        raise InvalidInput.of("unknown_bank", field="bank", bank=bank_code)
    return bank


def _branch_id(session: Session, bank: Bank | None, branch_code: str | None) -> int | None:
    if not branch_code:
        return None
    branch = session.exec(select(Branch).where(Branch.code == branch_code)).first()
    if branch is None or bank is None or branch.bank_id != bank.id:
        bank_name = bank.code if bank else "—"
        raise InvalidInput.of("unknown_branch", field="branch", bank=bank_name, branch=branch_code)
    return branch.id


def _issue(session: Session, staff_id: int, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            staff_id=staff_id,
            token_hash=hash_token(token),
            prefix=token[:10],
            created_at=now,
        )
    )
    return token


@use_case
def revoke_tokens(session: Session, *, staff_id: int, now: datetime | None = None) -> int:
    """Revoke every live token of a staff member; returns how many were revoked."""
    now = now or utcnow()
    if session.get(Staff, staff_id) is None:
        raise NotFound.of("unknown_staff", staff=staff_id)
    tokens = session.exec(
        select(ApiToken).where(ApiToken.staff_id == staff_id, col(ApiToken.revoked_at).is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    return len(tokens)


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Who a live token speaks for: what every API request needs to know of its caller."""

    id: int
    name: str
    role: Role
    bank_id: int | None
    region: str | None


_HOLDER: tuple[Any, ...] = tuple(
    col(getattr(Staff, name)) for name in ("id", "name", "role", "bank_id", "region")
)


def staff_for_token(session: Session, token: str) -> TokenHolder | None:
    """The active staff member a live token belongs to, or None. Asked on every API request,
    so it reads five columns as plain values rather than loading a `Staff`."""
    row = (
        session.connection()
        .execute(
            select(*_HOLDER)
            .join(ApiToken, col(ApiToken.staff_id) == col(Staff.id))
            .where(
                ApiToken.token_hash == hash_token(token),
                col(ApiToken.revoked_at).is_(None),
                col(Staff.active).is_(True),
            )
        )
        .first()
    )
    if row is None:
        return None
    staff_id, name, role, bank_id, region = row
    return TokenHolder(staff_id, name, Role(role), bank_id, region)

"""Who works the leads and the reports, and the API tokens they call with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from db.core.vocabulary import Role
from db.models.base import at_column, code_column, one_of


class Staff(SQLModel, table=True):
    """An account manager, a bank admin, a coordinator or an admin."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role"),
        CheckConstraint(
            "(role IN ('manager', 'bank_admin')) = (bank_id IS NOT NULL)", name="bank_roles"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(sa_column=code_column())
    bank_id: int | None = Field(default=None, foreign_key="bank.id", index=True)
    branch_id: int | None = Field(default=None, foreign_key="branch.id")
    region: str | None = Field(default=None, max_length=40)  # a coordinator's city or county
    # a manager's work phone, shown to a firm whose need they accepted (to tell a real bank's
    # call from a scam)
    work_phone: str | None = Field(default=None, max_length=20)
    active: bool = True
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    language: str = Field(  # of the notices sent to them on Telegram
        default="zh", max_length=5, sa_column_kwargs={"server_default": "zh"}
    )
    created_at: datetime = Field(sa_column=at_column())


class ApiToken(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256; the token itself is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the first characters, to tell tokens apart in lists
    created_at: datetime = Field(sa_column=at_column())
    last_used_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))


class LinkCode(SQLModel, table=True):
    """A one-time code that links a Telegram account to a staff member (`/link CODE` in the
    bot); stored only as its SHA-256, void once used or expired."""

    __tablename__ = "link_code"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=at_column())
    expires_at: datetime = Field(sa_column=at_column())
    used_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))

"""The answers the API keeps for `Idempotency-Key`s: a retried change replays its first answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models.base import at_column


class IdempotencyKey(SQLModel, table=True):
    """One caller's key for one change (db/staff/idempotency.py): the request's fingerprint,
    who holds it while it runs (`owner`, until `locked_until`), whether its change committed,
    and the answer once there is one. Kept a day from `created_at`, then swept."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("staff_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path, query and body
    owner: str = Field(max_length=32)  # the attempt running it: a fence for the one that lost it
    locked_until: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    committed: bool = False  # the request's use case committed its change
    status: int | None = None
    media_type: str | None = Field(default=None, max_length=100)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=at_column(index=True))

"""Sessions of the coordination dashboard (`/dashboard`): a browser signed in with an API token."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from db.models.base import at_column


class DashboardSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the session id its cookie carries is stored;
    the session lives while its token does (a revoked token ends it), until it expires or is
    ended by signing out."""

    __tablename__ = "dashboard_session"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(max_length=64, unique=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    created_at: datetime = Field(sa_column=at_column())
    expires_at: datetime = Field(sa_column=at_column())
    ended_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))

"""What every table shares: the constraint naming convention, UTC timestamps, JSON columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Set before the first table is declared, so every constraint and index has a predictable name
# that migrations can refer to on SQLite and PostgreSQL alike.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata

MAX_ID = 2**31 - 1
"""Ids are INTEGER, 32-bit on PostgreSQL (SERIAL): a larger one names no row, and compared with
a column it is an error there (and past 64 bits on SQLite too), so it is refused before a query."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC; naive datetimes are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant, timezone-aware (the one clock of the storage layer)."""
    return datetime.now(UTC)


def at_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A timestamp column (names end in `_at`)."""
    return Column(UtcDateTime(), nullable=nullable, index=index)


def json_column(*, nullable: bool = False) -> Any:
    """A JSON column for small lists and mappings (codes, tags, reasons)."""
    return Column(JSON, nullable=nullable)


def code_column(length: int = 20, *, nullable: bool = False, index: bool = False) -> Any:
    """A short string column for enumerated values (statuses, kinds, roles)."""
    return Column(String(length), nullable=nullable, index=index)


def one_of(column: str, values: object) -> str:
    """A CHECK constraint's condition: `column` holds one of `values` (str enums or strings)."""
    listed = ", ".join(f"'{v}'" for v in values)  # type: ignore[attr-defined]
    return f"{column} IN ({listed})"

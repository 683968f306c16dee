"""The web chat: its sessions (a browser's cookie, stored by its hash, speaking as a chat id of
its own), `web` as a need's channel, and a manager's work phone (shown to the firm on its
status page once the manager's bank accepts).

Widening the need's channel CHECK: PostgreSQL drops and adds it; SQLite cannot alter a
constraint, and copying `need` (batch mode) would trip the foreign keys of its leads, so its
stored definition is rewritten in place, which SQLite documents as safe for a CHECK that every
row already satisfies (a wider list of values).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NARROW = "channel IN ('bot', 'offline')"
WIDE = "channel IN ('bot', 'offline', 'web')"


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("status_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_web_session_chat_id")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_web_session_id_hash")),
        sa.UniqueConstraint("status_hash", name=op.f("uq_web_session_status_hash")),
    )
    op.create_index(
        op.f("ix_web_session_consented_at_last_seen_at"),
        "web_session",
        ["consented_at", "last_seen_at"],
        unique=False,
    )
    _channels(NARROW, WIDE)
    op.add_column("staff", sa.Column("work_phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    # natively on both (SQLite ≥ 3.35): batch mode would copy `staff`, which leads refer to
    op.execute(sa.text("ALTER TABLE staff DROP COLUMN work_phone"))
    _channels(WIDE, NARROW)
    op.drop_index(op.f("ix_web_session_consented_at_last_seen_at"), "web_session")
    op.drop_table("web_session")


def _channels(old: str, new: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(sa.text("ALTER TABLE need DROP CONSTRAINT ck_need_channel"))
        op.execute(sa.text(f"ALTER TABLE need ADD CONSTRAINT ck_need_channel CHECK ({new})"))
        return
    version = op.get_bind().execute(sa.text("PRAGMA schema_version")).scalar_one()
    op.execute(sa.text("PRAGMA writable_schema = ON"))
    op.get_bind().execute(
        sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) WHERE name = 'need'"),
        {"old": old, "new": new},
    )
    op.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    op.execute(sa.text("PRAGMA writable_schema = OFF"))

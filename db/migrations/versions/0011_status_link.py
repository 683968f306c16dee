"""SMS notices: further keys to a web chat's status page, one per SMS sent (stored hashed).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_link")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_status_link_key_hash")),
    )
    op.create_index(op.f("ix_status_link_chat_id"), "status_link", ["chat_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_status_link_chat_id"), "status_link")
    op.drop_table("status_link")

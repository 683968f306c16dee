"""Notifications: outbox rows given up with a reason, overdue flags on leads, staff linked to
Telegram by one-time codes (with the language of their notices).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("given_up_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("give_up_reason", sa.String(length=20), nullable=True))
    op.add_column(
        "assignment", sa.Column("contact_overdue_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "assignment", sa.Column("decide_overdue_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "staff",
        sa.Column("language", sa.String(length=5), nullable=False, server_default="zh"),
    )
    op.create_table(
        "link_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_link_code_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_link_code_code_hash")),
    )
    op.create_index(op.f("ix_link_code_staff_id"), "link_code", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_link_code_staff_id"), "link_code")
    op.drop_table("link_code")
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): copying `staff` would trip its foreign keys
    op.drop_column("staff", "language")
    op.drop_column("assignment", "decide_overdue_at")
    op.drop_column("assignment", "contact_overdue_at")
    op.drop_column("outbox", "give_up_reason")
    op.drop_column("outbox", "given_up_at")

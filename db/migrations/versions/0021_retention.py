"""Indexes for the retention's prune: webhook messages delivered or given up, notices given up
(sent ones are found by the outbox's index on `sent_at`), so the worker's hourly prune reads
only the old rows instead of the whole table.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("webhook_message", "delivered_at"),
    ("webhook_message", "given_up_at"),
    ("outbox", "given_up_at"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(op.f(f"ix_{table}_{column}"), table)

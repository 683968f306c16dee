"""Reports without the need join: each lead carries its need's city, county, park, QR source,
channel and first-loan flag (fixed when the need is registered), filled in here for the leads
already made; indexes for the report's week-bounded reads of leads, needs and visits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = ("city", "county", "park_id", "source_id", "channel", "first_loan")


def upgrade() -> None:
    # plain ALTER TABLE … ADD COLUMN, nullable: SQLite would otherwise copy `assignment`, which
    # the event log and lead notes refer to
    op.add_column("assignment", sa.Column("city", sa.String(length=40), nullable=True))
    op.add_column("assignment", sa.Column("county", sa.String(length=40), nullable=True))
    op.add_column("assignment", sa.Column("park_id", sa.Integer(), nullable=True))
    op.add_column("assignment", sa.Column("source_id", sa.Integer(), nullable=True))
    op.add_column("assignment", sa.Column("channel", sa.String(length=20), nullable=True))
    op.add_column("assignment", sa.Column("first_loan", sa.Boolean(), nullable=True))
    copies = ", ".join(f"{c} = need.{c}" for c in COPIED)  # UPDATE … FROM: SQLite ≥ 3.33
    op.execute(f"UPDATE assignment SET {copies} FROM need WHERE need.id = assignment.need_id")
    op.create_index(op.f("ix_assignment_decide_by"), "assignment", ["decide_by"], unique=False)
    op.create_index(op.f("ix_need_created_at"), "need", ["created_at"], unique=False)
    visited = sa.text("kind = 'visited'")
    op.create_index(
        "ix_event_visited_at", "event", ["at"], postgresql_where=visited, sqlite_where=visited
    )


def downgrade() -> None:
    op.drop_index("ix_event_visited_at", "event")
    op.drop_index(op.f("ix_need_created_at"), "need")
    op.drop_index(op.f("ix_assignment_decide_by"), "assignment")
    for column in reversed(COPIED):
        op.drop_column("assignment", column)

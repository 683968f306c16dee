"""The report's copies carry each lead's, need's and visit's channel (bot, web, offline), so a
report narrowed to one channel, or grouped by channel, reads the copies; filled in from the
source tables as they stand.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLED = {
    "report_lead": "SELECT a.channel FROM assignment a WHERE a.id = report_lead.id",
    "report_need": "SELECT n.channel FROM need n WHERE n.id = report_need.id",
    "report_visit": (
        "SELECT a.channel FROM event e JOIN assignment a ON a.id = e.assignment_id"
        " WHERE e.id = report_visit.id"
    ),
}


def upgrade() -> None:
    for table, source in FILLED.items():
        op.add_column(table, sa.Column("channel", sa.String(length=20), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET channel = ({source})"))


def downgrade() -> None:
    for table in FILLED:
        # plain DROP COLUMN: a batch copy would lose the copies' indexes on expressions
        op.drop_column(table, "channel")

"""The report's copies and day sums made again: amounts above the cap a client may now send
(10亿, `matching.amounts.DEFAULT_MAX_YUAN`) were copied and summed as they were, and may have
left a day sum out of bounds. The copies are emptied: the next refresh copies every lead, need
and visit again, counting each amount at most the cap (`db.reports.sql.counted_yuan_column`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("report_copy_mark", "report_lead", "report_need", "report_visit", "report_day"):
        op.execute(sa.text(f"DELETE FROM {table}"))


def downgrade() -> None:
    """Nothing to undo: the copies fill again at the next refresh."""

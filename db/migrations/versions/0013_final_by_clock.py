"""002's month (`final_by`, a decision within 30 days) watched like the "135" clocks: the flag
the worker stamps when it passes (`assignment.final_overdue_at`), the report copies' day and
missed flag for it (`report_lead.final_by_day`, `missed_final`) and its day sums
(`report_day.overdue_final`). `final_by` is now a lead's last deadline, so the indexes that
bound a period's deadlines move from `decide_by` to it. The copies are emptied: the next report
copies every lead, need and visit again and adds them up as it goes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIES = ("report_copy_mark", "report_day", "report_lead", "report_need", "report_visit")


def upgrade() -> None:
    # plain ALTER TABLE … ADD COLUMN: SQLite would otherwise copy the tables (and drop the
    # report copies' indexes on expressions it cannot reflect)
    op.add_column(
        "assignment", sa.Column("final_overdue_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.drop_index(op.f("ix_assignment_decide_by"), "assignment")
    op.create_index(op.f("ix_assignment_final_by"), "assignment", ["final_by"], unique=False)
    for table in COPIES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.add_column("report_lead", sa.Column("final_by_day", sa.Integer(), nullable=True))
    _add_not_null("report_lead", sa.Column("missed_final", sa.Boolean(), nullable=False), "false")
    _add_not_null("report_day", sa.Column("overdue_final", sa.BigInteger(), nullable=False), "0")
    op.drop_index(op.f("ix_report_lead_decide_by_day"), "report_lead")
    op.create_index(op.f("ix_report_lead_final_by_day"), "report_lead", ["final_by_day"])


def _add_not_null(table: str, column: sa.Column[object], default: str) -> None:
    """A NOT NULL column added to a table: SQLite asks for a default to add it with (kept
    there, as it cannot drop one without copying the table); PostgreSQL drops it again, as
    the models have none."""
    column.server_default = sa.DefaultClause(sa.text(default))
    op.add_column(table, column)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(table, column.name, server_default=None)


def downgrade() -> None:
    for table in COPIES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.drop_index(op.f("ix_report_lead_final_by_day"), "report_lead")
    op.create_index(op.f("ix_report_lead_decide_by_day"), "report_lead", ["decide_by_day"])
    op.drop_column("report_day", "overdue_final")
    op.drop_column("report_lead", "missed_final")
    op.drop_column("report_lead", "final_by_day")
    op.drop_index(op.f("ix_assignment_final_by"), "assignment")
    op.create_index(op.f("ix_assignment_decide_by"), "assignment", ["decide_by"], unique=False)
    op.drop_column("assignment", "final_overdue_at")

"""The progress report's day sums (`report_day`: each day's counted figures per bank, park,
county and QR source) and the indexes that give a season's medians without sorting its leads
(`db/reports/day_sums.py`, `db/reports/medians.py`). The copies are emptied: the next report
copies every lead, need and visit again and adds them up as it goes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = (
    "needs", "online_needs", "first_loan_needs", "offered", "accepted", "contacted",
    "credit_granted", "credit_amount_yuan", "first_loan_credit", "loans_issued",
    "loan_amount_yuan", "overdue_accept", "overdue_contact", "overdue_decide", "visits",
    "effective_visits", "hours_to_accept_n", "hours_to_contact_n",
)  # fmt: skip
HOURS = {"hours_to_accept": "accepted_day", "hours_to_contact": "contacted_day"}
KEYS = ("bank_id", "park_id", "county", "source_id", "week", None)


def upgrade() -> None:
    op.create_table(
        "report_day",
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS),
        sa.PrimaryKeyConstraint("dim", "key", "day", name=op.f("pk_report_day")),
    )
    for hours, day in HOURS.items():
        timed = sa.text(f"{hours} IS NOT NULL")
        for key in KEYS:
            keyed: list[str | sa.TextClause] = [] if key is None else [key]
            if key == "week":  # the Monday of the day (db.reports.sql.monday_of)
                keyed = [sa.text(f"({day} - ({day} + 3) % 7)")]
            op.create_index(
                f"ix_report_lead_{hours}_{key or 'all'}",
                "report_lead",
                [*keyed, hours, day, "id"],
                postgresql_where=timed,
                sqlite_where=timed,
            )
    for table in ("report_copy_mark", "report_lead", "report_need", "report_visit"):
        op.execute(sa.text(f"DELETE FROM {table}"))


def downgrade() -> None:
    for hours in HOURS:
        for key in KEYS:
            op.drop_index(f"ix_report_lead_{hours}_{key or 'all'}", table_name="report_lead")
    op.drop_table("report_day")

"""The progress report's copies of leads, needs and visits (`db/reports/copies.py`): narrow rows
a season's report reads instead of the whole lead, need and event tables, brought up to date at
report time from the event log; empty here, filled in by the first report.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS = ("created", "accepted", "contacted", "credit", "loan", "accept_by", "contact_by")


def _where(*extra: sa.Column[object]) -> list[sa.Column[object]]:
    """The columns every copy has: where the lead or need came from."""
    return [
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=40), nullable=True),
        sa.Column("county", sa.String(length=40), nullable=True),
        *extra,
    ]


def upgrade() -> None:
    op.create_table(
        "report_lead",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        *_where(),
        sa.Column("online", sa.Boolean(), nullable=True),
        sa.Column("first_loan", sa.Boolean(), nullable=True),
        sa.Column("kept", sa.Boolean(), nullable=False),
        *(sa.Column(f"{d}_day", sa.Integer(), nullable=True) for d in DAYS),
        sa.Column("decide_by_day", sa.Integer(), nullable=True),
        sa.Column("missed_accept", sa.Boolean(), nullable=False),
        sa.Column("missed_contact", sa.Boolean(), nullable=False),
        sa.Column("missed_decide", sa.Boolean(), nullable=False),
        sa.Column("credit_amount_yuan", sa.BigInteger(), nullable=True),
        sa.Column("loan_amount_yuan", sa.BigInteger(), nullable=True),
        sa.Column("hours_to_accept", sa.Float(), nullable=True),
        sa.Column("hours_to_contact", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_lead")),
    )
    op.create_table(
        "report_need",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_day", sa.Integer(), nullable=True),
        *_where(),
        sa.Column("online", sa.Boolean(), nullable=True),
        sa.Column("first_loan", sa.Boolean(), nullable=True),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_need")),
    )
    op.create_table(
        "report_visit",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("effective", sa.Boolean(), nullable=True),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        *_where(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_visit")),
    )
    # a short period's rows (a lead's moments lie between its creation and its last change,
    # its deadlines between accept_by and decide_by), and a region's
    op.create_index(op.f("ix_report_lead_updated_at"), "report_lead", ["updated_at"])
    op.create_index(op.f("ix_report_lead_decide_by_day"), "report_lead", ["decide_by_day"])
    op.create_index(op.f("ix_report_need_created_day"), "report_need", ["created_day"])
    op.create_index(op.f("ix_report_visit_day"), "report_visit", ["day"])
    for table in ("report_lead", "report_need", "report_visit"):
        op.create_index(op.f(f"ix_{table}_city"), table, ["city"])
        op.create_index(op.f(f"ix_{table}_county"), table, ["county"])
    op.create_table(
        "report_copy_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("assignment_id", sa.BigInteger(), nullable=False),
        sa.Column("need_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_copy_mark")),
    )


def downgrade() -> None:
    for table in ("report_copy_mark", "report_visit", "report_need", "report_lead"):
        op.drop_table(table)

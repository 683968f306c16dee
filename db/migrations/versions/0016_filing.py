"""The quarterly filing (000 §五–七): the tables marked filed (已报送), with who and when; and
each park's lead branch (主办支行), since when and its contact, shown in 附表5.

The lead branch is a table of its own (`park_lead`), so that `park`, which needs and rosters
refer to, is not altered.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table(
        "filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("annex", sa.Integer(), nullable=False),
        sa.Column("filer_kind", sa.String(length=20), nullable=False),
        sa.Column("filer_code", sa.String(length=40), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=False),
        sa.CheckConstraint("annex BETWEEN 1 AND 5", name=op.f("ck_filing_annex")),
        sa.CheckConstraint(
            "filer_kind IN ('park', 'bank', 'branch_office')", name=op.f("ck_filing_filer_kind")
        ),
        sa.ForeignKeyConstraint(["filed_by"], ["staff.id"], name=op.f("fk_filing_filed_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing")),
        sa.UniqueConstraint(
            "quarter",
            "annex",
            "filer_kind",
            "filer_code",
            name=op.f("uq_filing_quarter_annex_filer_kind_filer_code"),
        ),
    )
    op.create_table(
        "park_lead",
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("contact", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_park_lead_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["park.id"], name=op.f("fk_park_lead_park_id_park"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("park_id", name=op.f("pk_park_lead")),
    )


def downgrade() -> None:
    op.drop_table("park_lead")
    op.drop_table("filing")

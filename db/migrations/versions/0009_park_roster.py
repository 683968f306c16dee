"""Park rosters (入园企业名录): every firm of a park, imported from the park's own list, the base
of its credit coverage and its 分类建档 ledger.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roster_firm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("existing_banks", sa.JSON(), nullable=False),
        sa.Column("existing_credit_yuan", sa.BigInteger(), nullable=False),
        sa.Column("contact_name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("has_need", sa.Boolean(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["park_id"], ["park.id"], name=op.f("fk_roster_firm_park_id_park"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_firm")),
    )
    op.create_index(op.f("ix_roster_firm_park_id"), "roster_firm", ["park_id"], unique=False)
    op.create_index(op.f("ix_roster_firm_name_key"), "roster_firm", ["name_key"], unique=False)
    op.create_index(op.f("ix_roster_firm_uscc"), "roster_firm", ["uscc"], unique=False)


def downgrade() -> None:
    op.drop_table("roster_firm")

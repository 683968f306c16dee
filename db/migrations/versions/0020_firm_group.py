"""The 3/2 limit is the firm's: each need names the firm it counts against (`need.firm_group`,
the id of the firm's first enterprise row), so that the banks on a firm's other live needs
count too; and `banks_existing` holds the banks the firm declared with the need, no longer a
snapshot of the banks its earlier needs had at registration (they are counted live now).

Filled in: every need's group is its own enterprise row. A need whose count included its
firm's earlier needs' banks (more banks than it declared names) gets the declared names'
count, an upper bound of the banks it declared; not where the firm has rows of the same name
core in its county (registered by name only), whose earlier needs may lie in another group,
so their banks stay counted as they were. Downgrading drops the column and keeps the counts.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECLARED = "json_array_length(existing_banks)"
ONE_ROW_FIRM = (
    "NOT EXISTS (SELECT 1 FROM enterprise e JOIN enterprise o ON o.name_key = e.name_key"
    " AND o.county = e.county AND o.id <> e.id"
    " WHERE e.id = need.enterprise_id AND e.name_key <> '')"
)


def upgrade() -> None:
    # NOT NULL needs a default to be added on SQLite; every need is given its group at once,
    # and registration always sets it
    op.add_column("need", sa.Column("firm_group", sa.Integer(), nullable=False, server_default="0"))
    op.execute(sa.text("UPDATE need SET firm_group = enterprise_id"))
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot drop it without a copy
        op.alter_column("need", "firm_group", server_default=None)
    op.create_index(op.f("ix_need_firm_group"), "need", ["firm_group"])
    op.execute(
        sa.text(
            f"UPDATE need SET banks_existing = {DECLARED}"
            f" WHERE banks_existing > {DECLARED} AND {ONE_ROW_FIRM}"
        )
    )


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN: a batch copy of `need` would drop the table that later
    # tables' foreign keys still point at, which SQLite refuses
    op.drop_index(op.f("ix_need_firm_group"), "need")
    op.drop_column("need", "firm_group")

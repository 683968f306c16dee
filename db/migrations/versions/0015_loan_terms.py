"""A lead's credit terms, for 附表2's financing cost and 附表4 (000 §五): the kind of loan
(信用 / 抵押 / 保证), the guarantee product, the guarantee and other fees, and the term. Leads
recorded before keep NULL in each: the reports read them as unknown.

Each column is added with its CHECK in the one `ALTER TABLE … ADD COLUMN`, which SQLite and
PostgreSQL both take (batch mode would copy `assignment`, which events and notes refer to).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("loan_type", "VARCHAR(20)", "loan_type IN ('credit', 'secured', 'guaranteed')"),
    ("guarantee", "VARCHAR(100)", None),
    ("fee_rate_pct", "NUMERIC(6, 3)", "fee_rate_pct BETWEEN 0 AND 20"),
    ("term_months", "INTEGER", "term_months BETWEEN 1 AND 360"),
)
CHECK_NAMES = {"loan_type": "loan_type", "fee_rate_pct": "fee_rate", "term_months": "term"}


def upgrade() -> None:
    for name, kind, check in COLUMNS:
        constraint = ""
        if check is not None:
            constraint = (
                f" CONSTRAINT ck_assignment_{CHECK_NAMES[name]} CHECK ({name} IS NULL OR {check})"
            )
        op.execute(sa.text(f"ALTER TABLE assignment ADD COLUMN {name} {kind}{constraint}"))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, _, check in reversed(COLUMNS):
        if check is not None and not sqlite:
            op.execute(
                sa.text(f"ALTER TABLE assignment DROP CONSTRAINT ck_assignment_{CHECK_NAMES[name]}")
            )
        op.execute(sa.text(f"ALTER TABLE assignment DROP COLUMN {name}"))

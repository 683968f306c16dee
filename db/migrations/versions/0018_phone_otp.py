"""Web firms' contact phones confirmed by a code texted to them: the codes (hashed), and
whether a need's contact phone was confirmed (shown to the bank that accepts it).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "phone_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_code")),
    )
    op.create_index(
        op.f("ix_phone_code_phone_hash_created_at"), "phone_code", ["phone_hash", "created_at"]
    )
    op.create_index(
        op.f("ix_phone_code_chat_id_created_at"), "phone_code", ["chat_id", "created_at"]
    )
    op.add_column(
        "need",
        sa.Column(
            "contact_phone_confirmed", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN: a batch copy of `need` would drop the table that the
    # later tables' foreign keys (problem, visit_check) still point at, which SQLite refuses
    op.drop_column("need", "contact_phone_confirmed")
    op.drop_index(op.f("ix_phone_code_chat_id_created_at"), "phone_code")
    op.drop_index(op.f("ix_phone_code_phone_hash_created_at"), "phone_code")
    op.drop_table("phone_code")

"""Dashboard sessions: a browser signed in to `/dashboard` with an API token, stored by the hash
of its cookie's session id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_dashboard_session_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_token.id"], name=op.f("fk_dashboard_session_token_id_api_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_session")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_dashboard_session_id_hash")),
    )
    op.create_index(
        op.f("ix_dashboard_session_staff_id"), "dashboard_session", ["staff_id"], unique=False
    )
    op.create_index(
        op.f("ix_dashboard_session_token_id"), "dashboard_session", ["token_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_session_token_id"), "dashboard_session")
    op.drop_index(op.f("ix_dashboard_session_staff_id"), "dashboard_session")
    op.drop_table("dashboard_session")

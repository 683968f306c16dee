"""Webhooks: banks' endpoints, the messages queued for them, every attempt to deliver one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events_mask", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        _at("previous_until", nullable=True),
        sa.Column("failures_in_a_row", sa.Integer(), nullable=False),
        _at("last_success_at", nullable=True),
        _at("disabled_at", nullable=True),
        sa.Column("disabled_reason", sa.String(length=20), nullable=True),
        _at("removed_at", nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["bank.id"], name=op.f("fk_webhook_endpoint_bank_id_bank")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_webhook_endpoint_created_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(
        op.f("ix_webhook_endpoint_bank_id"), "webhook_endpoint", ["bank_id"], unique=False
    )
    op.create_table(
        "webhook_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=30), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("need_id", sa.Integer(), nullable=True),
        _at("occurred_at"),
        _at("next_attempt_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("round_from", sa.Integer(), nullable=False),
        _at("delivered_at", nullable=True),
        _at("given_up_at", nullable=True),
        sa.Column("give_up_reason", sa.String(length=20), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_message_endpoint_id_webhook_endpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["assignment.id"], name=op.f("fk_webhook_message_lead_id_assignment")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_webhook_message_need_id_need")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_message")),
    )
    op.create_index(
        op.f("ix_webhook_message_endpoint_id_id"), "webhook_message", ["endpoint_id", "id"]
    )
    op.create_index(
        op.f("ix_webhook_message_next_attempt_at"), "webhook_message", ["next_attempt_at"]
    )
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        _at("attempted_at"),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["webhook_message.id"],
            name=op.f("fk_webhook_attempt_message_id_webhook_message"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
    )
    op.create_index(
        op.f("ix_webhook_attempt_message_id_id"), "webhook_attempt", ["message_id", "id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_attempt_message_id_id"), "webhook_attempt")
    op.drop_table("webhook_attempt")
    op.drop_index(op.f("ix_webhook_message_next_attempt_at"), "webhook_message")
    op.drop_index(op.f("ix_webhook_message_endpoint_id_id"), "webhook_message")
    op.drop_table("webhook_message")
    op.drop_index(op.f("ix_webhook_endpoint_bank_id"), "webhook_endpoint")
    op.drop_table("webhook_endpoint")

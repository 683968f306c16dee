"""Webhooks: the endpoints banks register, the messages queued for them in the transaction of
the change they tell of, and every attempt to deliver one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from db.models.base import at_column, code_column


class WebhookEndpoint(SQLModel, table=True):
    """A bank's URL that is told of its leads' events (`events_mask`: one bit per event type,
    `db.webhooks.events.EventType`). The secret signs each delivery; during a rotation the
    previous one signs too until `previous_until`. Disabled after a day of failures; removed
    endpoints keep their history, their secrets cleared."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    bank_id: int = Field(foreign_key="bank.id", index=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    events_mask: int
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_until: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    failures_in_a_row: int = 0
    last_success_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    disabled_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    disabled_reason: str | None = Field(default=None, sa_column=code_column(nullable=True))
    removed_at: datetime | None = Field(default=None, sa_column=at_column(nullable=True))
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(sa_column=at_column())
    updated_at: datetime = Field(sa_column=at_column())


class WebhookMessage(SQLModel, table=True):
    """One event to deliver to one endpoint, at least once (its `webhook-id` is `msg_<id>`).

    Due while `next_attempt_at` has passed; a sender claims it by moving `next_attempt_at` a
    lease ahead; delivered or given up, `next_attempt_at` is NULL. The payload is rendered when
    sent: the lead as its bank sees it then (a firm's withdrawal erases what it showed)."""

    __tablename__ = "webhook_message"
    __table_args__ = (Index(None, "endpoint_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    event_type: str = Field(sa_column=code_column(30))
    event_id: int | None = None  # the event log's (no foreign key: that log is append-only)
    lead_id: int | None = Field(default=None, foreign_key="assignment.id")
    need_id: int | None = Field(default=None, foreign_key="need.id")
    occurred_at: datetime = Field(sa_column=at_column())
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=at_column(nullable=True, index=True)
    )
    attempts: int = 0
    round_from: int = 0  # `attempts` when the current round of retries began (a replay)
    # indexed for the retention's prune (db/webhooks/upkeep.py), which reads the old ones only
    delivered_at: datetime | None = Field(
        default=None, sa_column=at_column(nullable=True, index=True)
    )
    given_up_at: datetime | None = Field(
        default=None, sa_column=at_column(nullable=True, index=True)
    )
    give_up_reason: str | None = Field(default=None, sa_column=code_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)


class WebhookAttempt(SQLModel, table=True):
    """One try at delivering a message: the receiver's HTTP status (None: no answer) and how
    long it took."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index(None, "message_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="webhook_message.id")
    attempted_at: datetime = Field(sa_column=at_column())
    status_code: int | None = None
    latency_ms: int
    error: str | None = Field(default=None, max_length=500)

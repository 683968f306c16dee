"""Webhooks: a bank's endpoints, their deliveries with each attempt, and the events they carry
(the payloads: a lead as `GET /api/v1/leads/{id}` shows it, or a need of the pool)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import BodyIn, ChinaTime, ViewOut
from api.schemas.leads import LeadOut
from api.schemas.pool import PoolItemOut
from db.webhooks.events import EventType

EVENT_TYPES = [e.value for e in EventType]


class EndpointIn(BodyIn):
    url: str = Field(
        min_length=1,
        max_length=2000,
        examples=["https://hooks.sxbank.example.cn/yinqi"],
        description="https; never a private, loopback or link-local address",
    )
    events: list[str] = Field(
        default_factory=lambda: list(EVENT_TYPES),
        max_length=len(EVENT_TYPES),
        examples=[["lead.offered", "lead.expired"]],
        description=f"the event types to send (default all): {', '.join(EVENT_TYPES)}",
    )
    description: str = Field("", max_length=200, examples=["信贷系统 生产"])


class EndpointOut(ViewOut):
    """An endpoint (never its secret). `active` false: disabled after a day of failures,
    `disabled_at` and `disabled_reason` say when and why; enable it again, then replay."""

    id: int
    bank: str = Field(examples=["sxbank"])
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_at: ChinaTime | None
    disabled_reason: str | None = Field(examples=["failing"])
    failures_in_a_row: int
    last_success_at: ChinaTime | None
    rotating_until: ChinaTime | None = Field(
        description="while set, the previous secret signs too (a second `v1,` signature)"
    )
    created_at: ChinaTime
    updated_at: ChinaTime


class EndpointListOut(ViewOut):
    items: list[EndpointOut]


class SecretOut(ViewOut):
    """An endpoint and its signing secret, shown this once."""

    endpoint: EndpointOut
    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
    previous_until: ChinaTime | None = Field(
        None, description="after a rotation: the previous secret signs too until then"
    )


class AttemptOut(ViewOut):
    attempted_at: ChinaTime
    status_code: int | None = Field(description="the endpoint's HTTP status; null: no answer")
    latency_ms: int
    error: str | None


class DeliveryOut(ViewOut):
    id: int
    webhook_id: str = Field(examples=["msg_1234"], description="the `webhook-id` header")
    event_type: str = Field(examples=["lead.offered"])
    lead_id: int | None
    need_id: int | None
    occurred_at: ChinaTime
    status: Literal["pending", "delivered", "given_up"]
    attempts: list[AttemptOut]
    next_attempt_at: ChinaTime | None
    delivered_at: ChinaTime | None
    given_up_at: ChinaTime | None
    give_up_reason: str | None = Field(
        examples=["too_many_attempts"],
        description="too_many_attempts, gone (no longer the bank's to see), "
        "endpoint_disabled, endpoint_removed",
    )
    last_error: str | None


class DeliveryPageOut(ViewOut):
    items: list[DeliveryOut]
    next_cursor: int | None = Field(description="pass as `before` for the next page")
    kept_days: int = Field(
        description="days a delivery is kept once delivered or given up; then it is deleted, "
        "no longer listed nor replayable",
        examples=[30],
    )


# --- what a delivery carries ---


LeadEventType = Literal[
    "lead.offered", "lead.reassigned", "lead.expired", "lead.withdrawn", "need.updated"
]


class LeadEventOut(ViewOut):
    """A lead's event: the lead as the bank's `GET /api/v1/leads/{id}` shows it when the
    delivery is sent (the firm's contact only once accepted; nothing of a withdrawn firm)."""

    type: LeadEventType
    timestamp: ChinaTime = Field(description="when the event happened")
    data: LeadOut


class PoolEventOut(ViewOut):
    """`pool.opened`: a new need the bank may claim (`POST /api/v1/pool/{need_id}/claim`), as
    `GET /api/v1/pool` shows it: no name, no contact."""

    type: Literal["pool.opened"]
    timestamp: ChinaTime
    data: PoolItemOut

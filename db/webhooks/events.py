"""What a bank may be told, and how an event is queued for its endpoints: in the transaction
of the change itself (a transactional outbox), so a change committed is an event queued and a
change rolled back is none. A bank without endpoints costs one query, which finds nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select
from sqlmodel import Session, col

from db.models import WebhookEndpoint, WebhookMessage


class EventType(StrEnum):
    """The events a bank's endpoint may choose; each is one bit of `events_mask`."""

    LEAD_OFFERED = "lead.offered"  # a need was offered to the bank: accept within 1 working day
    LEAD_REASSIGNED = "lead.reassigned"  # a bank admin handed the lead to another manager
    LEAD_EXPIRED = "lead.expired"  # nobody accepted the offer in time; it went to another bank
    LEAD_WITHDRAWN = "lead.withdrawn"  # the firm withdrew its consent; its data is erased
    NEED_UPDATED = "need.updated"  # the firm updated the need behind one of the bank's leads
    POOL_OPENED = "pool.opened"  # a new need the bank may claim from the pool

    @property
    def bit(self) -> int:
        return 1 << list(EventType).index(self)

    @property
    def of_a_lead(self) -> bool:
        """Whether the payload is a lead (else a pool item: a need the bank may claim)."""
        return self is not EventType.POOL_OPENED


def mask_of(events: Iterable[EventType]) -> int:
    mask = 0
    for event in events:
        mask |= event.bit
    return mask


def events_of(mask: int) -> tuple[EventType, ...]:
    return tuple(e for e in EventType if mask & e.bit)


def active() -> Any:
    """The endpoints that take events: neither disabled nor removed."""
    return col(WebhookEndpoint.disabled_at).is_(None) & col(WebhookEndpoint.removed_at).is_(None)


@cache
def _subscribed() -> Any:
    """The active endpoints of some banks that chose an event type."""
    return select(col(WebhookEndpoint.id)).where(
        col(WebhookEndpoint.bank_id).in_(bindparam("bank_ids", expanding=True)),
        active(),
        col(WebhookEndpoint.events_mask).op("&")(bindparam("bit", type_=Integer)) != 0,
    )


_QUEUE = insert(WebhookMessage)


def emit(
    session: Session,
    event: EventType,
    *,
    bank_ids: Iterable[int],
    event_id: int,
    now: datetime,
    lead_id: int | None = None,
    need_id: int | None = None,
) -> None:
    """Queue `event` for every active endpoint of `bank_ids` that chose it, in the session's
    transaction. A lead's event names the lead; `pool.opened` the need."""
    banks = sorted(set(bank_ids))
    if not banks:
        return
    session.flush()
    connection = session.connection()
    found = connection.execute(_subscribed(), {"bank_ids": banks, "bit": event.bit}).scalars()
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event_type": event.value,
            "event_id": event_id,
            "lead_id": lead_id,
            "need_id": need_id,
            "occurred_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "round_from": 0,
        }
        for endpoint_id in found.all()
    ]
    if rows:
        connection.execute(_QUEUE, rows)


def emit_lead(session: Session, event: EventType, lead: Any, event_id: int, now: datetime) -> None:
    """Queue a lead's event for its bank's endpoints (`lead`: an assignment, or a new lead)."""
    emit(session, event, bank_ids=(lead.bank_id,), event_id=event_id, now=now,
         lead_id=lead.id, need_id=lead.need_id)  # fmt: skip

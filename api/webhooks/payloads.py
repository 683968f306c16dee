"""What a delivery carries: `{"type", "timestamp", "data"}`, the data being what the bank
itself would read at that moment — the lead as its `GET /api/v1/leads/{id}` shows it to the
bank's admins (`LeadOut`), or the need as its `GET /api/v1/pool` lists it (`PoolItemOut`) —
through the same queries and schemas, so there is one shape and never another bank's data.
Rendered when sent, so a firm's withdrawal erases what a later delivery shows."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from api.schemas.leads import LeadOut
from api.schemas.pool import PoolItemOut
from api.schemas.webhooks import LeadEventOut, PoolEventOut
from db.core.errors import NotFound
from db.core.unit import Actor
from db.core.vocabulary import ActorKind, Role
from db.leads.queries import get_lead, open_pool
from db.webhooks.deliveries import Claim


def bank_view(bank_id: int) -> Actor:
    """Who the payload is read as: the bank's admins, who see all of the bank's leads."""
    return Actor(ActorKind.STAFF, None, Role.BANK_ADMIN, bank_id)


def render(session: Session, claim: Claim, now: datetime) -> bytes | None:
    """The delivery's JSON body; None when what it is about is no longer the bank's to see
    (a pool need taken meanwhile)."""
    actor = bank_view(claim.bank_id)
    event: LeadEventOut | PoolEventOut
    if claim.event_type.of_a_lead:
        try:
            found = get_lead(session, actor=actor, lead_id=claim.lead_id or 0, now=now)
        except NotFound:
            return None
        event = LeadEventOut(
            type=claim.event_type.value,  # type: ignore[arg-type]
            timestamp=claim.occurred_at,
            data=LeadOut.model_validate(found),
        )
    else:
        page = open_pool(session, actor=actor, limit=1, need_id=claim.need_id or 0)
        if not page.items:
            return None
        event = PoolEventOut(
            type="pool.opened",
            timestamp=claim.occurred_at,
            data=PoolItemOut.model_validate(page.items[0]),
        )
    data = event.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

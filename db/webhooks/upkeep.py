"""What keeps the deliveries in check: their backlog, for monitoring (`/metrics`), and the
retention rule, which deletes the messages delivered or given up more than `KEPT` ago with
their attempts (the worker's prune, a batch at a time). A pending message is never deleted,
however old; a replay reopens a message, so it is kept again from its new delivery."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_
from sqlmodel import Session, col, select

from db.core.prune import BATCH, take_batch
from db.core.unit import use_case
from db.leads.outbox import Backlog
from db.models import WebhookAttempt, WebhookMessage, utcnow

KEPT = timedelta(days=30)
"""How long a delivered or given-up message stays listed and replayable, by default
(`WEBHOOKS_KEPT_DAYS`, api/webhooks/config.py)."""


def closed_before(cutoff: datetime) -> ColumnElement[bool]:
    """The retention rule: delivered or given up at or before `cutoff`, and not pending again."""
    return and_(
        col(WebhookMessage.next_attempt_at).is_(None),
        or_(col(WebhookMessage.delivered_at) <= cutoff, col(WebhookMessage.given_up_at) <= cutoff),
    )


@use_case
def prune(session: Session, *, now: datetime, kept: timedelta = KEPT, limit: int = BATCH) -> int:
    """Delete up to `limit` messages closed more than `kept` ago, their attempts with them;
    how many messages."""
    ids = take_batch(session, WebhookMessage, closed_before(now - kept), limit=limit)
    if ids:
        session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.message_id).in_(ids)))
        session.execute(delete(WebhookMessage).where(col(WebhookMessage.id).in_(ids)))
    return len(ids)


def backlog(session: Session, *, now: datetime | None = None) -> Backlog:
    """The messages pending delivery, those of them due now (not leased, not waiting for a
    retry), and those given up (within the kept period): one query."""
    now = now or utcnow()
    pending = col(WebhookMessage.next_attempt_at).is_not(None)
    given_up = col(WebhookMessage.next_attempt_at).is_(None) & col(
        WebhookMessage.given_up_at
    ).is_not(None)
    counts = session.exec(
        select(
            func.count().filter(pending),
            func.count().filter(col(WebhookMessage.next_attempt_at) <= now),
            func.count().filter(given_up),
        ).select_from(WebhookMessage)
    ).one()
    return Backlog(*(int(c) for c in counts))

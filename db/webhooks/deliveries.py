"""The deliveries' bookkeeping: claim due messages under a lease, record each attempt, retry on a
schedule with jitter for about a day, give up and disable an endpoint that failed all that
time (its bank's admins told), list deliveries with their attempts, replay one.

At least once, as the outbox (db/leads/outbox.py): a claim counts the attempt and moves the
message's `next_attempt_at` a lease ahead, committed before anything is sent; a sender that
dies before recording the answer leaves the message to come due again when the lease runs out,
and it is sent again with the same `webhook-id`, for the receiver to drop. Senders never hold
the same message at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: its one writer).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from db.core.errors import Conflict, InvalidInput, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import Notice, Role
from db.leads.mechanics import queue_notice
from db.models import Staff, WebhookAttempt, WebhookEndpoint, WebhookMessage, utcnow
from db.webhooks.endpoints import _mine, give_up_pending
from db.webhooks.events import EventType, active

LEASE = timedelta(minutes=2)
"""How long a claim holds its messages: longer than a batch takes (timeouts included)."""
BATCH = 50
SCHEDULE: tuple[timedelta, ...] = tuple(
    timedelta(seconds=s) for s in (5, 60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 8 * 3600, 8 * 3600)
)
"""The waits after each failed attempt (±`JITTER`): nine attempts over about 23.6 hours."""
JITTER = 0.1
MAX_PAGE = 100


class GiveUp:
    """Why a delivery was closed without reaching its endpoint."""

    TOO_MANY_ATTEMPTS = "too_many_attempts"  # the schedule is used up
    GONE = "gone"  # the lead or pool need is no longer the bank's to see
    ENDPOINT_DISABLED = "endpoint_disabled"
    ENDPOINT_REMOVED = "endpoint_removed"


DISABLED_FAILING = "failing"
"""Why an endpoint was disabled: a delivery used up its schedule, none succeeded meanwhile."""


def retry_wait(failed: int, rand: random.Random | None = None) -> timedelta | None:
    """The wait after the `failed`-th failed attempt of a round; None: give up."""
    if failed > len(SCHEDULE):
        return None
    factor = 1 + (rand or random).uniform(-JITTER, JITTER)
    return SCHEDULE[failed - 1] * factor


@dataclass(frozen=True, slots=True)
class Claim:
    """A message claimed for one attempt (`attempt` identifies the claim), with what sending
    it needs: where, the secrets that sign it (the previous one while rotating), what about."""

    message_id: int
    attempt: int
    endpoint_id: int
    bank_id: int
    url: str
    secrets: tuple[str, ...]
    event_type: EventType
    lead_id: int | None
    need_id: int | None
    occurred_at: datetime

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.message_id}"


@use_case
def claim_due(
    session: Session, *, now: datetime | None = None, limit: int = BATCH, lease: timedelta = LEASE
) -> tuple[Claim, ...]:
    """Claim up to `limit` due messages of active endpoints, oldest due first, for `lease`."""
    now = now or utcnow()
    query = (
        select(WebhookMessage, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookMessage.endpoint_id))
        .where(col(WebhookMessage.next_attempt_at) <= now, active())
        .order_by(col(WebhookMessage.next_attempt_at), col(WebhookMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookMessage)
    )
    claims = []
    for message, endpoint in session.exec(query.execution_options(populate_existing=True)).all():
        message.attempts += 1
        message.next_attempt_at = now + lease
        session.add(message)
        claims.append(_claim(message, endpoint, now))
    return tuple(claims)


def _claim(message: WebhookMessage, endpoint: WebhookEndpoint, now: datetime) -> Claim:
    signing = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > now:
        signing.append(endpoint.previous_secret)
    return Claim(
        message_id=message.id or 0,
        attempt=message.attempts,
        endpoint_id=endpoint.id or 0,
        bank_id=endpoint.bank_id,
        url=endpoint.url,
        secrets=tuple(signing),
        event_type=EventType(message.event_type),
        lead_id=message.lead_id,
        need_id=message.need_id,
        occurred_at=message.occurred_at,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to. `gone`: not sent, the payload is no longer the bank's."""

    claim: Claim
    delivered: bool
    status_code: int | None = None
    latency_ms: int = 0
    error: str | None = None
    gone: bool = False


@dataclass(frozen=True, slots=True)
class Recorded:
    delivered: int
    retry: int
    given_up: int
    disabled: tuple[int, ...]  # endpoints disabled by these outcomes


@use_case
def record_outcomes(
    session: Session,
    *,
    outcomes: Sequence[Outcome],
    now: datetime | None = None,
    rand: random.Random | None = None,
) -> Recorded:
    """Record a batch's attempts, and move each message on: delivered, to be retried after its
    schedule's wait, or given up — unless the claim no longer holds it (its lease ran out and
    another sender took it, or it was closed meanwhile)."""
    now = now or utcnow()
    counts = {"delivered": 0, "retry": 0, "given_up": 0}
    endpoints = _tally(session, outcomes, now)  # endpoints first, then messages: one lock order
    attempts = [_attempt(o, now) for o in outcomes if not o.gone]
    if attempts:
        session.execute(insert(WebhookAttempt), attempts)
    held = _still_held(session, [o.claim for o in outcomes])
    disabled: list[int] = []
    for outcome in outcomes:
        message = held.get(outcome.claim.message_id)
        if message is None:
            continue
        step = _move(message, outcome, now, rand)
        counts[step] += 1
        endpoint = endpoints[outcome.claim.endpoint_id]
        if step == "given_up" and _failing_all_along(endpoint, message):
            disable(session, endpoint, DISABLED_FAILING, now)
            disabled.append(endpoint.id or 0)
    return Recorded(counts["delivered"], counts["retry"], counts["given_up"], tuple(disabled))


def _attempt(outcome: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "message_id": outcome.claim.message_id,
        "attempted_at": now,
        "status_code": outcome.status_code,
        "latency_ms": outcome.latency_ms,
        "error": outcome.error[:500] if outcome.error else None,
    }


def _still_held(session: Session, claims: Sequence[Claim]) -> dict[int, WebhookMessage]:
    """The messages the claims still hold (locked, by id): not closed, and not claimed again
    since (their lease ran out and another sender took them)."""
    attempt = {c.message_id: c.attempt for c in claims}
    query = (
        select(WebhookMessage)
        .where(
            col(WebhookMessage.id).in_(sorted(attempt)),
            col(WebhookMessage.next_attempt_at).is_not(None),
        )
        .order_by(col(WebhookMessage.id))
        .with_for_update()
    )
    found = session.exec(query.execution_options(populate_existing=True)).all()
    return {m.id or 0: m for m in found if m.attempts == attempt[m.id or 0]}


def _tally(
    session: Session, outcomes: Sequence[Outcome], now: datetime
) -> dict[int, WebhookEndpoint]:
    """Count the batch's successes and failures on its endpoints (locked, by id)."""
    ids = sorted({o.claim.endpoint_id for o in outcomes})
    found = session.exec(
        select(WebhookEndpoint)
        .where(col(WebhookEndpoint.id).in_(ids))
        .order_by(col(WebhookEndpoint.id))
        .with_for_update()
    ).all()
    endpoints = {e.id or 0: e for e in found}
    for endpoint_id, endpoint in endpoints.items():
        tried = [o for o in outcomes if o.claim.endpoint_id == endpoint_id and not o.gone]
        if any(o.delivered for o in tried):
            endpoint.last_success_at, endpoint.failures_in_a_row = now, 0
        else:
            endpoint.failures_in_a_row += len(tried)
        session.add(endpoint)
    return endpoints


def _move(
    message: WebhookMessage, outcome: Outcome, now: datetime, rand: random.Random | None
) -> str:
    """Delivered, retried or given up: which (a key of `record_outcomes`' counts)."""
    if outcome.delivered:
        message.delivered_at, message.next_attempt_at, message.last_error = now, None, None
        return "delivered"
    if outcome.gone:
        message.given_up_at, message.give_up_reason = now, GiveUp.GONE
        message.next_attempt_at = None
        return "given_up"
    message.last_error = (outcome.error or f"HTTP {outcome.status_code}")[:500]
    wait = retry_wait(message.attempts - message.round_from, rand)
    if wait is None:
        message.given_up_at, message.give_up_reason = now, GiveUp.TOO_MANY_ATTEMPTS
        message.next_attempt_at = None
        return "given_up"
    message.next_attempt_at = now + wait
    return "retry"


def _failing_all_along(endpoint: WebhookEndpoint, message: WebhookMessage) -> bool:
    """Whether no delivery to the endpoint succeeded since this message, which used up its
    schedule, was queued: a day of failures."""
    if message.give_up_reason != GiveUp.TOO_MANY_ATTEMPTS or endpoint.disabled_at is not None:
        return False
    return endpoint.last_success_at is None or endpoint.last_success_at < message.occurred_at


def disable(session: Session, endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Take the endpoint out of service: its pending deliveries are given up (replay them once
    it is enabled again) and its bank's admins are told (on Telegram, when linked)."""
    endpoint.disabled_at, endpoint.disabled_reason, endpoint.updated_at = now, reason, now
    session.add(endpoint)
    session.flush()
    give_up_pending(session, endpoint.id or 0, GiveUp.ENDPOINT_DISABLED, now)
    admins = session.exec(
        select(Staff.id).where(
            Staff.bank_id == endpoint.bank_id,
            Staff.role == Role.BANK_ADMIN,
            col(Staff.active).is_(True),
        )
    ).all()
    params: dict[str, Any] = {"endpoint_id": endpoint.id, "url": endpoint.url}
    for staff_id in admins:
        key = f"wh{endpoint.id}:off:{now.isoformat()}:s{staff_id}"
        queue_notice(session, key, Notice.BANK_WEBHOOK_DISABLED, now, params, staff_id=staff_id)


# --- what a bank admin sees of the deliveries ---


@dataclass(frozen=True, slots=True)
class AttemptView:
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    webhook_id: str
    event_type: str
    lead_id: int | None
    need_id: int | None
    occurred_at: datetime
    status: str  # pending, delivered, given_up
    attempts: tuple[AttemptView, ...]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    given_up_at: datetime | None
    give_up_reason: str | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: tuple[DeliveryView, ...]
    next_cursor: int | None  # the id to pass as `before` for the next page


def list_deliveries(
    session: Session,
    *,
    actor: Actor,
    endpoint_id: int,
    limit: int = 50,
    before: int | None = None,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, each with its attempts."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput.of("bad_limit", field="limit", limit=MAX_PAGE)
    endpoint, _ = _mine(session, actor, endpoint_id)
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id)
    if before is not None:
        query = query.where(col(WebhookMessage.id) < before)
    rows = session.exec(query.order_by(col(WebhookMessage.id).desc()).limit(limit + 1)).all()
    page = rows[:limit]
    attempts: dict[int, list[AttemptView]] = {}
    if page:
        ids = [m.id for m in page]
        found = session.exec(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.message_id).in_(ids))
            .order_by(col(WebhookAttempt.id))
        ).all()
        for a in found:
            attempts.setdefault(a.message_id, []).append(
                AttemptView(a.attempted_at, a.status_code, a.latency_ms, a.error)
            )
    items = tuple(_delivery(m, attempts.get(m.id or 0, [])) for m in page)
    return DeliveryPage(items, items[-1].id if len(rows) > limit else None)


def _delivery(message: WebhookMessage, attempts: list[AttemptView]) -> DeliveryView:
    status = "pending"
    if message.delivered_at is not None and message.next_attempt_at is None:
        status = "delivered"
    elif message.given_up_at is not None and message.next_attempt_at is None:
        status = "given_up"
    return DeliveryView(
        id=message.id or 0,
        webhook_id=f"msg_{message.id}",
        event_type=message.event_type,
        lead_id=message.lead_id,
        need_id=message.need_id,
        occurred_at=message.occurred_at,
        status=status,
        attempts=tuple(attempts),
        next_attempt_at=message.next_attempt_at,
        delivered_at=message.delivered_at,
        given_up_at=message.given_up_at,
        give_up_reason=message.give_up_reason,
        last_error=message.last_error,
    )


@use_case
def replay(
    session: Session,
    *,
    actor: Actor,
    endpoint_id: int,
    delivery_id: int,
    now: datetime | None = None,
) -> DeliveryView:
    """Send a delivered or given-up message again, with its `webhook-id`, on a fresh schedule."""
    now = now or utcnow()
    endpoint, _ = _mine(session, actor, endpoint_id)
    message = session.exec(
        select(WebhookMessage)
        .where(WebhookMessage.id == delivery_id, WebhookMessage.endpoint_id == endpoint.id)
        .with_for_update()
    ).first()
    if message is None:
        raise NotFound.of("delivery_not_found", delivery_id=delivery_id)
    if endpoint.disabled_at is not None:
        raise Conflict.of("webhook_disabled", endpoint_id=endpoint_id)
    if message.next_attempt_at is not None:
        raise Conflict.of("delivery_pending", delivery_id=delivery_id)
    message.next_attempt_at, message.round_from = now, message.attempts
    message.delivered_at = message.given_up_at = message.give_up_reason = None
    session.add(message)
    session.flush()
    return _delivery(message, [])

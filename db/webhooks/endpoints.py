"""A bank's webhook endpoints: registered, listed, re-enabled, their secret rotated, removed.

Bank admins manage their own bank's endpoints (another bank's are "not found"); the operator's
CLI acts as the system, naming the bank. The URL is checked by the caller before it comes here
(api/webhooks/urls.py: https, never a private or loopback address): storage cannot resolve
names. A secret is `whsec_` and 32 random bytes in base64 (Standard Webhooks); it is shown
once, when made, and stored as it is, since signing needs it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from db.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from db.core.unit import Actor, use_case
from db.core.vocabulary import ActorKind, Role
from db.models import Bank, WebhookEndpoint, WebhookMessage, utcnow
from db.webhooks.events import EventType, events_of, mask_of

SECRET_PREFIX = "whsec_"
ROTATION = timedelta(hours=24)
"""How long the previous secret still signs after a rotation: receivers move to the new one."""
MAX_ENDPOINTS = 10
"""Endpoints a bank may have at once."""
MAX_URL = 2000


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True, slots=True)
class EndpointView:
    """An endpoint as its bank admin sees it: never its secret."""

    id: int
    bank: str
    url: str
    description: str
    events: tuple[str, ...]
    active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failures_in_a_row: int
    last_success_at: datetime | None
    rotating_until: datetime | None  # the previous secret signs too until then
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewSecret:
    endpoint: EndpointView
    secret: str  # shown once
    previous_until: datetime | None = None


def _view(row: WebhookEndpoint, bank_code: str, now: datetime) -> EndpointView:
    rotating = row.previous_until if row.previous_until and row.previous_until > now else None
    return EndpointView(
        id=row.id or 0,
        bank=bank_code,
        url=row.url,
        description=row.description,
        events=tuple(e.value for e in events_of(row.events_mask)),
        active=row.disabled_at is None,
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
        failures_in_a_row=row.failures_in_a_row,
        last_success_at=row.last_success_at,
        rotating_until=rotating,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def check_manager(actor: Actor) -> None:
    """Refuse anyone but a bank admin (or the system: the operator's CLI)."""
    if actor.kind is not ActorKind.SYSTEM and actor.role is not Role.BANK_ADMIN:
        raise NotAllowed.of("webhooks_bank_admins_only")


def _bank_of(session: Session, actor: Actor, bank_code: str | None) -> Bank:
    """The bank whose endpoints the actor manages: a bank admin's own; the system's (the
    operator's CLI) the one it names."""
    if actor.kind is ActorKind.SYSTEM:
        bank = session.exec(select(Bank).where(Bank.code == (bank_code or ""))).first()
        if bank is None:
            raise InvalidInput.of("unknown_bank", field="bank", bank=bank_code or "")
        return bank
    check_manager(actor)
    bank = session.get(Bank, actor.bank_id or 0)
    assert bank is not None  # a foreign key
    return bank


def _mine(
    session: Session, actor: Actor, endpoint_id: int, *, lock: bool = False
) -> tuple[WebhookEndpoint, Bank]:
    """The endpoint, if the actor's bank has it (and it is not removed); else "not found"."""
    check_manager(actor)
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, col(WebhookEndpoint.removed_at).is_(None)
    )
    if lock:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None or (actor.kind is not ActorKind.SYSTEM and row.bank_id != actor.bank_id):
        raise NotFound.of("webhook_not_found", endpoint_id=endpoint_id)
    bank = session.get(Bank, row.bank_id)
    assert bank is not None
    return row, bank


def check_events(names: Iterable[str]) -> tuple[EventType, ...]:
    chosen: list[EventType] = []
    for name in names:
        try:
            chosen.append(EventType(name))
        except ValueError:
            allowed = ", ".join(EventType)
            raise InvalidInput.of(
                "unknown_event_type", field="events", value=name, allowed=allowed
            ) from None
    if not chosen:
        raise InvalidInput.of("no_event_types", field="events", allowed=", ".join(EventType))
    return tuple(chosen)


@use_case
def add_endpoint(
    session: Session,
    *,
    actor: Actor,
    url: str,
    events: Iterable[str] = tuple(EventType),
    description: str = "",
    bank_code: str | None = None,
    now: datetime | None = None,
) -> NewSecret:
    """Register an endpoint for the bank's events (the URL already checked); its secret once."""
    now = now or utcnow()
    chosen = check_events(events)
    if not url or len(url) > MAX_URL:
        raise InvalidInput.of("too_long", field="url", limit=MAX_URL)
    if len(description) > 200:
        raise InvalidInput.of("too_long", field="description", limit=200)
    bank = _bank_of(session, actor, bank_code)
    session.exec(
        select(Bank.id).where(Bank.id == bank.id).with_for_update()
    ).first()  # one at a time
    count = session.exec(
        select(func.count()).where(
            WebhookEndpoint.bank_id == bank.id, col(WebhookEndpoint.removed_at).is_(None)
        )
    ).one()
    if count >= MAX_ENDPOINTS:
        raise Conflict.of("too_many_webhooks", limit=MAX_ENDPOINTS)
    secret = new_secret()
    row = WebhookEndpoint(
        bank_id=bank.id or 0,
        url=url,
        description=description.strip(),
        events_mask=mask_of(chosen),
        secret=secret,
        created_by=actor.staff_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return NewSecret(_view(row, bank.code, now), secret)


def list_endpoints(
    session: Session, *, actor: Actor, bank_code: str | None = None, now: datetime | None = None
) -> tuple[EndpointView, ...]:
    """The bank's endpoints (not removed), oldest first."""
    now = now or utcnow()
    bank = _bank_of(session, actor, bank_code)
    rows = session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.bank_id == bank.id, col(WebhookEndpoint.removed_at).is_(None))
        .order_by(col(WebhookEndpoint.id))
    ).all()
    return tuple(_view(row, bank.code, now) for row in rows)


def get_endpoint(
    session: Session, *, actor: Actor, endpoint_id: int, now: datetime | None = None
) -> EndpointView:
    row, bank = _mine(session, actor, endpoint_id)
    return _view(row, bank.code, now or utcnow())


@use_case
def rotate_secret(
    session: Session, *, actor: Actor, endpoint_id: int, now: datetime | None = None
) -> NewSecret:
    """A new secret, shown once; the current one keeps signing beside it for `ROTATION`."""
    now = now or utcnow()
    row, bank = _mine(session, actor, endpoint_id, lock=True)
    secret = new_secret()
    row.previous_secret, row.previous_until = row.secret, now + ROTATION
    row.secret, row.updated_at = secret, now
    session.add(row)
    session.flush()
    return NewSecret(_view(row, bank.code, now), secret, row.previous_until)


@use_case
def enable_endpoint(
    session: Session, *, actor: Actor, endpoint_id: int, now: datetime | None = None
) -> EndpointView:
    """Take a disabled endpoint back into service (its missed deliveries can be replayed)."""
    now = now or utcnow()
    row, bank = _mine(session, actor, endpoint_id, lock=True)
    row.disabled_at = row.disabled_reason = None
    row.failures_in_a_row, row.updated_at = 0, now
    session.add(row)
    session.flush()
    return _view(row, bank.code, now)


@use_case
def remove_endpoint(
    session: Session, *, actor: Actor, endpoint_id: int, now: datetime | None = None
) -> None:
    """Stop telling the endpoint anything: its pending deliveries are given up, its secrets
    forgotten; its history stays."""
    now = now or utcnow()
    row, _ = _mine(session, actor, endpoint_id, lock=True)
    row.removed_at, row.updated_at = now, now
    row.secret, row.previous_secret, row.previous_until = "", None, None
    session.add(row)
    give_up_pending(session, row.id or 0, "endpoint_removed", now)


def give_up_pending(session: Session, endpoint_id: int, reason: str, now: datetime) -> None:
    """Close the endpoint's deliveries still to be tried."""
    session.execute(
        update(WebhookMessage)
        .where(
            col(WebhookMessage.endpoint_id) == endpoint_id,
            col(WebhookMessage.next_attempt_at).is_not(None),
        )
        .values(next_attempt_at=None, given_up_at=now, give_up_reason=reason)
    )

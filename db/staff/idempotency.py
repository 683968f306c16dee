"""Idempotency keys: a change retried with the key of its first try gets the first answer again,
and takes effect once.

A caller's key is claimed before the change runs (a transaction of its own, so a second request
with the key sees it at once), by an `owner` (a random name of this try) until `locked_until`.
The use case's own transaction marks it `committed` (`mark_committed`) only while this try still
owns it, so a try that outran its lease and was taken over cannot also commit. The answer is
kept once written; a server error's is not (the key is released, or, when the change committed
anyway, kept without an answer). A key lives `KEPT` from its first use; the worker sweeps older
ones, and an older one not yet swept counts as never used.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.core.errors import Conflict, InvalidInput
from db.core.unit import use_case
from db.models import IdempotencyKey

KEPT: Final = timedelta(hours=24)
"""How long a key and its answer are kept: a client retries within minutes, a day is ample."""

LEASE: Final = timedelta(minutes=2)
"""How long a try holds its key: far longer than any request takes (a roster of a million rows
included). A try that died before committing frees its key when the lease ends."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The first answer to a key's request, as it was written."""

    status: int
    media_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this try holds while its request runs."""

    id: int
    owner: str


class KeyReused(InvalidInput):
    """The key came with another request (another body, route or method)."""


class KeyBusy(Conflict):
    """The key's request is still running, or its change committed without an answer kept."""


@use_case
def _claim(
    session: Session, *, staff_id: int, key: str, fingerprint: str, now: datetime
) -> Claim | Answer:
    row = session.exec(
        select(IdempotencyKey)
        .where(col(IdempotencyKey.staff_id) == staff_id, col(IdempotencyKey.key) == key)
        .with_for_update()
    ).first()
    owner = secrets.token_hex(16)
    if row is None:
        row = IdempotencyKey(
            staff_id=staff_id, key=key, fingerprint=fingerprint, owner=owner, created_at=now
        )
    elif row.created_at <= now - KEPT:  # as good as swept: a new use of the key
        row.fingerprint, row.created_at = fingerprint, now
        row.committed, row.status, row.media_type, row.body = False, None, None, None
    elif row.fingerprint != fingerprint:
        raise KeyReused.of("idempotency_key_reused", field="Idempotency-Key")
    elif row.status is not None:
        return Answer(row.status, row.media_type or "application/json", row.body or b"")
    elif row.locked_until is not None and row.locked_until > now:
        raise KeyBusy.of("idempotency_key_busy", field="Idempotency-Key")
    elif row.committed:
        raise KeyBusy.of("idempotency_answer_lost", field="Idempotency-Key")
    row.owner, row.locked_until = owner, now + LEASE  # free, or its try died uncommitted
    session.add(row)
    session.flush()
    return Claim(row.id or 0, owner)


def hold(
    engine: Engine, *, staff_id: int, key: str, fingerprint: str, now: datetime
) -> Claim | Answer:
    """Hold `key` for a request (`fingerprint`), or the answer its first try got. Refused:
    the key with another request (422), the key's request still running or its answer lost
    (409). Two first uses of a key at once: one inserts, the other then finds its row."""
    for attempt in (1, 2):
        try:
            with Session(engine) as session:
                return _claim(session, staff_id=staff_id, key=key, fingerprint=fingerprint, now=now)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def mark_committed(session: Session, held: Claim) -> None:
    """In the use case's own transaction, before it commits: its change is the key's. A try
    that lost the key meanwhile is refused, so its change rolls back."""
    marked = session.execute(
        update(IdempotencyKey)
        .where(col(IdempotencyKey.id) == held.id, col(IdempotencyKey.owner) == held.owner)
        .values(committed=True)
    )
    if not getattr(marked, "rowcount", 0):
        raise KeyBusy.of("idempotency_key_busy", field="Idempotency-Key")


def keep(engine: Engine, *, held: Claim, answer: Answer) -> None:
    """The answer of the request that held the key, to replay."""
    with Session(engine) as session:
        _keep(session, held=held, answer=answer)


def release(engine: Engine, *, held: Claim) -> None:
    """The request failed (a server error): the key is free again if nothing was committed;
    if something was, it is kept without an answer, so a retry never repeats the change."""
    with Session(engine) as session:
        _release(session, held=held)


@use_case
def _keep(session: Session, *, held: Claim, answer: Answer) -> None:
    session.execute(
        update(IdempotencyKey)
        .where(col(IdempotencyKey.id) == held.id, col(IdempotencyKey.owner) == held.owner)
        .values(
            status=answer.status,
            media_type=answer.media_type,
            body=answer.body,
            locked_until=None,
        )
    )


@use_case
def _release(session: Session, *, held: Claim) -> None:
    mine = (col(IdempotencyKey.id) == held.id, col(IdempotencyKey.owner) == held.owner)
    session.execute(delete(IdempotencyKey).where(*mine, col(IdempotencyKey.committed).is_(False)))
    session.execute(update(IdempotencyKey).where(*mine).values(locked_until=None))


@use_case
def sweep(session: Session, *, now: datetime) -> int:
    """Delete the keys older than `KEPT`; how many."""
    gone = session.execute(
        delete(IdempotencyKey).where(col(IdempotencyKey.created_at) <= now - KEPT)
    )
    return int(getattr(gone, "rowcount", 0) or 0)

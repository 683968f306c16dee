"""The outbox's bookkeeping: claim due notices under a lease, mark them sent, back off after a
failure, give up on one that cannot be delivered. The sending itself is the bot's
(bot/notify.py); nothing here knows Telegram.

At least once: a claim counts the attempt and moves the row's `next_attempt_at` a lease ahead,
committed before anything is sent. A sender that dies between sending and marking leaves the row
to come due again when its lease runs out, and the next sender sends it again; a row marked sent
is never claimed again. Two senders never hold the same row at once: on PostgreSQL the claim
skips rows another sender is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite it holds the only
write lock. A row with no way to reach its recipient is closed with the reason, never retried.

Two ways out, claimed apart: Telegram (`claim_due`) and, for needs registered in the web chat,
SMS (`claim_due(web=True)`, bot/sms.py). With SMS off, a web firm's notices are closed as
`no_chat`: its status page is then the channel.

One sender at a time (`sender_turn`): every `yinqi serve` runs a worker, and each process paces
only its own messages, so N senders at once would send N times Telegram's ~30 messages a second.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, exists, func, or_, text, update
from sqlmodel import Session, col, select

from db.core.engine import is_sqlite
from db.core.prune import BATCH as PRUNE_BATCH
from db.core.prune import take_batch
from db.core.unit import use_case
from db.core.vocabulary import NeedStatus
from db.intake.web_sessions import WEB_CHATS
from db.models import Need, Outbox, Staff, utcnow

LEASE = timedelta(minutes=2)
"""How long a claim holds its rows: longer than sending a batch takes, rate limits included."""
BATCH = 50
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 15
"""Tries before a notice that keeps failing is given up (about nine hours of backing off)."""
KEPT = timedelta(days=30)
"""How long a notice sent or given up is kept; then the worker's prune deletes it, and its
`dedupe_key` with it: keep it longer than any window a key guards (a quarter's filing
reminder is queued only in the few days before its tables fall due)."""


_SENDER = text("SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))")
"""The sender's turn: one per schema, as the outbox is (advisory locks are the whole server's:
two deployments, or two test runs, in schemas of one database must not take each other's)."""
_SENDER_KEY = zlib.crc32(b"yinqi outbox sender") - 2**31  # the two-key form takes int4 keys


@contextmanager
def sender_turn(engine: Engine) -> Iterator[bool]:
    """Whether this process is the outbox's sender until the block ends (False: another one is
    sending; skip this pass). PostgreSQL: an advisory lock held by a transaction kept open for
    the block, so a sender that dies gives its turn up with its connection. SQLite: always (one
    process; with a separate `yinqi worker`, two senders)."""
    if is_sqlite(engine):
        yield True
        return
    with engine.begin() as connection:
        yield bool(connection.execute(_SENDER, {"key": _SENDER_KEY}).scalar_one())


class GiveUp(StrEnum):
    """Why a notice was closed without being sent."""

    NO_CHAT = "no_chat"  # the firm has no Telegram chat (offline, the terminal, web without SMS)
    NO_PHONE = "no_phone"  # a web firm, to be told by SMS, left no contact phone
    WITHDRAWN = "withdrawn"  # the firm withdrew its consent
    NO_TELEGRAM = "no_telegram"  # the staff member has not linked a Telegram account
    STAFF_INACTIVE = "staff_inactive"
    BLOCKED = "blocked"  # the user blocked the bot, or deleted their account
    CHAT_NOT_FOUND = "chat_not_found"
    REJECTED = "rejected"  # the message itself was refused; sending it again cannot help
    TOO_MANY_ATTEMPTS = "too_many_attempts"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed notice: which chat, in which language, which text with which values.

    `attempt` identifies the claim: a failure is recorded only while the row is still held by
    that claim (not when its lease ran out and another sender claimed it meanwhile)."""

    id: int
    attempt: int
    chat_id: int
    language: str
    template: str
    params: Mapping[str, Any]
    need_id: int | None
    staff_id: int | None
    phone: str | None = None  # set: an SMS to this number (a web firm's contact phone)


@dataclass(frozen=True, slots=True)
class Claimed:
    deliveries: tuple[Delivery, ...]
    given_up: int  # due rows with no channel to their recipient, closed by this claim


@use_case
def claim_due(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = BATCH,
    lease: timedelta = LEASE,
    web: bool = False,
    sms: bool = False,
) -> Claimed:
    """Claim up to `limit` due notices, oldest due first, for `lease`; close those that have no
    channel (a need without a chat or withdrawn, a staff member without Telegram). `web`: the
    notices of needs registered in the web chat instead, to be sent by SMS when `sms` is on."""
    now = now or utcnow()
    of_web = exists().where(
        col(Need.id) == col(Outbox.need_id),
        col(Need.chat_id) >= WEB_CHATS.start,
        col(Need.chat_id) < WEB_CHATS.stop,
    )
    query = (
        select(Outbox)
        .where(
            col(Outbox.sent_at).is_(None),
            col(Outbox.given_up_at).is_(None),
            col(Outbox.next_attempt_at) <= now,
            of_web if web else ~of_web,
        )
        .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=Outbox)
    )
    rows = session.exec(query.execution_options(populate_existing=True)).all()
    needs = _by_id(session, Need, (r.need_id for r in rows))
    staff = _by_id(session, Staff, (r.staff_id for r in rows))
    deliveries: list[Delivery] = []
    for row in rows:
        channel = _by_sms(needs[row.need_id or 0], sms) if web else _channel(row, needs, staff)
        if isinstance(channel, GiveUp):
            row.given_up_at, row.give_up_reason = now, channel
        else:
            row.attempts += 1
            row.next_attempt_at = now + lease
            deliveries.append(_delivery(row, *channel))
        session.add(row)
    return Claimed(tuple(deliveries), len(rows) - len(deliveries))


def _by_id(session: Session, table: type[Any], ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {r.id: r for r in session.exec(select(table).where(col(table.id).in_(wanted))).all()}


def _channel(
    row: Outbox, needs: dict[int, Need], staff: dict[int, Staff]
) -> tuple[int, str] | GiveUp:
    """The chat and language a notice goes to, or why it cannot go anywhere."""
    if row.need_id is not None:
        need = needs[row.need_id]
        if need.status == NeedStatus.WITHDRAWN or need.withdrawn_at is not None:
            return GiveUp.WITHDRAWN
        if need.chat_id is None or need.chat_id < 0:  # Telegram's private chats are positive
            return GiveUp.NO_CHAT
        return need.chat_id, need.language
    member = staff[row.staff_id or 0]
    if not member.active:
        return GiveUp.STAFF_INACTIVE
    if member.telegram_user_id is None:
        return GiveUp.NO_TELEGRAM
    return member.telegram_user_id, member.language  # a private chat's id is the user's id


def _by_sms(need: Need, sms: bool) -> tuple[int, str, str] | GiveUp:
    """The web chat, language and phone an SMS notice goes to, or why it cannot go."""
    if need.status == NeedStatus.WITHDRAWN or need.withdrawn_at is not None:
        return GiveUp.WITHDRAWN
    if not sms or need.chat_id is None:
        return GiveUp.NO_CHAT  # SMS is off: the firm's status page tells it
    if not need.contact_phone:
        return GiveUp.NO_PHONE
    return need.chat_id, need.language, need.contact_phone


def _delivery(row: Outbox, chat_id: int, language: str, phone: str | None = None) -> Delivery:
    return Delivery(
        id=row.id or 0,
        attempt=row.attempts,
        chat_id=chat_id,
        language=language,
        template=row.template,
        params=dict(row.params),
        need_id=row.need_id,
        staff_id=row.staff_id,
        phone=phone,
    )


@use_case
def mark_sent(session: Session, *, delivery: Delivery, now: datetime | None = None) -> bool:
    """Record that the notice went out; False when it was already marked (sent twice: a lease
    ran out while it was being sent) or is gone (the firm's data was erased meanwhile)."""
    now = now or utcnow()
    result = session.execute(
        update(Outbox)
        .where(
            col(Outbox.id) == delivery.id,
            col(Outbox.sent_at).is_(None),
            col(Outbox.given_up_at).is_(None),
        )
        .values(sent_at=now, last_error=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@use_case
def mark_failed(
    session: Session,
    *,
    delivery: Delivery,
    error: str,
    give_up: GiveUp | None = None,
    retry_after: timedelta | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """Record a failed send: give up with a reason when `give_up` says so or the attempts are
    used up, else back off exponentially (at least `retry_after`, when Telegram asked for it).
    Returns when it will be tried again; None when it will not (or another claim holds it)."""
    now = now or utcnow()
    query = select(Outbox).where(
        col(Outbox.id) == delivery.id,
        col(Outbox.attempts) == delivery.attempt,
        col(Outbox.sent_at).is_(None),
        col(Outbox.given_up_at).is_(None),
    )
    row = session.exec(query.with_for_update()).first()
    if row is None:
        return None
    row.last_error = error[:500]
    if give_up is None and row.attempts >= MAX_ATTEMPTS:
        give_up = GiveUp.TOO_MANY_ATTEMPTS
    if give_up is not None:
        row.given_up_at, row.give_up_reason = now, give_up
        session.add(row)
        return None
    row.next_attempt_at = now + max(backoff(row.attempts), retry_after or timedelta(0))
    session.add(row)
    return row.next_attempt_at


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 30 s, 1 min, 2 min … at most 1 h."""
    wait: timedelta = FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int  # neither sent nor given up
    due: int  # pending, and due now (not leased, not backing off)
    given_up: int


def backlog(session: Session, *, now: datetime | None = None) -> Backlog:
    """The outbox's backlog, for monitoring."""
    now = now or utcnow()
    open_ = col(Outbox.sent_at).is_(None) & col(Outbox.given_up_at).is_(None)
    due = open_ & (col(Outbox.next_attempt_at) <= now)
    counts = session.exec(
        select(
            func.count().filter(open_),
            func.count().filter(due),
            func.count().filter(col(Outbox.given_up_at).is_not(None)),
        ).select_from(Outbox)
    ).one()
    return Backlog(*(int(c) for c in counts))


def closed_before(cutoff: datetime) -> ColumnElement[bool]:
    """The retention rule: sent or given up at or before `cutoff` (a pending notice, however
    old, never)."""
    return or_(col(Outbox.sent_at) <= cutoff, col(Outbox.given_up_at) <= cutoff)


@use_case
def prune(
    session: Session, *, now: datetime, kept: timedelta = KEPT, limit: int = PRUNE_BATCH
) -> int:
    """Delete up to `limit` notices closed more than `kept` ago; how many."""
    ids = take_batch(session, Outbox, closed_before(now - kept), limit=limit)
    if ids:
        session.execute(delete(Outbox).where(col(Outbox.id).in_(ids)))
    return len(ids)

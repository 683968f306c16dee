"""Sending the outbox through Telegram: claim due notices (db/leads/outbox.py), send each, mark it.

Each chat's notices go in the order they were queued, different chats' at once; the bot's rate
limiter (PTB's `AIORateLimiter`) keeps the pace within Telegram's limits, and one process sends at
a time (`sender_turn`), so N `yinqi serve` together keep it too. A failure is kept on
the row and retried with backoff, except what retrying cannot mend (the user blocked the bot, the
chat does not exist, the message itself was refused), which is given up with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot import telegram_bot
from bot.answers import visit_keyboard
from bot.config import BotSettings
from bot.events import Reply
from bot.staff import offer_keyboard, offer_text
from bot.telegram_app import inline_markup
from db.core.engine import reading
from db.core.vocabulary import AssignmentStatus, Notice
from db.leads.cards import lead_card
from db.leads.outbox import (
    BATCH,
    LEASE,
    Claimed,
    Delivery,
    GiveUp,
    claim_due,
    mark_failed,
    mark_sent,
    sender_turn,
)
from db.models import utcnow
from matching.i18n import Lang, t

log = logging.getLogger(__name__)

CHATS_AT_ONCE = 8
"""Chats sent to at the same time; the rate limiter paces them all."""


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    GIVEN_UP = "given_up"


@dataclass(frozen=True, slots=True)
class SendRun:
    claimed: int  # notices claimed and tried
    sent: int
    retry: int  # failed, to be tried again later
    given_up: int  # closed without sending: no channel, or a failure retrying cannot mend

    @property
    def busy(self) -> bool:
        return bool(self.claimed or self.given_up)


def make_bot(settings: BotSettings) -> ExtBot[Any]:
    """A bot for sending alone (`yinqi worker`), rate-limited like the one the bot runs."""
    return telegram_bot.make_bot(settings)


class Notifier:
    """Sends due notices through `bot` (the running bot's own, when it runs in this process)."""

    def __init__(
        self,
        engine: Engine,
        bot: Bot,
        *,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.bot = engine, bot
        self.batch, self.lease, self.clock = batch, lease, clock

    async def send_due(self, now: datetime | None = None) -> SendRun:
        """Claim one batch of due notices and send them, unless another process is sending."""
        now = now or self.clock()
        await self.bot.initialize()  # once; later calls return at once
        turn = contextlib.ExitStack()  # entered and left off the event loop: database calls
        try:
            if not await asyncio.to_thread(turn.enter_context, sender_turn(self.engine)):
                log.debug("outbox: another process is sending")
                return SendRun(claimed=0, sent=0, retry=0, given_up=0)
            return await self._send_batch(now)
        finally:
            await asyncio.to_thread(turn.close)

    async def _send_batch(self, now: datetime) -> SendRun:
        claimed = await asyncio.to_thread(self._claim, now)
        by_chat: dict[int, list[Delivery]] = {}
        for delivery in claimed.deliveries:
            by_chat.setdefault(delivery.chat_id, []).append(delivery)
        gate = asyncio.Semaphore(CHATS_AT_ONCE)
        results = await asyncio.gather(*(self._chat(gate, ds) for ds in by_chat.values()))
        outcomes = [o for chat in results for o in chat]
        return SendRun(
            claimed=len(outcomes),
            sent=outcomes.count(Outcome.SENT),
            retry=outcomes.count(Outcome.RETRY),
            given_up=claimed.given_up + outcomes.count(Outcome.GIVEN_UP),
        )

    def _claim(self, now: datetime) -> Claimed:
        with Session(self.engine) as session:
            return claim_due(session, now=now, limit=self.batch, lease=self.lease)

    async def _chat(self, gate: asyncio.Semaphore, deliveries: list[Delivery]) -> list[Outcome]:
        async with gate:
            return [await self._send(d) for d in deliveries]  # one chat's in queued order

    async def _send(self, delivery: Delivery) -> Outcome:
        try:
            reply = await asyncio.to_thread(compose, self.engine, delivery)
        except KeyError as err:  # a template or value the catalogs do not know
            return await self._failed(delivery, f"cannot compose: {err!r}", GiveUp.REJECTED)
        try:
            await self.bot.send_message(
                delivery.chat_id, reply.text, reply_markup=inline_markup(reply)
            )
        except Forbidden as err:
            return await self._failed(delivery, _said(err), GiveUp.BLOCKED)
        except BadRequest as err:
            lost = "chat not found" in err.message.lower()
            return await self._failed(
                delivery, _said(err), GiveUp.CHAT_NOT_FOUND if lost else GiveUp.REJECTED
            )
        except RetryAfter as err:
            return await self._failed(delivery, _said(err), retry_after=_wait(err))
        except TelegramError as err:  # timed out, network, a server error: try again later
            return await self._failed(delivery, _said(err))
        except Exception as err:
            log.exception("outbox %s: sending failed", delivery.id)
            return await self._failed(delivery, _said(err))
        await asyncio.to_thread(self._mark_sent, delivery)
        return Outcome.SENT

    def _mark_sent(self, delivery: Delivery) -> None:
        mark_delivered(self.engine, delivery, self.clock())

    async def _failed(
        self,
        delivery: Delivery,
        error: str,
        give_up: GiveUp | None = None,
        retry_after: timedelta | None = None,
    ) -> Outcome:
        where = f"to chat {delivery.chat_id}"
        return await record_failure(
            self.engine, delivery, error, where, self.clock(), give_up, retry_after
        )


def mark_delivered(engine: Engine, delivery: Delivery, now: datetime) -> None:
    """Record that the notice went out (by any channel)."""
    with Session(engine) as session:
        mark_sent(session, delivery=delivery, now=now)


async def record_failure(
    engine: Engine,
    delivery: Delivery,
    error: str,
    where: str,
    now: datetime,
    give_up: GiveUp | None = None,
    retry_after: timedelta | None = None,
) -> Outcome:
    """Record a failed send (`where`: to whom, for the log): given up, or to be tried again."""

    def mark() -> datetime | None:
        with Session(engine) as session:
            return mark_failed(
                session, delivery=delivery, error=error, give_up=give_up,
                retry_after=retry_after, now=now,
            )  # fmt: skip

    again = await asyncio.to_thread(mark)
    if again is None:
        log.warning("outbox %s %s given up: %s", delivery.id, where, error)
        return Outcome.GIVEN_UP
    log.info("outbox %s %s failed (%s); again at %s", delivery.id, where, error, again.isoformat())
    return Outcome.RETRY


def compose(engine: Engine, delivery: Delivery) -> Reply:
    """A notice's text in its recipient's language; a new lead to a staff member also says what
    the need is, with Accept / Decline buttons while the lead is still offered."""
    lang = Lang(delivery.language) if delivery.language in tuple(Lang) else Lang.ZH
    text = t(f"notice.{delivery.template}", lang, **worded(delivery.params, lang))
    visit = delivery.params.get("visit")
    if delivery.template == Notice.FIRM_VISIT_CHECK and isinstance(visit, int):
        return Reply(text, visit_keyboard(visit, lang))
    lead_id = delivery.params.get("lead_id")
    if delivery.template != Notice.BANK_NEW_LEAD or delivery.staff_id is None or lead_id is None:
        return Reply(text)
    with reading(engine) as session:
        card = lead_card(session, int(lead_id), delivery.staff_id)
    if card is None or card.status is not AssignmentStatus.OFFERED:
        return Reply(text)  # no longer theirs, or no longer waiting for an answer
    return Reply(offer_text(card, lang), offer_keyboard(card.lead_id, lang))


def worded(params: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """A notice's values with its codes in words: a problem's kind, a complaint's cause (and an
    acceptance queued before it named the bank's desk, with "—" for it)."""
    found = {"branch": "—", "manager": "—", "phone": "—", **params}  # notices queued before
    if isinstance(found.get("kind"), str):
        found["kind"] = t(f"workbook.problem.{found['kind']}", lang)
    if isinstance(found.get("cause"), str):
        found["cause"] = t(f"complaint.cause.{found['cause']}", lang)
    return found


def _said(err: Exception) -> str:
    return f"{type(err).__name__}: {err}"


def _wait(err: RetryAfter) -> timedelta:
    """How long Telegram asked to wait (an int of seconds or a timedelta, by PTB's settings)."""
    with warnings.catch_warnings():  # PTB warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=value)

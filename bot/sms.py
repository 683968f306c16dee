"""SMS notices to firms that registered in the web chat (they have no Telegram): the outbox's
web notices (`claim_due(web=True)`) sent to the need's contact phone through one gateway.

Provider-neutral: each message is one JSON POST to `SMS_URL` (bot/config.py `SmsSettings`)::

    {"id": 42, "to": "13800138000", "text": "【银企】绍兴银行已受理… 查看进度：https://…/s/…",
     "notice": "firm.accepted", "params": {"bank": "绍兴银行", "link": "https://…/s/…"}}

A 2xx answer means sent. 429, a 5xx, a timeout or a broken connection: tried again with the
outbox's backoff (at least the `Retry-After` asked). Another 4xx: given up with the answer as
the reason (the number or the message was refused; sending it again cannot help).

At least once: a sender that dies between the gateway's answer and marking the row sent sends
it again once the lease runs out, with the same `id`, so a gateway that keeps the ids it has
seen drops the second. Each message carries a link to the firm's status page, under a key of
its own (`mint_status_key`: the page's own key is stored only hashed).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import SmsSettings
from bot.notify import Outcome, SendRun, mark_delivered, record_failure, worded
from db.intake.web_sessions import mint_status_key
from db.leads.outbox import (
    BATCH,
    LEASE,
    Claimed,
    Delivery,
    GiveUp,
    claim_due,
)
from db.models import utcnow
from matching.i18n import CATALOGS, Lang, t

log = logging.getLogger(__name__)

STATUS_PATH = "/s"
"""Where a web firm's status page is served (api/web/status.py), under PUBLIC_URL."""
AT_ONCE = 4
"""Messages sent to the gateway at the same time."""
MAX_RETRY_AFTER = timedelta(hours=1)


class Refused(Exception):
    """The gateway refused the message: sending it again cannot help."""


class Busy(Exception):
    """The gateway could not take the message now: try again later (`retry_after` at least)."""

    def __init__(self, reason: str, retry_after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class SmsGateway:
    """The gateway `SMS_URL` names, reached over one HTTP client (`async with` or `aclose`)."""

    def __init__(self, settings: SmsSettings) -> None:
        if settings.sms_url is None:
            raise ValueError("SMS_URL is not set")
        self.url, self.template = settings.sms_url, settings.sms_template
        token = settings.sms_token
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        self.client = httpx.AsyncClient(
            headers=headers, timeout=settings.sms_timeout, follow_redirects=False
        )

    async def __aenter__(self) -> SmsGateway:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, message: dict[str, Any]) -> None:
        """POST one message; raise `Refused` or `Busy` unless the gateway took it."""
        try:
            answer = await self.client.post(self.url, json=message)
        except httpx.HTTPError as err:  # timed out, refused, reset: try again later
            raise Busy(f"{type(err).__name__}: {err}") from err
        if answer.is_success:
            return
        said = f"HTTP {answer.status_code}: {answer.text[:200]}"
        if answer.status_code == 429:
            raise Busy(said, _retry_after(answer.headers.get("Retry-After")))
        if 400 <= answer.status_code < 500:
            raise Refused(said)
        raise Busy(said)


def _retry_after(value: str | None) -> timedelta | None:
    """A `Retry-After` in seconds, within reason (a date or nonsense: the outbox's backoff)."""
    if value is None or not value.strip().isdigit():
        return None
    return min(timedelta(seconds=int(value.strip())), MAX_RETRY_AFTER)


def status_link(public_url: str, key: str) -> str:
    return f"{public_url.rstrip('/')}{STATUS_PATH}/{key}"


def sms_text(notice: str, params: Mapping[str, Any], lang: Lang, link: str) -> str:
    """A notice as an SMS: its short words (`sms.<notice>`, else the notice's own), then the
    status link; within one message of 70 Chinese characters for a short host and bank."""
    short = f"sms.{notice}"
    key = short if short in CATALOGS[lang] else f"notice.{notice}"
    return f"{t(key, lang, **worded(params, lang))} {t('sms.status', lang, link=link)}"


class SmsNotifier:
    """Sends the outbox's web notices through `gateway`; with none (SMS off), closes them as
    `no_chat`, the firm's status page being its channel then."""

    def __init__(
        self,
        engine: Engine,
        gateway: SmsGateway | None,
        *,
        public_url: str | None,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if gateway is not None and public_url is None:
            raise ValueError("SMS needs PUBLIC_URL: each message links to the status page")
        self.engine, self.gateway, self.public_url = engine, gateway, public_url
        self.batch, self.lease, self.clock = batch, lease, clock

    async def send_due(self, now: datetime | None = None) -> SendRun:
        """Claim one batch of due web notices and send them (claims skip rows another sender
        holds, so no turn is taken: the gateway paces its own sending)."""
        now = now or self.clock()
        claimed = await asyncio.to_thread(self._claim, now)
        gate = asyncio.Semaphore(AT_ONCE)
        outcomes = await asyncio.gather(*(self._send(gate, d) for d in claimed.deliveries))
        return SendRun(
            claimed=len(outcomes),
            sent=outcomes.count(Outcome.SENT),
            retry=outcomes.count(Outcome.RETRY),
            given_up=claimed.given_up + outcomes.count(Outcome.GIVEN_UP),
        )

    def _claim(self, now: datetime) -> Claimed:
        with Session(self.engine) as session:
            sms = self.gateway is not None
            return claim_due(
                session, now=now, limit=self.batch, lease=self.lease, web=True, sms=sms
            )

    async def _send(self, gate: asyncio.Semaphore, delivery: Delivery) -> Outcome:
        assert self.gateway is not None  # claims deliver nothing with SMS off
        try:
            message = await asyncio.to_thread(self.message, delivery)
        except KeyError as err:  # a template or value the catalogs do not know
            return await self._failed(delivery, f"cannot compose: {err!r}", GiveUp.REJECTED)
        try:
            async with gate:
                await self.gateway.send(message)
        except Refused as err:
            return await self._failed(delivery, str(err), GiveUp.REJECTED)
        except Busy as err:
            return await self._failed(delivery, str(err), retry_after=err.retry_after)
        await asyncio.to_thread(self._mark_sent, delivery)
        return Outcome.SENT

    def message(self, delivery: Delivery) -> dict[str, Any]:
        """The JSON the gateway receives: the notice in the firm's language, with a new key to
        its status page."""
        assert self.gateway is not None and self.public_url is not None
        lang = Lang(delivery.language) if delivery.language in tuple(Lang) else Lang.ZH
        link = status_link(self.public_url, mint_status_key(self.engine, delivery.chat_id))
        text = sms_text(delivery.template, delivery.params, lang, link)
        return {
            "id": delivery.id,
            "to": delivery.phone,
            "text": self.gateway.template.format(text=text),
            "notice": delivery.template,
            "params": {**delivery.params, "link": link},
        }

    def _mark_sent(self, delivery: Delivery) -> None:
        mark_delivered(self.engine, delivery, self.clock())

    async def _failed(
        self,
        delivery: Delivery,
        error: str,
        give_up: GiveUp | None = None,
        retry_after: timedelta | None = None,
    ) -> Outcome:
        return await record_failure(
            self.engine, delivery, error, "by SMS", self.clock(), give_up, retry_after
        )


CODE_TIMEOUT = 5.0
"""Seconds a code's request may take at most: the firm waits on the page for it."""
CODES_AT_ONCE = 2
"""Codes on their way to the gateway at once. Each is sent from one of the server's few worker
threads (api/app.py THREADS), waiting up to `CODE_TIMEOUT`: a gateway that hangs holds no more
of them than this, and the banks' API and every other chat keep the rest."""
SLOT_WAIT = 1.0
"""Seconds a code waits for one of those to come free (a busy moment at a matching event with a
healthy gateway) before the firm is told that the text did not go."""
PAUSE_AFTER_UNREACHABLE = 30.0
"""Seconds no code is tried after the gateway could not be reached (no connection, or no answer
in time): the firms asking meanwhile are told at once that the text did not go, instead of
waiting for the gateway's timeout each. A code the gateway takes ends the pause."""


class CodeTexter:
    """Texts one-time codes (db/intake/phone_codes.py) through the same gateway, at once and
    once: a code is wanted now, while the firm waits on the page, and is good for ten minutes,
    so the outbox's retries (30 s doubling, and a worker's pass first) would bring it late or
    dead. Whatever the gateway answers, the firm can ask for another ("重新发送"), within the
    limits on sends. Its `id` is `code-<n>`, apart from the notices' numbers, so a gateway that
    drops ids it has seen never takes a code for a notice."""

    def __init__(
        self,
        settings: SmsSettings,
        *,
        at_once: int = CODES_AT_ONCE,
        slot_wait: float = SLOT_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.sms_url is None:
            raise ValueError("SMS_URL is not set")
        self.url, self.template = settings.sms_url, settings.sms_template
        token = settings.sms_token
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        timeout = min(settings.sms_timeout, CODE_TIMEOUT)
        self.client = httpx.Client(headers=headers, timeout=timeout, follow_redirects=False)
        self._at_once = at_once
        self._slots = threading.BoundedSemaphore(at_once)
        self._slot_wait = slot_wait
        self._clock = clock
        self._paused_until = float("-inf")

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """Whether a code may be sent now: the gateway was not just unreachable, and one of
        `CODES_AT_ONCE` is free (or comes free within `SLOT_WAIT`). Taken before the code is
        made, so a code refused here costs the firm none of its sends per hour."""
        if self._clock() < self._paused_until:
            log.warning("code not texted: the gateway was unreachable a moment ago")
            yield False
            return
        if not self._slots.acquire(timeout=self._slot_wait):
            log.warning("code not texted: %d codes already on their way", self._at_once)
            yield False
            return
        try:
            yield True
        finally:
            self._slots.release()

    def close(self) -> None:
        self.client.close()

    def message(self, code_id: int, phone: str, code: str, lang: Lang) -> dict[str, Any]:
        text = t("sms.phone_code", lang, code=code)
        return {
            "id": f"code-{code_id}",
            "to": phone,
            "text": self.template.format(text=text),
            "notice": "phone.code",
            "params": {"code": code},
        }

    def send(self, code_id: int, phone: str, code: str, lang: Lang) -> bool:
        """Whether the gateway took the code (a 2xx); anything else is logged, never raised."""
        try:
            answer = self.client.post(self.url, json=self.message(code_id, phone, code, lang))
        except httpx.HTTPError as err:
            log.warning("code %s not texted: %s", code_id, type(err).__name__)
            if isinstance(err, httpx.ConnectError | httpx.TimeoutException):  # the next would wait
                self._paused_until = self._clock() + PAUSE_AFTER_UNREACHABLE
            return False
        if not answer.is_success:
            log.warning("code %s not texted: HTTP %s", code_id, answer.status_code)
            return False
        self._paused_until = float("-inf")
        return True

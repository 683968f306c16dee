"""The background worker: expiry and reassignment on the working-day clocks, overdue flags,
reminders of the quarterly tables due soon (db/reports/filings.py), the outbox sent through
Telegram (and to firms of the web chat by SMS: bot/sms.py), banks' webhooks
(api/webhooks/sender.py), the report copies kept up to date (db/reports/copies.py: a report
then finds little to copy before it reads, instead of a season's changes), and the idempotency
keys past their day swept (db/staff/idempotency.py), and the webhook deliveries and notices
closed longer ago than they are kept deleted (db/webhooks/upkeep.py, db/leads/outbox.py). It
runs inside `yinqi serve` (beside the bot, sharing its rate limiter) and alone as `yinqi
worker`; several may run at once (each step locks what it changes; one sends the outbox at a
time).

Every failure is logged at ERROR, with its traceback, and survived: a job that raises is tried
again at its next turn. Each job's failures, in all and in a row, show in `/metrics` when the
worker runs inside `yinqi serve` (`api/core/metrics.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot

from api.webhooks.sender import HookRun, WebhookSender
from bot.config import SmsSettings
from bot.notify import Notifier, SendRun
from bot.sms import SmsGateway, SmsNotifier
from db.core.prune import BATCH as PRUNE_BATCH
from db.core.prune import in_batches
from db.leads.expiry import ExpiryRun, expire_overdue
from db.leads.outbox import BATCH, LEASE
from db.leads.outbox import KEPT as NOTICES_KEPT
from db.leads.outbox import prune as prune_notices
from db.leads.overdue import OverdueRun, flag_overdue
from db.models import utcnow
from db.reports.copies import refresh
from db.reports.filings import remind_filings
from db.staff.idempotency import sweep as sweep_keys
from db.webhooks.upkeep import KEPT as WEBHOOKS_KEPT
from db.webhooks.upkeep import prune as prune_webhooks
from matching.policy import DEFAULT_POLICY, Policy

log = logging.getLogger(__name__)

T = TypeVar("T")

JOBS = ("expiry", "overdue", "filings", "outbox", "copies", "webhooks", "keys", "prune")


@dataclass(frozen=True, slots=True)
class Intervals:
    """Seconds between two runs of each job."""

    expiry_s: float = 60.0
    overdue_s: float = 300.0
    outbox_s: float = 3.0  # a full batch is followed by the next one at once
    copies_s: float = 120.0
    filings_s: float = 3600.0  # the quarterly tables' reminders: days ahead, an hour is plenty
    webhooks_s: float = 1.0  # a full batch is followed by the next one at once
    keys_s: float = 3600.0  # idempotency keys past their day
    prune_s: float = 3600.0  # deliveries and notices past their kept period

    def seconds(self) -> tuple[float, ...]:
        return (
            self.expiry_s,
            self.overdue_s,
            self.filings_s,
            self.outbox_s,
            self.copies_s,
            self.webhooks_s,
            self.keys_s,
            self.prune_s,
        )


@dataclass(frozen=True, slots=True)
class Kept:
    """How long what was delivered or given up is kept before the prune deletes it."""

    webhooks: timedelta = WEBHOOKS_KEPT  # `WEBHOOKS_KEPT_DAYS`: WebhookSettings.kept
    notices: timedelta = NOTICES_KEPT


@dataclass(frozen=True, slots=True)
class Pruned:
    webhooks: int  # webhook messages deleted, their attempts with them
    notices: int  # outbox notices deleted


@dataclass(frozen=True, slots=True)
class Pass:
    """What one pass of the worker did (None: the job was not due, or failed)."""

    expiry: ExpiryRun | None = None
    overdue: OverdueRun | None = None
    outbox: SendRun | None = None
    copies: bool | None = None  # True: the report copies were brought up to date
    filings: int | None = None  # reminders of quarterly tables due soon queued
    webhooks: HookRun | None = None
    keys: int | None = None  # idempotency keys swept
    pruned: Pruned | None = None
    failed: tuple[str, ...] = ()  # jobs that raised

    def summary(self) -> str | None:
        """One log line, or None when the pass did nothing worth saying."""
        parts = []
        if self.expiry and (self.expiry.expired or self.expiry.failed):
            parts.append(f"offers expired: {self.expiry.expired}" + _failed(self.expiry.failed))
        if self.overdue and (self.overdue.flagged or self.overdue.failed):
            parts.append(
                f"flagged overdue: {self.overdue.contact} not contacted, "
                f"{self.overdue.decide} not decided, {self.overdue.final} past the month"
                + _failed(self.overdue.failed)
            )
        if self.outbox and self.outbox.busy:
            parts.append(
                f"notices: {self.outbox.sent} sent, {self.outbox.retry} to retry, "
                f"{self.outbox.given_up} given up"
            )
        if self.filings:
            parts.append(f"filing reminders queued: {self.filings}")
        if self.keys:
            parts.append(f"idempotency keys swept: {self.keys}")
        if self.pruned and (self.pruned.webhooks or self.pruned.notices):
            parts.append(
                f"pruned: {self.pruned.webhooks} webhook messages, {self.pruned.notices} notices"
            )
        if self.webhooks and self.webhooks.busy:
            hooks = self.webhooks
            parts.append(
                f"webhooks: {hooks.delivered} delivered, {hooks.retry} to retry, "
                f"{hooks.given_up} given up"
            )
        if self.failed:
            parts.append(f"jobs failed: {', '.join(self.failed)}")
        return "; ".join(parts) or None


def _failed(count: int) -> str:
    return f" ({count} failed)" if count else ""


def _counts(run: SendRun) -> tuple[int, int, int, int]:
    return run.claimed, run.sent, run.retry, run.given_up


def sms_gateway(settings: SmsSettings, public_url: str | None) -> SmsGateway | None:
    """The SMS gateway the settings name; None when SMS is off (`SMS_URL` unset), or cannot
    link to the status page (`PUBLIC_URL` unset: said in the log)."""
    if settings.sms_url is None:
        return None
    if public_url is None:
        log.warning("worker: SMS_URL is set but PUBLIC_URL is not, so no SMS is sent")
        return None
    return SmsGateway(settings)


class Worker:
    """`await worker.run(stop)` runs until `stop` is set; or `start()` and later `await stop()`.

    `bot`: a python-telegram-bot `Bot` to send the outbox with — the running `Application`'s
    `application.bot` when the bot runs in the same process (its rate limiter then paces replies
    and notices together). Without one the outbox is left queued.
    `sms`: the gateway that tells web firms by SMS, their status page under `public_url`
    (`sms_gateway`); without one their notices are closed, the status page telling them.
    `webhooks`: the sender of banks' webhooks; without one they stay queued.
    `kept`: how long deliveries and notices are kept once closed; the prune deletes them
    `prune_batch` rows per statement.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        bot: Bot | None = None,
        sms: SmsGateway | None = None,
        public_url: str | None = None,
        webhooks: WebhookSender | None = None,
        intervals: Intervals = Intervals(),
        policy: Policy = DEFAULT_POLICY,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        kept: Kept = Kept(),
        prune_batch: int = PRUNE_BATCH,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.intervals, self.policy, self.clock = engine, intervals, policy, clock
        self.batch, self.kept, self.prune_batch = batch, kept, prune_batch
        self.notifier: Notifier | None = None
        if bot is not None:
            self.notifier = Notifier(engine, bot, batch=batch, lease=lease, clock=clock)
        self.texter = SmsNotifier(
            engine, sms, public_url=public_url, batch=batch, lease=lease, clock=clock
        )
        self.webhooks = webhooks
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.failures = dict.fromkeys(JOBS, 0)
        """Each job's passes that raised, since the worker was made."""
        self.failing = dict.fromkeys(JOBS, 0)
        """Each job's passes that raised in a row, up to now: 0 once one succeeds."""

    def start(self) -> None:
        """Run in the background of the running event loop until `stop()`."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.run(self._stop), name="yinqi-worker")

    async def stop(self) -> None:
        """Let the pass under way finish, then stop."""
        if self._stop is None or self._task is None:
            return
        self._stop.set()
        await self._task
        self._stop = self._task = None
        if self.webhooks is not None:
            await self.webhooks.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        """Run each job at its interval until `stop` is set."""
        if self.notifier is None:
            log.warning("worker: no Telegram bot, so notices stay queued in the outbox")
        if self.texter.gateway is None:
            log.info("worker: SMS off, so web firms learn of changes on their status page")
        every = dict(zip(JOBS, self.intervals.seconds(), strict=True))
        log.info(
            "worker: started (every %ss: expiry, %ss: overdue, %ss: filing reminders, "
            "%ss: outbox, %ss: report copies, %ss: webhooks, %ss: idempotency keys, %ss: prune)",
            *every.values(),
        )
        loop = asyncio.get_running_loop()
        due = dict.fromkeys(JOBS, 0.0)
        while not stop.is_set():
            started = loop.time()
            jobs = {job for job in JOBS if due[job] <= started}
            done = await self.run_once(jobs=jobs)
            due.update({job: started + every[job] for job in jobs})
            if done.outbox is not None and done.outbox.claimed >= self.batch:
                due["outbox"] = started  # more are waiting: the next batch at once
            if self.webhooks and done.webhooks and done.webhooks.claimed >= self.webhooks.batch:
                due["webhooks"] = started
            if (line := done.summary()) is not None:
                log.info("worker pass: %s", line)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, min(due.values()) - loop.time()))
        log.info("worker: stopped")

    async def run_once(self, now: datetime | None = None, *, jobs: Collection[str] = JOBS) -> Pass:
        """One pass of `jobs` (default all): expiry, then overdue flags and the filing reminders,
        then the outbox, so the notices those queued go out in the same pass; then the report
        copies, the webhooks, the sweep of old idempotency keys and the prune."""
        failed: list[str] = []
        expiry = overdue = outbox = copies = filings = webhooks = keys = pruned = None
        if "expiry" in jobs:
            expiry = await self._job("expiry", failed, self._expire, now)
        if "overdue" in jobs:
            overdue = await self._job("overdue", failed, self._flag, now)
        if "filings" in jobs:
            filings = await self._job("filings", failed, self._remind, now)
        if "outbox" in jobs:
            outbox = await self._send(failed, now or self.clock())
        if "copies" in jobs:
            copies = await self._job("copies", failed, self._copy, now)
        if "webhooks" in jobs and self.webhooks is not None:
            webhooks = await self._hooks(self.webhooks, failed, now)
        if "keys" in jobs:
            keys = await self._job("keys", failed, self._sweep_keys, now)
        if "prune" in jobs:
            pruned = await self._job("prune", failed, self._prune, now)
        return Pass(
            expiry=expiry,
            overdue=overdue,
            outbox=outbox,
            copies=copies,
            filings=filings,
            webhooks=webhooks,
            keys=keys,
            pruned=pruned,
            failed=tuple(failed),
        )

    async def _hooks(
        self, sender: WebhookSender, failed: list[str], now: datetime | None
    ) -> HookRun | None:
        try:
            done = await sender.send_due(now)
        except Exception:
            self._failed("webhooks", failed)
            return None
        self._succeeded("webhooks")
        return done

    async def _send(self, failed: list[str], now: datetime) -> SendRun | None:
        """The outbox: through Telegram when a bot is at hand, and web firms' by SMS; one
        failing does not keep the other from its turn."""
        passes: list[Notifier | SmsNotifier] = [self.texter]
        if self.notifier is not None:
            passes.insert(0, self.notifier)
        runs: list[SendRun] = []
        for sender in passes:
            try:
                runs.append(await sender.send_due(now))
            except Exception:
                if "outbox" not in failed:
                    self._failed("outbox", failed)
        if "outbox" in failed:
            return None
        self._succeeded("outbox")
        return SendRun(*(sum(counts) for counts in zip(*(_counts(r) for r in runs), strict=True)))

    async def _job(
        self, name: str, failed: list[str], work: Callable[[datetime], T], now: datetime | None
    ) -> T | None:
        try:
            done = await asyncio.to_thread(work, now or self.clock())
        except Exception:
            self._failed(name, failed)
            return None
        self._succeeded(name)
        return done

    def _failed(self, name: str, failed: list[str]) -> None:
        """Log the exception being handled, with the count of failures in a row, and count it."""
        self.failures[name] += 1
        self.failing[name] += 1
        log.exception(
            "worker: %s failed (%d in a row); trying again next time", name, self.failing[name]
        )
        failed.append(name)

    def _succeeded(self, name: str) -> None:
        if self.failing[name]:
            log.info("worker: %s works again after %d failures", name, self.failing[name])
        self.failing[name] = 0

    def _expire(self, now: datetime) -> ExpiryRun:
        with Session(self.engine) as session:
            return expire_overdue(session, now=now, policy=self.policy)

    def _remind(self, now: datetime) -> int:
        with Session(self.engine) as session:
            return remind_filings(session, now=now)

    def _copy(self, _now: datetime) -> bool:
        return refresh(self.engine)

    def _sweep_keys(self, now: datetime) -> int:
        with Session(self.engine) as session:
            return sweep_keys(session, now=now)

    def _prune(self, now: datetime) -> Pruned:
        """Delete what is past its kept period, a batch per transaction."""
        limit = self.prune_batch

        def hooks(session: Session) -> int:
            return prune_webhooks(session, now=now, kept=self.kept.webhooks, limit=limit)

        def notices(session: Session) -> int:
            return prune_notices(session, now=now, kept=self.kept.notices, limit=limit)

        return Pruned(
            in_batches(self.engine, hooks, limit=limit),
            in_batches(self.engine, notices, limit=limit),
        )

    def _flag(self, now: datetime) -> OverdueRun:
        with Session(self.engine) as session:
            return flag_overdue(session, now=now)

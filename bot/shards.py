"""Chat-sharded processing: one receiver polls `getUpdates` and hands every update to one of N
worker processes chosen by its chat, so one process can use one core each (`yinqi bot
--workers N`; `--workers 1` is the single-process `Application.run_polling`).

- A chat always goes to the same worker (`chat_id mod N`), over a pipe that keeps the order the
  updates came in; the worker's `Application` (bot/telegram_app.py) handles one chat's updates
  one after another and different chats at once, as the single process does.
- State stays in the database (the conversation table), so it does not matter which process
  answered a chat before. A redelivered update has no effect: the engine's `update_id` check.
- A worker acknowledges each update once handled. When a worker dies, the receiver starts it
  again and sends it, in order, every update it had been given but not acknowledged (handling
  one again is harmless, for the same reason); an update that kills its worker `ATTEMPTS` times
  is given up, logged.
- The receiver confirms updates to Telegram (the next `getUpdates` offset) as PTB's own polling
  does, once they are in its hands; on a graceful stop it waits for the workers to drain first.
  Updates in the receiver's hands when it is killed are lost, as with PTB's polling.
- The receiver sets the command menu and removes any webhook; each worker sends its replies
  through its own bot, rate-limited at 1/N of `TELEGRAM_MAX_RATE`.

Wire format, one line each way: the update's JSON (receiver to worker, stdin) and the handled
update's id (worker to receiver, on the worker's original stdout, after a first `ready` line;
its own stdout goes to stderr).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
POLL_TIMEOUT_S = 10
"""Long-poll timeout of `getUpdates`: it returns as soon as an update arrives."""
MAX_IN_FLIGHT = 5_000
"""Updates given to workers and not yet handled, beyond which the receiver stops fetching."""
ATTEMPTS = 3
"""Deaths of its worker after which an update is given up."""
LINE_LIMIT = 1 << 24
"""The longest line either side reads (an update is a few KB; Telegram caps texts at 4096)."""
READY = b"ready\n"
"""A worker's first line: it takes updates from now on."""


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (as PTB's `effective_chat`), else its sender, else None."""
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        message = update.get(kind)
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return int(message["chat"]["id"])
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return int(message["chat"]["id"])
        sender = query.get("from")
        if isinstance(sender, dict):
            return int(sender["id"])
    return None


def shard_of(update: dict[str, Any], workers: int) -> int:
    chat = chat_of(update)
    return 0 if chat is None else chat % workers


def _drop_pressed_keyboard(update: dict[str, Any]) -> None:
    """A pressed button's message comes with its whole keyboard, which nothing here reads (only
    the message's id and chat): PTB turning it into objects was a third of parsing the update."""
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        query["message"].pop("reply_markup", None)


# -- the receiver ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    """One worker process and the updates given to it and not yet acknowledged, in order."""

    index: int
    process: asyncio.subprocess.Process | None = None
    pending: dict[int, bytes] = field(default_factory=dict)  # update_id -> line (insertion order)
    deaths: dict[int, int] = field(default_factory=dict)  # update_id -> deaths while it pended
    reading: asyncio.Task[None] | None = None


class Receiver:
    """Polls `getUpdates` with `bot` and spreads the updates over `workers` processes, each
    started as `command` (which runs `serve_worker`)."""

    def __init__(
        self, bot: Bot, command: Sequence[str], workers: int, *,
        env: dict[str, str] | None = None, poll_timeout: int = POLL_TIMEOUT_S,
    ) -> None:  # fmt: skip
        if workers < 1:
            raise ValueError("at least one worker")
        self.bot, self.command, self.env = bot, list(command), env
        self.poll_timeout = poll_timeout
        self.workers = [_Worker(i) for i in range(workers)]
        self.offset: int | None = None
        self.handled = 0
        self._stopping = False
        self._room = asyncio.Event()
        self._room.set()
        self._drained = asyncio.Event()

    # public -----------------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return sum(len(w.pending) for w in self.workers)

    def pids(self) -> list[int | None]:
        return [w.process.pid if w.process else None for w in self.workers]

    async def run(self, stop: asyncio.Event, *, ready: asyncio.Event | None = None) -> None:
        """Start the workers, poll until `stop` is set, then let the workers finish what they
        were given, stop them, and confirm the last updates."""
        await self.bot.initialize()
        try:
            await self.bot.delete_webhook()
            await asyncio.gather(*(self._start(w, first=True) for w in self.workers))
            if ready is not None:
                ready.set()
            poll = asyncio.create_task(self._poll())
            await asyncio.wait([poll, asyncio.create_task(stop.wait())],
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            self._stopping = True
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
            await self._finish()
        finally:
            await self._kill_all()
            await self.bot.shutdown()

    # polling ----------------------------------------------------------------------------------

    async def _poll(self) -> None:
        while True:
            await self._room.wait()
            try:
                updates = await self._get_updates(self.poll_timeout)
            except RetryAfter as err:
                await asyncio.sleep(float(getattr(err, "retry_after", 1)))
                continue
            except (TimedOut, NetworkError) as err:
                log.warning("getUpdates failed: %s; trying again", err)
                await asyncio.sleep(1)
                continue
            for update in updates:
                await self._dispatch(update)

    async def _get_updates(self, wait_s: int) -> list[dict[str, Any]]:
        """The next updates, as the JSON the workers read (`Update.de_json` there)."""
        updates = await self.bot.get_updates(
            self.offset, timeout=wait_s, allowed_updates=ALLOWED_UPDATES
        )
        return [update.to_dict() for update in updates]

    async def _dispatch(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        self.offset = max(self.offset or 0, update_id + 1)
        worker = self.workers[shard_of(update, len(self.workers))]
        _drop_pressed_keyboard(update)
        line = json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        worker.pending[update_id] = line
        if self.in_flight >= MAX_IN_FLIGHT:
            self._room.clear()
        await self._send(worker, line)

    async def _send(self, worker: _Worker, line: bytes) -> None:
        process = worker.process
        if process is None or process.stdin is None:
            return  # being restarted: it gets its pending updates then
        try:
            process.stdin.write(line)
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # it died: _watch starts it again and sends what is pending

    # the workers -------------------------------------------------------------------------------

    async def _start(self, worker: _Worker, *, first: bool = False) -> None:
        """Start the worker and wait until it is ready; then give it, in order, what it had
        been given and not handled (after a death), before anything new."""
        while True:
            process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                env=self.env, limit=LINE_LIMIT,
            )  # fmt: skip
            assert process.stdin is not None and process.stdout is not None
            if await process.stdout.readline() == READY:
                break
            code = await process.wait()
            if first:
                raise RuntimeError(f"worker {worker.index} exited with {code} before it was ready")
            log.error("worker %d exited with %s before it was ready; again in 1 s", worker.index,
                      code)  # fmt: skip
            await asyncio.sleep(1)
        for line in worker.pending.values():  # no await from here to `worker.process =`, so
            process.stdin.write(line)  # nothing new goes before these
        worker.process = process
        log.info("worker %d ready (pid %d)", worker.index, process.pid)
        worker.reading = asyncio.create_task(self._watch(worker, process))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            await process.stdin.drain()

    async def _watch(self, worker: _Worker, process: asyncio.subprocess.Process) -> None:
        """Acknowledgements until the worker exits; a worker that dies is started again."""
        assert process.stdout is not None
        while line := await process.stdout.readline():
            with contextlib.suppress(ValueError):
                update_id = int(line)
                if worker.pending.pop(update_id, None) is not None:
                    self.handled += 1
                worker.deaths.pop(update_id, None)
            if self.in_flight < MAX_IN_FLIGHT // 2:
                self._room.set()
            if self._stopping and not self.in_flight:
                self._drained.set()
        code = await process.wait()
        worker.process = None  # nothing more is written to it; pending updates wait for the next
        if self._stopping and process.stdin is not None and process.stdin.is_closing():
            return  # told to finish
        log.error("worker %d (pid %d) exited with %s; starting it again with its %d pending "
                  "updates", worker.index, process.pid, code, len(worker.pending))  # fmt: skip
        for update_id in list(worker.pending):
            worker.deaths[update_id] = worker.deaths.get(update_id, 0) + 1
            if worker.deaths[update_id] >= ATTEMPTS:
                log.error("update %s given up: its worker died %d times", update_id, ATTEMPTS)
                del worker.pending[update_id], worker.deaths[update_id]
        await self._start(worker)

    async def _finish(self) -> None:
        """Let the workers handle what they were given, stop them, confirm the updates."""
        if self.in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), 30)
        for worker in self.workers:
            if worker.process is not None and worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in self.workers:
            if worker.process is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(worker.process.wait(), 30)
        if self.offset is not None:
            with contextlib.suppress(TimedOut, NetworkError):
                await self._get_updates(0)  # confirms everything dispatched

    async def _kill_all(self) -> None:
        for worker in self.workers:
            if worker.reading is not None:
                worker.reading.cancel()
            if worker.process is not None and worker.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                await worker.process.wait()


# -- a worker ----------------------------------------------------------------------------------


def serve_worker(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Handle the updates coming on stdin until it closes, acknowledging each on stdout."""
    acks = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not look like an ack
    asyncio.run(_work(application, acks))


async def _work(application: Application[Any, Any, Any, Any, Any, Any], acks: Any) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # the receiver says when: stdin closes
        loop.add_signal_handler(sig, lambda: None)
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await application.initialize()
    await application.start()
    acks.write(READY)
    running: set[asyncio.Task[None]] = set()
    try:
        while line := await reader.readline():
            try:
                update = Update.de_json(json.loads(line), application.bot)
            except (ValueError, KeyError, TypeError):  # nothing to answer: done with it
                log.exception("cannot read update %r", line[:200])
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    acks.write(b"%d\n" % int(json.loads(line)["update_id"]))
                continue
            task = asyncio.create_task(_handle(application, update, acks))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)
    finally:
        await application.stop()
        await application.shutdown()


async def _handle(
    application: Application[Any, Any, Any, Any, Any, Any], update: Update, acks: Any
) -> None:
    """One update through the application (its errors go to its error handler), then its ack."""
    try:
        processing = application.process_update(update)
        await application.update_processor.process_update(update, processing)
    finally:
        acks.write(b"%d\n" % update.update_id)

"""Benchmark: the bot on webhooks, one and then two `yinqi serve` workers on PostgreSQL.

    python bench/webhook.py [--chats 1000] [--in-flight 64] [--runs 3] [--timeout 60]
                            [--pg-url URL]

Target (issue 18, with PTB's standard transport): on PostgreSQL, two webhook workers handle at
least 1.6× the updates per second of one.

The processes: the Bot API stand-in (`python -m tests.bot.standin`), which the workers call; one,
then two `yinqi serve --no-worker` processes (TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET
set: each takes updates at `/telegram/webhook`; the rate limiter off, TELEGRAM_MAX_RATE=0, to
measure processing alone) on a PostgreSQL schema of their own, made by `yinqi init` and dropped
afterwards; and this script, playing Telegram and the load balancer in front of the workers.
Two processes on two ports rather than `uvicorn --workers 2` on one port: that is how production
runs them (N `yinqi serve`, or machines, behind a load balancer; `yinqi serve` has no
`--workers`), and each worker's CPU is then a process of its own to read. This script sends each
request to the next worker in turn, round-robin as a load balancer does, over keep-alive
connections (asyncio streams, bench/bot.py's `Control`: a tenth of httpx's CPU per request).

The chats: `--chats` firms registering with bench/bot.py's scripted conversation, `--in-flight`
of them at once (Telegram's webhook sends up to `max_connections`, 40 by default, up to 100, at
once); each a firm of its own, acting only once the bot has answered its last update, as a
person does. An action: the stand-in makes the update (`POST /_control/make`: the press, text or
contact of the user, as Telegram's servers would get it), this script POSTs it to a worker's
webhook with the secret (answered once the update is handled and its replies sent), then reads
the chat's replies (`GET /_control/sent`) for the next question. Each measurement gets a fresh
schema, stand-in and workers; each run measures one worker, then two.

CPU seconds come from /proc/<pid>/stat (all threads) of each worker, the stand-in and
PostgreSQL (the workers' backends, by their application_name in pg_stat_activity, and the
server's writer processes), and from getrusage for this script; shown per update and as shares
of the machine's cores over the run, which all of them share ("other work": what the cores did
besides, for other users). "On cores of their own" divides the workers' count by their CPU per
update: what they would handle if nothing else ran beside them, the ratio the target asks for
once the load generator and PostgreSQL are elsewhere. With everything on the same cores, two
workers reach at most 2W / (W + B) of one (W: a worker's CPU per update, B: the rest's), which
the last line prints: 1.6× needs B ≤ W / 4.

Exit status 0 when every chat registered exactly one need in every measurement (the rows
counted afterwards) and the target is met; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import itertools
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import make_url, text

from bench.bot import (
    BOT_ERROR,
    PG_DEFAULT,
    STEPS,
    TOKEN,
    YINQI,
    Control,
    Failed,
    Tally,
    cpu_seconds,
    firms,
    fresh_database,
    needs_stored,
    on_database,
    park_token,
    progress,
    register,
    start,
    stop,
)
from db.core.engine import make_engine
from tests.databases import PG_ENV

TARGET = 1.6  # two workers' updates/s over one's (issue 18)
SECRET = "bench-webhook-secret"
APP_NAME = "yinqi-bench-webhook"  # the workers' PostgreSQL backends, in pg_stat_activity
WRITERS = ("walwriter", "background writer", "checkpointer")
WORKER_COUNTS = (1, 2)


# -- Telegram and the load balancer ----------------------------------------------------------


class Balancer:
    """Round-robin over the workers, as a load balancer: each request to the next one."""

    def __init__(self, workers: int) -> None:
        self.workers, self._turn, self.sent = workers, itertools.count(), Counter[int]()

    def pick(self) -> int:
        worker = next(self._turn) % self.workers
        self.sent[worker] += 1
        return worker


@dataclasses.dataclass
class Lane:
    """One chat in flight at a time: its connections to the stand-in and to each worker."""

    standin: Control
    workers: list[Control]

    @classmethod
    def of(cls, standin_port: int, worker_ports: list[int]) -> Lane:
        header = f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        return cls(Control(standin_port), [Control(p, "/telegram/", header) for p in worker_ports])

    def close(self) -> None:
        for control in (self.standin, *self.workers):
            control.close()


async def deliver(worker: Control, update: dict[str, Any]) -> None:
    """POST the update to the worker's webhook as Telegram does; once more on a connection the
    worker has closed meanwhile (Telegram delivers again; a redelivery changes nothing)."""
    payload = json.dumps(update).encode()
    for attempt in (1, 2):
        try:
            answer = await worker.exchange("POST", "webhook", payload)
            break
        except (asyncio.IncompleteReadError, ConnectionError):
            worker.close()
            if attempt == 2:
                raise
    if answer != {"ok": True}:
        raise Failed(f"the webhook answered {str(answer)[:160]}")


async def step(tally: Tally, lane: Lane, balancer: Balancer, chat_id: int,
               act: tuple[str, str], wanted: tuple[str, ...]) -> str:  # fmt: skip
    """One action: its update made by the stand-in, delivered to the next worker, and the text
    of the bot's reply with one of `wanted`, timed from the action to the reply read."""
    started = time.perf_counter()
    async with asyncio.timeout(tally.wait_s):
        made = await lane.standin("POST", "make", {"chat_id": chat_id, "first_name": "张三",
                                                   "action": act[0], "args": [act[1]]})  # fmt: skip
        await deliver(lane.workers[balancer.pick()], made["update"])
        sent = await lane.standin("GET", "sent", chat_id=chat_id, after=made["update_id"])
    texts = [str(s["text"]) for s in sent]
    reply = next((t for t in texts if any(w in t for w in (*wanted, BOT_ERROR))), None)
    if reply is None:
        raise Failed(f"no reply with {wanted[0]!r} after the webhook's 200: {texts}")
    if BOT_ERROR in reply:
        raise Failed(f"the bot said: {reply}")
    tally.updates += 1
    tally.latencies.append(time.perf_counter() - started)
    return reply


async def drive(standin_port: int, worker_ports: list[int], token: str, tally: Tally,
                args: argparse.Namespace) -> Balancer:  # fmt: skip
    """All chats, `--in-flight` at a time (each lane takes the next chat when its own is done);
    a progress line on stderr every second."""
    balancer, waiting = Balancer(len(worker_ports)), iter(firms(args.chats))
    started = time.monotonic()

    async def lane_of_chats() -> None:
        lane = Lane.of(standin_port, worker_ports)
        try:
            for firm in waiting:  # shared by the lanes: each chat is taken once
                ask = functools.partial(step, tally, lane, balancer, firm.chat_id)
                await register(ask, firm, token, tally)
        finally:
            lane.close()

    async def ticker() -> None:
        while True:
            await asyncio.sleep(1)
            done, failed = f"{tally.completed:,}/{args.chats:,}", sum(tally.failures.values())
            progress(f"\r  {done} registered, {failed} failed, {tally.updates:,} updates, "
                     f"{time.monotonic() - started:.0f} s", end="")  # fmt: skip

    ticking = asyncio.create_task(ticker())
    await asyncio.gather(*(lane_of_chats() for _ in range(min(args.in_flight, args.chats))))
    ticking.cancel()
    progress("")
    return balancer


# -- the processes and their CPU -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(port: int, url: str, standin_port: int, log: Any) -> subprocess.Popen[str]:
    """`yinqi serve` taking the bot's updates by webhook, the background worker left out."""
    return start([*YINQI, "serve", "--port", str(port), "--no-worker"], log, DATABASE_URL=url,
                 TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_MAX_RATE="0",
                 TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{standin_port}/bot",
                 TELEGRAM_WEBHOOK_URL="https://yinqi.example/telegram/webhook",
                 TELEGRAM_WEBHOOK_SECRET=SECRET)  # fmt: skip


async def ready(standin: Control, ports: list[int], workers: list[subprocess.Popen[str]]) -> None:
    """Until every worker has set its webhook (its startup done) and accepts connections."""
    for _ in range(1200):
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a worker exited at startup; see the log")
        if (await standin("GET", "stats"))["counts"].get("setWebhook", 0) >= len(workers):
            break
        await asyncio.sleep(0.1)
    for port in ports:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)


def postgres_cpu(admin_url: str) -> dict[int, float]:
    """CPU seconds of the workers' PostgreSQL backends and of the server's writers, by pid."""
    query = text("SELECT pid FROM pg_stat_activity "
                 "WHERE application_name = :name OR backend_type = ANY(:writers)")  # fmt: skip
    engine = make_engine(admin_url)
    try:
        with engine.connect() as conn:
            pids = conn.execute(query, {"name": APP_NAME, "writers": list(WRITERS)}).scalars()
            found = {}
            for pid in pids:
                with contextlib.suppress(OSError):  # gone meanwhile, or not readable here
                    found[pid] = cpu_seconds(pid)
            return found
    finally:
        engine.dispose()


@dataclasses.dataclass
class Cpu:
    """CPU seconds so far of each part of the machine's work."""

    workers: float
    standin: float
    postgres: dict[int, float]
    generator: float
    machine: float

    @classmethod
    def now(cls, workers: list[int], standin: int, admin_url: str) -> Cpu:
        postgres = postgres_cpu(admin_url)  # first: its query is not the generator's work
        own = resource.getrusage(resource.RUSAGE_SELF)
        return cls(sum(cpu_seconds(pid) for pid in workers), cpu_seconds(standin), postgres,
                   own.ru_utime + own.ru_stime, busy_seconds())  # fmt: skip

    def since(self, before: Cpu) -> dict[str, float]:
        """By part; "other work" is what the machine's cores did besides (other users' work)."""
        pg = sum(s - before.postgres.get(pid, 0.0) for pid, s in self.postgres.items())
        spent = {"workers": self.workers - before.workers, "PostgreSQL": pg,
                 "stand-in": self.standin - before.standin,
                 "generator": self.generator - before.generator}  # fmt: skip
        return spent | {"other work": self.machine - before.machine - sum(spent.values())}


def busy_seconds() -> float:
    """CPU seconds all the machine's cores have spent busy (not idle nor waiting for I/O)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


# -- one measurement -------------------------------------------------------------------------


@dataclasses.dataclass
class Measured:
    """One measurement: how many workers, what the chats got, what the database holds."""

    workers: int
    wall_s: float
    tally: Tally
    cpu: dict[str, float]
    sent: list[int]
    needs: int
    chats: int
    load: float
    errors: list[str]

    @property
    def rate(self) -> float:
        return self.tally.updates / self.wall_s

    def ms_per_update(self, part: str) -> float:
        return 1000 * self.cpu[part] / max(self.tally.updates, 1)

    def registered_once(self, chats: int) -> bool:
        """Every chat completed, and the database holds exactly one need from each."""
        return self.tally.completed == self.needs == self.chats == chats


Played = tuple[float, Tally, dict[str, float], list[int]]
"""Wall seconds, what the chats got, CPU seconds by part, requests sent to each worker."""


async def play(standin: subprocess.Popen[str], standin_port: int,
               workers: list[subprocess.Popen[str]], ports: list[int], token: str,
               args: argparse.Namespace) -> Played:  # fmt: skip
    """The chats against the workers, once they are ready, and the CPU it took."""
    control = Control(standin_port)
    try:
        await ready(control, ports, workers)
    finally:
        control.close()
    progress(f"  {len(workers)} worker(s), pids {[w.pid for w in workers]}, stand-in pid "
             f"{standin.pid}; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    pids = [w.pid for w in workers]
    before, tally = Cpu.now(pids, standin.pid, args.pg_url), Tally(args.timeout)
    started = time.perf_counter()
    balancer = await drive(standin_port, ports, token, tally, args)
    wall = time.perf_counter() - started
    cpu = Cpu.now(pids, standin.pid, args.pg_url).since(before)
    return wall, tally, cpu, [balancer.sent[i] for i in range(len(workers))]


def measure(directory: Path, count: int, args: argparse.Namespace) -> Measured:
    """A fresh schema, stand-in and `count` workers; the chats; the figures and the rows."""
    with fresh_database("postgresql", directory, args.pg_url) as url:
        token = on_database(url, park_token)
        named = make_url(url).update_query_dict({"application_name": APP_NAME})
        worker_url = named.render_as_string(hide_password=False)
        log_path = directory / f"webhook-{count}-{time.time_ns()}.log"
        with log_path.open("w") as log:
            standin = start([sys.executable, "-m", "tests.bot.standin", "--port", "0",
                             "--token", TOKEN], log)  # fmt: skip
            standin_port = int(standin.stdout.readline().split()[-1])  # type: ignore[union-attr]
            ports = [free_port() for _ in range(count)]
            workers = [serve(port, worker_url, standin_port, log) for port in ports]
            try:
                wall, tally, cpu, sent = asyncio.run(
                    play(standin, standin_port, workers, ports, token, args)
                )
            finally:
                for worker in workers:
                    stop(worker, signal.SIGTERM)  # uvicorn's graceful stop, as on SIGINT
                stop(standin, signal.SIGTERM)
        needs, chats = on_database(url, needs_stored)
    errors = [line for line in log_path.read_text().splitlines() if "ERROR" in line]
    return Measured(count, wall, tally, cpu, sent, needs, chats, os.getloadavg()[0], errors)


def measure_all(directory: Path, args: argparse.Namespace) -> list[list[Measured]]:
    """`--runs` runs, each one worker and then two: alternating, so that load from other work
    falls on both alike."""
    runs = []
    for n in range(1, args.runs + 1):
        run = []
        for count in WORKER_COUNTS:
            progress(f"run {n}/{args.runs}, {count} worker(s) …")
            run.append(measure(directory, count, args))
        runs.append(run)
    return runs


# -- the figures -----------------------------------------------------------------------------


PARTS = ("workers", "PostgreSQL", "stand-in", "generator")


def describe(m: Measured, chats: int) -> str:
    """Two lines: throughput, latency and the rows; the CPU per update and the cores' split."""
    cores, latencies = os.cpu_count() or 1, sorted(m.tally.latencies) or [float("nan")]
    p50 = 1000 * latencies[len(latencies) // 2]
    p99 = 1000 * latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)]
    per = ", ".join(f"{p} {m.ms_per_update(p):.2f}" for p in PARTS)
    shares = ", ".join(f"{p} {100 * m.cpu[p] / (cores * m.wall_s):.0f}%"
                       for p in (*PARTS, "other work"))  # fmt: skip
    busy = m.cpu["workers"] / m.workers / m.wall_s
    ok = "ok" if m.registered_once(chats) else "WRONG"
    return (f"{m.workers} worker{'s' if m.workers > 1 else ' '}: {m.rate:.0f} updates/s "
            f"({m.tally.updates:,} in {m.wall_s:.0f} s; requests per worker {m.sent}), reply p50 "
            f"{p50:.0f} ms, p99 {p99:.0f} ms; {m.needs:,} needs from {m.chats:,} chats for "
            f"{chats:,}: {ok}; {len(m.errors)} ERROR lines; load {m.load:.1f}\n"
            f"{'':12}CPU ms/update: {per}; of the {cores} cores: {shares}; each worker busy "
            f"{busy:.2f} of a core")  # fmt: skip


def own_cores_rate(m: Measured) -> float:
    """Updates/s the workers would handle on cores of their own, at their CPU per update."""
    return 1000 * m.workers / m.ms_per_update("workers")


def report(runs: list[list[Measured]], args: argparse.Namespace) -> int:
    """Each run, the medians, the ratio beside the target; 0 if all registered and it is met."""
    for n, run in enumerate(runs, 1):
        for m in run:
            print(f"run {n}{'':6}{describe(m, args.chats)}")
            for what, times in m.tally.failures.most_common(3):
                print(f"{'':12}FAILED ×{times}: {what}")
            for line in m.errors[:3]:
                print(f"{'':12}{line[:200]}")
        print(f"run {n}{'':6}ratio {run[1].rate / run[0].rate:.2f}× (target ≥ {TARGET}×)")
    ratio = medians(runs, args)
    checks = {"every chat registered exactly once":
              all(m.registered_once(args.chats) for run in runs for m in run),
              f"≥ {TARGET}×": ratio >= TARGET}  # fmt: skip
    verdict = "PASS" if all(checks.values()) else "FAIL"
    met = ", ".join(f"{k} {'ok' if v else 'NOT MET'}" for k, v in checks.items())
    print(f"verdict    {verdict}: {met}")
    return 0 if verdict == "PASS" else 1


def medians(runs: list[list[Measured]], args: argparse.Namespace) -> float:
    """The medians of each worker count, the ratio beside the target and beside what the
    machine's cores allow; returns the measured ratio."""
    label, cores = "median" if len(runs) > 1 else "result", os.cpu_count() or 1
    rate = [statistics.median(run[i].rate for run in runs) for i in range(len(WORKER_COUNTS))]
    own = [statistics.median(own_cores_rate(run[i]) for run in runs)
           for i in range(len(WORKER_COUNTS))]  # fmt: skip
    for i, count in enumerate(WORKER_COUNTS):
        cpu = {p: statistics.median(run[i].ms_per_update(p) for run in runs) for p in PARTS}
        per = ", ".join(f"{p} {v:.2f}" for p, v in cpu.items())
        print(f"{label:<11}{count} worker{'s' if count > 1 else ' '}: {rate[i]:.0f} updates/s; "
              f"CPU ms/update {per}; on cores of their own ≤ {own[i]:.0f}/s")  # fmt: skip
    ratio, whole = rate[1] / rate[0], sum(cpu.values())  # the last: two workers'
    short = f", missed by {TARGET - ratio:.2f}× ({1 - ratio / TARGET:.0%})"
    print(f"{label:<11}ratio {ratio:.2f}× measured, target ≥ {TARGET}×"
          f"{'' if ratio >= TARGET else short}; on cores of their own {own[1] / own[0]:.2f}× "
          f"(2 workers' CPU per update against one's) [PostgreSQL, {args.chats:,} chats, "
          f"{args.in_flight} in flight]")  # fmt: skip
    ceiling = 1000 * cores / whole
    print(f"{'':11}all of it on the {cores} cores: {whole:.1f} ms of CPU per update with two "
          f"workers, {whole - cpu['workers']:.1f} of them beside the workers, allow ≤ "
          f"{ceiling:.0f} updates/s: at most {ceiling / own[0]:.2f}× one worker on a core of "
          f"its own")  # fmt: skip
    return ratio


def arguments(argv: list[str] | None) -> argparse.Namespace:
    paragraphs = __doc__.split("\n\n")
    parser = argparse.ArgumentParser(description=paragraphs[0], epilog=paragraphs[2])
    parser.add_argument("--chats", type=int, default=1000, help="simulated chats (1000)")
    parser.add_argument("--in-flight", type=int, default=64, help="chats acting at once (64)")
    parser.add_argument("--runs", type=int, default=3, help="runs to take the medians of (3)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds for one action")
    parser.add_argument("--pg-url", default=os.environ.get(PG_ENV) or PG_DEFAULT,
                        help=f"PostgreSQL server (default: ${PG_ENV}, else local)")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when every chat registered once and the target is met."""
    args = arguments(argv)
    # SIGTERM (and SIGINT, ignored in a shell's background job) stop it cleanly: the workers
    # and the stand-in stopped, the schema dropped
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.default_int_handler)
    print(f"webhook    `yinqi serve --no-worker` ×1, then ×2 on ports of their own, round-robin; "
          f"PostgreSQL; {args.chats:,} chats, {args.in_flight} in flight, {len(STEPS)} actions "
          f"each; rate limiter off")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="yinqi-bench-webhook-") as tmp:
        runs = measure_all(Path(tmp), args)
    return report(runs, args)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: 1,000 simulated users registering at once with the bot, through the Bot API stand-in.

    python bench/bot.py [--users 1000] [--database sqlite|postgresql] [--rate 0]
                        [--concurrency N] [--runs 1] [--timeout 120] [--pg-url URL]

Target (issue 18, with PTB's standard transport): processing is never the bottleneck: the bot
handles at least 5× Telegram's own ceiling of about 30 messages/s, in updates handled per second,
on one process on SQLite, on this 2-core machine.

The processes: the stand-in (`python -m tests.bot.standin`); the bot (`yinqi bot` polling it,
one process, on a fresh database made by `yinqi init`: a SQLite file in a temporary directory, or
a PostgreSQL schema of its own, dropped afterwards); and this script, playing the users
through the stand-in's control API (asyncio; a keep-alive connection per user, which acts
and waits for the reply in one request: `POST /_control/ask`). Each user, a firm of its own, scans a
park's code (`/start <token>`) and answers the questions of tests/bot/test_telegram.py, waiting
for the bot's reply before its next action, as a person does; a reply's latency runs from the
action to the bot's message asking the next question. `--rate 0` (the default) turns the bot's
rate limiter off (TELEGRAM_MAX_RATE=0) to measure processing alone. CPU seconds come from
/proc/<pid>/stat (all threads) of the bot, the stand-in and this script, and are shown as shares
of the machine's cores over the run (they all share them), the bot's peak RSS from
/proc/<pid>/status (VmHWM); the bot's pid goes to stderr with the progress, for
`py-spy record --pid PID` to profile it. Production runs the bot on webhooks under N `yinqi serve`
processes: bench/webhook.py measures that shape (one and two workers on PostgreSQL, the
target's other half), with this script's conversation and users.

Exit status 0 when every user registered, the database holds exactly one need per user, each with
its chat id, and the target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from bench.company_names import BRAND_CHARS, INDUSTRIES
from db.core.engine import make_engine
from db.intake.qr_sources import create_source
from db.models import Need
from matching.uscc import CHARSET, uscc_check_char
from tests.databases import PG_ENV, PostgresSchema

ROOT = Path(__file__).resolve().parent.parent
YINQI = [sys.executable, "-c", "from api.cli import main; main()"]  # `yinqi`, this interpreter
TELEGRAM_CEILING, TARGET_RATIO = 30, 5  # messages/s to all chats; the multiple wanted (issue 18)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TOKEN, PARK = "123:ABC", "xc-gxq"  # 新昌高新技术产业园小微企业园, in 新昌县: USCC region 330624
CALLS = ("sendMessage", "editMessageText", "answerCallbackQuery", "getUpdates")
NAME_CHECK, NOT_THAT_ONE, BOT_ERROR = "您是不是指", "不是，就用我输入的名称", "刚才出了点问题"
STEPS = (  # (action, argument, what the bot's reply asks next)
    ("send", "/start {token}", "登记前请确认"),
    ("press", "同意并开始", "您是以什么身份申请"),
    ("press", "企业", "请输入企业或个体工商户的名称"),
    ("send", "{name}", "统一社会信用代码"),
    ("send", "{uscc}", "哪个行业"),
    ("press", "制造业", "符合下面哪些情况"),
    ("press", "完成", "想借多少钱"),
    ("send", "三百万", "借款主要用来做什么"),
    ("press", "流动资金", "想借多长时间"),
    ("press", "12个月", "可以提供哪些抵押"),
    ("press", "没有抵押", "成立（开始经营）多久"),  # products here want a year in business
    ("send", "3年", "哪些银行在给您贷款"),
    ("press", "首次贷款", "五项标准"),
    ("press", "全部符合", "银行客户经理应该联系谁"),
    ("share_contact", "+86138{phone}", "请核对您的融资需求"),
    ("press", "确认提交", "已收到您的融资需求"),
)


def progress(message: str, end: str = "\n") -> None:
    print(message, file=sys.stderr, end=end, flush=True)


@dataclasses.dataclass(frozen=True, slots=True)
class Firm:
    """One simulated user: a firm of its own (distinct name core, USCC and phone)."""

    chat_id: int
    name: str
    uscc: str
    phone: str


def firms(count: int, seed: int = 1) -> list[Firm]:
    rng, brands = random.Random(seed), "".join(dict.fromkeys(BRAND_CHARS))
    cores: dict[str, None] = {}
    while len(cores) < count:  # a new name core each: no firm is a duplicate of another
        cores["".join(rng.sample(brands, 3)) + rng.choice(INDUSTRIES)] = None
    made = []
    for i, core in enumerate(cores):
        body = "91330624MA" + "".join(CHARSET[i // 31**k % 31] for k in range(7))
        made.append(Firm(700_000 + i, f"{core}有限公司", body + uscc_check_char(body), f"{i:08d}"))
    return made


# -- the users -------------------------------------------------------------------------------


class Failed(Exception):
    """A user cannot go on: the stand-in refused the action, or the bot did not answer."""


@dataclasses.dataclass
class Tally:
    """What the users got: replies' latencies (s), updates answered, completions, failures."""

    wait_s: float
    latencies: list[float] = dataclasses.field(default_factory=list)
    updates: int = 0
    completed: int = 0
    name_checks: int = 0
    failures: Counter[str] = dataclasses.field(default_factory=Counter)


class Control:
    """One user's keep-alive HTTP/1.1 connection to the stand-in's control API (or, with another
    `base`, to the bot's webhook), JSON both ways. httpx spent 1–1.5 ms of CPU per request here (a
    client of its own per user, as its pool scans all its connections on every request), which on
    this 2-core machine took as much CPU as the bot; this spends about a tenth of it."""

    def __init__(self, port: int, base: str = "/_control/", headers: str = "") -> None:
        self.port, self.base, self.headers = port, base, headers
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def __call__(self, verb: str, what: str, body: Any = None, **params: Any) -> Any:
        """The answer's `result`; Failed unless it says `"ok": true`."""
        answer = await self.exchange(verb, what, b"" if body is None else json.dumps(body).encode(),
                                     f"?{urlencode(params)}" if params else "")  # fmt: skip
        if not answer.get("ok"):
            raise Failed(f"{verb} {what}: {answer.get('description') or answer}")
        return answer.get("result")

    async def exchange(self, verb: str, what: str, payload: bytes, query: str = "") -> Any:
        """One request and its JSON answer, on the connection made at the first one."""
        if self._streams is None:
            self._streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self._streams
        writer.write(f"{verb} {self.base}{what}{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                     f"{self.headers}\r\n".encode() + payload)  # fmt: skip
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        length = int(head.split("content-length:")[1].split("\r\n")[0])
        return json.loads(await reader.readexactly(length))

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def step(tally: Tally, control: Control, firm: Firm, act: tuple[str, str],
               wanted: tuple[str, ...]) -> str:  # fmt: skip
    """One action and the bot's reply to it (its first message containing one of `wanted`),
    timed: the stand-in acts and waits for the reply in one request."""
    started = time.perf_counter()
    body = {"chat_id": firm.chat_id, "first_name": "张三", "action": act[0], "args": [act[1]],
            "contains": [*wanted, BOT_ERROR], "wait": tally.wait_s}  # fmt: skip
    async with asyncio.timeout(tally.wait_s + 10):
        sent = (await control("POST", "ask", body))["sent"]
    if sent is None:
        raise Failed(f"no reply with {wanted[0]!r} within {tally.wait_s:g} s")
    if BOT_ERROR in sent["text"]:
        raise Failed(f"the bot said: {sent['text']}")
    tally.updates += 1  # handled: the bot has answered it
    tally.latencies.append(time.perf_counter() - started)
    return str(sent["text"])


Ask = Callable[[tuple[str, str], tuple[str, ...]], Awaitable[str]]
"""An action of the user and the text of the bot's reply to it with one of the wanted words."""


async def register(ask: Ask, firm: Firm, token: str, tally: Tally) -> None:
    """The whole registration; a "您是不是指 …？" about another firm is answered "no"."""
    label = "?"
    try:
        for action, argument, expect in STEPS:
            arg = argument.format(token=token, name=firm.name, uscc=firm.uscc, phone=firm.phone)
            label = f"{action} {argument}"
            text = await ask((action, arg), (expect, NAME_CHECK))
            if NAME_CHECK in text:
                tally.name_checks += 1
                await ask(("press", NOT_THAT_ONE), (expect,))
        tally.completed += 1
    except (Failed, OSError, TimeoutError, asyncio.IncompleteReadError) as err:
        tally.failures[f"{label}: {type(err).__name__}: {str(err)[:160]}"] += 1


async def drive(port: int, token: str, tally: Tally, users: int, concurrency: int) -> None:
    """All users, `concurrency` at a time; a progress line on stderr every second."""
    gate, started = asyncio.Semaphore(concurrency), time.monotonic()

    async def one(firm: Firm) -> None:
        async with gate:
            control = Control(port)
            try:
                await register(functools.partial(step, tally, control, firm), firm, token, tally)
            finally:
                control.close()

    async def ticker() -> None:
        while True:
            await asyncio.sleep(1)
            done, failed = f"{tally.completed:,}/{users:,}", sum(tally.failures.values())
            progress(f"\r  {done} registered, {failed} failed, {tally.updates:,} updates, "
                     f"{time.monotonic() - started:.0f} s", end="")  # fmt: skip

    ticking = asyncio.create_task(ticker())
    await asyncio.gather(*(one(firm) for firm in firms(users)))
    ticking.cancel()
    progress("")


# -- the processes and the database -----------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


def start(command: list[str], log: IO[str], **env: str) -> subprocess.Popen[str]:
    """A process in the repository, its output in the log (the stand-in's stdout piped)."""
    out = log if env else subprocess.PIPE
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, text=True,
                            stdout=out, stderr=log)  # fmt: skip


def stop(process: subprocess.Popen[str], sig: int = signal.SIGINT) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def fresh_database(kind: str, directory: Path, pg_url: str) -> Iterator[str]:
    """The URL of an empty database made by `yinqi init` (schema and the sample catalog)."""
    schema = PostgresSchema(pg_url) if kind == "postgresql" else None
    url = schema.url if schema else f"sqlite:///{directory / f'bot-{time.time_ns()}.db'}"
    try:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([*YINQI, "init"], cwd=ROOT, env=env, check=True, capture_output=True)
        yield url
    finally:
        if schema:
            schema.drop()


def on_database(url: str, work: Callable[[Session], Any]) -> Any:
    """`work(session)` on the database at `url`, in a session and an engine of its own."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return work(session)
    finally:
        engine.dispose()


def park_token(session: Session) -> str:
    return create_source(session, kind="park", target=PARK, label="新昌高新园 贷款码").token


def needs_stored(session: Session) -> tuple[int, int]:
    """Needs in the database, and the distinct chats they came from."""
    needs, chats = session.exec(select(func.count(), func.count(distinct(col(Need.chat_id))))).one()
    return needs, chats


# -- one run ---------------------------------------------------------------------------------


async def measure(port: int, pids: tuple[int, int], token: str,
                  args: argparse.Namespace) -> tuple[Tally, dict[str, Any]]:  # fmt: skip
    """The users against the polling bot: what they got, and the CPU and memory it took."""
    standin = Control(port)
    try:
        for _ in range(600):  # until the bot has set its commands and polls
            if (await standin("GET", "stats"))["counts"].get("getUpdates"):
                break
            await asyncio.sleep(0.1)
        progress(f"  bot pid {pids[0]}, stand-in pid {pids[1]}; "
                 f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        watched = [pids[0], pids[1]]
        cpu, own = [cpu_seconds(pid) for pid in watched], resource.getrusage(resource.RUSAGE_SELF)
        tally, started = Tally(args.timeout), time.perf_counter()
        await drive(port, token, tally, args.users, args.concurrency)
        used = {"wall s": time.perf_counter() - started, "load": os.getloadavg()[1]}
        after = resource.getrusage(resource.RUSAGE_SELF)
        spent = [cpu_seconds(p) - c for p, c in zip(watched, cpu, strict=True)]
        used |= {"bot CPU s": spent[0], "stand-in CPU s": spent[-1]}
        used["users CPU s"] = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
        used["peak RSS MB"] = sum(peak_rss_mb(pid) for pid in watched[:-1])
        await standin("GET", "idle", timeout=30, quiet=0.5)
        return tally, used | {"calls": (await standin("GET", "stats"))["counts"]}
    finally:
        standin.close()


def run_once(directory: Path, args: argparse.Namespace) -> tuple[dict[str, Any], bool, list[str]]:
    """A fresh database, stand-in and bot; the users; the figures, whether all is well, notes."""
    with fresh_database(args.database, directory, args.pg_url) as url:
        token = on_database(url, park_token)
        log_path = directory / f"bot-{time.time_ns()}.log"
        with log_path.open("w") as log:
            standin = start([sys.executable, "-m", "tests.bot.standin", "--port", "0",
                             "--token", TOKEN], log)  # fmt: skip
            port = int(standin.stdout.readline().split()[-1])  # type: ignore[union-attr]
            bot = start([*YINQI, "bot"], log, DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN,
                        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
                        TELEGRAM_MAX_RATE=str(args.rate))  # fmt: skip
            try:
                tally, used = asyncio.run(measure(port, (bot.pid, standin.pid), token, args))
            finally:
                stop(bot)
                stop(standin, signal.SIGTERM)
        needs, chats = on_database(url, needs_stored)
    errors = [line for line in log_path.read_text().splitlines() if "ERROR" in line]
    notes = [f"FAILED ×{n}: {what}" for what, n in tally.failures.most_common(5)]
    notes += [f"database: {needs:,} needs from {chats:,} chats (expected {args.users:,}); "
              f"\"您是不是指\" asked {tally.name_checks}×; {len(errors)} ERROR lines logged",
              *errors[:5]]  # fmt: skip
    latencies = sorted(tally.latencies) or [float("nan")]
    figures = used | {
        "registrations/s": tally.completed / used["wall s"],
        "updates/s": tally.updates / used["wall s"],
        "p50 ms": 1000 * latencies[len(latencies) // 2],
        "p99 ms": 1000 * latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)],
        "bot CPU ms/update": 1000 * used["bot CPU s"] / max(tally.updates, 1),
        "registered": tally.completed, "updates": tally.updates,
    }  # fmt: skip
    return figures, tally.completed == needs == chats == args.users, notes


# -- the figures -----------------------------------------------------------------------------


def describe(f: dict[str, Any]) -> str:
    """Three lines: what the users got; what the bot's processes cost; how the machine's CPU
    went between the bot, the stand-in and the users (all on the same cores)."""
    per_update = f["bot CPU ms/update"]
    cores = os.cpu_count() or 1
    spent = {"bot": f["bot CPU s"], "stand-in": f["stand-in CPU s"], "users": f["users CPU s"]}
    split = ", ".join(f"{k} {v:.0f} s ({100 * v / (cores * f['wall s']):.0f}%)"
                      for k, v in spent.items())  # fmt: skip
    return (f"{f['registrations/s']:.1f} registrations/s ({f['registered']:,.0f} in "
            f"{f['wall s']:.0f} s), {f['updates/s']:.0f} updates/s = "
            f"{f['updates/s'] / TELEGRAM_CEILING:.1f}× Telegram's ceiling of {TELEGRAM_CEILING} "
            f"msgs/s (target ≥ {TARGET_RATIO * TELEGRAM_CEILING}/s); reply p50 "
            f"{f['p50 ms']:,.0f} ms, p99 {f['p99 ms']:,.0f} ms\n{'':10}bot: one process, CPU "
            f"{per_update:.2f} ms/update in all ({f['bot CPU s']:.0f} s for {f['updates']:,.0f} "
            f"updates: ≤ {1000 / per_update:.0f} updates/s on "
            f"a core of its own), peak RSS {f['peak RSS MB']:.0f} MB\n"
            f"{'':10}CPU of the {cores} cores over the run: {split}; load "
            f"{f['load']:.1f}")  # fmt: skip


def report(runs: list[tuple[dict[str, Any], bool, list[str]]], database: str) -> int:
    """Each run, the medians and the verdict; 0 if every user registered and the target is met."""
    for n, (figures, _, notes) in enumerate(runs, 1):
        calls = ", ".join(f"{figures['calls'].get(m, 0):,} {m}" for m in CALLS)
        sent = sum(figures["calls"].get(m, 0) for m in CALLS[:2]) / figures["wall s"]
        print(f"run {n}     {describe(figures)}\n          Bot API calls: {calls} "
              f"({sent:.0f} messages/s sent or edited)")  # fmt: skip
        for note in notes:
            print(f"          {note[:240]}")
    keys = [k for k in runs[0][0] if k != "calls"]
    median = {k: statistics.median(figures[k] for figures, _, _ in runs) for k in keys}
    print(f"{'median' if len(runs) > 1 else 'result':<9} {describe(median)} [{database}]")
    checks = {"every user registered, one need each": all(ok for _, ok, _ in runs),
              f"≥ {TARGET_RATIO}× {TELEGRAM_CEILING}/s":
              median["updates/s"] >= TARGET_RATIO * TELEGRAM_CEILING}  # fmt: skip
    verdict = "PASS" if all(checks.values()) else "FAIL"
    met = ", ".join(f"{k} {'ok' if v else 'NOT MET'}" for k, v in checks.items())
    print(f"verdict   {verdict}: {met}")
    return 0 if verdict == "PASS" else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when every user registered and the target is met."""
    paragraphs = __doc__.split("\n\n")
    parser = argparse.ArgumentParser(description=paragraphs[0], epilog=paragraphs[2])
    parser.add_argument("--users", type=int, default=1000, help="simulated users (1000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rate", type=float, default=0.0, help="the bot's TELEGRAM_MAX_RATE,"
                        " msgs/s; 0 (default): no rate limiter, to measure processing")  # fmt: skip
    parser.add_argument("--concurrency", type=int, help="users acting at once (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs to take the median of")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for a reply")
    parser.add_argument("--pg-url", default=os.environ.get(PG_ENV) or PG_DEFAULT,
                        help=f"PostgreSQL server (default: ${PG_ENV}, else local)")  # fmt: skip
    args = parser.parse_args(argv)
    args.concurrency = args.concurrency or args.users
    limiter = "off: processing alone" if args.rate == 0 else f"{args.rate:g} msgs/s"
    print(f"bot       `yinqi bot` polling the stand-in, {args.database}, rate limiter "
          f"{limiter}; {args.users:,} users, {args.concurrency:,} at once, {len(STEPS)} "
          "actions each")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="yinqi-bench-bot-") as tmp:
        runs = []
        for n in range(1, args.runs + 1):
            progress(f"run {n}/{args.runs} on {args.database} …")
            runs.append(run_once(Path(tmp), args))
    return report(runs, args.database)


if __name__ == "__main__":
    sys.exit(main())

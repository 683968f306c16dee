"""Benchmark: simulated phones registering through `yinqi serve`'s web chat, beside the bot.

    python bench/web.py [--phones 200] [--paced 100] [--bot-users 200]
                        [--database sqlite|postgresql] [--pg-url URL]

One `yinqi serve --no-worker` on a fresh database made by `yinqi init` (a SQLite file, or a
PostgreSQL schema of its own); each phone is an httpx client with a cookie jar of its own and an
address of its own (`X-Forwarded-For`, which uvicorn takes from 127.0.0.1), scanning a park's
code and answering the questions as the page's script does (a post answered with the
conversation's HTML; the submit answered with the status page's address, which it then loads).

1. Saturated: every phone at once, each answer after the last one's reply: the most answers/s,
   latency p50/p99 at saturation, and the server's CPU per answer (/proc/<pid>/stat: every
   request of the run, scans and status pages too, over the answers).
2. Paced: `--paced` more phones arriving at a fixed rate, each answering a second after its last
   answer was due, so the answers arrive at about half the saturated rate whatever the replies
   take (open loop): p50/p99 below saturation, and CPU per answer again.
3. First load: the chat page, style sheet and script, in bytes.
4. First contentful paint: Debian's chromium through Playwright, a fresh context per load, the
   network throttled to Slow 4G through CDP (`Network.emulateNetworkConditions`: 400 kbps down
   and up, 400 ms round trip); the median of three loads.
5. The bot in the same run: `bench/bot.py`'s users against `yinqi bot` and the Bot API stand-in
   (`--bot-users`), its CPU per update.

Each answer's time is taken twice: the server's own, from the request's arrival to the answer's
start (its `Server-Timing` header, the figure the metrics' histogram records), and the round trip
the phone's client sees, which adds this one process's own queueing of 100–200 phones. For the
slowest 1% the parts the answer's header also gives are printed: `queue` (waiting for a worker
thread) and `turn` (the engine's turn, until its outcome is back on the event loop).

Targets (issue 20): server CPU per answer ≤ the bot's per update (both at saturation: the bot's
users act all at once too); paced p99 of the server's time
≤ 50 ms; first load ≤ 50 KB; FCP ≤ 1.5 s on Slow 4G. The load average is printed at the start and
the end: when the machine was already busy at the start, the figures are not quiet ones and no
target is claimed (the run's own phones, bot and server load it, whatever else runs).

Exit status 0 when every phone registered and the database holds one web need per phone.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import html
import os
import re
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlmodel import Session, func, select

from bench import bot as bot_bench
from bench.bot import (
    PG_DEFAULT,
    YINQI,
    Firm,
    cpu_seconds,
    firms,
    fresh_database,
    on_database,
    park_token,
    progress,
    start,
    stop,
)
from db.models import Need

STEPS = (  # (tap or type, what, what the next question asks)
    ("tap", "同意并开始", "您是以什么身份申请"),
    ("tap", "企业", "名称"),
    ("type", "{name}", "统一社会信用代码"),
    ("type", "{uscc}", "行业"),
    ("tap", "制造业", "符合下面哪些情况"),
    ("tap", "完成", "想借多少钱"),
    ("type", "三百万", "借款主要用来做什么"),
    ("tap", "流动资金", "想借多长时间"),
    ("tap", "12个月", "抵押"),
    ("tap", "没有抵押", "成立（开始经营）多久"),  # products here want a year in business
    ("type", "3年", "哪些银行在给您贷款"),
    ("tap", "首次贷款", "五项标准"),
    ("tap", "全部符合", "应该联系谁"),
    ("type", "张三 138{phone}", "请核对您的融资需求"),
    ("tap", "确认提交", "/s/"),  # answered with the status page's address (X-Go)
)
THINK_S = 1.0
"""Paced: a phone's next answer is due this long after its last one was."""
SLOW_4G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}  # fmt: skip
TARGETS = {"p99 ms": 50.0, "first load B": 50_000, "FCP ms": 1500.0}
_BUTTON = re.compile(r'<button type="submit" name="b" value="([^"]*)"[^>]*>([^<]*)</button>')
_HIDDEN = re.compile(r'<input type="hidden" name="(csrf|n)" value="([^"]*)">')
PHONES_TLS: Final = ssl.create_default_context()
"""One TLS context for every phone's client (they speak plain HTTP): httpx builds one per client
otherwise, loading the CA bundle for ~23 ms of this process's event loop each time. With a new
paced phone every ~0.17 s those pauses, and the collector's (see `measured`), held answers back
and let them out in bursts of up to twice the saturated rate: the slowest answers were the
bench's own bursts, not pacing below saturation."""


class Failed(Exception):
    """A phone cannot go on: an error status, or a reply that does not ask what it should."""


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # round trip, as the phone waits
    late: list[float] = field(default_factory=list)  # paced: each answer sent after it was due
    server: list[float] = field(default_factory=list)  # the server's own (`Server-Timing`)
    parts: list[dict[str, float]] = field(default_factory=list)  # its parts, answer by answer
    failures: list[str] = field(default_factory=list)
    page_bytes: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    @property
    def answers(self) -> int:
        return len(self.latencies)

    def ms(self, q: float, *, server: bool = False) -> float:
        """The `q` quantile of the answers' times in ms: round trip, or the server's own."""
        times = self.server if server else self.latencies
        found = sorted(x * 1000 for x in times) or [float("nan")]
        return found[min(len(found) - 1, int(len(found) * q))]

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / max(self.answers, 1)


def server_timing(headers: list[str]) -> dict[str, float]:
    """`Server-Timing` headers as {name: ms}: `app` (the whole), and the web answer's `queue`
    and `turn` (api/web/pages.py)."""
    found = {}
    for entry in ",".join(headers).split(","):
        name, _, dur = entry.strip().partition(";dur=")
        if name and dur:
            found[name] = float(dur)
    return found


def slowest_parts(run: Run, share: float = 0.01) -> str:
    """The slowest `share` of answers by the server's time: the median of each part."""
    slow = sorted(run.parts, key=lambda p: -p["app"])[: max(1, int(len(run.parts) * share))]
    names = sorted({n for p in slow for n in p}, key=lambda n: (n != "app", n))
    return ", ".join(f"{n} {statistics.median(p.get(n, 0.0) for p in slow):.1f}" for n in names)


async def register(base: str, token: str, firm: Firm, number: int, run: Run,
                   think: float | None = None) -> None:  # fmt: skip
    """One phone's registration; with `think`, each answer due that long after the last one."""
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    async with httpx.AsyncClient(
        base_url=base, headers={"X-Forwarded-For": address}, timeout=60.0, verify=PHONES_TLS
    ) as phone:
        first = await phone.get(f"/q/{token}")
        if first.status_code != 200:
            raise Failed(f"scan: {first.status_code}")
        run.page_bytes = max(run.page_bytes, len(first.content))
        page, due = first.text, time.perf_counter()
        for kind, what, asks in STEPS:
            form = dict(_HIDDEN.findall(page))
            if kind == "tap":
                found = [v for v, label in _BUTTON.findall(page) if what in html.unescape(label)]
                if not found:
                    raise Failed(f"no button {what}")
                form["b"] = html.unescape(found[0])
            else:
                form["t"] = what.format(name=firm.name, uscc=firm.uscc, phone=firm.phone)
            if think is not None:
                due += think
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            started = time.perf_counter()
            if think is not None:
                run.late.append(started - due)
            answered = await phone.post("/q", data=form, headers={"X-Requested-With": "fetch"})
            run.latencies.append(time.perf_counter() - started)
            timing = server_timing(answered.headers.get_list("server-timing"))
            if "app" in timing:  # from the request's arrival to the answer's start
                run.server.append(timing["app"] / 1000)
                run.parts.append(timing)
            page = answered.headers.get("x-go") or answered.text
            if answered.status_code not in (200, 204) or asks not in html.unescape(page):
                raise Failed(f"{what}: {answered.status_code}")
        status = await phone.get(page)  # the script opens the need's status page
        if status.status_code != 200:
            raise Failed(f"status page: {status.status_code}")


async def drive(base: str, token: str, phones: list[Firm], first: int,
                rate: float | None = None) -> Run:  # fmt: skip
    """The phones at once, or (`rate`: answers/s) arriving one after another to that rate."""
    run = Run()
    interval = len(STEPS) / rate if rate else 0.0

    async def one(i: int, firm: Firm) -> None:
        await asyncio.sleep(i * interval)
        try:
            await register(base, token, firm, first + i, run, THINK_S if rate else None)
        except (Failed, httpx.HTTPError) as err:
            run.failures.append(f"{type(err).__name__}: {err}")

    await asyncio.gather(*(one(i, firm) for i, firm in enumerate(phones)))
    return run


def measured(pid: int, work: Coroutine[Any, Any, Run]) -> Run:
    """Run `work`, timing it and the server's CPU meanwhile. This process's garbage collector
    is off meanwhile: its full collections paused the phones' event loop 100–250 ms at a time
    (a burst of answers after each); a run's garbage is collected after it."""
    gc.collect()
    gc.disable()
    try:
        cpu, started = cpu_seconds(pid), time.perf_counter()
        run = asyncio.run(work)
        run.seconds, run.cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    finally:
        gc.enable()
    return run


async def assets(base: str) -> int:
    async with httpx.AsyncClient(base_url=base) as client:
        found = [await client.get(f"/web/static/{name}") for name in ("chat.css", "chat.js")]
    return sum(len(r.content) for r in found)


def first_paint(base: str, token: str, loads: int = 3) -> float | None:
    """The median first contentful paint of the chat page on Slow 4G, in ms; None without
    chromium or Playwright."""
    chromium = os.environ.get("YINQI_CHROMIUM") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        progress("  no Playwright: pip install -e '.[dev]'")
        return None
    if not Path(chromium).exists():
        progress(f"  no chromium at {chromium}: apt-get install -y chromium")
        return None
    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
            page.goto(f"{base}/q/{token}", wait_until="load")
            found.append(page.evaluate(FIRST_PAINT))
            context.close()
        browser.close()
    return float(statistics.median(found))


FIRST_PAINT: Final = """new Promise((resolve, reject) => {
    // the paint entry may come after the load event: wait for it (buffered: one already made)
    setTimeout(() => reject(new Error("no first contentful paint in 30 s")), 30000);
    new PerformanceObserver((entries, observer) => {
        const paint = entries.getEntriesByName("first-contentful-paint")[0];
        if (paint) { observer.disconnect(); resolve(paint.startTime); }
    }).observe({ type: "paint", buffered: true });
})"""
"""The page's first contentful paint in ms from navigation start, once the page has painted."""


def wait_up(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("yinqi serve did not start")


Measured = tuple[Run, Run, int, float | None, int]


def serve_and_measure(args: argparse.Namespace, tmp: Path) -> Measured:
    """The web figures: saturated, paced, first load bytes, FCP; and the web needs stored."""
    base = f"http://127.0.0.1:{args.port}"
    everyone = firms(args.phones + args.paced)
    with fresh_database(args.database, tmp, args.pg_url) as url:
        token = on_database(url, park_token)
        log_path = tmp / "serve.log"
        with log_path.open("w") as log:
            serve = [*YINQI, "serve", "--no-worker", "--port", str(args.port)]
            server = start(serve, log, DATABASE_URL=url)  # no TELEGRAM_BOT_TOKEN: no bot
            try:
                wait_up(base)
                progress(f"  saturated: {args.phones} phones at once …")
                saturated = measured(server.pid, drive(base, token, everyone[: args.phones], 0))
                rate = saturated.answers / saturated.seconds / 2
                progress(f"  paced: {args.paced} phones, {rate:.0f} answers/s …")
                paced = measured(server.pid, drive(
                    base, token, everyone[args.phones :], args.phones, rate=rate
                ))  # fmt: skip
                first_load = max(saturated.page_bytes, paced.page_bytes) + asyncio.run(assets(base))
                progress("  first contentful paint on Slow 4G …")
                fcp = None if args.no_browser else first_paint(base, token)
            finally:
                stop(server)
        errors = [line for line in log_path.read_text().splitlines() if "ERROR" in line]
        if errors:
            progress(f"  {len(errors)} ERROR lines in the server's log, the first: {errors[0]}")

        def needs(session: Session) -> int:
            return int(session.exec(select(func.count()).where(Need.channel == "web")).one())

        stored = on_database(url, needs)
    return saturated, paced, first_load, fcp, stored


def bot_per_update(args: argparse.Namespace, tmp: Path) -> float | None:
    """`bench/bot.py`'s users against `yinqi bot` (rate limiter off): its CPU per update, ms."""
    if args.bot_users <= 0:
        return None
    progress(f"  the bot: {args.bot_users} users through the Bot API stand-in …")
    options = argparse.Namespace(
        database=args.database, pg_url=args.pg_url, rate=0.0, users=args.bot_users,
        concurrency=args.bot_users, timeout=120.0,
    )  # fmt: skip
    figures, ok, notes = bot_bench.run_once(tmp, options)
    if not ok:
        progress(f"  the bot's run was not whole: {notes[:2]}")
    return float(figures["bot CPU ms/update"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=200, help="saturated: at once (200)")
    parser.add_argument("--paced", type=int, default=100, help="paced phones (100)")
    parser.add_argument("--bot-users", type=int, default=200, help="the bot's users (200; 0: none)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-browser", action="store_true", help="skip the first paint")
    args = parser.parse_args(argv)
    cores, load_before = os.cpu_count() or 1, os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="yinqi-bench-web-") as tmp:
        saturated, paced, first_load, fcp, stored = serve_and_measure(args, Path(tmp))
        per_update = bot_per_update(args, Path(tmp))
    load_after = os.getloadavg()
    loads = f"{load_before[0]:.1f} before, {load_after[0]:.1f} after ({cores} cores)"
    failures = saturated.failures + paced.failures
    # like for like: bench/bot.py's users all act at once, as the saturated phones do; paced,
    # the server's idle work (its event loop's wake-ups, the checkpoints) is spread over fewer
    # answers, and is printed beside
    web_cpu = saturated.cpu_ms
    print(f"web chat  `yinqi serve`, {args.database}; load average {loads}")
    for name, run in (("saturated", saturated), ("paced", paced)):
        print(f"  {name:<10} {run.answers} answers in {run.seconds:.1f} s: "
              f"{run.answers / max(run.seconds, 1e-9):.0f}/s; server time p50 "
              f"{run.ms(0.5, server=True):.1f} ms, p99 {run.ms(0.99, server=True):.1f} ms "
              f"(round trip p50 {run.ms(0.5):.0f} ms, p99 {run.ms(0.99):.0f} ms); "
              f"server CPU {run.cpu_ms:.2f} ms/answer")  # fmt: skip
        print(f"             slowest 1%, median ms: {slowest_parts(run)}")
        if run.late:  # the pacing itself: answers the phones sent later than due arrive bunched
            late = sorted(run.late)
            print(f"             sent after due: p50 {1000 * late[len(late) // 2]:.1f} ms, "
                  f"p99 {1000 * late[int(len(late) * 0.99)]:.1f} ms")  # fmt: skip
    bot_text = f"{per_update:.2f} ms/update" if per_update is not None else "not run"
    print(f"  the bot    CPU {bot_text} (bench/bot.py's users, same run)")
    print(f"  first load {first_load:,} bytes (page, style sheet, script)")
    print(f"  FCP        {f'{fcp:.0f} ms' if fcp is not None else 'not measured'} "
          "(Slow 4G: 400 kbps, 400 ms RTT; median of 3)")  # fmt: skip
    print(f"  stored     {stored} web needs; failures {len(failures)} {failures[:3]}")
    checks = {
        "CPU/answer (saturated) ≤ bot's/update": per_update is not None and web_cpu <= per_update,
        "paced p99 ≤ 50 ms": paced.ms(0.99, server=True) <= TARGETS["p99 ms"],
        "first load ≤ 50 KB": first_load <= TARGETS["first load B"],
        "FCP ≤ 1.5 s": fcp is not None and fcp <= TARGETS["FCP ms"],
    }
    quiet = load_before[0] < cores / 2  # the run's own load is the bench's (phones, bot, server)
    said = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in checks.items())
    print(f"targets   {said}" + ("" if quiet else " (loaded machine: not claimed; re-run quiet)"))
    return 0 if not failures and stored == args.phones + args.paced else 1


if __name__ == "__main__":
    sys.exit(main())

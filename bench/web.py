"""Benchmark: simulated phones registering at once through `yinqi serve`'s web chat.

    python bench/web.py [--phones 200] [--database sqlite|postgresql] [--pg-url URL]

One `yinqi serve --no-worker` on a fresh database made by `yinqi init` (a SQLite file, or a
PostgreSQL schema of its own); each phone is an httpx client with a cookie jar of its own and an
address of its own (`X-Forwarded-For`, which uvicorn takes from 127.0.0.1), scanning a park's
code and answering the questions as the page's script does (a post answered with the
conversation's HTML), each answer after the last one's reply, as a person does. Figures:
answers/s, latency per answer p50/p99 (with every phone at once: saturated), the server's CPU
per answer (from /proc/<pid>/stat), and the first load's bytes (page, style sheet, script).
Not yet measured here: first contentful paint on Slow 4G, and the bot's per-update cost in
the same run (bench/bot.py measures it on its own).

Exit status 0 when every phone registered and the database holds one web need per phone.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlmodel import Session, func, select

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
    ("tap", "没有抵押", "哪些银行在给您贷款"),
    ("tap", "首次贷款", "五项标准"),
    ("tap", "全部符合", "应该联系谁"),
    ("type", "张三 138{phone}", "请核对您的融资需求"),
    ("tap", "确认提交", "已收到您的融资需求"),
)
_BUTTON = re.compile(r'<button type="submit" name="b" value="([^"]*)"[^>]*>([^<]*)</button>')
_HIDDEN = re.compile(r'<input type="hidden" name="(csrf|n)" value="([^"]*)">')


class Failed(Exception):
    """A phone cannot go on: an error status, or a reply that does not ask what it should."""


async def register(base: str, token: str, firm: Firm, number: int, latencies: list[float]) -> int:
    """One phone's registration; the bytes of its first page."""
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    headers = {"X-Forwarded-For": address}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60.0) as phone:
        first = await phone.get(f"/q/{token}")
        if first.status_code != 200:
            raise Failed(f"scan: {first.status_code}")
        page = first.text
        for kind, what, asks in STEPS:
            form = dict(_HIDDEN.findall(page))
            if kind == "tap":
                found = [v for v, label in _BUTTON.findall(page) if what in html.unescape(label)]
                if not found:
                    raise Failed(f"no button {what}")
                form["b"] = html.unescape(found[0])
            else:
                form["t"] = what.format(name=firm.name, uscc=firm.uscc, phone=firm.phone)
            started = time.perf_counter()
            answered = await phone.post("/q", data=form, headers={"X-Requested-With": "fetch"})
            latencies.append(time.perf_counter() - started)
            page = answered.text
            if answered.status_code != 200 or asks not in html.unescape(page):
                raise Failed(f"{what}: {answered.status_code}")
        return len(first.content)


async def drive(base: str, token: str, phones: int) -> tuple[list[float], list[str], int]:
    latencies: list[float] = []
    failures: list[str] = []
    sizes: list[int] = []

    async def one(number: int, firm: Firm) -> None:
        try:
            sizes.append(await register(base, token, firm, number, latencies))
        except (Failed, httpx.HTTPError) as err:
            failures.append(str(err))

    await asyncio.gather(*(one(i, firm) for i, firm in enumerate(firms(phones))))
    return latencies, failures, max(sizes, default=0)


async def assets(base: str) -> int:
    async with httpx.AsyncClient(base_url=base) as client:
        found = [await client.get(f"/web/static/{name}") for name in ("chat.css", "chat.js")]
    return sum(len(r.content) for r in found)


def wait_up(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("yinqi serve did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}"
    with (
        tempfile.TemporaryDirectory(prefix="yinqi-bench-web-") as tmp,
        fresh_database(args.database, Path(tmp), args.pg_url) as url,
    ):
        token = on_database(url, park_token)
        log = (Path(tmp) / "serve.log").open("w")
        serve = [*YINQI, "serve", "--no-worker", "--port", str(args.port)]
        server = start(serve, log, DATABASE_URL=url)  # no TELEGRAM_BOT_TOKEN: no bot
        try:
            wait_up(base)
            cpu_before, started = cpu_seconds(server.pid), time.perf_counter()
            latencies, failures, page_bytes = asyncio.run(drive(base, token, args.phones))
            seconds, cpu = time.perf_counter() - started, cpu_seconds(server.pid) - cpu_before
            static_bytes = asyncio.run(assets(base))
        finally:
            stop(server)
            log.close()
            errors = [line for line in (Path(tmp) / "serve.log").open() if "ERROR" in line]
            if errors:
                progress(f"  {len(errors)} ERROR lines in the server's log, the first:")
                lines = (Path(tmp) / "serve.log").read_text().splitlines()
                first = next(i for i, line in enumerate(lines) if "ERROR" in line)
                progress("\n".join(lines[first : first + 40]))

        def needs(session: Session) -> int:
            return int(session.exec(select(func.count()).where(Need.channel == "web")).one())

        stored = on_database(url, needs)
    answers = len(latencies)
    ms = sorted(x * 1000 for x in latencies) or [0.0]
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"web chat  `yinqi serve`, {args.database}, {args.phones} phones at once")
    print(f"  answers      {answers} in {seconds:.1f} s: {answers / seconds:.0f}/s")
    print(f"  per answer   p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms (saturated)")
    print(f"  server CPU   {cpu / max(answers, 1) * 1000:.2f} ms per answer ({cpu:.1f} s)")
    print(f"  first load   {page_bytes + static_bytes} bytes (page {page_bytes})")
    print(f"  stored       {stored} web needs; failures {len(failures)} {failures[:3]}")
    return 0 if not failures and stored == args.phones else 1


if __name__ == "__main__":
    sys.exit(main())

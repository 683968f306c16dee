"""Benchmark: the dashboard's overview (`/dashboard`) with the demo season on SQLite.

    python bench/dashboard.py [--firms 3000] [--weeks 12] [--seed 1] [--repeat 7]
                              [--no-browser] [--fresh]

Target (issue 6): the overview renders in ≤ 1 s with the full demo season (`yinqi demo --full`:
3,000 firms over 12 weeks) on SQLite.

The season is played once into `bench/.cache/dashboard-<firms>-<weeks>-<seed>.db` (with the demo
staff's tokens and the season's end beside it, in a .json file) and reused by later runs;
`--fresh` plays it again. The app (`create_app`, its clock stopped at the season's end, so "last
week" is the season's last week) runs under uvicorn on 127.0.0.1; each view is asked for over
HTTP by a signed-in client (a coordinator, a bank admin, an admin), once to warm up and then
`--repeat` times: the median and the slowest beside the target, and the CPU the process spent
per answer (server and client; the machine is shared, so wall time alone misleads). With chromium at
/usr/bin/chromium (Debian's, driven by Playwright), the overview is also loaded in a headless
browser, its first contentful paint reported and a screenshot saved to
test-artifacts/dashboard-demo-overview.png. Prints the load average, as the machine is
shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn
from sqlalchemy import Engine, text

from api.app import create_app
from bot.config import BotSettings
from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.core.vocabulary import Role
from db.demo.season import fill_season

CACHE = Path(__file__).resolve().parent / ".cache"
TARGET_S = 1.0
REGION = "绍兴市"
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # git-ignored


@dataclass(frozen=True)
class Season:
    path: Path
    end: datetime
    tokens: dict[str, str]  # role → a token of that role
    bank_code: str | None
    counts: dict[str, int]


def season(firms: int, weeks: int, seed: int, fresh: bool) -> Season:
    """The demo season in a SQLite file: played now, or found from an earlier run."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"dashboard-{firms}-{weeks}-{seed}.db"
    meta = path.with_suffix(".json")
    if fresh or not (path.exists() and meta.exists()):
        for old in CACHE.glob(f"{path.name}*"):
            old.unlink()
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        started = time.perf_counter()
        played = fill_season(
            engine, firms=firms, weeks=weeks, seed=seed, progress=_progress("playing the season")
        )
        print(f"\nseason played in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        engine.dispose()
        bank_admin = next(iter(played.of_role(Role.BANK_ADMIN)))
        meta.write_text(
            json.dumps(
                {
                    "end": played.end.isoformat(),
                    "tokens": {
                        role.value: played.of_role(role)[0].token
                        for role in (Role.COORDINATOR, Role.BANK_ADMIN, Role.ADMIN)
                    },
                    "bank_code": bank_admin.bank_code,
                    "counts": {
                        k: getattr(played, k)
                        for k in ("firms", "needs", "leads", "events", "visits", "scans")
                    },
                }
            )
        )
    found = json.loads(meta.read_text())
    return Season(
        path,
        datetime.fromisoformat(found["end"]),
        found["tokens"],
        found["bank_code"],
        found["counts"],
    )


def _give_region(engine: Engine) -> None:
    """A coordinator of no region sees nothing (as in the API): the demo's, if it has none,
    is made 绍兴市's coordinator for the bench."""
    with engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE staff SET region = :region WHERE role = 'coordinator' AND region IS NULL"),
            {"region": REGION},
        ).rowcount
    if changed:
        print(f"(the demo's coordinator had no region: given {REGION} for this bench)")


def _progress(what: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        print(f"\r{what}: {done}/{total}", end="", file=sys.stderr, flush=True)

    return report


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served(engine: Engine, now: datetime) -> Iterator[str]:
    app = create_app(engine, BotSettings(telegram_bot_token=None), clock=lambda: now)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def signed_in(base: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    answer = client.post("/dashboard/sign-in", data={"token": token, "next": "/dashboard"})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in refused: {answer.status_code} {answer.text[:200]}")
    # the cookie is Secure: over plain http on 127.0.0.1 httpx would not send it back
    sid = answer.cookies["yinqi_dashboard"]
    client.headers["Cookie"] = f"yinqi_dashboard={sid}"
    return client


def timed(client: httpx.Client, path: str, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds per answer, wall and CPU (of this process: the server's threads, and the
    client's small share), after one answer to warm up."""
    times, cpu = [], []
    for i in range(repeat + 1):
        started, used = time.perf_counter(), time.process_time()
        answer = client.get(path)
        elapsed, spent = time.perf_counter() - started, time.process_time() - used
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
        if i:
            times.append(elapsed)
            cpu.append(spent)
    return times, cpu


def first_paint(base: str, token: str, path: str, repeat: int) -> list[float] | None:
    """The overview's first contentful paint in headless chromium (ms → s), or None without
    the browser."""
    executable = os.environ.get("YINQI_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        context = browser.new_context(base_url=base)
        page = context.new_page()
        page.goto("/dashboard/sign-in")
        page.fill("#token", token)
        page.click("#sign-in")
        page.wait_for_url("**/dashboard")
        paints = []
        for i in range(repeat + 1):
            page.goto(path, wait_until="load")
            fcp = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
            )
            if i and fcp is not None:
                paints.append(fcp / 1000)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "dashboard-demo-overview.png"), full_page=True)
        browser.close()
    return paints


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=3000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="play the season again")
    args = parser.parse_args(argv)

    played = season(args.firms, args.weeks, args.seed, args.fresh)
    engine = make_engine(f"sqlite:///{played.path}")
    _give_region(engine)
    print(f"demo season: {played.counts}, ends {played.end.isoformat()}")
    views = [
        ("coordinator", "overview, last week", "/dashboard"),
        ("bank_admin", "overview, last week", "/dashboard"),
        ("admin", "overview, last week", "/dashboard"),
        ("admin", "overview, last 4 weeks", "/dashboard?from={four}&to={last}"),
        ("admin", "overview, whole season", "/dashboard?from={first}&to={last}"),
        ("coordinator", "one park, whole season", "/dashboard?from={first}&to={last}&park=yc-gxq"),
        ("admin", "bank drill-down", f"/dashboard/bank/{played.bank_code}"),
    ]
    fmt = {
        "first": (played.end.date().fromordinal(played.end.date().toordinal() - 7 * args.weeks)),
        "four": played.end.date().fromordinal(played.end.date().toordinal() - 28),
        "last": played.end.date().fromordinal(played.end.date().toordinal() - 1),
    }
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rows = []
    with served(engine, played.end) as base:
        for role, what, path in views:
            client = signed_in(base, played.tokens[role])
            times, cpu = timed(client, path.format(**fmt), args.repeat)
            rows.append((role, what, statistics.median(times), max(times), statistics.median(cpu)))
            client.close()
        paints = (
            None
            if args.no_browser
            else first_paint(base, played.tokens["coordinator"], "/dashboard", args.repeat)
        )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"\n{'who':<12} {'view':<26} {'median':>8} {'slowest':>8} {'CPU':>7}"
        f"  target ≤ {TARGET_S:.0f} s (median)"
    )
    for role, what, median, slowest, spent in rows:
        verdict = "met" if median <= TARGET_S else f"missed by {median - TARGET_S:.2f} s"
        print(f"{role:<12} {what:<26} {median:>7.3f}s {slowest:>7.3f}s {spent:>6.3f}s  {verdict}")
    if paints:
        median = statistics.median(paints)
        print(f"{'coordinator':<12} {'first contentful paint':<26} {median:>7.3f}s "
              f"{max(paints):>7.3f}s  (headless chromium, from navigation start)")  # fmt: skip
    elif not args.no_browser:
        print("(no chromium or playwright: first paint not measured)")
    engine.dispose()


if __name__ == "__main__":
    main()

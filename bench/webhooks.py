"""Benchmark: banks' webhooks, 10,000 lead events to 20 endpoints on 127.0.0.1.

    python bench/webhooks.py [--events 10000] [--rate 200] [--slow 4] [--failing 4]
                             [--database sqlite|postgresql] [--pg-url URL] [--timeout 600]

(Not bench/webhook.py: that one is the Telegram bot on webhooks.)

Three processes: this one makes the events, through the real use case (`reassign`: a bank admin
hands a lead to the bank's other manager, `lead.reassigned` queued in the same transaction), at
`--rate` events a second (0: all at once, a backlog to drain); a real `yinqi worker` sends them;
a receiver (this script again, `--receiver`, Starlette under uvicorn) stands in for 20 endpoints,
two for each of the 10 banks holding leads, each event going to both of its bank's. `--slow` of
them take 0.2 s to answer; `--failing` answer 503 to the first attempt of each delivery (retried
5 s later, ±10%). The receiver keeps, per request, the endpoint, `webhook-id`, its answer and
when it came.

Printed: deliveries per second (acknowledged deliveries over the time from the first event to
the last acknowledgement); delivery latency after the event (the first acknowledgement of each
delivery minus the event's time in its payload), p50 and p99, for all deliveries and for those
the endpoint took at once; lost (a delivery queued and never acknowledged) and duplicated (a
delivery acknowledged more than once — the at-least-once retries the receiver acknowledged;
503s are not acknowledgements). Load average beside the figures: the machine is shared.
Exit status 0 when nothing is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.core.unit import Actor
from db.leads.assignments import reassign
from db.models import WebhookEndpoint, WebhookMessage, utcnow
from db.webhooks.endpoints import add_endpoint
from db.webhooks.events import EventType
from matching.data import sample_catalog
from tests.db.builders import Seeded, firm, register, seed

ROOT = Path(__file__).resolve().parent.parent
SLOW_S = 0.2
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- the receiver: one process standing in for every endpoint ---


def receiver_app(slow: set[int], failing: set[int]) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    records: list[tuple[int, str, int, float, str]] = []
    seen: set[str] = set()

    async def hook(request: Request) -> Response:
        endpoint = int(request.path_params["n"])
        body = await request.body()
        webhook_id = request.headers["webhook-id"]
        if endpoint in slow:
            await asyncio.sleep(SLOW_S)
        status = 200
        if endpoint in failing and webhook_id not in seen:
            status = 503
        seen.add(webhook_id)
        event_at = json.loads(body)["timestamp"]
        records.append((endpoint, webhook_id, status, time.time(), event_at))
        return Response(status_code=status)

    async def dump(_: Request) -> Response:
        return JSONResponse(records)

    return Starlette(routes=[Route("/e/{n:int}", hook, methods=["POST"]), Route("/records", dump)])


def run_receiver(port: int, slow: set[int], failing: set[int]) -> None:
    import uvicorn

    uvicorn.run(receiver_app(slow, failing), host="127.0.0.1", port=port, log_level="warning")


# --- the world: leads of 10 banks, 2 endpoints each ---


def prepare(engine: Engine, port: int) -> tuple[Seeded, list[tuple[int, int, int]]]:
    """Seed, register needs until 10 banks hold leads, give each 2 endpoints. The leads to
    reassign: (lead, bank admin's staff id, bank) — one per bank."""
    seeded = seed(engine, managers_per_bank=2)
    places = sorted({(p.city, p.county) for p in sample_catalog().parks})
    leads: dict[str, int] = {}
    for i in range(80):
        city, county = places[i % len(places)]
        made = register(seeded, firm=firm(name=f"基准{i}号实业有限公司", city=city, county=county),
                        now=utcnow(), chat_id=None)  # fmt: skip
        for offer in made.offers:
            leads.setdefault(offer.bank_code, offer.id)
        if len(leads) >= 10:
            break
    chosen = sorted(leads)[:10]
    n = 0
    for code in chosen:
        for _ in range(2):
            with Session(engine) as session:
                add_endpoint(session, actor=Actor.system(), bank_code=code,
                             url=f"http://127.0.0.1:{port}/e/{n}",
                             events=[EventType.LEAD_REASSIGNED.value])  # fmt: skip
            n += 1
    work = []
    for code in chosen:
        admin = seeded.bank_admins[code]
        work.append((leads[code], admin.staff_id or 0, admin.bank_id or 0))
    return seeded, work


def managers_of(seeded: Seeded, work: list[tuple[int, int, int]]) -> dict[int, list[int]]:
    by_bank: dict[int, list[int]] = {}
    for actors in seeded.managers.values():
        for actor in actors:
            by_bank.setdefault(actor.bank_id or 0, []).append(actor.staff_id or 0)
    return {bank: by_bank[bank] for _, _, bank in work}


def emit_events(
    engine: Engine, seeded: Seeded, work: list[tuple[int, int, int]], args: Any
) -> float:
    """`--events` reassignments, round-robin over the banks, at `--rate` a second; the time the
    first was made."""
    managers = managers_of(seeded, work)
    admins = {bank: a for a in seeded.bank_admins.values() for bank in [a.bank_id or 0]}
    started = time.time()
    for i in range(args.events):
        lead_id, _, bank = work[i % len(work)]
        target = managers[bank][(i // len(work)) % 2]
        with Session(engine) as session:
            reassign(session, lead_id=lead_id, manager_id=target, actor=admins[bank])
        if args.rate:
            ahead = started + (i + 1) / args.rate - time.time()
            if ahead > 0:
                time.sleep(ahead)
    return started


# --- measuring ---


def outstanding(engine: Engine) -> int:
    with Session(engine) as session:
        pending = col(WebhookMessage.next_attempt_at).is_not(None)
        return int(session.exec(select(func.count()).where(pending)).one())


def records(port: int) -> list[list[Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/records", timeout=30) as answer:
        found: list[list[Any]] = json.loads(answer.read())
        return found


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, all threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(
    engine: Engine, got: list[list[Any]], started: float, worker_cpu: float, args: Any
) -> bool:
    acked = [r for r in got if 200 <= r[2] < 300]
    first: dict[str, list[Any]] = {}
    for r in acked:
        first.setdefault(r[1], r)
    with Session(engine) as session:
        queued = int(session.exec(select(func.count()).select_from(WebhookMessage)).one())
        delivered = int(
            session.exec(
                select(func.count()).where(col(WebhookMessage.delivered_at).is_not(None))
            ).one()
        )
        endpoints = int(session.exec(select(func.count()).select_from(WebhookEndpoint)).one())
    ids = {f"msg_{i}" for i in range(1, queued + 1)}
    lost = len(ids - set(first))
    duplicated = sum(1 for n in Counter(r[1] for r in acked).values() if n > 1)
    latency = [r[3] - datetime.fromisoformat(r[4]).timestamp() for r in first.values()]
    retried = {r[1] for r in got if r[2] >= 300}
    at_once = [r[3] - datetime.fromisoformat(r[4]).timestamp() for i, r in first.items()
               if i not in retried]  # fmt: skip
    span = max(r[3] for r in first.values()) - started if first else float("nan")
    load = os.getloadavg()
    print(f"bench/webhooks.py — {args.events:,} lead events to {endpoints} endpoints, "
          f"{args.database}, rate {args.rate or 'all at once'}/s, {args.slow} slow "
          f"({SLOW_S}s), {args.failing} failing the first attempt")  # fmt: skip
    print(f"  deliveries queued {queued:,}, marked delivered {delivered:,}, "
          f"requests {len(got):,} ({len(got) - len(acked):,} answered 503)")  # fmt: skip
    print(f"  deliveries/s {len(first) / span:,.0f} over {span:.1f} s  "
          f"[load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}]")  # fmt: skip
    print(f"  latency after the event: p50 {percentile(latency, 50) * 1000:,.0f} ms, "
          f"p99 {percentile(latency, 99) * 1000:,.0f} ms; taken at once "
          f"({len(at_once):,}): p50 {percentile(at_once, 50) * 1000:,.0f} ms, "
          f"p99 {percentile(at_once, 99) * 1000:,.0f} ms  "
          f"[load average {os.getloadavg()[0]:.1f}]")  # fmt: skip
    print(f"  the worker's CPU: {worker_cpu:.1f} s, {worker_cpu / max(len(got), 1) * 1000:.1f} ms "
          f"per request (what a quiet core would do: {len(got) / max(worker_cpu, 1e-9):,.0f} "
          "requests/s)")  # fmt: skip
    print(f"  lost {lost}, acknowledged more than once {duplicated}"
          f"{'  ok' if lost == 0 else '  LOST'}")  # fmt: skip
    print("  (the machine is shared: figures taken under load are not quiet ones)")
    return lost == 0


def database(args: Any, tmp: Path) -> tuple[str, Any]:
    if args.database == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    from tests.databases import PostgresSchema

    schema = PostgresSchema(args.pg_url)
    return schema.url, schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200, help="events a second; 0: at once")
    parser.add_argument("--slow", type=int, default=4)
    parser.add_argument("--failing", type=int, default=4)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    pg_url = os.environ.get("YINQI_TEST_DATABASE_URL", LOCAL_POSTGRES)
    parser.add_argument("--pg-url", default=pg_url)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--slow-set", default="", help=argparse.SUPPRESS)
    parser.add_argument("--failing-set", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.receiver:
        parse = lambda s: {int(x) for x in s.split(",") if x}  # noqa: E731
        run_receiver(args.receiver, parse(args.slow_set), parse(args.failing_set))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = database(args, Path(tmp))
        try:
            return measure(url, args)
        finally:
            if schema is not None:
                schema.drop()


def measure(url: str, args: Any) -> int:
    engine = make_engine(url)
    upgrade(engine)
    port = free_port()
    slow = ",".join(str(n) for n in range(args.slow))
    failing = ",".join(str(n) for n in range(args.slow, args.slow + args.failing))
    me = [sys.executable, str(Path(__file__).resolve())]
    receiver = subprocess.Popen([*me, "--receiver", str(port), "--slow-set", slow,
                                 "--failing-set", failing])  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMS_"))}
    env |= {"DATABASE_URL": url, "WEBHOOKS_ALLOW_LOCALHOST": "1", "DATABASE_POOL_SIZE": "4"}
    worker = None
    try:
        wait_listening(port)
        seeded, work = prepare(engine, port)
        worker = subprocess.Popen(
            [sys.executable, "-c", "from api.cli import main; main()", "worker",
             "--webhooks-every", "0.2", "--outbox-every", "3600", "--copies-every", "3600"],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(5)  # started and idle: its start-up is not counted
        idle_cpu = cpu_seconds(worker.pid)
        started = emit_events(engine, seeded, work, args)
        print(f"  {args.events:,} events made in {time.time() - started:.1f} s", file=sys.stderr)
        deadline = time.time() + args.timeout
        while outstanding(engine) and time.time() < deadline:
            time.sleep(0.5)
        worker_cpu = cpu_seconds(worker.pid) - idle_cpu
        ok = report(engine, records(port), started, worker_cpu, args)
    finally:
        for process in (worker, receiver):
            if process is not None:
                process.terminate()
                process.wait(30)
        engine.dispose()
    return 0 if ok else 1


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int) -> None:
    import socket

    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the receiver did not start")


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the HTTP API under 32 concurrent clients, beside a bare Starlette endpoint.

    python bench/api.py [--database sqlite|postgresql|both] [--clients 32] [--seconds 10]
                        [--warmup 2] [--claims 1500] [--runs 3] [--database-url URL]

Target (issue 5, "Done when"): at 32 concurrent clients, `GET /api/v1/leads` (a manager holding
500 leads, a page of 50) and claims (`POST /api/v1/pool/{need_id}/claim`) each reach at least
half the requests/s of a bare Starlette endpoint doing the same work with the same driver in the
same run, with a p99 latency of at most 50 ms. (The clients wait for each answer before the next
request, so 32 of them see a p99 ≤ 50 ms only at ≥ 32 / 0.05 = 640 requests/s.) So each
database ends with a paced run of both apps: the 32 clients send together at half the
requests/s yinqi reached (each at its turn, the turns spread evenly; claims: 300), where p50 and
p99 show how long a request takes when the server is busy but not saturated.

Three processes per database. Our app: `create_app` under uvicorn on 127.0.0.1, one worker, as
`yinqi serve` runs it (what starting made frozen out of the garbage collector's sight, as in the
bare app's process). The bare app, under the same uvicorn: Starlette, no auth, no FastAPI, no ORM
objects, no pydantic; for a page of leads the very statement `db.leads.queries.list_leads` sends,
with its parameters (caught on their way to the database), through the same engine, rows turned into
the same JSON by hand; for a claim the statements it needs in one transaction (the need locked, the
candidate, the bank's lead, the live count, then the lead, its event and the firm's notice), then
the lead read back. And this script, the load generator: `--clients` keep-alive httpx clients in one
event loop, each sending its next request as soon as the last is answered. Leads: `--warmup` s, then
`--seconds` s measured. Claims: a tenth of `--claims` to warm up, then `--claims` measured, each
batch on needs of its own: each need is claimed by as many of its banks as it has slots (201), and
about one need in three by one bank more (409, the 3/2 limit). The apps take turns within a run;
figures are medians of `--runs` runs, the ratio the median of the runs' ratios. Server CPU per
request comes from /proc/<pid>/stat (all threads; it is steadier than requests/s on a shared
machine); the servers' pids go to stderr, for `py-spy record --pid PID`.

The data go through the real code: the sample catalog and staff with tokens
(`tests.db.builders.seed`, i.e. `save_catalog` and `add_user`), eight 越城区 firms registered
with `register_need`, copied row for row into fresh firms and needs (with their candidates, no
lead yet), 500 of which one manager of 绍兴银行 claims with `db.leads.assignments.claim` (a
third then contacted, a sixth visited, with `record_follow_up`). SQLite: a file in a temporary
directory. PostgreSQL: a schema of its own (ANALYZEd once loaded, as autovacuum would), dropped
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import sqlalchemy as sa
from sqlalchemy import Connection, Engine, Row, Select, event, insert
from sqlmodel import Session, col

from api.cli.common import freeze_startup
from db.core.engine import READ_ONLY, make_engine
from db.core.migrate import upgrade
from db.core.unit import Actor
from db.core.vocabulary import LIVE, ActorKind, AssignmentStatus, FollowUp, NeedStatus, Notice, Role
from db.intake.qr_sources import create_source
from db.intake.register import register_need
from db.leads.assignments import claim, record_follow_up
from db.leads.queries import _lead_query, list_leads, overdue
from db.models import Assignment, Candidate, Need, metadata, utcnow
from matching.model import Collateral, EntityType, Purpose, Standard, Standards
from matching.registration import Contact, NeedDraft
from matching.workdays import deadlines
from tests.databases import PostgresSchema
from tests.db.builders import Seeded, firm, need, seed

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_RATIO, TARGET_P99_MS = 0.5, 50.0
PACED, PACED_CLAIMS = 0.5, 300  # a last run of each app at half of yinqi's req/s; its claims
LEADS, PAGE, HOLDER_BANK = 500, 50, "sxbank"  # 绍兴银行: a candidate of all templates but one
OURS, BARE = "yinqi", "bare"
ENDPOINTS = {"leads": f"GET /api/v1/leads ({PAGE} of {LEADS})",
             "claims": "POST /api/v1/pool/{id}/claim"}  # fmt: skip
INDIVIDUAL, UNSECURED = EntityType.INDIVIDUAL_BUSINESS, frozenset({Collateral.NONE})
TEMPLATES: tuple[tuple[dict[str, Any], dict[str, Any], bool], ...] = (  # firm, need, by QR code
    ({}, {}, False),
    ({"tags": frozenset({"tech_sme"}), "industry": "软件"},
     {"amount_yuan": 3_000_000, "purpose": Purpose.RND, "term_months": 24}, True),
    ({}, {"amount_yuan": 500_000, "collateral": UNSECURED}, False),
    ({"entity_type": INDIVIDUAL}, {"amount_yuan": 300_000}, False),
    ({"existing_banks": ("工商银行",)}, {"amount_yuan": 2_000_000, "purpose": Purpose.EQUIPMENT},
     True),
    ({"entity_type": INDIVIDUAL, "industry": "餐饮"},
     {"amount_yuan": 200_000, "collateral": UNSECURED}, False),
    ({"industry": "纺织"}, {"amount_yuan": 8_000_000, "term_months": 36}, False),
    ({"existing_banks": ("绍兴银行",)}, {"amount_yuan": 1_500_000, "purpose": Purpose.RENEWAL},
     False),
)  # fmt: skip


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the data ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """One claim: a manager of a bank takes a need from the pool."""

    need_id: int
    bank_id: int
    staff_id: int
    token: str


@dataclasses.dataclass(frozen=True, slots=True)
class Data:
    holder: Actor  # the manager holding the 500 leads
    token: str
    batches: list[list[Attempt]]  # claims, each batch on needs of its own


def register_templates(seeded: Seeded) -> list[int]:
    with seeded.session() as session:
        source = create_source(session, kind="park", target="yc-gxq", label="越城高新园 贷款码")
    ids = []
    for i, (firm_changes, need_changes, by_qr) in enumerate(TEMPLATES):
        with seeded.session() as session:
            draft = NeedDraft(firm(name=f"绍兴样板{i}号有限公司", **firm_changes),
                              need(**need_changes), Standards(), Contact("王经理", "13800138000"),
                              source.token if by_qr else None)  # fmt: skip
            done = register_need(session, draft=draft, chat_id=5000 + i)
        ids.append(done.need_id)
    return ids


def _rows(conn: Connection, table: str, column: str, ids: list[int]) -> list[dict[str, Any]]:
    found = metadata.tables[table]
    query = found.select().where(found.c[column].in_(ids))
    return [dict(row) for row in conn.execute(query).mappings()]


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert copies of rows under new ids; the ids, in the rows' order."""
    found = metadata.tables[table]
    query = insert(found).returning(found.c.id, sort_by_parameter_order=True)
    copies = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    return list(conn.execute(query, copies).scalars())


def copy_needs(engine: Engine, templates: list[int], count: int, first: int) -> list[int]:
    """`count` fresh firms and needs copied from the templates in turn, with their candidates
    (the banks eligible) and no lead yet: open needs, every slot free."""
    with engine.begin() as conn:
        needs = {n["id"]: n for n in _rows(conn, "need", "id", templates)}
        owners = [n["enterprise_id"] for n in needs.values()]
        firms = {f["id"]: f for f in _rows(conn, "enterprise", "id", owners)}
        picked = [needs[templates[i % len(templates)]] for i in range(count)]
        firm_ids = _insert(conn, "enterprise", [
            {**firms[n["enterprise_id"]], "name": f"基准{first + i}号有限公司",
             "name_key": f"基准{first + i}号", "uscc": None}
            for i, n in enumerate(picked)])  # fmt: skip
        ids = _insert(conn, "need", [
            {**n, "enterprise_id": f, "firm_group": f, "chat_id": 100_000 + first + i}
            for i, (n, f) in enumerate(zip(picked, firm_ids, strict=True))])  # fmt: skip
        candidates = _rows(conn, "candidate", "need_id", templates)
        conn.execute(insert(metadata.tables["candidate"]), [
            {**c, "need_id": new} for n, new in zip(picked, ids, strict=True)
            for c in candidates if c["need_id"] == n["id"]])  # fmt: skip
    return ids


def hold_leads(seeded: Seeded, holder: Actor, need_ids: list[int]) -> None:
    """The holder claims every need (accepted); a third contacted, a sixth of them visited."""
    for i, need_id in enumerate(need_ids):
        with seeded.session() as session:
            lead = claim(session, need_id=need_id, actor=holder)
        for step in (FollowUp.CONTACTED, FollowUp.VISITED)[: (i % 3 == 0) + (i % 6 == 0)]:
            with seeded.session() as session:
                record_follow_up(session, lead_id=lead.id, actor=holder, kind=step,
                                 effective=True if step is FollowUp.VISITED else None)  # fmt: skip


def plan_claims(engine: Engine, seeded: Seeded, holder: Actor, ids: list[int]) -> list[Attempt]:
    """Each need claimed by as many of its banks (in rank order) as it has slots, and one need in
    three by one bank more where it has one; a bank's managers, but the holder, take turns."""
    query = (sa.select(col(Candidate.need_id), col(Candidate.bank_id), col(Candidate.existing),
                       col(Need.bank_limit), col(Need.banks_existing))
             .join(Need, col(Need.id) == col(Candidate.need_id))
             .where(col(Candidate.need_id).in_(ids))
             .order_by(col(Candidate.need_id), col(Candidate.rank)))  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    banks: dict[int, list[tuple[int, bool]]] = {}
    slots: dict[int, int] = {}
    for need_id, bank_id, existing, limit, own in rows:
        banks.setdefault(need_id, []).append((bank_id, existing))
        slots[need_id] = 99 if limit is None else limit - own
    managers = {ms[0].bank_id: [m for m in ms if m != holder] for ms in seeded.managers.values()}
    attempts = []
    for n, need_id in enumerate(ids):
        free, extra, chosen = slots[need_id], n % 3 == 0, list[int]()
        for bank_id, existing in banks[need_id]:
            if existing or free > 0 or extra:
                extra = extra and (existing or free > 0)  # the one bank too many, once
                chosen.append(bank_id)
                free -= 0 if existing else 1
        for k, bank_id in enumerate(chosen):
            staff_id = managers[bank_id][(n + k) % len(managers[bank_id])].staff_id or 0
            attempts.append(Attempt(need_id, bank_id, staff_id, seeded.tokens[staff_id]))
    return attempts


def prepare(engine: Engine, batch_sizes: list[int]) -> Data:
    """Catalog, staff, the holder's 500 leads, and open needs enough for every claim batch."""
    started = time.perf_counter()
    seeded = seed(engine, managers_per_bank=4)
    holder = seeded.managers[HOLDER_BANK][0]
    templates = register_templates(seeded)
    with engine.connect() as conn:
        fits = set(conn.execute(sa.select(col(Candidate.need_id)).where(
            col(Candidate.bank_id) == holder.bank_id)).scalars())  # fmt: skip
    hold_leads(seeded, holder, copy_needs(engine, [t for t in templates if t in fits], LEADS, 0))
    pool = copy_needs(engine, templates, sum(batch_sizes) // 2 + 50, LEADS)  # 2.3 claims each
    attempts = deque(plan_claims(engine, seeded, holder, pool))
    if engine.dialect.name == "postgresql":  # as autovacuum would, so plans fit the data
        with engine.connect() as conn:
            conn.exec_driver_sql(f"ANALYZE {', '.join(t.name for t in metadata.sorted_tables)}")
            conn.commit()
    progress(f"  data ready in {time.perf_counter() - started:.0f} s: {LEADS} leads held by "
             f"staff {holder.staff_id}, {len(pool):,} open needs for claims")  # fmt: skip
    batches = [[attempts.popleft() for _ in range(size)] for size in batch_sizes]
    return Data(holder, seeded.token(holder), batches)


# -- the bare app ------------------------------------------------------------------------------


def read_back(lead_id: int) -> Select[Any]:
    """What get_lead runs for one lead (its scope left out: the claim has just made it)."""
    return _lead_query(sa.select(col(Assignment.id)).where(col(Assignment.id) == lead_id))


def list_statement(engine: Engine, actor: Actor) -> tuple[Select[Any], dict[str, Any]]:
    """The statement `list_leads` runs for the first page, and its parameters, caught on their
    way to the database: the bare endpoint sends the very same SQL, whatever shape
    db/lead_queries gives it."""
    caught: list[tuple[Select[Any], dict[str, Any]]] = []

    def catch(conn: Connection, statement: Any, multiparams: Any, params: Any, *_: Any) -> None:
        if isinstance(statement, Select):
            caught.append((statement, {k: v for p in multiparams for k, v in p.items()} | params))

    event.listen(engine, "before_execute", catch)
    try:
        with Session(engine) as session:
            list_leads(session, actor=actor, limit=PAGE, now=utcnow())
            session.rollback()
    finally:
        event.remove(engine, "before_execute", catch)
    (found,) = caught
    return found


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def lead_json(row: Row[Any], now: datetime) -> dict[str, Any]:
    """A row of the lead query as the JSON of a lead (`LeadOut`), by hand."""
    v = row._mapping
    status = AssignmentStatus(v["status"])
    accept, contact, decide, final = v["accept_by"], v["contact_by"], v["decide_by"], v["final_by"]
    phone, park, manager = v["contact_phone"], v["park_code"], v["manager_id"]
    disclosed = status in LIVE - {AssignmentStatus.OFFERED}  # to its bank, once accepted
    keys = ("name", "code", "guarantor", "fee_rate_pct", "reasons")
    return {
        "id": v["id"], "need_id": v["need_id"], "status": status.value,
        "bank": {"code": v["bank_code"], "name": v["bank_name"]},
        "manager": {"id": manager, "name": v["manager_name"]} if manager else None,
        "claimed": v["claimed"], "existing_bank": v["existing_bank"],
        "deadlines": {"accept_by": _iso(accept), "contact_by": _iso(contact),
                      "decide_by": _iso(decide), "final_by": _iso(final),
                      "estimated": v["deadlines_estimated"]},
        "overdue": list(overdue(status, row, now)),
        "firm": {"name": None if v["erased_at"] else v["firm_name"],
                 "entity_type": v["entity_type"], "city": v["city"], "county": v["county"],
                 "park": {"code": park, "name": v["park_name"]} if park else None,
                 "industry": v["industry"], "tags": v["tags"], "first_loan": v["first_loan"]},
        "need": {k: v[k] for k in ("amount_yuan", "tier", "purpose", "term_months", "collateral")},
        "match": {"reasons": v["reasons"] or [], "products": v["products"] or [],
                  "guarantees": [{k: g.get(k) for k in keys} for g in v["guarantees"] or []]},
        "contact": {"name": v["contact_name"], "phone": phone} if disclosed and phone else None,
        "profile": _profile_json(v) if disclosed and not v["erased_at"] else None,
        "source": v["source"], "created_at": _iso(v["created_at"]),
        "updated_at": _iso(v["updated_at"]),
    }  # fmt: skip


def _profile_json(v: Any) -> dict[str, Any]:
    """What the firm declared of itself (`ProfileView`), by hand."""
    answers = v["standards"] or {}
    return {
        "uscc": v["uscc"] or None, "months_operating": v["months_operating"],
        "existing_banks": list(v["existing_banks"] or ()),
        "existing_bank_codes": list(v["existing_bank_codes"] or ()),
        "existing_credit_yuan": v["existing_credit_yuan"],
        "standards": {s.value: bool(answers.get(s.value)) for s in Standard},
    }  # fmt: skip


class Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


def bare_claim(engine: Engine, need_id: int, actor: Actor, now: datetime) -> dict[str, Any]:
    """A claim's statements in one transaction, the need's row locked first (FOR UPDATE on
    PostgreSQL; on SQLite the engine's BEGIN IMMEDIATE), then the new lead read back."""
    t = metadata.tables
    lead_t, need_t, candidate_t = t["assignment"], t["need"], t["candidate"]
    mine = (lead_t.c.need_id == need_id) & (lead_t.c.bank_id == actor.bank_id)
    locked = (sa.select(need_t.c.status, need_t.c.route, need_t.c.bank_limit,
                        need_t.c.banks_existing, need_t.c.chat_id)
              .where(need_t.c.id == need_id).with_for_update())  # fmt: skip
    fitting = sa.select(candidate_t.c.branch_id, candidate_t.c.existing).where(
        candidate_t.c.need_id == need_id, candidate_t.c.bank_id == actor.bank_id)  # fmt: skip
    with engine.connect() as conn:
        with conn.begin():
            found = conn.execute(locked).first()
            fits = conn.execute(fitting).first()
            if found is None or fits is None:
                raise Refused(404, "need_not_found")
            if found.status != NeedStatus.OPEN or found.route != "assign":
                raise Refused(409, "not_eligible")
            if conn.execute(sa.select(lead_t.c.id).where(mine)).first() is not None:
                raise Refused(409, "already_held")
            live = conn.execute(sa.select(sa.func.count()).where(
                lead_t.c.need_id == need_id, lead_t.c.status.in_(list(LIVE)),
                lead_t.c.existing_bank.is_(False))).scalar_one()  # fmt: skip
            limit = found.bank_limit
            if not fits.existing and limit is not None and limit - found.banks_existing <= live:
                raise Refused(409, "limit_reached")
            clocks = deadlines(now)
            lead_id = conn.execute(insert(lead_t).returning(lead_t.c.id), {
                "need_id": need_id, "bank_id": actor.bank_id, "branch_id": fits.branch_id,
                "manager_id": actor.staff_id, "status": AssignmentStatus.ACCEPTED,
                "existing_bank": fits.existing, "claimed": True, "accept_by": clocks.accept_by,
                "contact_by": clocks.contact_by, "decide_by": clocks.decide_by,
                "final_by": clocks.final_by, "deadlines_estimated": clocks.estimated,
                "accepted_at": now, "created_at": now, "updated_at": now}).scalar_one()  # fmt: skip
            event_id = conn.execute(insert(t["event"]).returning(t["event"].c.id), {
                "at": now, "actor_kind": actor.kind, "actor_staff_id": actor.staff_id,
                "need_id": need_id, "assignment_id": lead_id, "kind": "claimed",
                "to_status": AssignmentStatus.ACCEPTED, "payload": {}}).scalar_one()  # fmt: skip
            if found.chat_id is not None:
                conn.execute(insert(t["outbox"]), {
                    "need_id": need_id, "template": Notice.FIRM_ACCEPTED.value, "params": {},
                    "dedupe_key": f"e{event_id}:firm", "created_at": now,
                    "next_attempt_at": now})  # fmt: skip
        reader = conn.execution_options(**{READ_ONLY: True})
        row = reader.execute(read_back(lead_id)).one()
        conn.rollback()
    return lead_json(row, now)


def bare_app(engine: Engine) -> Any:
    """`GET /leads?staff=&bank=` and `POST /claim/{need_id}?staff=&bank=`, and `/healthz`."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    reader = engine.execution_options(**{READ_ONLY: True})
    statements: dict[Actor, tuple[Select[Any], dict[str, Any]]] = {}

    def actor_of(request: Request) -> Actor:
        staff, bank = (int(request.query_params[k]) for k in ("staff", "bank"))
        return Actor(ActorKind.STAFF, staff, Role.MANAGER, bank)

    def leads(request: Request) -> JSONResponse:
        actor, now = actor_of(request), utcnow()
        if actor not in statements:
            statements[actor] = list_statement(engine, actor)
        with reader.connect() as conn:
            rows = conn.execute(*statements[actor]).all()
            conn.rollback()
        items = [lead_json(row, now) for row in rows[:PAGE]]
        return JSONResponse({"items": items, "next_cursor": "…" if len(rows) > PAGE else None})

    def claim_need(request: Request) -> JSONResponse:
        need_id = int(request.path_params["need_id"])
        try:
            return JSONResponse(bare_claim(engine, need_id, actor_of(request), utcnow()), 201)
        except Refused as err:
            return JSONResponse({"error": {"code": err.code}}, err.status)

    def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/leads", leads), Route("/healthz", healthz),
                             Route("/claim/{need_id}", claim_need, methods=["POST"])])  # fmt: skip


def serve(app: str, url: str, port: int) -> None:
    """One of the two servers, as `yinqi serve` runs ours: uvicorn's defaults, one worker."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    engine = make_engine(url)
    if app == OURS:
        from api.app import create_app
        from bot.config import BotSettings

        served = create_app(engine, BotSettings(telegram_bot_token=None))
    else:
        served = bare_app(engine)
    freeze_startup()  # as `yinqi serve` does; the bare app's process alike
    uvicorn.run(served, host="127.0.0.1", port=port)


# -- the load --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]


Calls = Callable[[], Call | None]  # the next request to send; None: no more


@dataclasses.dataclass(frozen=True, slots=True)
class Figures:
    requests_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # the server's CPU per request
    client_cpu_ms: float  # the load generator's
    statuses: Counter[int]
    failures: Counter[str]


async def phase(clients: list[httpx.AsyncClient], calls: Calls, seconds: float | None,
                rate: float | None = None,
                ) -> tuple[list[float], Counter[int], Counter[str], float]:  # fmt: skip
    """Each client sends its next request as soon as the last is answered (or, at a `rate` of
    requests/s for all clients together, at its next turn: every len(clients) / rate seconds,
    the clients' turns spread evenly), until the time is up or no request is left; the
    latencies, statuses, failures, and the seconds it took."""
    latencies, statuses, failures = list[float](), Counter[int](), Counter[str]()
    started = time.perf_counter()
    until = started + seconds if seconds is not None else float("inf")
    every = len(clients) / rate if rate else 0.0

    async def one(client: httpx.AsyncClient, turn: float) -> None:
        while time.perf_counter() < until and (call := calls()) is not None:
            if every:
                await asyncio.sleep(max(0.0, turn - time.perf_counter()))
                turn += every
            sent = time.perf_counter()
            try:
                response = await client.request(call.method, call.path, headers=call.headers)
            except httpx.HTTPError as err:
                failures[type(err).__name__] += 1
                continue
            latencies.append(time.perf_counter() - sent)
            statuses[response.status_code] += 1

    await asyncio.gather(*(one(c, started + i * every / len(clients))
                           for i, c in enumerate(clients)))  # fmt: skip
    return latencies, statuses, failures, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(port: int, pid: int, calls: Calls, warmup: Calls, args: argparse.Namespace,
                  seconds: float | None, rate: float | None = None) -> Figures:  # fmt: skip
    """A warm-up phase, then the measured one, on the same keep-alive connections."""
    base = f"http://127.0.0.1:{port}"
    clients = [httpx.AsyncClient(base_url=base, timeout=120) for _ in range(args.clients)]
    try:
        await phase(clients, warmup, args.warmup if seconds is not None else None)
        cpu, own = cpu_seconds(pid), time.process_time()
        latencies, statuses, failures, wall = await phase(clients, calls, seconds, rate)
        cpu, own = cpu_seconds(pid) - cpu, time.process_time() - own
    finally:
        for client in clients:
            await client.aclose()
    done, count = sorted(latencies) or [float("nan")], max(len(latencies), 1)
    return Figures(len(latencies) / wall, 1000 * statistics.median(done),
                   1000 * done[min(len(done) - 1, len(done) * 99 // 100)], 1000 * cpu / count,
                   1000 * own / count, statuses, failures)  # fmt: skip


def leads_call(app: str, data: Data) -> Call:
    if app == OURS:
        return Call("GET", f"/api/v1/leads?limit={PAGE}", {"authorization": f"Bearer {data.token}"})
    holder = data.holder
    return Call("GET", f"/leads?staff={holder.staff_id}&bank={holder.bank_id}", {})


def claim_calls(app: str, attempts: list[Attempt]) -> Calls:
    queue = deque(
        Call("POST", f"/api/v1/pool/{a.need_id}/claim", {"authorization": f"Bearer {a.token}"})
        if app == OURS
        else Call("POST", f"/claim/{a.need_id}?staff={a.staff_id}&bank={a.bank_id}", {})
        for a in attempts
    )
    return lambda: queue.popleft() if queue else None


# -- the servers and the databases -----------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Server:
    app: str
    process: subprocess.Popen[bytes]
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def servers(url: str, log: IO[bytes]) -> Iterator[dict[str, Server]]:
    """Both apps, each in a process of its own, once they answer /healthz."""
    up: dict[str, Server] = {}
    try:
        for app in (OURS, BARE):
            port = free_port()
            command = [sys.executable, __file__, "--serve", app, "--database-url", url,
                       "--port", str(port)]  # fmt: skip
            up[app] = Server(app, subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log), port)
        for server in up.values():
            for _ in range(600):
                if server.process.poll() is not None:
                    raise SystemExit(f"the {server.app} server exited: see its log")
                try:
                    httpx.get(f"http://127.0.0.1:{server.port}/healthz").raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise SystemExit(f"the {server.app} server did not answer within a minute")
        yield up
    finally:
        for server in up.values():
            server.process.terminate()
            try:
                server.process.wait(30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


@contextmanager
def fresh_database(kind: str, pg_url: str, directory: Path) -> Iterator[tuple[Engine, str]]:
    """An empty migrated database and its URL: a SQLite file in `directory`, or a PostgreSQL
    schema of its own, dropped afterwards."""
    if kind == "postgresql":
        schema = PostgresSchema(pg_url)
        try:
            yield schema.engine, schema.url
        finally:
            schema.drop()
        return
    url = f"sqlite:///{directory / 'api.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine, url
    finally:
        engine.dispose()


def same_page(up: dict[str, Server], data: Data) -> str:
    """Both apps list the same 50 leads in the same order, with the same fields; their sizes."""
    pages = {}
    for app, server in up.items():
        call = leads_call(app, data)
        url = f"http://127.0.0.1:{server.port}{call.path}"
        pages[app] = httpx.get(url, headers=call.headers, timeout=60).raise_for_status().json()
    ours, bare = pages[OURS]["items"], pages[BARE]["items"]
    if len(ours) != PAGE or [i["id"] for i in ours] != [i["id"] for i in bare]:
        raise SystemExit("the two apps do not list the same page of leads")
    if set(ours[0]) != set(bare[0]) or set(ours[0]["firm"]) != set(bare[0]["firm"]):
        raise SystemExit("the two apps' leads have different fields")
    sizes = (len(json.dumps(page, ensure_ascii=False).encode()) for page in (ours, bare))
    return " and ".join(f"{size:,}" for size in sizes)


# -- runs and figures ------------------------------------------------------------------------


def bench_database(kind: str, args: argparse.Namespace) -> bool:
    """Every run on one database; prints the figures; whether every target is met."""
    warm = max(args.claims // 10, args.clients)
    sizes = [size for _ in range(args.runs) for _ in (OURS, BARE) for size in (warm, args.claims)]
    sizes += [size for _ in (OURS, BARE) for size in (args.clients, PACED_CLAIMS)]
    results: dict[str, dict[str, list[Figures]]] = {e: {OURS: [], BARE: []} for e in ENDPOINTS}
    paced: dict[str, dict[str, Figures]] = {e: {} for e in ENDPOINTS}
    with tempfile.TemporaryDirectory(prefix="yinqi-bench-api-") as tmp:
        progress(f"{kind}: preparing …")
        with fresh_database(kind, args.database_url, Path(tmp)) as (engine, url):
            data, batches = prepare(engine, sizes), iter(range(len(sizes)))
            log_path = Path(tmp) / "servers.log"
            with log_path.open("wb") as log, servers(url, log) as up:
                pids = ", ".join(f"{app} {s.process.pid}" for app, s in up.items())
                progress(f"  servers up (pids: {pids}); same page of leads from both, "
                         f"{same_page(up, data)} bytes of JSON")  # fmt: skip
                for run in range(1, args.runs + 1):
                    for endpoint in ENDPOINTS:
                        for app in (OURS, BARE) if run % 2 else (BARE, OURS):
                            got = measure_one(endpoint, up[app], data, batches, args)
                            results[endpoint][app].append(got)
                            progress(f"  run {run} {endpoint:6s} {app:5s} {line(got)}, load "
                                     f"{os.getloadavg()[0]:.1f}")  # fmt: skip
                for endpoint in ENDPOINTS:  # both apps at half of what ours took at most
                    rate = PACED * statistics.median(f.requests_s for f in results[endpoint][OURS])
                    for app in (OURS, BARE):
                        got = paced[endpoint][app] = measure_one(endpoint, up[app], data, batches,
                                                                 args, rate)  # fmt: skip
                        progress(f"  paced  {endpoint:6s} {app:5s} {line(got)}, load "
                                 f"{os.getloadavg()[0]:.1f}")  # fmt: skip
            errors = [s for s in log_path.read_text().splitlines() if "Traceback" in s]
    return report(kind, args, results, paced, errors)


def measure_one(endpoint: str, server: Server, data: Data, batches: Iterator[int],
                args: argparse.Namespace, rate: float | None = None) -> Figures:  # fmt: skip
    if endpoint == "leads":
        call = leads_call(server.app, data)
        return asyncio.run(measure(server.port, server.process.pid, lambda: call, lambda: call,
                                   args, args.seconds, rate))  # fmt: skip
    warmup, calls = (claim_calls(server.app, data.batches[next(batches)]) for _ in range(2))
    return asyncio.run(measure(server.port, server.process.pid, calls, warmup, args, None, rate))


def line(f: Figures) -> str:
    statuses = ", ".join(f"{n:,}×{s}" for s, n in sorted(f.statuses.items()))
    failed = f", FAILED {dict(f.failures)}" if f.failures else ""
    return (f"{f.requests_s:6,.0f} req/s, p50 {f.p50_ms:6,.0f} ms, p99 {f.p99_ms:6,.0f} ms, "
            f"CPU {f.cpu_ms:5.1f} ms/req (client {f.client_cpu_ms:.1f}) "
            f"[{statuses}{failed}]")  # fmt: skip


def report(kind: str, args: argparse.Namespace, results: dict[str, dict[str, list[Figures]]],
           paced: dict[str, dict[str, Figures]], errors: list[str]) -> bool:  # fmt: skip
    """The medians next to the targets; whether every target is met."""
    print(
        f"\n{kind}: {args.clients} clients, median of {args.runs} run(s) (leads: {args.seconds:g}"
        f" s each; claims: {args.claims:,} each), load average {os.getloadavg()[1]:.1f}; each "
        f"client waits for its answer, so p99 ≤ {TARGET_P99_MS:.0f} ms needs ≥ "
        f"{args.clients * 1000 / TARGET_P99_MS:,.0f} req/s"
    )
    print(f"  {'':30s} {'app':6s} {'req/s':>6s} {'p50 ms':>7s} {'p99 ms':>7s} {'CPU ms/req':>10s}"
          "  answers (all runs)")  # fmt: skip
    met = not errors
    for endpoint, title in ENDPOINTS.items():
        ours, bare = results[endpoint][OURS], results[endpoint][BARE]
        for app, runs in ((OURS, ours), (BARE, bare)):
            mid = {
                k: statistics.median(getattr(f, k) for f in runs)
                for k in ("requests_s", "p50_ms", "p99_ms", "cpu_ms")
            }
            answers = sum((f.statuses for f in runs), Counter[int]())
            failed = sum((f.failures for f in runs), Counter[str]())
            print(
                f"  {title if app == OURS else '':30s} {app:6s} {mid['requests_s']:6,.0f} "
                f"{mid['p50_ms']:7,.0f} {mid['p99_ms']:7,.0f} {mid['cpu_ms']:10.1f}  "
                + ", ".join(f"{n:,}×{s}" for s, n in sorted(answers.items()))
                + (f", {sum(failed.values())} FAILED" if failed else "")
            )
        ratio = statistics.median(
            o.requests_s / b.requests_s for o, b in zip(ours, bare, strict=True)
        )
        p99 = statistics.median(f.p99_ms for f in ours)
        broken = any(f.failures or 500 in f.statuses for f in ours)
        met &= ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS and not broken
        print(
            f"  {'':30s} {'ratio':6s} {ratio:6.2f} (target ≥ {TARGET_RATIO}: "
            f"{'PASS' if ratio >= TARGET_RATIO else 'MISS'});  yinqi p99 {p99:,.0f} ms (target "
            f"≤ {TARGET_P99_MS:.0f}: {'PASS' if p99 <= TARGET_P99_MS else 'MISS'})"
        )
        at = paced[endpoint]
        if at:
            print(
                f"  {'':30s} paced at {at[OURS].requests_s:,.0f} req/s ({PACED:.0%} of yinqi's "
                f"req/s): yinqi p50 {at[OURS].p50_ms:,.0f} ms, p99 {at[OURS].p99_ms:,.0f} ms "
                f"({'PASS' if at[OURS].p99_ms <= TARGET_P99_MS else 'MISS'}); bare p50 "
                f"{at[BARE].p50_ms:,.0f} ms, p99 {at[BARE].p99_ms:,.0f} ms"
            )
    for error in errors[:3]:
        print(f"  server log: {error[:200]}")
    return met


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when every target is met on every database."""
    paragraphs = __doc__.split("\n\n")
    parser = argparse.ArgumentParser(description=paragraphs[0], epilog=paragraphs[2])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--seconds", type=float, default=10, help="leads: seconds measured (10)")
    parser.add_argument("--warmup", type=float, default=2, help="leads: seconds of warm-up (2)")
    parser.add_argument("--claims", type=int, default=1500, help="claims measured per run (1500)")
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of (3)")
    parser.add_argument("--database-url", default=PG_DEFAULT, help=f"PostgreSQL ({PG_DEFAULT})")
    parser.add_argument("--serve", choices=(OURS, BARE), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.database_url, args.port)
        return 0
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    met = [bench_database(kind, args) for kind in kinds]
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: racing claims under the 3/2 limit, db.leads.assignments.claim against the obvious
code.

    python bench/claims.py [--needs 2000] [--workers 16] [--claims-per-need 4]
                           [--database sqlite|postgresql|both] [--pg-url URL] [--seed 1]

Targets (issue "Racing claims"): with many managers claiming the same needs at once, no need ends
over its bank limit on the safe path (0 violations), at no less than half the claims per second
of an unsafe "count, then insert" claim written here (safe/unsafe ≥ 0.5). The unsafe claim shows
what the guard is for: the issue saw 114 of 200 needs over the limit on SQLite and 198 of 200 on
PostgreSQL with 8 workers.

Each race starts from a fresh database (a SQLite file in a temporary directory; a PostgreSQL
schema of its own, dropped afterwards) holding the same needs: eight firms registered through
`register_need`, copied row for row under new names (registering 2,000 would take a minute).
Worker w is a manager of bank w mod 6, of the six a 越城区 firm may go to; teams of
`--claims-per-need` workers next to each other (so of different banks) claim the same needs in the
same order, each need at about the same moment. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlmodel import Session, col, func, select

from db.core.engine import make_engine, reading
from db.core.errors import AlreadyHeld, LimitReached, NotEligible, StorageError
from db.core.migrate import upgrade
from db.core.unit import Actor
from db.core.vocabulary import LIVE, AssignmentStatus, NeedStatus
from db.intake.register import register_need
from db.leads.assignments import claim
from db.models import Assignment, Candidate, Event, Need, Outbox, metadata
from matching.model import EntityType, Standards
from matching.registration import Contact, NeedDraft
from matching.workdays import deadlines
from tests.databases import PG_ENV, PostgresSchema
from tests.db.builders import MONDAY, YUECHENG_BANKS, Seeded, firm, need, seed

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_RATIO = 0.5
NOW = MONDAY + timedelta(hours=1)
ENTERPRISE, INDIVIDUAL = EntityType.ENTERPRISE, EntityType.INDIVIDUAL_BUSINESS
# The firms copied, with the banks they already borrow from: 工商银行 is outside the sample
# catalog but counts all the same; 绍兴银行 (sxbank) is one of the six banks, and then no new one.
PROFILES = ((ENTERPRISE, ()), (ENTERPRISE, ()), (ENTERPRISE, ()), (ENTERPRISE, ("工商银行",)),
            (ENTERPRISE, ("绍兴银行",)), (INDIVIDUAL, ()), (INDIVIDUAL, ()),
            (INDIVIDUAL, ("工商银行",)))  # fmt: skip
SAFE, UNSAFE = "safe", "unsafe"


def unsafe_claim(engine: Engine, *, need_id: int, actor: Actor) -> None:
    """The obvious code: check and count in one transaction, insert in another, nothing locked."""
    bank_id = actor.bank_id or 0
    with reading(engine) as session:
        found = session.get(Need, need_id)
        candidate = session.get(Candidate, (need_id, bank_id))
        mine = (col(Assignment.need_id) == need_id) & (col(Assignment.bank_id) == bank_id)
        held = session.exec(select(Assignment.id).where(mine)).first()
        live = session.exec(
            select(func.count()).where(
                col(Assignment.need_id) == need_id,
                col(Assignment.status).in_(LIVE),
                col(Assignment.existing_bank).is_(False),
            )
        ).one()
        session.expunge_all()  # what was read stays readable once the transaction is over
    if found is None or candidate is None or found.status != NeedStatus.OPEN:
        raise NotEligible.of("not_eligible", need_id=need_id)
    if held is not None:
        raise AlreadyHeld.of("already_held", bank=str(bank_id), status="")
    limit = found.bank_limit
    if not candidate.existing and limit is not None and found.banks_existing + live >= limit:
        raise LimitReached.of("limit_reached", limit=limit, need_id=need_id)
    _insert_claim(engine, found, candidate, actor)


def _insert_claim(engine: Engine, found: Need, candidate: Candidate, actor: Actor) -> None:
    """What `claim` writes: the accepted assignment, its event, the firm's notification."""
    clocks = deadlines(NOW)
    with Session(engine) as session:
        assignment = Assignment(
            need_id=found.id or 0, bank_id=actor.bank_id or 0, branch_id=candidate.branch_id,
            manager_id=actor.staff_id, status=AssignmentStatus.ACCEPTED, claimed=True,
            existing_bank=candidate.existing, accept_by=clocks.accept_by,
            contact_by=clocks.contact_by, decide_by=clocks.decide_by, final_by=clocks.final_by,
            deadlines_estimated=clocks.estimated, accepted_at=NOW, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        session.add(assignment)
        session.flush()
        event = Event(at=NOW, actor_kind=actor.kind, actor_staff_id=actor.staff_id,
                      need_id=found.id, assignment_id=assignment.id, kind="claimed",
                      to_status=AssignmentStatus.ACCEPTED)  # fmt: skip
        session.add(event)
        session.flush()
        if found.chat_id is not None:
            session.add(Outbox(need_id=found.id, template="firm.accepted", created_at=NOW,
                               dedupe_key=f"e{event.id}:firm", next_attempt_at=NOW))  # fmt: skip
        session.commit()


def _register_profiles(seeded: Seeded) -> list[int]:
    """One need per profile, through the real registration (which offers it to its top bank)."""
    ids = []
    for i, (entity_type, existing) in enumerate(PROFILES):
        made = firm(entity_type=entity_type, name=f"绍兴越城样板{i}号有限公司",
                    existing_banks=existing)  # fmt: skip
        with seeded.session() as session:
            draft = NeedDraft(made, need(), Standards(), Contact("王经理", "13800138000"))
            done = register_need(session, draft=draft, chat_id=1000 + i, now=MONDAY)
        ids.append(done.need_id)
    return ids


def _rows(conn: Connection, table: str, column: str, ids: list[int]) -> list[dict[str, Any]]:
    found = metadata.tables[table]
    query = found.select().where(found.c[column].in_(ids)).order_by(found.c[column])
    return [dict(row) for row in conn.execute(query).mappings()]


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows under new ids; the ids, in the rows' order."""
    found = metadata.tables[table]
    rows = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    if "id" not in found.c:
        conn.execute(insert(found), rows)
        return []
    query = insert(found).returning(found.c.id, sort_by_parameter_order=True)
    return list(conn.execute(query, rows).scalars())


def _renamed(row: dict[str, Any], i: int) -> dict[str, Any]:
    return {**row, "name": f"基准{i}号有限公司", "name_key": f"基准{i}号", "uscc": None}


def copy_needs(engine: Engine, templates: list[int], count: int) -> list[int]:
    """`count` needs copied from the templates in turn: firm, need, eligible banks, first offer."""
    with engine.begin() as conn:
        needs = _rows(conn, "need", "id", templates)
        firms = _rows(conn, "enterprise", "id", [n["enterprise_id"] for n in needs])
        firm_of = {f["id"]: f for f in firms}
        picked = [needs[i % len(needs)] for i in range(count)]
        renamed = [_renamed(firm_of[n["enterprise_id"]], i) for i, n in enumerate(picked)]
        firm_ids = _insert(conn, "enterprise", renamed)
        pairs = list(zip(picked, firm_ids, strict=True))
        ids = _insert(conn, "need", [{**n, "enterprise_id": firm_id, "firm_group": firm_id}
                                     for n, firm_id in pairs])  # fmt: skip
        for table in ("candidate", "assignment"):
            rows = _rows(conn, table, "need_id", templates)
            _insert(conn, table, [{**r, "need_id": new} for n, new in zip(picked, ids, strict=True)
                                  for r in rows if r["need_id"] == n["id"]])  # fmt: skip
    return ids


def plan_claims(need_ids: list[int], workers: int, per_need: int, seed: int) -> list[list[int]]:
    """Each worker's needs: a team of `per_need` workers claims each of its needs, in one order."""
    shuffled = random.Random(seed).sample(need_ids, len(need_ids))
    teams = max(1, workers // per_need)
    return [shuffled[min(w // per_need, teams - 1) :: teams] for w in range(workers)]


def _attempt(engine: Engine, session: Session, variant: str, need_id: int, actor: Actor) -> str:
    """One claim; what came of it."""
    try:
        if variant == SAFE:
            claim(session, need_id=need_id, actor=actor, now=NOW)
        else:
            unsafe_claim(engine, need_id=need_id, actor=actor)
    except StorageError as err:
        return type(err).__name__
    except Exception as err:  # a database error: counted and shown, never hidden
        return f"error {type(err).__name__}"
    return "claimed"


def _worker(
    engine: Engine, variant: str, actor: Actor, need_ids: list[int], barrier: threading.Barrier
) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    with Session(engine) as session:
        barrier.wait()
        for need_id in need_ids:
            outcomes[_attempt(engine, session, variant, need_id, actor)] += 1
    return outcomes


def race(
    engine: Engine, variant: str, actors: list[Actor], plan: list[list[int]]
) -> tuple[Counter[str], float]:
    """All workers, released together; their outcomes, and the seconds from release to the end."""
    started: list[float] = []
    barrier = threading.Barrier(len(actors), action=lambda: started.append(time.perf_counter()))
    outcomes: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=len(actors)) as pool:
        futures = [pool.submit(_worker, engine, variant, actor, mine, barrier)
                   for actor, mine in zip(actors, plan, strict=True)]  # fmt: skip
        for future in futures:
            outcomes.update(future.result())
    return outcomes, time.perf_counter() - started[0]


def violations(engine: Engine) -> tuple[int, int]:
    """Needs served by more banks than their limit (their own banks, plus other banks holding a
    live assignment), and (need, bank) pairs held twice, counted from the tables."""
    live: dict[int, set[str]] = {}
    statuses = ", ".join(f"'{status}'" for status in sorted(LIVE))
    with engine.connect() as conn:
        for need_id, code in conn.execute(text(
            f"SELECT a.need_id, b.code FROM assignment a JOIN bank b ON b.id = a.bank_id"
            f" WHERE a.status IN ({statuses})"
        )):  # fmt: skip
            live.setdefault(need_id, set()).add(code)
        needs = conn.execute(
            select(Need.id, Need.bank_limit, Need.banks_existing, Need.existing_bank_codes)
        ).all()
        doubles = conn.execute(text(
            "SELECT need_id, bank_id FROM assignment GROUP BY need_id, bank_id HAVING COUNT(*) > 1"
        )).all()  # fmt: skip
    over = sum(
        limit is not None and own + len(live.get(need_id, set()) - set(codes)) > limit
        for need_id, limit, own, codes in needs
    )
    return over, len(doubles)


@contextmanager
def fresh_database(kind: str, pg_url: str) -> Iterator[Engine]:
    """An empty migrated database: a SQLite file in a temporary directory, or a PostgreSQL
    schema of its own, dropped afterwards."""
    if kind == "postgresql":
        schema = PostgresSchema(pg_url)
        try:
            yield schema.engine
        finally:
            schema.drop()
        return
    with tempfile.TemporaryDirectory(prefix="yinqi-bench-") as directory:
        engine = make_engine(f"sqlite:///{directory}/claims.db")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def prepare(engine: Engine, needs: int, workers: int) -> tuple[list[int], list[Actor]]:
    """Catalog, staff and the needs; worker w is manager w // 6 of bank w mod 6."""
    banks = len(YUECHENG_BANKS)
    seeded = seed(engine, managers_per_bank=-(-workers // banks))
    need_ids = copy_needs(engine, _register_profiles(seeded), needs)
    actors = [seeded.managers[YUECHENG_BANKS[w % banks]][w // banks] for w in range(workers)]
    return need_ids, actors


def run_variant(kind: str, variant: str, args: argparse.Namespace) -> float:
    """One race on a fresh database; prints what came of it, returns claims per second."""
    print(f"{kind} {variant}: preparing {args.needs:,} needs …", file=sys.stderr, flush=True)
    with fresh_database(kind, args.pg_url) as engine:
        need_ids, actors = prepare(engine, args.needs, args.workers)
        plan = plan_claims(need_ids, args.workers, args.claims_per_need, args.seed)
        print(f"{kind} {variant}: racing …", file=sys.stderr, flush=True)
        outcomes, seconds = race(engine, variant, actors, plan)
        over, doubles = violations(engine)
    attempts = sum(outcomes.values())
    label = "db.leads.assignments.claim" if variant == SAFE else "count, then insert"
    refused = ", ".join(f"{k} {n:,}" for k, n in sorted(outcomes.items()) if k != "claimed")
    print(
        f"  {variant:6s} {label:20s} {attempts:,} claims in {seconds:.1f} s = "
        f"{attempts / seconds:,.0f} claims/s ({outcomes['claimed']:,} claimed; {refused})"
    )
    verdict = f" (target 0: {'MEETS' if over == 0 else 'MISSES'})" if variant == SAFE else ""
    print(f"         violations: {over:,} of {len(need_ids):,} needs over their limit{verdict};"
          f" (need, bank) held twice: {doubles}")  # fmt: skip
    return attempts / seconds


def bench_database(kind: str, args: argparse.Namespace) -> None:
    enterprises = sum(t is ENTERPRISE for t, _ in PROFILES) / len(PROFILES)
    borrowing = sum(bool(banks) for _, banks in PROFILES) / len(PROFILES)
    print(
        f"{kind}: {args.needs:,} needs ({enterprises:.0%} enterprises ≤ 3 banks, the others"
        f" individual businesses ≤ 2; {borrowing:.0%} already borrowing), {args.workers}"
        f" workers, {len(YUECHENG_BANKS)} banks, {args.claims_per_need} claiming each need"
    )
    safe = run_variant(kind, SAFE, args)
    unsafe = run_variant(kind, UNSAFE, args)
    verdict = "MEETS" if safe / unsafe >= TARGET_RATIO else "MISSES"
    print(f"  throughput safe/unsafe: {safe / unsafe:.2f} (target ≥ {TARGET_RATIO}: {verdict})")


def postgres_reachable(url: str) -> bool:
    probe = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            return True
    except Exception:
        return False
    finally:
        probe.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument(
        "--claims-per-need",
        type=int,
        default=4,
        help="banks claiming each need at about the same moment (≤ 6)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        help="default: both when PostgreSQL can be reached, else sqlite",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(PG_ENV) or LOCAL_POSTGRES,
        help=f"PostgreSQL server (default: ${PG_ENV}, else the local one)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.database is None:
        args.database = "both" if postgres_reachable(args.pg_url) else "sqlite"
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        bench_database(kind, args)


if __name__ == "__main__":
    main()

"""Benchmark: the progress report (db.reports.progress) over 1,000,000 leads and 3,000,000 events.

    python bench/reports.py [--database-url URL] [--assignments 1000000] [--weeks 12]
                            [--repeat 5] [--seed 1] [--keep SCHEMA] [--only WINDOW]

Target (issue "The bank and coordination API", §4): the progress report over 1,000,000
assignments and 3,000,000 events answers in ≤ 1 s on PostgreSQL.

The data go into a PostgreSQL schema of the bench's own (made by the migrations, dropped at the
end): the generated province catalog (100 banks, 820 parks, 90 counties), ~2,000 QR sources, and
`--weeks` weeks of needs and their leads, each lead living its life (offered or claimed;
accepted, expired or declined; called, visited once to three times, credit, loan) with delays
drawn from long-tailed distributions, more needs on Wednesdays (the weekly matching events), and
the event log those lives write, all loaded with COPY (each lead with the copy of its need's
region, park, source, channel and first-loan flag the use case gives it). Rows are stored in the
order they were written, as a live database holds them: ids follow time, the event log is
appended to. Needs are generated until the leads reach `--assignments`; the events come out
near three a lead (the exact counts are printed).

`progress()` is timed for each group_by, over the last week (the weekly report) and over all the
weeks, for everyone (an admin) and for one city (a coordinator): the median of `--repeat` runs
after one warm-up, beside the target. Progress goes to stderr.

`--keep SCHEMA` keeps the data in that schema after the run and, when it already holds them,
measures them again without loading (loading 1,000,000 leads takes minutes); drop it by hand
when done (`DROP SCHEMA name CASCADE`). `--only "last week"` or `--only "12 weeks"` times one
window.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from bench.province_catalog import province_catalog
from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.intake.catalog_store import save_catalog
from db.reports.copies import refresh
from db.reports.progress import GroupBy, ReportScope, progress
from matching.catalog import Catalog
from matching.workdays import CHINA_TZ, deadlines
from tests.databases import PostgresSchema

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_S = 1.0
FIRST_MONDAY = date(2026, 9, 7)


@dataclass
class World:
    """What the generator draws on: the catalog's ids, and the counters of what it wrote."""

    banks_by_county: dict[str, list[int]]
    parks: list[tuple[int, str, str, list[int]]]  # id, city, county, partner bank ids
    counties: list[tuple[str, str]]
    sources_by_park: dict[int, int]
    other_sources: list[int]
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)


def _catalog_ids(engine: Engine, catalog: Catalog) -> World:
    with engine.connect() as conn:
        bank_id: dict[str, int] = dict(conn.execute(text("SELECT code, id FROM bank")).all())
        park_rows = conn.execute(text("SELECT id, code, city, county FROM park")).all()
    branches: dict[str, set[int]] = {}
    for branch in catalog.branches:
        branches.setdefault(branch.county, set()).add(bank_id[branch.bank])
    partners = {p.code: [bank_id[b] for b in p.partner_banks] for p in catalog.parks}
    counties = sorted({(b.city, b.county) for b in catalog.branches})
    return World(
        banks_by_county={c: sorted(ids) for c, ids in branches.items()},
        parks=[(i, city, county, partners[code]) for i, code, city, county in park_rows],
        counties=counties,
        sources_by_park={},
        other_sources=[],
        now=datetime.combine(FIRST_MONDAY, datetime.min.time(), CHINA_TZ),
    )


def _sources(engine: Engine, world: World) -> None:
    """A park QR code for every park, and 1,200 of branches, campaigns and events."""
    rows: list[tuple[Any, ...]] = []
    for park_id, *_ in world.parks:
        rows.append(("park", str(park_id), f"园区{park_id}"))
        world.sources_by_park[park_id] = len(rows)
    for kind in ("branch", "campaign", "event") * 400:
        rows.append((kind, "x", f"{kind}{len(rows)}"))
        world.other_sources.append(len(rows))
    at = world.now.isoformat()
    rows = [(i, f"tok{i}", *row, True, at) for i, row in enumerate(rows, start=1)]
    _copy(engine, "qr_source (id, token, kind, target, label, active, created_at) ", rows)


def _copy(engine: Engine, table: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY `rows` (as CSV) into `table` ("name (columns) ")."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SET session_replication_role = replica")  # no FK triggers
            with cursor.copy(f"COPY {table}FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


def _lognormal_hours(rng: random.Random, median: float, spread: float = 1.0) -> timedelta:
    return timedelta(hours=median * math.exp(rng.gauss(0, spread)))


class Generator:
    """Needs, leads and events, written as CSV rows; ids are given here."""

    def __init__(self, world: World, weeks: int, rng: random.Random) -> None:
        self.world, self.weeks, self.rng = world, weeks, rng
        self.start = world.now
        self.end = self.start + timedelta(weeks=weeks)
        self.enterprises: list[tuple[Any, ...]] = []
        self.needs: list[tuple[Any, ...]] = []
        self.leads: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.copies: dict[int, tuple[Any, ...]] = {}  # need id → what its leads copy of it
        self._clocks: dict[date, tuple[datetime, datetime, datetime]] = {}

    def moment(self) -> datetime:
        """A registration moment: weekdays busier than weekends, Wednesdays busiest, office
        hours."""
        weights = (1.0, 1.0, 2.2, 1.0, 0.9, 0.25, 0.15)
        day = self.rng.randrange(self.weeks * 7)
        while self.rng.random() > weights[day % 7] / max(weights):
            day = self.rng.randrange(self.weeks * 7)
        minutes = int(self.rng.triangular(8 * 60, 20 * 60, 10 * 60))
        return self.start + timedelta(days=day, minutes=minutes)

    def clocks(self, at: datetime) -> tuple[datetime, datetime, datetime]:
        day = at.astimezone(CHINA_TZ).date()
        if day not in self._clocks:
            d = deadlines(at)
            self._clocks[day] = (d.accept_by, d.contact_by, d.decide_by)
        return self._clocks[day]

    def event(self, at: datetime, need_id: int, lead_id: int | None, kind: str,
              payload: dict[str, Any] | None = None) -> None:  # fmt: skip
        to = kind if lead_id is not None else None
        self.events.append((len(self.events) + 1, at.isoformat(), "system", None, need_id,
                            lead_id, kind, None, to, json.dumps(payload or {})))  # fmt: skip

    def need(self) -> None:
        rng, world = self.rng, self.world
        at = self.moment()
        park = rng.choice(world.parks) if rng.random() < 0.55 else None
        city, county = (park[1], park[2]) if park else rng.choice(world.counties)
        source = world.sources_by_park[park[0]] if park and rng.random() < 0.7 else (
            rng.choice(world.other_sources) if rng.random() < 0.4 else None)  # fmt: skip
        first_loan = rng.random() < 0.35
        amount = rng.choice((50_000, 200_000, 300_000, 1_000_000, 2_000_000, 5_000_000))
        attention = None
        if rng.random() < 0.08:
            attention = rng.choice(("standards_failed", "credit_repair", "no_bank", "bank_limit"))
        need_id = len(self.needs) + 1
        self.enterprises.append((need_id, f"企业{need_id}", f"企业{need_id}", "enterprise", city,
                                 county, park[0] if park else None, "制造业", "[]",
                                 at.isoformat(), at.isoformat()))  # fmt: skip
        channel = "bot" if rng.random() < 0.85 else "offline"
        self.copies[need_id] = (city, county, park[0] if park else None, source, channel,
                                first_loan)  # fmt: skip
        fulfilled = False
        if attention is None:
            banks = (park[3] if park else []) + world.banks_by_county.get(county, [])
            fulfilled = self.leads_of(need_id, at, list(dict.fromkeys(banks)))
        status = "fulfilled" if fulfilled else "open"
        self.needs.append((need_id, need_id, need_id, status, channel, source, "zh", "enterprise",
                           city, county, park[0] if park else None, "制造业", "[]", "[]", "[]",
                           0 if first_loan else 1, 0 if first_loan else 500_000,
                           first_loan, amount, "working_capital", 12, "[]", "[]", "{}",
                           "500k_5m", 3, "assign", "{}", attention,
                           at.isoformat() if attention else None, at.isoformat(),
                           at.isoformat()))  # fmt: skip

    def leads_of(self, need_id: int, at: datetime, banks: list[int]) -> bool:
        """Offer the need down its bank list until a bank keeps it (at most three offers);
        sometimes a fourth bank claims it as well. Returns whether a loan was issued."""
        rng = self.rng
        fulfilled = False
        queue = rng.sample(banks, min(len(banks), 4)) if banks else []
        for bank in queue[:3]:
            lead = self.lead(need_id, bank, at, claimed=False)
            fulfilled = fulfilled or lead.status == "loan_issued"
            if lead.ended is None:
                break
            at = lead.ended
        if len(queue) == 4 and rng.random() < 0.1:
            claimed_at = at + _lognormal_hours(rng, 20)
            if claimed_at < self.end:
                lead = self.lead(need_id, queue[3], claimed_at, claimed=True)
                fulfilled = fulfilled or lead.status == "loan_issued"
        return fulfilled

    def lead(self, need_id: int, bank: int, created: datetime, *, claimed: bool) -> Lead:
        """One lead's life, cut off at the end of the generated weeks."""
        rng = self.rng
        lead = Lead(len(self.leads) + 1, need_id, bank, created, claimed, self.clocks(created))
        self.event(created, need_id, lead.id, "claimed" if claimed else "offered")

        def reach(kind: str, at: datetime, payload: dict[str, Any] | None = None) -> bool:
            if at >= self.end:
                return False
            self.event(at, need_id, lead.id, kind, payload)
            lead.status, lead.updated = kind, at
            if kind in ("expired", "declined"):
                lead.ended = at
            else:
                lead.stamps.setdefault(kind, at)
            return True

        at = created
        if claimed:
            lead.status, lead.stamps["accepted"] = "accepted", created
        else:
            roll = rng.random()
            if roll < 0.12:  # nobody accepts: the worker expires it soon after the deadline
                reach("expired", lead.clocks[0] + _lognormal_hours(rng, 0.5))
                return self._write(lead)
            at += _lognormal_hours(rng, 5, 1.1)
            if roll < 0.17:  # declined at once
                if reach("declined", at, {"reason_code": "bank_service"}):
                    lead.reason = "bank_service"
                return self._write(lead)
            if not reach("accepted", at):
                return self._write(lead)
        at += _lognormal_hours(rng, 18)
        if rng.random() < 0.6 and reach("contacted", at):  # the rest never recorded
            for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
                at += _lognormal_hours(rng, 40, 0.8)
                reach("visited", at, {"effective": rng.random() < 0.75})
            if rng.random() < 0.4:
                at += _lognormal_hours(rng, 60, 0.7)
                credit = rng.choice((100_000, 300_000, 1_000_000, 2_000_000))
                if reach("credit_granted", at, {"amount_yuan": credit}):
                    lead.credit = credit
                    at += _lognormal_hours(rng, 40, 0.7)
                    loan = int(credit * rng.choice((0.5, 0.8, 1.0)))
                    if reach("loan_issued", at, {"amount_yuan": loan}):
                        lead.loan = loan
            elif rng.random() < 0.2:
                reason = rng.choice(("firm_reason", "bank_service", "other"))
                if reach("declined", at + _lognormal_hours(rng, 48), {"reason_code": reason}):
                    lead.reason = reason
        return self._write(lead)

    def in_time_order(self) -> None:
        """Renumber needs, leads and events by their moment and store them in that order, as a
        live database holds them (ids follow time; the event log is appended to); events of the
        leads cut off past the count go too."""
        kept = {lead[0] for lead in self.leads}
        self.events = [e for e in self.events if e[5] is None or e[5] in kept]
        need_ids = _renumber(self.needs, created=30)
        lead_ids = _renumber(self.leads, created=25)
        _renumber(self.events, created=1)
        self.enterprises = sorted(self.enterprises, key=lambda e: need_ids[e[0]])
        self.enterprises = [(need_ids[e[0]], *e[1:]) for e in self.enterprises]
        self.needs = [(n[0], need_ids[n[1]], need_ids[n[2]], *n[3:]) for n in self.needs]
        self.leads = [(a[0], need_ids[a[1]], *a[2:]) for a in self.leads]
        self.events = [(*e[:4], need_ids[e[4]], lead_ids.get(e[5]), *e[6:]) for e in self.events]

    def _write(self, lead: Lead) -> Lead:
        def iso(key: str) -> str | None:
            value = lead.stamps.get(key)
            return value.isoformat() if value else None

        final_by = lead.created + timedelta(days=30)
        updated = lead.updated or lead.created  # each step stamps the lead, as `move` does
        self.leads.append((
            lead.id, lead.need_id, lead.bank, None, None, lead.status, False, lead.claimed,
            *(c.isoformat() for c in lead.clocks), final_by.isoformat(), False, iso("accepted"),
            iso("contacted"), iso("visited"), iso("credit_granted"), iso("loan_issued"),
            lead.ended.isoformat() if lead.ended else None, lead.credit,
            "3.95" if lead.credit else None, "流动资金贷款" if lead.credit else None, lead.loan,
            lead.reason, None, lead.created.isoformat(), updated.isoformat(),
            *self.copies[lead.need_id],
        ))  # fmt: skip
        return lead


def _renumber(rows: list[tuple[Any, ...]], *, created: int) -> dict[int, int]:
    """Sort `rows` in place by the moment in column `created` and number them 1, 2 … in that
    order; returns each old id's new one."""
    rows.sort(key=lambda row: (datetime.fromisoformat(row[created]), row[0]))
    renumbered = {row[0]: i for i, row in enumerate(rows, start=1)}
    rows[:] = [(i, *row[1:]) for i, row in enumerate(rows, start=1)]
    return renumbered


@dataclass
class Lead:
    id: int
    need_id: int
    bank: int
    created: datetime
    claimed: bool
    clocks: tuple[datetime, datetime, datetime]  # accept_by, contact_by, decide_by
    status: str = "offered"
    stamps: dict[str, datetime] = field(default_factory=dict)  # first reached
    ended: datetime | None = None
    updated: datetime | None = None  # the last step's
    reason: str | None = None
    credit: int | None = None
    loan: int | None = None


NEED_COLUMNS = ("id, enterprise_id, firm_group, status, channel, source_id, language, "
                "entity_type, city, county, park_id, industry, tags, existing_banks, "
                "existing_bank_codes, "
                "banks_existing, existing_credit_yuan, first_loan, amount_yuan, purpose, "
                "term_months, collateral, products, standards, tier, bank_limit, route, outcome, "
                "attention, attention_at, created_at, updated_at")  # fmt: skip
LEAD_COLUMNS = ("id, need_id, bank_id, branch_id, manager_id, status, existing_bank, claimed, "
                "accept_by, contact_by, decide_by, final_by, deadlines_estimated, accepted_at, "
                "contacted_at, visited_at, credit_granted_at, loan_issued_at, ended_at, "
                "credit_amount_yuan, credit_rate_pct, credit_product, loan_amount_yuan, "
                "decline_reason, decline_detail, created_at, updated_at, city, county, "
                "park_id, source_id, channel, first_loan")  # fmt: skip
EVENT_COLUMNS = ("id, at, actor_kind, actor_staff_id, need_id, assignment_id, kind, from_status, "
                 "to_status, payload")  # fmt: skip
ENTERPRISE_COLUMNS = ("id, name, name_key, entity_type, city, county, park_id, industry, tags, "
                      "created_at, updated_at")  # fmt: skip


def fill(engine: Engine, assignments: int, weeks: int, seed: int) -> World:
    rng = random.Random(seed)
    catalog = province_catalog(seed)
    with Session(engine) as session:
        save_catalog(session, catalog)
        session.commit()
    world = _catalog_ids(engine, catalog)
    world.now = datetime.combine(FIRST_MONDAY, datetime.min.time(), CHINA_TZ)
    _sources(engine, world)
    gen = Generator(world, weeks, rng)
    started = time.perf_counter()
    while len(gen.leads) < assignments:
        gen.need()
    del gen.leads[assignments:]
    gen.in_time_order()
    _say(f"generated {len(gen.needs):,} needs, {len(gen.leads):,} leads, "
         f"{len(gen.events):,} events in {time.perf_counter() - started:.0f} s")  # fmt: skip
    started = time.perf_counter()
    for table, columns, rows in (
        ("enterprise", ENTERPRISE_COLUMNS, gen.enterprises),
        ("need", NEED_COLUMNS, gen.needs),
        ("assignment", LEAD_COLUMNS, gen.leads),
        ("event", EVENT_COLUMNS, gen.events),
    ):
        _copy(engine, f"{table} ({columns}) ", rows)
        world.counts[table] = len(rows)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    _say(f"loaded in {time.perf_counter() - started:.0f} s")
    world.now = gen.end
    return world


def settle(engine: Engine) -> None:
    """Bring the report's copies and day sums up to date (the first report after loading would
    make them all), then vacuum and analyze them as autovacuum would on a live server (the
    medians read index-only: they need the pages marked all-visible)."""
    started = time.perf_counter()
    while not refresh(engine, wait_s=60):
        time.sleep(1)
    made = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("report_lead", "report_need", "report_visit", "report_day"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    _say(f"copies and day sums brought up to date in {made:.0f} s, then vacuumed")


def timed(engine: Engine, run: Callable[[Session], object], repeat: int) -> float:
    """Median seconds of `repeat` runs after one warm-up."""
    times = []
    with Session(engine) as session:
        run(session)
        for _ in range(repeat):
            started = time.perf_counter()
            run(session)
            times.append(time.perf_counter() - started)
            session.rollback()
    return statistics.median(times)


def measure(
    engine: Engine, world: World, weeks: int, repeat: int, only: str | None = None
) -> dict[tuple[str, ...], float]:
    last_day = (world.now - timedelta(days=1)).astimezone(CHINA_TZ).date()
    windows = {"last week": last_day - timedelta(days=6), f"{weeks} weeks": FIRST_MONDAY}
    if only is not None:
        windows = {only: windows[only]}
    scopes = {"all": ReportScope(), "one city": ReportScope(region="杭州市")}
    results: dict[tuple[str, ...], float] = {}
    for window, first_day in windows.items():
        for scope_name, scope in scopes.items():
            for group in GroupBy:

                def run(session: Session, g: GroupBy = group, f: date = first_day,
                        s: ReportScope = scope) -> object:  # fmt: skip
                    return progress(session, scope=s, date_from=f, date_to=last_day,
                                    group_by=g, now=world.now)  # fmt: skip

                seconds = timed(engine, run, repeat)
                results[(window, scope_name, group.value)] = seconds
                _say(f"  {window:9s} {scope_name:8s} {group.value:7s} {seconds * 1000:7.0f} ms")
    return results


def report(results: dict[tuple[str, ...], float], load: str) -> None:
    print(f"  progress(): median of runs, ms (target ≤ {TARGET_S * 1000:.0f} ms);"
          f" machine load {load}")  # fmt: skip
    windows = list(dict.fromkeys(k[0] for k in results))
    scopes = list(dict.fromkeys(k[1] for k in results))
    print("    " + " " * 22 + "".join(f"{g.value:>9s}" for g in GroupBy))
    for window in windows:
        for scope in scopes:
            cells = [results[(window, scope, g.value)] for g in GroupBy]
            worst = max(cells)
            verdict = "meets" if worst <= TARGET_S else f"misses by {worst - TARGET_S:.2f} s"
            print(f"    {window:10s} {scope:10s} " + "".join(f"{c * 1000:9.0f}" for c in cells)
                  + f"   {verdict}")  # fmt: skip


def _settings(engine: Engine) -> str:
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
        buffers = conn.execute(text("SHOW shared_buffers")).scalar()
    return f"{version}, shared_buffers {buffers}"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> str:
    """The load averages over 1, 5 and 15 minutes: these machines are shared."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def bench_schema(url: str) -> Iterator[Engine]:
    schema = PostgresSchema(url)
    try:
        yield schema.engine
    finally:
        schema.drop()


@contextmanager
def kept_schema(url: str, name: str) -> Iterator[Engine]:
    """The schema `name`, made and migrated if it does not exist yet; never dropped here."""
    admin = make_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))
        conn.commit()
    admin.dispose()
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
    engine = make_engine(scoped.render_as_string(hide_password=False))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _loaded(engine: Engine, weeks: int) -> World | None:
    """The world of data a kept schema already holds, or None when it is empty."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in ("enterprise", "need", "assignment", "event"):
            counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    if not counts["assignment"]:
        return None
    start = datetime.combine(FIRST_MONDAY, datetime.min.time(), CHINA_TZ)
    world = World({}, [], [], {}, [], start + timedelta(weeks=weeks), counts)
    _say("measuring the data already in the kept schema")
    return world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=LOCAL_POSTGRES)
    parser.add_argument("--assignments", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="SCHEMA", help="keep (or reuse) the data in SCHEMA")
    parser.add_argument("--only", metavar="WINDOW", help='"last week" or "N weeks"')
    args = parser.parse_args()
    schema = (
        kept_schema(args.database_url, args.keep) if args.keep else bench_schema(args.database_url)
    )
    with schema as engine:
        world = _loaded(engine, args.weeks) if args.keep else None
        if world is None:
            world = fill(engine, args.assignments, args.weeks, args.seed)
        counts = ", ".join(f"{n:,} {table}" for table, n in world.counts.items())
        print(f"PostgreSQL {_settings(engine)}; {counts} over {args.weeks} weeks (generated)")
        settle(engine)
        results = measure(engine, world, args.weeks, args.repeat, args.only)
        report(results, _load())


if __name__ == "__main__":
    main()

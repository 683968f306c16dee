"""Benchmark: 附表1 (a park's classification ledger) for a park of 2,000 firms.

    python bench/ledger.py [--firms 2000] [--registered 600] [--repeat 5]
                           [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]

Target (issue 21): `ledger_xlsx` for one park of 2,000 firms in ≤ 2 s.

The park 越城高新区 (yc-gxq, sample catalog) gets a roster of `--firms` firms (`yinqi park roster
import`); `--registered` of them register a need through the real use case, each offered to its
banks, and half of those are accepted and granted credit with its terms. Then the ledger is
made `--repeat` times after one warm-up: the median and the slowest beside the target, the CPU
seconds the process spent (less bent by a loaded machine than wall time), and the share spent
reading (`db.reports.ledgers.ledger`) against writing the workbook. SQLite in
a temporary file by default; `--database` names a PostgreSQL server (a fresh schema is made
and dropped). The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, make_url, text
from sqlmodel import Session

from api.workbooks import ledger_xlsx
from db.campaigns.rosters import import_roster
from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.core.unit import Actor
from db.core.vocabulary import Role
from db.intake.catalog_store import save_catalog
from db.leads.assignments import accept, record_follow_up
from db.models import Staff
from db.reports.ledgers import ledger
from db.reports.scope import ReportScope
from db.staff.accounts import add_user
from matching.data import sample_catalog
from matching.loan_terms import LoanTerms, LoanType
from matching.model import Collateral, EntityType, Firm, Need, Purpose, Standards
from matching.registration import Contact, NeedDraft

TARGET_S = 2.0
PARK, QUARTER = "yc-gxq", "2026Q4"
START = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)  # a Monday of the quarter, 10:00 in China


def _roster(path: Path, firms: int) -> None:
    lines = ["企业名称,统一社会信用代码,已有授信（万元）,融资需求"]
    for i in range(firms):
        credit = str(50 + i % 7 * 10) if i % 5 == 0 else ""
        need = ("是", "否", "")[i % 3]
        lines.append(f"绍兴越城第{i:04d}号制造有限公司,,{credit},{need}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _staff(engine: Engine) -> None:
    with Session(engine) as session:
        for bank in sample_catalog().banks:
            add_user(session, name=f"{bank.name}客户经理", role=Role.MANAGER, bank_code=bank.code)


def _register(engine: Engine, count: int) -> int:
    """Register `count` of the roster's firms, accept and grant credit to half; leads made."""
    from db.intake.register import register_need

    granted = 0
    for i in range(count):
        now = START + timedelta(minutes=37 * i)
        firm = Firm(
            entity_type=EntityType.ENTERPRISE, name=f"绍兴越城第{i:04d}号制造有限公司",
            city="绍兴市", county="越城区", industry="机械", months_operating=36, park=PARK,
        )  # fmt: skip
        need = Need(
            amount_yuan=(i % 40 + 1) * 50_000, purpose=Purpose.WORKING_CAPITAL,
            term_months=(12, 24, 36)[i % 3], collateral=frozenset({Collateral.PROPERTY}),
        )  # fmt: skip
        draft = NeedDraft(firm, need, Standards(), Contact("王经理", "13800138000"), None)
        with Session(engine) as session:
            registration = register_need(session, draft=draft, now=now, chat_id=10_000 + i)
        if i % 2 or not registration.offers:
            continue
        offer = registration.offers[0]
        with Session(engine) as session:
            staff = session.get(Staff, offer.manager_id) if offer.manager_id else None
        if staff is None:
            continue
        actor = Actor.of(staff)
        with Session(engine) as session:
            accept(session, lead_id=offer.id, actor=actor, now=now + timedelta(hours=1))
        with Session(engine) as session:
            record_follow_up(
                session, lead_id=offer.id, actor=actor, kind="visited", effective=True,
                at=now + timedelta(hours=3), now=now + timedelta(hours=3),
            )  # fmt: skip
        terms = LoanTerms(LoanType.SECURED, None, Decimal(0), need.term_months)
        with Session(engine) as session:
            record_follow_up(
                session, lead_id=offer.id, actor=actor, kind="credit_granted",
                at=now + timedelta(hours=5), now=now + timedelta(hours=5),
                amount_yuan=need.amount_yuan, rate_pct=Decimal("4.2"), terms=terms,
            )  # fmt: skip
        granted += 1
    return granted


def _timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall seconds and this process's CPU seconds of each run, after one to warm up."""
    run()
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return wall, cpu


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--registered", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.database:  # a schema of the bench's own, dropped at the end
            schema = f"bench_ledger_{uuid.uuid4().hex[:8]}"
            with create_engine(args.database).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            scoped = make_url(args.database).update_query_dict(
                {"options": f"-csearch_path={schema}"}
            )
            engine = make_engine(scoped.render_as_string(hide_password=False))
        else:
            engine = make_engine(f"sqlite:///{tmp}/ledger.db")
        try:
            _run(engine, Path(tmp), args)
        finally:
            engine.dispose()
            if schema is not None:
                with create_engine(args.database).begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _run(engine: Engine, tmp: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    upgrade(engine)
    with Session(engine) as session:
        save_catalog(session, sample_catalog())
        session.commit()
    _staff(engine)
    roster = tmp / "roster.csv"
    _roster(roster, args.firms)
    import_roster(engine, roster, park_code=PARK, now=START - timedelta(days=1))
    granted = _register(engine, args.registered)
    print(f"set-up: {args.firms} roster firms, {args.registered} registered, {granted} granted"
          f" credit, {time.perf_counter() - started:.0f} s ({engine.dialect.name})")  # fmt: skip
    scope = ReportScope()

    def read() -> object:
        with Session(engine) as session:
            return ledger(session, scope=scope, park_code=PARK, quarter=QUARTER)

    def whole() -> object:
        with Session(engine) as session:
            return ledger_xlsx(session, scope=scope, park_code=PARK, quarter=QUARTER)

    with Session(engine) as session:
        rows = len(ledger(session, scope=scope, park_code=PARK, quarter=QUARTER).rows)
    (reading, _), (made, cpu) = _timed(read, args.repeat), _timed(whole, args.repeat)
    median, worst = statistics.median(made), max(made)
    met = "met" if median <= TARGET_S else "missed"
    print(f"附表1, {rows} rows: median {median:.2f} s, slowest {worst:.2f} s (target ≤ "
          f"{TARGET_S:.0f} s: {met}), {statistics.median(cpu):.2f} s of CPU; reading "
          f"{statistics.median(reading):.2f} s of it; load {_load()} (shared machine)")  # fmt: skip


if __name__ == "__main__":
    main()

"""`fill_season`: a realistic generated season of matchmaking in an empty database, so that a
newcomer sees a living dashboard: firms across the catalog's parks registering through QR codes,
banks offered, claiming, accepting, calling, visiting, granting and lending, or declining and
letting offers expire, over the weeks before `today`. Every step goes through the use cases with
the moment it happens as `now`; the same seed (and `today`) gives the same season."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final

from sqlalchemy import Engine, func, insert, inspect, text
from sqlmodel import Session, col, select

from db.core.unit import Actor
from db.core.vocabulary import QrKind, Role
from db.demo.firms import applicants
from db.demo.play import Cast, Season, Tally
from db.demo.rosters import RosterEntry, rosters
from db.intake.catalog_store import load_catalog, save_catalog
from db.intake.qr_sources import create_source
from db.leads.outbox import claim_due
from db.models import (
    Assignment,
    Bank,
    Branch,
    Enterprise,
    Event,
    Need,
    Park,
    QrSource,
    RosterFirm,
    Scan,
    Staff,
    metadata,
)
from db.reports.copies import refresh
from db.staff.accounts import add_user
from matching.catalog import Branch as CatalogBranch
from matching.catalog import Catalog
from matching.data import sample_catalog
from matching.names import core_name
from matching.workdays import CHINA_TZ

KEPT_TABLES: Final = frozenset(
    {
        "bank",
        "branch",
        "park",
        "park_partner",
        "loan_product",
        "guarantee_product",
        "setting",
        "campaign_entry",
        "alembic_version",
    }
)
"""What `empty_season` keeps: the catalog, imported campaign lists and the schema's version."""

DEFAULT_FIRMS: Final = 800
"""`yinqi demo`'s season: every park, QR code, bank and step of a lead at work, played in
seconds rather than minutes (each step is a use case of its own: ~20 ms of CPU a firm)."""
FULL_FIRMS: Final = 3000
"""`yinqi demo --full`: a busier season, the dashboard benchmark's (`bench/dashboard.py`)."""
WEEKS: Final = 12  # a quarter, as the 附表 ledgers are filed

COORDINATOR_REGION: Final = "绍兴市"  # the demo coordinator's region (a coordinator sees one)
_MANAGER_NAMES: Final = ("张伟", "李娜", "王磊", "刘洋", "陈静", "杨帆", "赵敏", "周杰", "吴昊")


@dataclass(frozen=True, slots=True)
class DemoStaff:
    """A staff account made for the demo, with its API token (shown once)."""

    staff_id: int
    name: str
    role: Role
    bank_code: str | None
    token: str


@dataclass(frozen=True, slots=True)
class DemoSeason:
    """What `fill_season` made: the season's span, counts, and the staff to sign in with."""

    start: datetime
    end: datetime
    firms: int
    needs: int
    leads: int
    events: int
    visits: int
    credit_granted: int
    loans_issued: int
    sources: int
    scans: int
    refused: int  # steps the use cases refused (a step too late, a bank that held it …)
    refused_at_limit: int  # of those, claims refused because the firm was at its 3/2 limit
    staff: tuple[DemoStaff, ...]

    def of_role(self, role: Role) -> tuple[DemoStaff, ...]:
        return tuple(s for s in self.staff if s.role is role)

    @property
    def coordinator(self) -> DemoStaff:
        return self.of_role(Role.COORDINATOR)[0]

    @property
    def admin(self) -> DemoStaff:
        return self.of_role(Role.ADMIN)[0]


def china_today() -> date:
    """Today's date in China, where the season's days are counted."""
    return datetime.now(CHINA_TZ).date()


def fill_season(
    engine: Engine,
    *,
    firms: int = DEFAULT_FIRMS,
    weeks: int = WEEKS,
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSeason:
    """Play `weeks` of matchmaking for `firms` firms, ending as `today` (China time) begins, in a
    migrated database holding no needs (the sample catalog is loaded if it has none)."""
    if firms < 1 or weeks < 1:
        raise ValueError("a season needs at least one firm and one week")
    if has_needs(engine):
        raise ValueError("the database already holds needs; empty it first (empty_season)")
    end = datetime.combine(today or china_today(), time(), tzinfo=CHINA_TZ)
    start = end - timedelta(weeks=weeks)
    rng = random.Random(seed)
    catalog = _catalog(engine)
    before = start - timedelta(days=3)  # staff and codes are in place when the season opens
    staff, cast = _staff(engine, catalog, before)
    cast = replace(cast, tokens=_sources(engine, catalog, before))
    season = Season(engine, rng, cast, end)
    firms_of_season = applicants(rng, catalog, firms, start.date(), weeks * 7)
    _store_rosters(engine, rosters(random.Random(seed), catalog, firms_of_season), before)
    for applicant in firms_of_season:
        season.register(applicant)
    season.sweeps(start)
    report = progress or (lambda done, total: None)
    total, shown = len(firms_of_season), [-1]

    def tick() -> None:
        done = season.tally.registrations
        if done != shown[0]:
            shown[0] = done
            report(done, total)

    season.play(tick)
    season.final_sweep()
    _store_scans(engine, rng, season.tally.scans, end)
    _close_outbox(engine, end)
    refresh(engine)  # the reports' copies and day sums, made now rather than by the first look
    report(total, total)
    return _counted(engine, start, end, season.tally, staff)


def has_needs(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Need.id).limit(1)).first() is not None


def empty_season(engine: Engine) -> None:
    """Delete every row but the catalog's, the campaign lists' and the schema version's, in one
    transaction, from this database's own tables; no file is removed. The event log refuses
    deletes (a trigger, migration 0001): on SQLite its triggers are dropped and made again
    within the transaction; PostgreSQL's TRUNCATE does not fire them."""
    present = set(inspect(engine).get_table_names()) - KEPT_TABLES
    known = [t.name for t in reversed(metadata.sorted_tables) if t.name in present]
    tables = known + sorted(present - set(known))  # tables of no model (report copies) last
    if not tables:
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY"))
            return
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        ).all()
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for name, _ in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        for name in tables:
            connection.exec_driver_sql(f'DELETE FROM "{name}"')
        for _, sql in triggers:
            connection.exec_driver_sql(sql)


def _catalog(engine: Engine) -> Catalog:
    with Session(engine) as session:
        if session.exec(select(Bank.id).limit(1)).first() is None:
            save_catalog(session, sample_catalog())
            session.commit()
        return load_catalog(session)


def _staff(engine: Engine, catalog: Catalog, now: datetime) -> tuple[list[DemoStaff], Cast]:
    """A coordinator (of 绍兴市) and an admin; per bank an admin and a manager for each of (up to
    three of) its branches."""
    made: list[DemoStaff] = []
    branch_of: dict[int, str] = {}  # staff id → branch code

    def add(
        session: Session,
        name: str,
        role: Role,
        bank: str | None = None,
        branch: str | None = None,
        region: str | None = None,
    ) -> None:
        user = add_user(
            session, name=name, role=role, bank_code=bank, branch_code=branch, region=region,
            now=now,
        )  # fmt: skip
        made.append(DemoStaff(user.staff_id, user.name, role, bank, user.token))
        branch_of[user.staff_id] = branch or ""

    with Session(engine) as session:
        # A coordinator sees the reports of a region; 绍兴市 has most of the sample's parks.
        add(session, "绍兴市专班联络员（演示）", Role.COORDINATOR, region=COORDINATOR_REGION)
        add(session, "系统管理员（演示）", Role.ADMIN)
        for i, bank in enumerate(catalog.banks):
            add(session, f"{bank.name}管理员（演示）", Role.BANK_ADMIN, bank.code)
            branches = _staffed_branches([b for b in catalog.branches if b.bank == bank.code])
            for j, branch in enumerate(branches):
                name = _MANAGER_NAMES[(i + j) % len(_MANAGER_NAMES)]
                add(session, f"{name}（{branch.name}）", Role.MANAGER, bank.code, branch.code)
        ids = {b.code: b.id or 0 for b in session.exec(select(Bank)).all()}
        rows = session.exec(select(Staff).where(col(Staff.id).in_([s.staff_id for s in made])))
        actors = {s.id: Actor.of(s) for s in rows.all()}
        branch_city = {b.code: b.city for b in catalog.branches}
        cities = {staff: branch_city.get(code, "") for staff, code in branch_of.items()}
    cast = Cast(actors[made[0].staff_id], {}, {}, {})
    for member in made[2:]:
        bank_id, actor = ids[member.bank_code or ""], actors[member.staff_id]
        if member.role is Role.MANAGER:
            cast.managers.setdefault(bank_id, []).append(actor)
            cast.cities[member.staff_id] = cities[member.staff_id]
        else:
            cast.bank_admins[bank_id] = actor
    return made, cast


def _staffed_branches(branches: list[CatalogBranch]) -> list[CatalogBranch]:
    """The branches a bank's demo managers sit in: one in each city the bank serves (its firms
    there are served by their own city's people), then more up to three."""
    first: dict[str, CatalogBranch] = {}
    for branch in branches:
        first.setdefault(branch.city, branch)
    rest = [b for b in branches if b not in first.values()]
    return [*first.values(), *rest[: max(0, 3 - len(first))]]


def _sources(
    engine: Engine, catalog: Catalog, now: datetime
) -> dict[tuple[QrKind, str], list[str]]:
    """QR codes: one per park, some branches' and managers', the 百行进万企 campaign's and the
    Wednesday matching event's, by (kind, park code or city)."""
    tokens: dict[tuple[QrKind, str], list[str]] = {}

    def make(session: Session, kind: QrKind, target: str, label: str, key: str) -> None:
        made = create_source(session, kind=kind, target=target, label=label, now=now)
        tokens.setdefault((kind, key), []).append(made.token)

    with Session(engine) as session:
        for park in catalog.parks:
            make(session, QrKind.PARK, park.code, f"{park.name}贷款码", park.code)
        make(session, QrKind.CAMPAIGN, "百行进万企", "百行进万企 2026", "")
        make(session, QrKind.EVENT, "周三银企对接会", "每周三线上银企对接会", "")
        for city in sorted({b.city for b in catalog.branches}):
            for branch in [b for b in catalog.branches if b.city == city][:3]:
                make(session, QrKind.BRANCH, branch.code, f"{branch.name}贷款码", city)
        staff = session.exec(
            select(Staff).where(Staff.role == Role.MANAGER).order_by(col(Staff.id))
        ).all()
        branch_city = {b.code: b.city for b in catalog.branches}
        for manager in list(staff)[::7]:
            city = _manager_city(session, manager, branch_city)
            make(session, QrKind.MANAGER, str(manager.id), f"{manager.name}的贷款码", city)
    return tokens


def _manager_city(session: Session, manager: Staff, branch_city: dict[str, str]) -> str:
    branch = session.get(Branch, manager.branch_id) if manager.branch_id else None
    return branch_city.get(branch.code, "") if branch else ""


def _store_scans(
    engine: Engine,
    rng: random.Random,
    scans: list[tuple[str, datetime, datetime | None]],
    end: datetime,
) -> None:
    """The funnel's top: each registration's scan, and the scans that went no further (the
    conversation store records them as the bot runs; the demo holds no conversations)."""
    with Session(engine) as session:
        ids = dict(session.exec(select(QrSource.token, QrSource.id)).all())
    made: list[tuple[datetime, int, datetime | None]] = []
    for token, scanned, consented in scans:
        made.append((scanned, ids[token] or 0, consented))
        for _ in range(rng.choices((0, 1, 2), (0.45, 0.4, 0.15))[0]):
            moment = scanned + timedelta(hours=rng.uniform(-72, 72))
            if moment < end:
                agreed = moment + timedelta(seconds=50) if rng.random() < 0.3 else None
                made.append((moment, ids[token] or 0, agreed))
    made.sort(key=lambda row: row[0])
    rows = [{"source_id": s, "scanned_at": at, "consented_at": c} for at, s, c in made]
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(Scan), rows)


def _store_rosters(engine: Engine, entries: list[RosterEntry], now: datetime) -> None:
    """The parks' rosters, as if each park had imported its list before the season."""
    with Session(engine) as session:
        park_ids = dict(session.exec(select(Park.code, Park.id)).all())
        rows = [
            {
                "park_id": park_ids[e.park],
                "line": line,
                "name": e.name,
                "name_key": core_name(e.name),
                "uscc": e.uscc or None,
                "entity_type": e.entity_type,
                "industry": e.industry,
                "existing_banks": list(e.existing_banks),
                "existing_credit_yuan": e.existing_credit_yuan,
                "contact_name": "",
                "phone": "",
                "has_need": e.has_need,
                "imported_at": now,
            }
            for line, e in enumerate(entries, start=2)
        ]
        if rows:
            session.execute(insert(RosterFirm), rows)
        session.commit()


def _close_outbox(engine: Engine, now: datetime) -> None:
    """Settle the notices the season queued: demo firms have no chat and demo staff no Telegram,
    so each is closed with its reason, as the worker would."""
    while True:
        with Session(engine) as session:
            claimed = claim_due(session, now=now, limit=2000)
        if not claimed.given_up and not claimed.deliveries:
            return


def _counted(
    engine: Engine, start: datetime, end: datetime, tally: Tally, staff: list[DemoStaff]
) -> DemoSeason:
    with Session(engine) as session:

        def count(model: type, *where: object) -> int:
            query = select(func.count()).select_from(model)
            return int(session.exec(query.where(*where) if where else query).one())  # type: ignore[arg-type]

        return DemoSeason(
            start=start,
            end=end,
            firms=count(Enterprise),
            needs=count(Need),
            leads=count(Assignment),
            events=count(Event),
            visits=count(Event, col(Event.kind) == "visited"),
            credit_granted=count(Assignment, col(Assignment.credit_granted_at).is_not(None)),
            loans_issued=count(Assignment, col(Assignment.loan_issued_at).is_not(None)),
            sources=count(QrSource),
            scans=count(Scan),
            refused=tally.refused,
            refused_at_limit=tally.refused_at_limit,
            staff=tuple(staff),
        )

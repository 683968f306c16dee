"""A seeded database and firms to register in it, for the storage tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from db.core.unit import Actor
from db.core.vocabulary import Role
from db.intake.catalog_store import save_catalog
from db.intake.register import register_need
from db.models import Bank, Staff
from db.staff.accounts import NewUser, add_user
from matching.data import sample_catalog
from matching.model import Collateral, EntityType, Firm, Need, Purpose, Standards
from matching.registration import Contact, NeedDraft, Registration

# A Monday in a year whose holidays chinese_calendar knows: deadlines are exact.
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in China

# Banks a 越城区 enterprise with property collateral can go to, best first (sample catalog).
YUECHENG_BANKS = ("tlbank", "hxrcb", "mtbank", "rfbank", "sxbank", "abc")


@dataclass
class Seeded:
    """The sample catalog, two managers and an admin per bank, a coordinator and an admin."""

    engine: Engine
    managers: dict[str, list[Actor]] = field(default_factory=dict)
    bank_admins: dict[str, Actor] = field(default_factory=dict)
    coordinator: Actor = field(default_factory=Actor.system)
    admin: Actor = field(default_factory=Actor.system)
    tokens: dict[int, str] = field(default_factory=dict)  # staff id → API token

    def token(self, actor: Actor) -> str:
        assert actor.staff_id is not None
        return self.tokens[actor.staff_id]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def manager(self, bank: str, i: int = 0) -> Actor:
        return self.managers[bank][i]


def seed(engine: Engine, *, managers_per_bank: int = 2) -> Seeded:
    with Session(engine) as session:
        save_catalog(session, sample_catalog())
        session.commit()
    seeded = Seeded(engine)
    users: list[NewUser] = []
    with Session(engine) as session:
        for bank in sample_catalog().banks:
            for i in range(managers_per_bank):
                users.append(
                    add_user(
                        session,
                        name=f"{bank.name}客户经理{i + 1}",
                        role=Role.MANAGER,
                        bank_code=bank.code,
                    )
                )
            users.append(
                add_user(
                    session, name=f"{bank.name}管理员", role=Role.BANK_ADMIN, bank_code=bank.code
                )
            )
        users.append(add_user(session, name="专班联络员", role=Role.COORDINATOR, region="绍兴市"))
        users.append(add_user(session, name="系统管理员", role=Role.ADMIN))
        seeded.tokens = {u.staff_id: u.token for u in users}
        bank_of = {b.id: b.code for b in session.exec(select(Bank)).all()}
        for staff in session.exec(select(Staff).order_by(Staff.id)).all():  # type: ignore[arg-type]
            actor = Actor.of(staff)
            if staff.role == Role.MANAGER:
                seeded.managers.setdefault(bank_of[staff.bank_id], []).append(actor)
            elif staff.role == Role.BANK_ADMIN:
                seeded.bank_admins[bank_of[staff.bank_id]] = actor
            elif staff.role == Role.COORDINATOR:
                seeded.coordinator = actor
            else:
                seeded.admin = actor
    return seeded


def firm(**changes: Any) -> Firm:
    base = Firm(
        entity_type=EntityType.ENTERPRISE,
        name="绍兴蓝宇新材料有限公司",
        city="绍兴市",
        county="越城区",
        industry="新材料",
        months_operating=36,
    )
    return replace(base, **changes)


def need(**changes: Any) -> Need:
    base = Need(
        amount_yuan=1_000_000,
        purpose=Purpose.WORKING_CAPITAL,
        term_months=12,
        collateral=frozenset({Collateral.PROPERTY}),
    )
    return replace(base, **changes)


def register(seeded: Seeded, *, now: datetime = MONDAY, **kwargs: Any) -> Registration:
    """Register through `register_need`: the draft's parts (`firm`, `need`, `standards`,
    `contact`, `source_token`) default to a 越城区 firm's need, the rest is passed on."""
    draft = NeedDraft(
        firm=kwargs.pop("firm", None) or firm(),
        need=kwargs.pop("need", None) or need(),
        standards=kwargs.pop("standards", None) or Standards(),
        contact=kwargs.pop("contact", Contact("王经理", "13800138000")),
        source=kwargs.pop("source_token", None),
    )
    kwargs.setdefault("chat_id", 1001)
    with seeded.session() as session:
        return register_need(session, draft=draft, now=now, **kwargs)

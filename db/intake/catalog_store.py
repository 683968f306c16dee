"""The catalog in the database: load a `matching.Catalog` from it (cached), and upsert one into it.

The database is the catalog's home once `yinqi init` or `yinqi catalog load` has run; the use
cases match against what is stored here. Every change writes a new catalog version, which is
what the per-process cache is keyed by.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, SQLModel, col, select

from db.models import (
    Bank,
    Branch,
    GuaranteeProduct,
    LoanProduct,
    Park,
    ParkLead,
    ParkPartner,
    Setting,
)
from matching import catalog as m
from matching.model import Collateral, EntityType, Purpose, Tag

VERSION_KEY = "catalog_version"
SAMPLE_KEY = "catalog_sample"

_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], m.Catalog] = {}


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What an upsert changed, per kind of entry."""

    added: dict[str, int]
    updated: dict[str, int]

    @property
    def changed(self) -> bool:
        return any(self.added.values()) or any(self.updated.values())


_VERSION = select(col(Setting.value)).where(col(Setting.key) == VERSION_KEY)


def catalog_version(session: Session) -> str | None:
    """The stored catalog's version (a new one each time it changes); None before any."""
    value: str | None = session.exec(_VERSION).first()
    return value


def load_catalog(session: Session) -> m.Catalog:
    """The stored catalog as the matching core sees it; built once per catalog version."""
    version = catalog_version(session)
    if version is None:
        return m.Catalog.of(banks=(), branches=())
    bind = session.get_bind()
    key = (str(bind.engine.url) if hasattr(bind, "engine") else str(id(bind)), version)
    with _cache_lock:
        found = _cache.get(key)
    if found is None:
        found = _build(session)
        with _cache_lock:
            _cache.clear()  # one catalog per database is current; old versions are dead
            _cache[key] = found
    return found


def _build(session: Session) -> m.Catalog:
    banks = session.exec(select(Bank).order_by(Bank.code)).all()
    code_of = {b.id: b.code for b in banks}
    parks = session.exec(select(Park).order_by(Park.code)).all()
    partners: dict[int, list[tuple[int, str]]] = {}
    for row in session.exec(select(ParkPartner)).all():
        partners.setdefault(row.park_id, []).append((row.position, code_of[row.bank_id]))
    branch_code = {br.id: br.code for br in session.exec(select(Branch)).all()}
    leads = {
        lead.park_id: m.LeadBranch(
            branch_code[lead.branch_id], lead.since, lead.contact, lead.phone
        )
        for lead in session.exec(select(ParkLead)).all()
    }
    sample = session.get(Setting, SAMPLE_KEY)
    return m.Catalog.of(
        banks=[m.Bank(b.code, b.name, tuple(b.aliases), frozenset(b.service_area)) for b in banks],
        branches=[
            m.Branch(br.code, code_of[br.bank_id], br.name, br.city, br.county)
            for br in session.exec(select(Branch).order_by(Branch.code)).all()
        ],
        parks=[
            m.Park(
                p.code,
                p.name,
                p.city,
                p.county,
                p.stars,
                tuple(code for _, code in sorted(partners.get(p.id or 0, []))),
                leads.get(p.id or 0),
            )
            for p in parks
        ],
        products=[
            _product(p, code_of[p.bank_id])
            for p in session.exec(select(LoanProduct).order_by(LoanProduct.code)).all()
        ],
        guarantees=[
            _guarantee(g)
            for g in session.exec(select(GuaranteeProduct).order_by(GuaranteeProduct.code)).all()
        ],
        sample=sample is not None and sample.value == "true",
        source="database",
    )


def _product(p: LoanProduct, bank_code: str) -> m.LoanProduct:
    return m.LoanProduct(
        code=p.code,
        bank=bank_code,
        name=p.name,
        amount_min_yuan=p.amount_min_yuan,
        amount_max_yuan=p.amount_max_yuan,
        entity_types=frozenset(EntityType(v) for v in p.entity_types),
        purposes=frozenset(Purpose(v) for v in p.purposes),
        max_term_months=p.max_term_months,
        collateral_required=p.collateral_required,
        collateral_accepted=frozenset(Collateral(v) for v in p.collateral_accepted),
        requires_any_tag=frozenset(Tag(v) for v in p.requires_any_tag),
        regions=frozenset(p.regions),
        exclusive_group=p.exclusive_group,
        needs_guarantee=p.needs_guarantee,
        existing_customers_only=p.existing_customers_only,
        min_months_operating=p.min_months_operating,
        rate=p.rate,
    )


def _guarantee(g: GuaranteeProduct) -> m.GuaranteeProduct:
    return m.GuaranteeProduct(
        code=g.code,
        name=g.name,
        guarantor=g.guarantor,
        amount_cap_yuan=g.amount_cap_yuan,
        fee_rate_pct=g.fee_rate_pct,
        entity_types=frozenset(EntityType(v) for v in g.entity_types),
        purposes=frozenset(Purpose(v) for v in g.purposes),
        requires_any_tag=frozenset(Tag(v) for v in g.requires_any_tag),
        regions=frozenset(g.regions),
        tag_caps_yuan=tuple(sorted((Tag(k), v) for k, v in g.tag_caps.items())),
        note=g.note,
        backs_loans=g.backs_loans,
    )


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(str(v) for v in values)


def save_catalog(session: Session, catalog: m.Catalog) -> LoadReport:
    """Upsert every entry of `catalog` by code (entries not in it are kept); does not commit.

    A park's partner banks are replaced by the ones the catalog lists.
    """
    added: dict[str, int] = {}
    updated: dict[str, int] = {}

    def put(kind: str, model: type[SQLModel], code: str, values: dict[str, object]) -> SQLModel:
        row = session.exec(select(model).where(model.code == code)).first()  # type: ignore[attr-defined]
        if row is None:
            row = model(code=code, **values)
            session.add(row)
            added[kind] = added.get(kind, 0) + 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            updated[kind] = updated.get(kind, 0) + 1
        session.flush()
        return row

    bank_ids: dict[str, int] = {}
    for b in catalog.banks:
        row = put(
            "banks",
            Bank,
            b.code,
            {"name": b.name, "aliases": list(b.aliases), "service_area": _sorted(b.service_area)},
        )
        bank_ids[b.code] = row.id  # type: ignore[attr-defined]
    branch_ids: dict[str, int] = {}
    for br in catalog.branches:
        values = {"bank_id": bank_ids[br.bank], "name": br.name, "city": br.city}
        row = put("branches", Branch, br.code, values | {"county": br.county})
        branch_ids[br.code] = row.id  # type: ignore[attr-defined]
    for p in catalog.parks:
        values = {"name": p.name, "city": p.city, "county": p.county, "stars": p.stars}
        park = put("parks", Park, p.code, values)
        _replace_partners(session, park.id, [bank_ids[c] for c in p.partner_banks], updated)  # type: ignore[attr-defined]
        _replace_lead(session, park.id, p.lead, branch_ids, updated)  # type: ignore[attr-defined]
    for product in catalog.products:
        put("products", LoanProduct, product.code, _product_values(product, bank_ids))
    for g in catalog.guarantees:
        put("guarantees", GuaranteeProduct, g.code, _guarantee_values(g))
    if any(added.values()) or any(updated.values()) or catalog_version(session) is None:
        _set(session, VERSION_KEY, uuid.uuid4().hex)
        _set(session, SAMPLE_KEY, "true" if catalog.sample else "false")
    return LoadReport(added, updated)


def _replace_partners(
    session: Session, park_id: int, bank_ids: list[int], updated: dict[str, int]
) -> None:
    query = select(ParkPartner).where(ParkPartner.park_id == park_id)
    current = session.exec(query.order_by(col(ParkPartner.position))).all()
    if [row.bank_id for row in current] == bank_ids:
        return
    if current:
        updated["parks"] = updated.get("parks", 0) + 1
    session.execute(delete(ParkPartner).where(ParkPartner.park_id == park_id))  # type: ignore[arg-type]
    session.add_all(
        ParkPartner(park_id=park_id, bank_id=bank_id, position=i)
        for i, bank_id in enumerate(bank_ids)
    )
    session.flush()


def _replace_lead(
    session: Session,
    park_id: int,
    lead: m.LeadBranch | None,
    branch_ids: dict[str, int],
    updated: dict[str, int],
) -> None:
    """The park's lead branch as the catalog says (none when it names none)."""
    current = session.get(ParkLead, park_id)
    wanted = None
    if lead is not None:
        wanted = ParkLead(
            park_id=park_id, branch_id=branch_ids[lead.branch], since=lead.since,
            contact=lead.contact, phone=lead.phone,
        )  # fmt: skip
    same = (current is None and wanted is None) or (
        current is not None and wanted is not None and current.model_dump() == wanted.model_dump()
    )
    if same:
        return
    if current is not None:
        session.delete(current)
        session.flush()
    if wanted is not None:
        session.add(wanted)
    updated["parks"] = updated.get("parks", 0) + 1
    session.flush()


def _product_values(p: m.LoanProduct, bank_ids: dict[str, int]) -> dict[str, object]:
    return {
        "bank_id": bank_ids[p.bank],
        "name": p.name,
        "amount_min_yuan": p.amount_min_yuan,
        "amount_max_yuan": p.amount_max_yuan,
        "entity_types": _sorted(p.entity_types),
        "purposes": _sorted(p.purposes),
        "max_term_months": p.max_term_months,
        "collateral_required": p.collateral_required,
        "collateral_accepted": _sorted(p.collateral_accepted),
        "requires_any_tag": _sorted(p.requires_any_tag),
        "regions": _sorted(p.regions),
        "exclusive_group": p.exclusive_group,
        "needs_guarantee": p.needs_guarantee,
        "existing_customers_only": p.existing_customers_only,
        "min_months_operating": p.min_months_operating,
        "rate": p.rate,
    }


def _guarantee_values(g: m.GuaranteeProduct) -> dict[str, object]:
    return {
        "name": g.name,
        "guarantor": g.guarantor,
        "amount_cap_yuan": g.amount_cap_yuan,
        "fee_rate_pct": g.fee_rate_pct,
        "entity_types": _sorted(g.entity_types),
        "purposes": _sorted(g.purposes),
        "requires_any_tag": _sorted(g.requires_any_tag),
        "regions": _sorted(g.regions),
        "tag_caps": {str(tag): cap for tag, cap in g.tag_caps_yuan},
        "note": g.note,
        "backs_loans": g.backs_loans,
    }


def _set(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()

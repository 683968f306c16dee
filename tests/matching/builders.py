"""Small builders so rule tests read like the policy text."""

from __future__ import annotations

from matching.catalog import Catalog
from matching.data import sample_catalog
from matching.engine import match
from matching.model import (
    Collateral,
    EntityType,
    Firm,
    MatchResult,
    Need,
    Purpose,
    Standards,
    Tag,
)

CATALOG: Catalog = sample_catalog()
ALL_GOOD = Standards()


def firm(
    entity_type: EntityType = EntityType.ENTERPRISE,
    *,
    city: str = "绍兴市",
    county: str = "越城区",
    existing_banks: tuple[str, ...] = (),
    existing_credit_yuan: int = 0,
    tags: frozenset[Tag] = frozenset(),
    park: str = "",
    name: str = "测试企业",
) -> Firm:
    return Firm(
        entity_type=entity_type,
        name=name,
        city=city,
        county=county,
        park=park,
        tags=tags,
        existing_banks=existing_banks,
        existing_credit_yuan=existing_credit_yuan,
    )


def need(
    amount_yuan: int = 1_000_000,
    purpose: Purpose = Purpose.WORKING_CAPITAL,
    *,
    term_months: int = 12,
    collateral: frozenset[Collateral] = frozenset({Collateral.NONE}),
    products: tuple[str, ...] = (),
) -> Need:
    return Need(
        amount_yuan=amount_yuan,
        purpose=purpose,
        term_months=term_months,
        collateral=collateral,
        products=products,
    )


def run(f: Firm, n: Need, standards: Standards = ALL_GOOD, **kwargs: object) -> MatchResult:
    return match(f, n, CATALOG, standards=standards, **kwargs)  # type: ignore[arg-type]


def bank_names(result: MatchResult) -> list[str]:
    return [b.bank for b in result.banks]


def products(result: MatchResult) -> list[str]:
    return [p for b in result.banks for p in b.products]


def guarantee_names(result: MatchResult) -> list[str]:
    return [g.name for g in result.guarantees]

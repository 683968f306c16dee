"""A generated, province-sized catalog (Zhejiang's 11 cities, 90 counties) for benchmarks."""

from __future__ import annotations

import random
from decimal import Decimal

from matching.catalog import Bank, Branch, Catalog, GuaranteeProduct, LoanProduct, Park
from matching.model import Collateral, EntityType, Purpose, Tag
from matching.regions import ZHEJIANG_CITIES

NATIONAL = ["工商银行", "农业银行", "中国银行", "建设银行", "交通银行", "邮储银行", "招商银行",
            "浙商银行", "兴业银行", "中信银行", "民生银行", "光大银行"]
COUNTIES = [(city, county) for city, counties in ZHEJIANG_CITIES.items() for county in counties]
AMOUNTS = [10_000, 50_000, 100_000, 300_000, 500_000, 1_000_000, 2_000_000, 3_000_000,
           5_000_000, 10_000_000, 20_000_000, 50_000_000]


def _banks(rng: random.Random) -> tuple[list[Bank], list[Branch]]:
    banks: list[Bank] = []
    branches: list[Branch] = []
    for i, name in enumerate(NATIONAL):
        banks.append(Bank(f"nat{i}", name, (name[:1] + "行",)))
        for city, county in rng.sample(COUNTIES, 60):
            branches.append(Branch(f"nat{i}-{len(branches)}", f"nat{i}", f"{name}{county}支行",
                                   city, county))
    for i in range(88):
        city, county = rng.choice(COUNTIES)
        name = f"{county.rstrip('区县市')}农商银行{i}"
        banks.append(Bank(f"loc{i}", name))
        counties = [c for c in ZHEJIANG_CITIES[city] if c != county]
        for c in [county, *rng.sample(counties, min(len(counties), rng.randint(0, 6)))]:
            branches.append(Branch(f"loc{i}-{len(branches)}", f"loc{i}", f"{name}{c}支行", city, c))
    return banks, branches


def _product(rng: random.Random, bank: Bank, n: int, cities: list[str], group: str | None
             ) -> LoanProduct:
    low = rng.choice(AMOUNTS[:6])
    high = rng.choice([a for a in AMOUNTS if a > low])
    required = rng.random() < 0.35
    return LoanProduct(
        code=f"{bank.code}-p{n}", bank=bank.code, name=f"{bank.name}产品{n}",
        amount_min_yuan=low, amount_max_yuan=high,
        entity_types=frozenset(rng.sample(list(EntityType), rng.randint(1, 4))),
        purposes=frozenset(rng.sample(list(Purpose), rng.randint(1, 3))),
        max_term_months=rng.choice([12, 24, 36, 60, 120]),
        collateral_required=required,
        collateral_accepted=frozenset(rng.sample(
            [c for c in Collateral if c is not Collateral.NONE], rng.randint(1, 3)))
        if required else frozenset(),
        requires_any_tag=frozenset(rng.sample(list(Tag), rng.randint(1, 2)))
        if rng.random() < 0.25 else frozenset(),
        regions=frozenset(rng.sample(cities, 1)) if rng.random() < 0.2 else frozenset(),
        exclusive_group=group,
        needs_guarantee=not required and rng.random() < 0.15,
        existing_customers_only=rng.random() < 0.05,
    )


def province_catalog(seed: int = 1) -> Catalog:
    """≥100 banks, ≥1,000 branches, ≥800 parks, ≥3,000 products, ≥50 guarantee products."""
    rng = random.Random(seed)
    banks, branches = _banks(rng)
    cities_of: dict[str, list[str]] = {}
    for br in branches:
        cities_of.setdefault(br.bank, []).append(br.city)
    products = [
        _product(rng, bank, n, cities_of[bank.code],
                 f"group{rng.randint(0, 20)}" if rng.random() < 0.05 else None)
        for bank in banks for n in range(rng.randint(24, 38))
    ]
    by_city: dict[str, list[str]] = {}
    for br in branches:
        by_city.setdefault(br.city, []).append(br.bank)
    parks = []
    for i in range(820):
        city, county = rng.choice(COUNTIES)
        partners = rng.sample(sorted(set(by_city[city])), rng.randint(3, 5))
        parks.append(Park(f"park{i}", f"{county}小微企业园{i}", city, county, rng.randint(1, 5),
                          tuple(partners)))
    guarantees = [
        GuaranteeProduct(
            code=f"g{i}", name=f"担保产品{i}", guarantor=f"{city}融资担保有限公司",
            amount_cap_yuan=rng.choice([1_000_000, 3_000_000, 5_000_000, 10_000_000]),
            fee_rate_pct=Decimal(rng.choice(["0", "0.3", "0.5", "0.8", "1"])),
            entity_types=frozenset(rng.sample(list(EntityType), rng.randint(1, 4))),
            purposes=frozenset(rng.sample(list(Purpose), rng.randint(1, 4))),
            requires_any_tag=frozenset(rng.sample(list(Tag), 1)) if rng.random() < 0.4
            else frozenset(),
            regions=frozenset({city}),
        )
        for i, city in enumerate(rng.choice(list(ZHEJIANG_CITIES)) for _ in range(60))
    ]
    return Catalog.of(banks=banks, branches=branches, parks=parks, products=products,
                      guarantees=guarantees, sample=True, source="generated province")

"""Benchmark: one match on a province-sized catalog, p50/p99 over 10,000 random needs.

Target (issue "Matching core"): p99 ≤ 2 ms per match.
Run: python bench/matching.py [--needs 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.province_catalog import COUNTIES, province_catalog
from matching.catalog import Catalog
from matching.engine import match
from matching.model import (
    Collateral,
    EntityType,
    Firm,
    Need,
    Purpose,
    Standards,
    Tag,
)

TARGET_P99_MS = 2.0


def random_request(rng: random.Random, catalog: Catalog) -> tuple[Firm, Need, Standards]:
    city, county = rng.choice(COUNTIES)
    parks = [p.name for p in catalog.parks if p.county == county]
    typed_banks = [rng.choice(catalog.banks).name + rng.choice(["", "营业部", f"{county}支行"])
                   for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
    firm = Firm(
        entity_type=rng.choice(list(EntityType)), name=f"企业{rng.randint(0, 10**6)}",
        city=city, county=county, park=rng.choice(parks) if parks and rng.random() < 0.5 else "",
        tags=frozenset(rng.sample(list(Tag), rng.randint(0, 2))), existing_banks=tuple(typed_banks),
        existing_credit_yuan=rng.choice([0, 0, 500_000, 3_000_000, 9_000_000, 20_000_000]),
    )
    need = Need(
        amount_yuan=rng.choice([50_000, 200_000, 1_000_000, 3_000_000, 5_000_000, 12_000_000]),
        purpose=rng.choice(list(Purpose)), term_months=rng.choice([6, 12, 24, 36, 60]),
        collateral=frozenset(rng.sample(list(Collateral), rng.randint(1, 2))),
    )
    return firm, need, Standards(good_credit=rng.random() > 0.05)


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    catalog = province_catalog(args.seed)
    built = time.perf_counter() - started
    print(f"catalog: {len(catalog.banks)} banks, {len(catalog.branches)} branches, "
          f"{len(catalog.parks)} parks, {len(catalog.products)} products, "
          f"{len(catalog.guarantees)} guarantee products (built in {built:.2f} s)")

    rng = random.Random(args.seed)
    requests = [random_request(rng, catalog) for _ in range(args.needs)]
    for explain in (False, True):
        for firm, need, standards in requests[:200]:  # warm caches
            match(firm, need, catalog, standards=standards, explain=explain)
        times: list[float] = []
        routes: dict[str, int] = {}
        for i, (firm, need, standards) in enumerate(requests):
            t0 = time.perf_counter_ns()
            result = match(firm, need, catalog, standards=standards, loads={}, rotation=i,
                           explain=explain)
            times.append((time.perf_counter_ns() - t0) / 1e6)
            routes[result.route.value] = routes.get(result.route.value, 0) + 1
        times.sort()
        p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
        label = "match(explain=True)" if explain else "match"
        print(f"{label}: {len(times)} needs  p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
              f"mean {statistics.fmean(times):.3f} ms  max {times[-1]:.2f} ms")
        if not explain:
            print(f"routes: {dict(sorted(routes.items()))}")
            verdict = "MEETS" if p99 <= TARGET_P99_MS else "MISSES"
            print(f"target p99 ≤ {TARGET_P99_MS} ms: {verdict} "
                  f"(p99 is {p99 / TARGET_P99_MS:.2f}× the target)")


if __name__ == "__main__":
    main()

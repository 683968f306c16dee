"""The questions the rules need: whether months in business decide a fit, and which product
of a mutually exclusive group (慧谷创业贷 / 科技贷, 004) a firm wants when several fit it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from matching.catalog import Catalog, LoanProduct
from matching.engine import fitting_offers
from matching.model import Firm, Need


@dataclass(frozen=True, slots=True)
class ProductOption:
    """A product of an exclusive group the firm qualifies for, and what it gives."""

    name: str
    group: str
    banks: tuple[str, ...]
    amount_min_yuan: int
    amount_max_yuan: int
    max_term_months: int
    rate: str
    collateral_free: bool


def months_matter(firm: Firm, need: Need, catalog: Catalog) -> bool:
    """Whether a product that would fit this need wants a time in business: only then is the
    firm asked how long it has traded (a firm that does not say is judged without it)."""
    unknown = replace(firm, months_operating=None)
    return any(p.min_months_operating > 0 for _, p in fitting_offers(unknown, need, catalog))


def exclusive_choices(firm: Firm, need: Need, catalog: Catalog) -> tuple[ProductOption, ...]:
    """The products of each exclusive group of which more than one fits the firm, so it may
    choose (otherwise the best-ranked bank's would be taken and the other banks dropped)."""
    banks: dict[str, list[str]] = {}
    products: dict[str, LoanProduct] = {}
    for bank, product in fitting_offers(firm, need, catalog):
        if product.exclusive_group:
            products.setdefault(product.name, product)
            banks.setdefault(product.name, []).append(bank)
    groups: dict[str, list[LoanProduct]] = {}
    for product in products.values():
        groups.setdefault(product.exclusive_group or "", []).append(product)
    return tuple(
        _option(p, tuple(dict.fromkeys(banks[p.name])))
        for _, members in sorted(groups.items())
        if len(members) > 1
        for p in sorted(members, key=lambda p: p.name)
    )


def _option(product: LoanProduct, banks: tuple[str, ...]) -> ProductOption:
    return ProductOption(
        name=product.name,
        group=product.exclusive_group or "",
        banks=banks,
        amount_min_yuan=product.amount_min_yuan,
        amount_max_yuan=product.amount_max_yuan,
        max_term_months=product.max_term_months,
        rate=product.rate,
        collateral_free=not product.collateral_required,
    )

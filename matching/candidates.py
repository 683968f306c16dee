"""Candidate banks for a need: which fit, how they rank, which are picked under the limit."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from matching.catalog import Bank, Branch, Catalog, GuaranteeProduct, LoanProduct
from matching.i18n import Text
from matching.model import Blocked, Firm, Need, PassedOver
from matching.rules import ExistingBanks, misfit_reason, product_misfit
from matching.textnorm import squash


@dataclass(frozen=True, slots=True)
class Candidate:
    """A bank near the firm with at least one fitting product, and what ranks it."""

    bank: Bank
    branch: Branch
    products: tuple[LoanProduct, ...]
    existing: bool
    partner: bool
    requested: bool
    local: bool
    load: int
    spin: int


@dataclass(frozen=True, slots=True)
class Context:
    """What every candidate bank is judged against."""

    firm: Firm
    need: Need
    existing: ExistingBanks
    live_banks: frozenset[str]
    guarantees: tuple[GuaranteeProduct, ...]  # loan guarantees that fit the need
    partners: tuple[str, ...]
    loads: Mapping[str, int]
    spin_key: int
    explain: bool
    held: Mapping[str, str] = field(default_factory=dict)  # exclusive group → product held


Chosen = list[tuple[Candidate, tuple[LoanProduct, ...]]]


def find_candidates(
    catalog: Catalog, ctx: Context
) -> tuple[list[Candidate], tuple[PassedOver, ...]]:
    """Banks with a branch in the firm's city and a fitting product, minus those already on it."""
    firm = ctx.firm
    candidates: list[Candidate] = []
    passed: list[PassedOver] = []
    requested = {squash(p) for p in ctx.need.products}
    for bank in catalog.banks_in(firm.city):
        if bank.code in ctx.live_banks or not bank.serves(firm.city, firm.county):
            continue
        fitting = _fitting_products(catalog, bank, ctx, passed)
        branch = catalog.branch_for(bank.code, firm.city, firm.county)
        if not fitting or branch is None:
            continue
        asked = [p for p in fitting if squash(p.name) in requested] if requested else []
        fitting.sort(key=lambda p: (p not in asked, p.code))
        candidates.append(
            Candidate(
                bank=bank,
                branch=branch,
                products=tuple(fitting),
                existing=bank.code in ctx.existing.codes,
                partner=bank.code in ctx.partners,
                requested=bool(asked),
                local=branch.county == firm.county,
                load=ctx.loads.get(bank.code, 0),
                spin=zlib.crc32(f"{ctx.spin_key}:{bank.code}".encode()),
            )
        )
    return candidates, tuple(passed)


def _fitting_products(
    catalog: Catalog, bank: Bank, ctx: Context, passed: list[PassedOver]
) -> list[LoanProduct]:
    """The bank's products for the need's purpose that fit; with `explain`, why the others don't."""
    firm, need = ctx.firm, ctx.need
    is_customer = bank.code in ctx.existing.codes
    fitting: list[LoanProduct] = []
    for product in catalog.offers(bank.code, need.purpose):
        misfit = product_misfit(
            product, firm, need, is_customer=is_customer, guarantee_available=bool(ctx.guarantees)
        )
        if misfit is None:
            fitting.append(product)
        elif ctx.explain:
            reason = misfit_reason(misfit, product, firm, need)
            passed.append(PassedOver(bank.name, product.name, reason))
    return fitting


def rank(candidates: list[Candidate], need: Need) -> list[Candidate]:
    """Renewals at the firm's own banks first, then park partners, the product asked for,
    a branch in the county, fewest open leads, and a stable rotation (never catalog order)."""
    renewal = need.is_renewal
    return sorted(
        candidates,
        key=lambda c: (
            not (renewal and c.existing),
            not c.partner,
            not c.requested,
            not c.local,
            c.load,
            c.spin,
        ),
    )


def group_preferences(ranked: list[Candidate], asked: tuple[str, ...]) -> dict[str, str]:
    """For each exclusive group, the product the firm asked for first among those that fit."""
    fitting = {squash(p.name): p for c in ranked for p in c.products if p.exclusive_group}
    preferred: dict[str, str] = {}
    for name in asked:
        product = fitting.get(squash(name))
        if product is not None and product.exclusive_group is not None:
            preferred.setdefault(product.exclusive_group, product.name)
    return preferred


def pick(
    ranked: list[Candidate],
    new_slots: int,
    asked: tuple[str, ...] = (),
    held: Mapping[str, str] | None = None,
) -> tuple[Chosen, tuple[Blocked, ...]]:
    """Walk the ranking: banks already lending cost no slot, new banks up to `new_slots`;
    a firm may take only one product of each mutually exclusive group: the one it already
    holds (`held`: group → product, from earlier needs), else the one it asked for first, else
    the one of the best-ranked bank."""
    chosen: list[tuple[Candidate, tuple[LoanProduct, ...]]] = []
    held = held or {}
    taken = {**group_preferences(ranked, asked), **held}
    dropped: dict[str, list[str]] = {}
    new = 0
    for cand in ranked:
        if not cand.existing and new >= new_slots:
            break
        products: list[LoanProduct] = []
        for p in cand.products:
            group = p.exclusive_group
            if group is not None and taken.get(group, p.name) != p.name:
                dropped.setdefault(group, []).append(p.name)
                continue
            if group is not None:
                taken[group] = p.name
            products.append(p)
        if products:
            chosen.append((cand, tuple(products)))
            new += not cand.existing
    blocked = tuple(
        Blocked(
            "exclusive_group",
            Text.of(
                "blocked.exclusive_held" if group in held else "blocked.exclusive_group",
                chosen=taken[group],
                dropped=tuple(dict.fromkeys(names)),
            ),
        )
        for group, names in dropped.items()
    )
    return chosen, blocked


def held_groups(catalog: Catalog, held: frozenset[str]) -> dict[str, str]:
    """The exclusive groups of the products a firm already holds (named as banks record them),
    each with the product held."""
    names = {squash(name) for name in held}
    return {
        p.exclusive_group: p.name
        for p in catalog.products
        if p.exclusive_group and squash(p.name) in names
    }

"""`match`: from a firm and its need to a route, the banks to offer it to, and guarantees."""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from matching.catalog import Bank, Branch, Catalog, GuaranteeProduct, LoanProduct
from matching.i18n import Text
from matching.model import (
    BankChoice,
    Blocked,
    Firm,
    GuaranteeChoice,
    MatchResult,
    Need,
    PassedOver,
    Purpose,
    Route,
    Standard,
    Standards,
)
from matching.policy import DEFAULT_POLICY, Policy
from matching.reasons import bank_reasons, limit_notes, standard_blocks
from matching.rules import (
    ExistingBanks,
    bank_limit,
    banks_serving,
    credit_tier,
    existing_banks,
    guarantee_fits,
    misfit_reason,
    product_misfit,
)


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


def match(
    firm: Firm,
    need: Need,
    catalog: Catalog,
    policy: Policy = DEFAULT_POLICY,
    *,
    standards: Standards,
    loads: Mapping[str, int] | None = None,
    live_banks: frozenset[str] = frozenset(),
    rotation: int | None = None,
    explain: bool = False,
) -> MatchResult:
    """Match a need to banks and guarantees without ever exceeding the firm's bank limit.

    `loads` maps bank codes to their open leads (fewest first breaks ties); `live_banks` are banks
    already holding a live assignment for this firm; `rotation` varies the order of otherwise
    equal banks (default: derived from the firm) so no bank wins ties by catalog order.
    """
    existing = existing_banks(firm, catalog)
    limit = bank_limit(firm, need, policy)
    serving = banks_serving(existing, live_banks)
    slots = None if limit is None else max(0, limit - serving)
    park = catalog.park(firm.park)
    base = MatchResult(
        route=Route.COORDINATION,
        tier=credit_tier(need.amount_yuan, policy),
        bank_limit=limit,
        banks_serving=serving,
        slots_left=slots,
        banks=(),
        guarantees=(),
        notes=limit_notes(firm, need, existing, limit, serving, slots, park_known=park is not None),
        existing_bank_codes=existing.codes,
        first_loan=firm.first_loan,
    )
    failed = standards.failed()
    if failed:
        route = Route.CREDIT_REPAIR if failed == (Standard.GOOD_CREDIT,) else Route.COORDINATION
        return replace(base, route=route, blocked=standard_blocks(failed))
    guarantees = _fitting_guarantees(firm, need, catalog, policy)
    spin_key = rotation if rotation is not None else zlib.crc32((firm.uscc or firm.name).encode())
    partners = park.partner_banks if park else ()
    candidates, passed = _candidates(
        firm,
        need,
        catalog,
        live_banks,
        existing,
        guarantees,
        partners,
        loads or {},
        spin_key,
        explain,
    )
    renewal = need.purpose is Purpose.RENEWAL
    ranked = sorted(
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
    if slots == 0:
        chosen, blocked = _pick([c for c in ranked if c.existing], 0, need)
        blocked = (
            Blocked("bank_limit", Text.of("blocked.bank_limit", limit=limit, serving=serving)),
            *blocked,
        )
        route = Route.EXISTING_BANKS_ONLY
    else:
        pool = [c for c in ranked if renewal or not c.existing]
        chosen, blocked = _pick(pool, policy.max_banks_listed if slots is None else slots, need)
        route = Route.ASSIGN if chosen else Route.COORDINATION
        if not chosen:
            blocked = (*blocked, _nothing_fits(firm, catalog, only_existing=bool(candidates)))
    park_name = park.name if park else ""
    return replace(
        base,
        route=route,
        blocked=blocked,
        passed_over=passed,
        banks=tuple(_choice(c, ps, firm, need, guarantees, park_name) for c, ps in chosen),
        guarantees=tuple(_guarantee(g) for g in guarantees[: policy.max_guarantees_listed]),
    )


def _fitting_guarantees(
    firm: Firm, need: Need, catalog: Catalog, policy: Policy
) -> tuple[GuaranteeProduct, ...]:
    """Guarantee products that cover the need, cheapest fee first."""
    fitting = [g for g in catalog.guarantees if guarantee_fits(g, firm, need)]
    return tuple(sorted(fitting, key=lambda g: (g.fee_rate_pct, -g.cap_for(firm.tags), g.code)))


def _candidates(
    firm: Firm,
    need: Need,
    catalog: Catalog,
    live_banks: frozenset[str],
    existing: ExistingBanks,
    guarantees: tuple[GuaranteeProduct, ...],
    partners: tuple[str, ...],
    loads: Mapping[str, int],
    spin_key: int,
    explain: bool,
) -> tuple[list[Candidate], tuple[PassedOver, ...]]:
    """Banks with a branch in the firm's city and a fitting product, minus those already on it."""
    candidates: list[Candidate] = []
    passed: list[PassedOver] = []
    requested = {_plain(p) for p in need.products}
    for bank in catalog.banks_in(firm.city):
        if bank.code in live_banks:
            continue
        is_customer = bank.code in existing.codes
        fitting: list[LoanProduct] = []
        for product in catalog.offers(bank.code, need.purpose):
            misfit = product_misfit(
                product, firm, need, is_customer=is_customer, guarantee_available=bool(guarantees)
            )
            if misfit is None:
                fitting.append(product)
            elif explain:
                passed.append(
                    PassedOver(bank.name, product.name, misfit_reason(misfit, product, firm, need))
                )
        branch = catalog.branch_for(bank.code, firm.city, firm.county)
        if not fitting or branch is None:
            continue
        fitting.sort(key=lambda p: (_plain(p.name) not in requested, p.code))
        candidates.append(
            Candidate(
                bank=bank,
                branch=branch,
                products=tuple(fitting),
                existing=is_customer,
                partner=bank.code in partners,
                requested=any(_plain(p.name) in requested for p in fitting),
                local=branch.county == firm.county,
                load=loads.get(bank.code, 0),
                spin=zlib.crc32(f"{spin_key}:{bank.code}".encode()),
            )
        )
    return candidates, tuple(passed)


def _plain(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().replace(" ", "")


def _pick(
    ranked: list[Candidate], new_slots: int, need: Need
) -> tuple[list[tuple[Candidate, tuple[LoanProduct, ...]]], tuple[Blocked, ...]]:
    """Walk the ranking: banks already lending cost no slot, new banks up to `new_slots`;
    a firm may take only one product of each mutually exclusive group."""
    chosen: list[tuple[Candidate, tuple[LoanProduct, ...]]] = []
    taken: dict[str, str] = {}
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
                "blocked.exclusive_group", chosen=taken[group], dropped=tuple(dict.fromkeys(names))
            ),
        )
        for group, names in dropped.items()
    )
    return chosen, blocked


def _choice(
    cand: Candidate,
    products: tuple[LoanProduct, ...],
    firm: Firm,
    need: Need,
    guarantees: tuple[GuaranteeProduct, ...],
    park_name: str,
) -> BankChoice:
    return BankChoice(
        bank_code=cand.bank.code,
        bank=cand.bank.name,
        branch=cand.branch.name,
        products=tuple(p.name for p in products),
        existing=cand.existing,
        reasons=bank_reasons(
            cand.bank.name,
            cand.branch,
            products,
            firm,
            need,
            guarantees,
            existing=cand.existing,
            partner_of=park_name if cand.partner else "",
            requested=cand.requested,
        ),
    )


def _guarantee(g: GuaranteeProduct) -> GuaranteeChoice:
    return GuaranteeChoice(
        code=g.code,
        name=g.name,
        guarantor=g.guarantor,
        fee_rate_pct=f"{g.fee_rate_pct}",
        reasons=(
            Text.of(
                "guarantee.fits",
                name=g.name,
                guarantor=g.guarantor,
                fee=f"{g.fee_rate_pct}",
                note=g.note or g.name,
            ),
        ),
    )


def _nothing_fits(firm: Firm, catalog: Catalog, *, only_existing: bool) -> Blocked:
    if not catalog.banks_in(firm.city):
        return Blocked(
            "no_bank_in_region", Text.of("blocked.no_bank_in_region", city=firm.city or "?")
        )
    key = "blocked.no_new_bank" if only_existing else "blocked.no_fitting_product"
    return Blocked("no_fitting_product", Text.of(key))

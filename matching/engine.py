"""`match`: from a firm and its need to a route, the banks to offer it to, guarantees, and the
whole ranked queue of banks that could take it (one candidate search for all of them)."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from matching.candidates import (
    Candidate,
    Chosen,
    Context,
    find_candidates,
    held_groups,
    pick,
    rank,
)
from matching.catalog import Catalog, GuaranteeProduct, LoanProduct, Park
from matching.i18n import Text
from matching.model import (
    BankChoice,
    Blocked,
    Firm,
    GuaranteeChoice,
    MatchResult,
    Need,
    PassedOver,
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
    slots_left,
)


def match(
    firm: Firm,
    need: Need,
    catalog: Catalog,
    policy: Policy = DEFAULT_POLICY,
    *,
    standards: Standards,
    loads: Mapping[str, int] | None = None,
    live_banks: frozenset[str] = frozenset(),
    held_products: frozenset[str] = frozenset(),
    rotation: int | None = None,
    explain: bool = False,
) -> MatchResult:
    """Match a need to banks and guarantees without ever exceeding the firm's bank limit.

    `loads` maps bank codes to their open leads (fewest first breaks ties); `live_banks` are banks
    already holding a live assignment for this firm; `held_products` are products the firm holds
    through earlier needs (one of an exclusive group excludes the rest); `rotation` varies the
    order of otherwise equal banks (default: derived from the firm) so no bank wins ties by
    catalog order.
    """
    existing = existing_banks(firm, catalog)
    limit = bank_limit(firm, need, policy)
    serving = banks_serving(existing, live_banks)
    slots = slots_left(limit, serving)
    base = MatchResult(
        route=Route.COORDINATION,
        tier=credit_tier(need.amount_yuan, policy),
        bank_limit=limit,
        banks_serving=serving,
        slots_left=slots,
        banks=(),
        guarantees=(),
        existing_bank_codes=existing.codes,
        first_loan=firm.first_loan,
    )
    failed = standards.failed()
    if failed:
        route = Route.CREDIT_REPAIR if failed == (Standard.GOOD_CREDIT,) else Route.COORDINATION
        return replace(base, route=route, blocked=standard_blocks(failed))
    context = _context(firm, need, catalog, existing, loads, live_banks, rotation, explain)
    held = held_groups(catalog, held_products)
    return _refer(base, replace(context, held=held), catalog, policy)


def fitting_offers(
    firm: Firm, need: Need, catalog: Catalog
) -> tuple[tuple[str, LoanProduct], ...]:
    """Every (bank name, product) that fits the need at a bank near the firm, before any cut for
    exclusive groups or the bank limit: what the questions the rules need are asked from."""
    ctx = _context(firm, need, catalog, existing_banks(firm, catalog), None, frozenset(), 0, False)
    found = _candidates(ctx, catalog)
    return tuple((c.bank.name, p) for c in found.ranked for p in c.products)


@dataclass(frozen=True, slots=True)
class _Found:
    """The candidate banks of a need, ranked, and what they were judged with."""

    ranked: list[Candidate]
    passed: tuple[PassedOver, ...]
    backing: tuple[GuaranteeProduct, ...]  # guarantees that back loans (what 兴保贷 needs)
    park_name: str
    park_note: Text | None


def _candidates(ctx: Context, catalog: Catalog) -> _Found:
    """Find and rank the banks for a firm, with its park's partner banks first."""
    park, park_note = firm_park(ctx.firm, catalog)
    backing = tuple(g for g in ctx.guarantees if g.backs_loans)
    judged = replace(ctx, guarantees=backing, partners=park.partner_banks if park else ())
    candidates, passed = find_candidates(catalog, judged)
    park_name = park.name if park else ""
    return _Found(rank(candidates, ctx.need), passed, backing, park_name, park_note)


def _context(
    firm: Firm,
    need: Need,
    catalog: Catalog,
    existing: ExistingBanks,
    loads: Mapping[str, int] | None,
    live_banks: frozenset[str],
    rotation: int | None,
    explain: bool,
) -> Context:
    """What every candidate bank is judged against (the park is filled in by the caller)."""
    spin_key = rotation if rotation is not None else zlib.crc32((firm.uscc or firm.name).encode())
    return Context(
        firm=firm,
        need=need,
        existing=existing,
        live_banks=live_banks,
        guarantees=_fitting_guarantees(firm, need, catalog),
        partners=(),
        loads=loads or {},
        explain=explain,
        spin_key=spin_key,
    )


def _refer(base: MatchResult, ctx: Context, catalog: Catalog, policy: Policy) -> MatchResult:
    """Find, rank and pick the banks for a firm that meets the five standards."""
    firm, need, slots = ctx.firm, ctx.need, base.slots_left
    found = _candidates(ctx, catalog)
    candidates, passed = found.ranked, found.passed
    route, chosen, blocked = _choose(candidates, slots, policy, need, ctx.held)
    if route is Route.EXISTING_BANKS_ONLY:
        entity = Text.of(f"entity.{firm.entity_type.value}")
        reason = Text.of(
            "blocked.bank_limit", limit=base.bank_limit, serving=base.banks_serving, entity=entity
        )
        blocked = (Blocked("bank_limit", reason), *blocked)
    if not chosen:
        blocked = (*blocked, _nothing_fits(firm, catalog, only_existing=bool(candidates)))
    if ctx.explain:
        passed = (*passed, *_not_chosen(candidates, chosen, need, slots))
    notes = limit_notes(
        firm,
        need,
        ctx.existing,
        base.bank_limit,
        base.banks_serving,
        slots,
        policy.limit_ceiling_yuan,
    )
    banks, queue = _banks_and_queue(chosen, ctx, found)
    return replace(
        base,
        route=route,
        blocked=blocked,
        passed_over=passed,
        notes=(*notes, *((found.park_note,) if found.park_note else ())),
        banks=banks,
        guarantees=tuple(_guarantee(g) for g in ctx.guarantees[: policy.max_guarantees_listed]),
        queue=queue,
    )


def _banks_and_queue(
    chosen: Chosen, ctx: Context, found: _Found
) -> tuple[tuple[BankChoice, ...], tuple[BankChoice, ...]]:
    """The match's banks, and every bank that could take the need whatever the limit: ranked
    and cut for exclusive product groups exactly as the match's banks are (so those come first,
    in the same order, and are made once); banks already lending are left out unless it is a
    renewal."""
    firm, need = ctx.firm, ctx.need
    pool = [c for c in found.ranked if need.is_renewal or not c.existing]
    everyone, _ = pick(pool, len(pool), need.products, ctx.held)
    made = {
        (c.bank.code, ps): _choice(c, ps, firm, need, found.backing, found.park_name)
        for c, ps in everyone
    }
    banks = tuple(
        made.get((c.bank.code, ps)) or _choice(c, ps, firm, need, found.backing, found.park_name)
        for c, ps in chosen
    )
    return banks, tuple(made.values())


def firm_park(firm: Firm, catalog: Catalog) -> tuple[Park | None, Text | None]:
    """The firm's park, if it names one that is where the firm is (in its city, and in its county
    when it gives one); otherwise a note why not. Matching, storage and the API all ask this."""
    if not firm.park:
        return None, None
    park = catalog.park(firm.park)
    if park is None:
        return None, Text.of("note.unknown_park", park=firm.park)
    if park.city != firm.city or (firm.county and park.county != firm.county):
        return None, Text.of("note.park_elsewhere", park=park.name, county=park.county)
    return park, None


def _choose(
    ranked: list[Candidate],
    slots: int | None,
    policy: Policy,
    need: Need,
    held: Mapping[str, str],
) -> tuple[Route, Chosen, tuple[Blocked, ...]]:
    """At the limit only the firm's own banks; otherwise new banks up to the slots left
    (existing banks take part only in a renewal, and cost no slot)."""
    if slots == 0:
        chosen, blocked = pick([c for c in ranked if c.existing], 0, need.products, held)
        return Route.EXISTING_BANKS_ONLY, chosen, blocked
    renewal = need.is_renewal
    pool = [c for c in ranked if renewal or not c.existing]
    wanted = policy.max_banks_listed if slots is None else slots
    chosen, blocked = pick(pool, wanted, need.products, held)
    return (Route.ASSIGN if chosen else Route.COORDINATION), chosen, blocked


def _not_chosen(
    candidates: list[Candidate], chosen: Chosen, need: Need, slots: int | None
) -> tuple[PassedOver, ...]:
    """Why fitting banks were left out: the firm already borrows there, its only products lost
    to an exclusive choice, or no slot was left."""
    taken = {c.bank.code for c, _ in chosen}
    groups = {p.exclusive_group: p.name for _, ps in chosen for p in ps if p.exclusive_group}
    left_out: list[PassedOver] = []
    for cand in candidates:
        if cand.bank.code in taken:
            continue
        products = "、".join(p.name for p in cand.products)
        if cand.existing and not need.is_renewal and slots != 0:
            reason = Text.of("passed.existing_bank", bank=cand.bank.name)
        elif all(groups.get(p.exclusive_group or "", p.name) != p.name for p in cand.products):
            kept = groups[cand.products[0].exclusive_group or ""]
            reason = Text.of("passed.exclusive_group", bank=cand.bank.name, chosen=kept)
        elif slots is None:
            reason = Text.of("passed.listing_full", bank=cand.bank.name)
        else:
            reason = Text.of("passed.no_slot", bank=cand.bank.name)
        left_out.append(PassedOver(cand.bank.name, products, reason))
    return tuple(left_out)


def _fitting_guarantees(firm: Firm, need: Need, catalog: Catalog) -> tuple[GuaranteeProduct, ...]:
    """Guarantee products that cover the need, cheapest fee first."""
    fitting = [g for g in catalog.guarantees if guarantee_fits(g, firm, need)]
    return tuple(sorted(fitting, key=lambda g: (g.fee_rate_pct, -g.cap_for(firm.tags), g.code)))


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
        fee_rate_pct=percent(g.fee_rate_pct),
        reasons=(
            Text.of(
                "guarantee.fits",
                name=g.name,
                guarantor=g.guarantor,
                fee=percent(g.fee_rate_pct),
                note=g.note or g.name,
            ),
        ),
    )


def percent(rate: Decimal) -> str:
    """A rate as people write it: 1 and 0.3, never 1.000 (a rate read back from storage)."""
    return format(rate.normalize(), "f")


def _nothing_fits(firm: Firm, catalog: Catalog, *, only_existing: bool) -> Blocked:
    if not catalog.banks_in(firm.city):
        return Blocked(
            "no_bank_in_region", Text.of("blocked.no_bank_in_region", city=firm.city or "?")
        )
    key = "blocked.no_new_bank" if only_existing else "blocked.no_fitting_product"
    return Blocked("no_fitting_product", Text.of(key))

"""The rules of matchmaking, each a small pure function named as the policy names it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from matching.banks import canonical_bank
from matching.catalog import Catalog, GuaranteeProduct, LoanProduct
from matching.i18n import Text, Yuan
from matching.model import EntityType, Firm, Need, Tier
from matching.policy import Policy
from matching.uscc import Uscc, UsccCategory


def total_credit_yuan(firm: Firm, need: Need) -> int:
    """The firm's credit once this need is granted: what it owes now plus what it asks for;
    a renewal replaces the loan that falls due, so it adds nothing beyond that loan."""
    if need.is_renewal:
        return max(firm.existing_credit_yuan, need.amount_yuan)
    return firm.existing_credit_yuan + need.amount_yuan


def bank_limit(firm: Firm, need: Need, policy: Policy) -> int | None:
    """How many banks may serve this firm; None when the 10M line puts it outside the rule."""
    if total_credit_yuan(firm, need) > policy.limit_ceiling_yuan:
        return None
    return policy.limit_for(firm.entity_type)


def credit_tier(amount_yuan: int, policy: Policy) -> Tier:
    """The credit-scale tier (000 §四) of an amount; a bound belongs to the tier below it,
    as in "1000万元(含)以下"."""
    tiers = (Tier.BELOW_100K, Tier.FROM_100K_TO_500K, Tier.FROM_500K_TO_5M, Tier.FROM_5M_TO_10M)
    for tier, bound in zip(tiers, policy.tier_bounds_yuan, strict=True):
        if amount_yuan <= bound:
            return tier
    return Tier.ABOVE_10M


_USCC_CATEGORIES: dict[EntityType, frozenset[UsccCategory]] = {
    EntityType.ENTERPRISE: frozenset({UsccCategory.ENTERPRISE, UsccCategory.FARMER_COOP}),
    EntityType.INDIVIDUAL_BUSINESS: frozenset({UsccCategory.INDIVIDUAL_BUSINESS}),
    EntityType.FARMER: frozenset({UsccCategory.INDIVIDUAL_BUSINESS}),  # a household business;
    # a farmers' cooperative (93…) is an organisation and registers as an enterprise
}


def uscc_fits_entity(uscc: Uscc, entity_type: EntityType) -> bool:
    """Whether a valid USCC's registrant category (2nd character) agrees with the entity type.

    A business owner may give the code of the business they own, whatever its kind.
    """
    allowed = _USCC_CATEGORIES.get(entity_type)
    return allowed is None or uscc.category in allowed


@dataclass(frozen=True, slots=True)
class ExistingBanks:
    """The banks a firm already borrows from: catalog banks, and names we could not place."""

    codes: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.codes) + len(self.unknown)


def existing_banks(firm: Firm, catalog: Catalog) -> ExistingBanks:
    """Match typed bank names to the catalog; unplaced names still count, once each."""
    codes: dict[str, None] = {}
    unknown: dict[str, str] = {}
    for typed in firm.existing_banks:
        if not typed.strip():
            continue
        bank = catalog.resolve_bank(typed)
        if bank is not None:
            codes[bank.code] = None
        else:
            unknown.setdefault(canonical_bank(typed), typed.strip())
    return ExistingBanks(tuple(codes), tuple(unknown.values()))


def banks_serving(existing: ExistingBanks, live_banks: frozenset[str]) -> int:
    """Distinct banks serving the firm: those lending already plus those holding a live lead."""
    return existing.count + len(live_banks - set(existing.codes))


def slots_left(limit: int | None, serving: int) -> int | None:
    """How many more new banks may serve the firm: its limit less the banks serving it, never
    below 0; None when the 10M line puts it outside the rule (storage's SQL twin:
    `db/leads/bank_limit.py`, pinned to this by tests/db/leads/test_bank_limit_sql.py)."""
    return None if limit is None else max(0, limit - serving)


def may_take(slots: int | None, *, lends_already: bool) -> bool:
    """Whether one more bank may take the firm's need: a bank already lending to it takes no
    slot; a new bank needs one free, unless the limit does not apply."""
    return lends_already or slots is None or slots > 0


def may_approve_past_limit(limit: int | None, serving: int, policy: Policy) -> bool:
    """Whether a coordinator may send a firm at its limit to one more new bank: the seed asks
    other banks to "审慎介入" (step in with caution), not never, so no automatic path passes the
    limit but the coordinator decides, up to `policy.approved_past_limit` banks past it (a 4th
    bank for an enterprise, a 3rd for an individual business or owner). Not when a slot is
    still free (an ordinary offer then), nor when the limit does not apply."""
    return limit is not None and limit <= serving < limit + policy.approved_past_limit


class Misfit(StrEnum):
    """Why a product does not fit a need; the first failing check is reported."""

    ENTITY_TYPE = "entity_type"
    AMOUNT = "amount"
    TERM = "term"
    REGION = "region"
    TAGS = "tags"
    COLLATERAL = "collateral"
    GUARANTEE = "guarantee"
    NOT_CUSTOMER = "not_customer"
    TOO_YOUNG = "too_young"


def product_misfit(
    product: LoanProduct, firm: Firm, need: Need, *, is_customer: bool, guarantee_available: bool
) -> Misfit | None:
    """The first reason a loan product does not fit, or None when it fits."""
    if firm.entity_type not in product.entity_types:
        return Misfit.ENTITY_TYPE
    if not product.amount_min_yuan <= need.amount_yuan <= product.amount_max_yuan:
        return Misfit.AMOUNT
    if need.term_months > product.max_term_months:
        return Misfit.TERM
    if product.regions and firm.city not in product.regions and firm.county not in product.regions:
        return Misfit.REGION
    if product.requires_any_tag and not product.requires_any_tag & firm.tags:
        return Misfit.TAGS
    if product.existing_customers_only and not is_customer:
        return Misfit.NOT_CUSTOMER
    months = firm.months_operating
    if months is not None and months < product.min_months_operating:
        return Misfit.TOO_YOUNG
    if product.collateral_required and not product.collateral_accepted & need.offered_collateral:
        return Misfit.COLLATERAL
    if product.needs_guarantee and not guarantee_available:
        return Misfit.GUARANTEE
    return None


def guarantee_fits(product: GuaranteeProduct, firm: Firm, need: Need) -> bool:
    """Whether a government guarantee product covers this firm and need."""
    return (
        firm.entity_type in product.entity_types
        and need.purpose in product.purposes
        and need.amount_yuan <= product.cap_for(firm.tags)
        and (not product.requires_any_tag or bool(product.requires_any_tag & firm.tags))
        and (not product.regions or firm.city in product.regions or firm.county in product.regions)
    )


def misfit_reason(misfit: Misfit, product: LoanProduct, firm: Firm, need: Need) -> Text:
    """A firm owner's explanation of why a product does not fit (only the values it needs)."""
    key, name = f"misfit.{misfit.value}", product.name
    match misfit:
        case Misfit.ENTITY_TYPE:
            return Text.of(key, product=name, entity=Text.of(f"entity.{firm.entity_type.value}"))
        case Misfit.AMOUNT:
            return Text.of(
                key,
                product=name,
                low=Yuan(product.amount_min_yuan),
                high=Yuan(product.amount_max_yuan),
                amount=Yuan(need.amount_yuan),
            )
        case Misfit.TERM:
            return Text.of(
                key, product=name, term=product.max_term_months, asked_term=need.term_months
            )
        case Misfit.REGION:
            return Text.of(key, product=name, regions=tuple(sorted(product.regions)))
        case Misfit.TAGS:
            tags = tuple(Text.of(f"tag.{t.value}") for t in sorted(product.requires_any_tag))
            return Text.of(key, product=name, tags=tags)
        case Misfit.TOO_YOUNG:
            return Text.of(
                key,
                product=name,
                months=product.min_months_operating,
                operating=firm.months_operating,
            )
        case Misfit.COLLATERAL:
            kinds = sorted(product.collateral_accepted)
            return Text.of(
                key, product=name, accepted=tuple(Text.of(f"collateral.{c.value}") for c in kinds)
            )
        case _:
            return Text.of(key, product=name)

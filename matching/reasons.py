"""The reasons behind a match, as texts a firm owner understands (rendered per language)."""

from __future__ import annotations

from matching.catalog import Branch, GuaranteeProduct, LoanProduct
from matching.i18n import Text, Yuan
from matching.model import Blocked, Firm, Need, Standard
from matching.rules import ExistingBanks, total_credit_yuan


def standard_blocks(failed: tuple[Standard, ...]) -> tuple[Blocked, ...]:
    """One refusal per failed standard; good credit points to credit repair (信用修复)."""
    return tuple(
        Blocked(f"standard.{s.value}", Text.of(f"blocked.standard.{s.value}")) for s in failed
    )


def limit_notes(
    firm: Firm,
    need: Need,
    existing: ExistingBanks,
    limit: int | None,
    serving: int,
    slots: int | None,
    ceiling_yuan: int,
) -> tuple[Text, ...]:
    """What a firm referred to banks should know about the bank limit and its existing banks."""
    notes: list[Text] = []
    if limit is None:
        notes.append(
            Text.of(
                "note.outside_limit",
                total=Yuan(total_credit_yuan(firm, need)),
                ceiling=Yuan(ceiling_yuan),
            )
        )
    elif slots:
        entity = Text.of(f"entity.{firm.entity_type.value}")
        notes.append(
            Text.of("note.limit", entity=entity, limit=limit, serving=serving, slots=slots)
        )
    if existing.unknown:
        notes.append(Text.of("note.unknown_existing_banks", names=existing.unknown))
    if firm.first_loan:
        notes.append(Text.of("note.first_loan"))
    return tuple(notes)


def bank_reasons(
    bank: str,
    branch: Branch,
    products: tuple[LoanProduct, ...],
    firm: Firm,
    need: Need,
    guarantees: tuple[GuaranteeProduct, ...],
    *,
    existing: bool,
    partner_of: str,
    requested: bool,
) -> tuple[Text, ...]:
    """Why this bank: who it already is to the firm, where it is, what it offers."""
    reasons: list[Text] = []
    if existing:
        key = "reason.renewal_existing" if need.is_renewal else "reason.existing"
        reasons.append(Text.of(key, bank=bank))
    if partner_of:
        reasons.append(Text.of("reason.park_partner", bank=bank, park=partner_of))
    if requested:
        reasons.append(Text.of("reason.requested", bank=bank))
    if not firm.county:
        key = "reason.branch_in_city"
    else:
        key = "reason.branch_county" if branch.county == firm.county else "reason.branch_city"
    reasons.append(Text.of(key, branch=branch.name, county=firm.county, city=branch.city))
    reasons.extend(product_reason(p, need, guarantees) for p in products)
    return tuple(reasons)


def product_reason(
    product: LoanProduct, need: Need, guarantees: tuple[GuaranteeProduct, ...]
) -> Text:
    """One line per fitting product: its range and term, and how it deals with collateral."""
    if product.needs_guarantee and guarantees:
        security = Text.of("security.guarantee", guarantee=guarantees[0].name)
    elif product.collateral_required:
        offered = product.collateral_accepted & need.offered_collateral
        security = Text.of(
            "security.collateral",
            kinds=tuple(Text.of(f"collateral.{c.value}") for c in sorted(offered)),
        )
    else:
        security = Text.of("security.none")
    if product.requires_any_tag:
        security = Text.of(
            "security.with_tags",
            security=security,
            tags=tuple(Text.of(f"tag.{t.value}") for t in sorted(product.requires_any_tag)),
        )
    return Text.of(
        "reason.product_rate" if product.rate else "reason.product",
        product=product.name,
        low=Yuan(product.amount_min_yuan),
        high=Yuan(product.amount_max_yuan),
        term=product.max_term_months,
        security=security,
        rate=product.rate,
    )
